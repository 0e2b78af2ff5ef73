"""Every route the gateway offers SDK users, called through the official Python SDK.

Run by test/e2e/sdk-tour-python.test.ts against a gateway launched as `npm start` launches it.
Environment: EDGEGATE_URL, EDGEGATE_API_KEY, EDGEGATE_INFERENCE_KEY (a key with the `inference`
scope alone), EDGEGATE_SIM_ORIGIN (the simulator's control API) and SSL_CERT_FILE (the gateway's
certificate). Prints one JSON object: for each step, what the SDK returned (or the error it raised).
"""

import json
import os
import sys
import time
import traceback
import urllib.request

import openai

MODEL = "gpt-4o-mini"
STUDENT = "gpt-4o-mini-2024-07-18"
URL = os.environ["EDGEGATE_URL"]
SIM = os.environ["EDGEGATE_SIM_ORIGIN"]

client = openai.OpenAI(base_url=f"{URL}/v1", api_key=os.environ["EDGEGATE_API_KEY"], max_retries=0)
summary: dict = {"sdk_version": openai.__version__}


def sim(path: str, body: object) -> None:
    """Calls the simulator's control API (faults, configuration)."""
    req = urllib.request.Request(
        f"{SIM}{path}", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    urllib.request.urlopen(req).read()


def sim_requests(route: str) -> int:
    with urllib.request.urlopen(f"{SIM}/__sim/stats") as res:
        return json.load(res)["requests"].get(route, 0)


def eventually(read, done, what: str):
    deadline = time.monotonic() + 10
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} never finished")
        time.sleep(0.05)


def step(name: str):
    """Records what the decorated function returns under `name`, or the error it raised."""

    def run(fn):
        try:
            summary[name] = fn()
        except Exception as err:  # noqa: BLE001 - the test shows every failure
            summary[name] = {"error": f"{type(err).__name__}: {err}", "trace": traceback.format_exc()}
        return fn

    return run


def raised(call) -> BaseException:
    try:
        call()
    except Exception as err:  # noqa: BLE001
        return err
    raise AssertionError("expected the call to raise")


@step("models")
def _():
    ids = [m.id for m in client.models.list()]
    model = client.models.retrieve(MODEL)
    return {"listed": MODEL in ids, "retrieved": [model.id, model.object]}


@step("chat")
def _():
    user = [{"role": "user", "content": "Say hello."}]
    plain = client.chat.completions.create(model=MODEL, messages=user)
    text = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in client.chat.completions.create(model=MODEL, messages=user, stream=True)
        if chunk.choices
    )
    weather = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
    tools = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "What is the weather in Paris? Use get_weather."}],
        tools=[weather],
    )
    logprobs = client.chat.completions.create(model=MODEL, messages=user, logprobs=True, top_logprobs=2)
    return {
        "object": plain.object,
        "answered": bool(plain.choices[0].message.content),
        "streamed": bool(text),
        "tool": tools.choices[0].message.tool_calls[0].function.name,
        "top_logprobs": len(logprobs.choices[0].logprobs.content[0].top_logprobs),
    }


@step("stored_completions")
def _():
    created = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Keep this one."}],
        store=True,
        metadata={"tour": "python"},
    )
    listed = eventually(
        lambda: client.chat.completions.list(metadata={"tour": "python"}), lambda p: p.data, "the capture"
    )
    stored = client.chat.completions.retrieve(created.id)
    updated = client.chat.completions.update(created.id, metadata={"tour": "python-2"})
    messages = client.chat.completions.messages.list(created.id)
    deleted = client.chat.completions.delete(created.id)
    gone = raised(lambda: client.chat.completions.retrieve(created.id))
    return {
        "listed": [c.id for c in listed.data] == [created.id],
        "retrieved": stored.id == created.id,
        "metadata": updated.metadata,
        "messages": [[m.role, m.content] for m in messages.data],
        "deleted": [deleted.object, deleted.deleted],
        "after_delete": type(gone).__name__,
    }


@step("embeddings")
def _():
    res = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    return {"indexes": [d.index for d in res.data], "vector": len(res.data[0].embedding) > 0}


@step("responses")
def _():
    plain = client.responses.create(model=MODEL, input="Describe the sea.")
    items = client.responses.input_items.list(plain.id)
    types = [e.type for e in client.responses.create(model=MODEL, input="Describe a hill.", stream=True)]
    background = client.responses.create(model=MODEL, input="Take your time.", background=True)
    done = eventually(
        lambda: client.responses.retrieve(background.id), lambda r: r.status == "completed", "background"
    )
    resumed = [e.sequence_number for e in client.responses.retrieve(background.id, stream=True, starting_after=1)]
    other = client.responses.create(model=MODEL, input="Never mind.", background=True)
    cancelled = client.responses.cancel(other.id)
    client.responses.delete(plain.id)
    gone = raised(lambda: client.responses.retrieve(plain.id))
    return {
        "plain": [plain.status, bool(plain.output_text)],
        "input_items": [items.data[0].type, items.data[0].role],
        "stream": [types[0], types[-1]],
        "background": [background.status, done.status],
        "resumed_from": resumed[0],
        "cancelled": cancelled.status,
        "after_delete": type(gone).__name__,
    }


@step("files_and_fine_tuning")
def _():
    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"What is the code number {i}?"},
                    {"role": "assistant", "content": f"The code {i} is ZEBRA-{i * 7}."},
                ]
            }
        )
        for i in range(10)
    ]
    jsonl = "\n".join(lines) + "\n"
    file = client.files.create(file=("train.jsonl", jsonl.encode()), purpose="fine-tune")
    listed = file.id in [f.id for f in client.files.list()]
    content = client.files.content(file.id).text
    job = client.fine_tuning.jobs.create(model=STUDENT, training_file=file.id, suffix="tour")
    jobs = [j.id for j in client.fine_tuning.jobs.list()]
    done = eventually(
        lambda: client.fine_tuning.jobs.retrieve(job.id), lambda j: j.status == "succeeded", "the job"
    )
    events = client.fine_tuning.jobs.list_events(job.id)
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id)
    result = client.files.retrieve(done.result_files[0])
    result_text = client.files.content(result.id).text
    sim("/__sim/config", {"fineTuneStepMs": 60_000})
    try:
        slow = client.fine_tuning.jobs.create(model=STUDENT, training_file=file.id)
        cancelled = client.fine_tuning.jobs.cancel(slow.id)
    finally:
        sim("/__sim/config", {"fineTuneStepMs": 10})
    deleted = client.files.delete(file.id)
    return {
        "uploaded": [file.object, file.purpose, file.bytes == len(jsonl.encode())],
        "listed": listed,
        "content": content == jsonl,
        "job_listed": job.id in jobs,
        "job": [done.status, done.fine_tuned_model.startswith("ft:")],
        "events": events.data[0].object,
        "checkpoints": checkpoints.data[0].object,
        "result_file": [result.purpose, result_text.startswith("step,")],
        "cancelled": cancelled.status,
        "deleted": deleted.deleted,
    }


@step("realtime")
def _():
    with client.realtime.connect(model="gpt-realtime") as conn:
        first = conn.recv()
        conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello from python"}]}
        )
        conn.response.create()
        for event in conn:
            if event.type == "response.output_audio_transcript.done":
                return {"first": first.type, "transcript": event.transcript}
            if event.type == "error":
                return {"first": first.type, "error": event.error.message}
    return {"first": first.type, "transcript": None}


@step("cut_stream")
def _():
    sim("/__sim/reset", {})
    sim("/__sim/faults", {"route": "POST /v1/chat/completions", "cutStreamAfterEvents": 2})
    stream = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "This stream will break."}], stream=True
    )
    err = raised(lambda: [chunk for chunk in stream])
    return {"raised": type(err).__name__, "is_api_error": isinstance(err, openai.APIError), "message": str(err)}


@step("rate_limited")
def _():
    sim("/__sim/reset", {})
    sim(
        "/__sim/faults",
        {"route": "POST /v1/chat/completions", "errorStatus": 429, "retryAfterSeconds": 30, "count": 5},
    )
    retrying = client.with_options(max_retries=2)
    err = raised(lambda: retrying.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Busy?"}]))
    provider_calls = sim_requests("POST /v1/chat/completions")
    sim("/__sim/reset", {})
    return {
        "raised": type(err).__name__,
        "status": err.status_code,
        "x_should_retry": err.response.headers.get("x-should-retry"),
        "retry_after": err.response.headers.get("retry-after"),
        "provider_calls": provider_calls,
    }


@step("auth_errors")
def _():
    bad = openai.OpenAI(base_url=f"{URL}/v1", api_key="egk_not_a_real_key", max_retries=0)
    unknown = raised(lambda: bad.models.list())
    scoped = openai.OpenAI(base_url=f"{URL}/v1", api_key=os.environ["EDGEGATE_INFERENCE_KEY"], max_retries=0)
    denied = raised(lambda: scoped.files.list())
    return {
        "bad_key": [type(unknown).__name__, unknown.status_code, sorted(unknown.body.keys())],
        "missing_scope": [type(denied).__name__, denied.status_code, denied.code],
    }


json.dump(summary, sys.stdout)
