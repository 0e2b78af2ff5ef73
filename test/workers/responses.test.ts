/**
 * The whole Responses API through the gateway with the official SDK: create (plain, streamed,
 * background), retrieve (and resume a stream with `starting_after`), input items, cancel, delete,
 * with the ownership the shared provider account needs: another tenant, or another end user of the
 * same tenant, gets 404 for every id it did not create, `previous_response_id` included.
 */
import type OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { simConfig } from "./helpers/finetune";
import { apiError, collect, createTenant, gw, jsonInit, sdk, type TestTenant } from "./helpers/gateway";

const MODEL = "gpt-4.1-mini";

async function userToken(t: TestTenant, user: string): Promise<string> {
  const res = await gw(
    "/v1/auth/user_tokens",
    jsonInit("POST", { user }, { authorization: `Bearer ${t.key}` }),
  );
  if (res.status !== 201) throw new Error(`mint: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Polls the response until it leaves `queued`/`in_progress` (the simulator steps every 20 ms). */
async function settled(client: OpenAI, id: string) {
  for (;;) {
    const response = await client.responses.retrieve(id);
    if (response.status !== "queued" && response.status !== "in_progress") return response;
  }
}

let tenant: TestTenant;
let client: OpenAI;
beforeAll(async () => {
  tenant = await createTenant();
  client = sdk(tenant.key);
});
afterEach(() => simConfig({ backgroundStepMs: 20 }));

const unique = (text: string) => `${text} ${crypto.randomUUID()}`;

describe("managing responses through the gateway", () => {
  it("creates, retrieves, lists input items of and deletes a plain response", async () => {
    const created = await client.responses.create({ model: MODEL, input: unique("Tell me about owls") });
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved).toMatchObject({ id: created.id, status: "completed", object: "response" });
    expect(retrieved.output_text).toBe(created.output_text);
    const items = await collect(client.responses.inputItems.list(created.id));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: "message", role: "user" });
    await client.responses.delete(created.id);
    expect((await apiError(client.responses.retrieve(created.id))).status).toBe(404);
  });

  it("records a streamed response from its response.created event before the client sees it", async () => {
    const stream = await client.responses.create({
      model: MODEL,
      input: unique("Stream on kites"),
      stream: true,
    });
    let id = "";
    for await (const event of stream) {
      if (event.type === "response.created") {
        id = event.response.id;
        // Retrieved while the stream is still open: the id is already the tenant's.
        expect((await client.responses.inputItems.list(id)).data).toHaveLength(1);
      }
    }
    expect((await client.responses.retrieve(id)).status).toBe("completed");
  });

  it("runs a background response to its end, and cancels a queued one", async () => {
    const queued = await client.responses.create({
      model: MODEL,
      input: unique("Slowly: seas"),
      background: true,
    });
    expect(queued).toMatchObject({ status: "queued", background: true });
    expect((await settled(client, queued.id)).status).toBe("completed");
    expect((await client.responses.cancel(queued.id)).status).toBe("completed");

    await simConfig({ backgroundStepMs: 60_000 });
    const slow = await client.responses.create({
      model: MODEL,
      input: unique("Never: hills"),
      background: true,
    });
    expect((await client.responses.cancel(slow.id)).status).toBe("cancelled");
    expect((await client.responses.retrieve(slow.id)).status).toBe("cancelled");
  });

  it("relays the provider's 400 for cancelling a foreground response", async () => {
    const plain = await client.responses.create({ model: MODEL, input: unique("Quick: lakes") });
    expect((await apiError(client.responses.cancel(plain.id))).status).toBe(400);
  });

  it("resumes a background stream after a sequence number", async () => {
    const events = await collect(
      await client.responses.create({
        model: MODEL,
        input: unique("Resume: dunes"),
        background: true,
        stream: true,
      }),
    );
    const created = events[0];
    expect(created?.type).toBe("response.created");
    const id = created?.type === "response.created" ? created.response.id : "";
    const resumed: ResponseStreamEvent[] = await collect(
      await client.responses.retrieve(id, { stream: true, starting_after: 6 }),
    );
    expect(resumed.map((e) => e.sequence_number)).toEqual(events.slice(7).map((e) => e.sequence_number));
    expect(resumed.at(-1)?.type).toBe("response.completed");
  });

  it("chains previous_response_id within the tenant", async () => {
    const first = await client.responses.create({ model: MODEL, input: unique("Remember: 42") });
    const second = await client.responses.create({
      model: MODEL,
      input: "And then?",
      previous_response_id: first.id,
    });
    expect(second.previous_response_id).toBe(first.id);
  });
});

describe("ownership on the shared provider account", () => {
  it("answers 404 to another tenant for every operation and for previous_response_id", async () => {
    const mine = await client.responses.create({ model: MODEL, input: unique("Private"), background: true });
    const other = sdk((await createTenant()).key);
    for (const call of [
      () => other.responses.retrieve(mine.id),
      () => other.responses.retrieve(mine.id, { stream: true }),
      () => other.responses.inputItems.list(mine.id),
      () => other.responses.cancel(mine.id),
      () => other.responses.delete(mine.id),
      () => other.responses.create({ model: MODEL, input: "x", previous_response_id: mine.id }),
    ]) {
      const error = await apiError(call());
      expect(error.status).toBe(404);
    }
    const previous = await apiError(
      other.responses.create({ model: MODEL, input: "x", previous_response_id: mine.id }),
    );
    expect(previous.code).toBe("previous_response_not_found");
    // Still there for its owner: the refused delete reached nothing.
    expect((await client.responses.retrieve(mine.id)).id).toBe(mine.id);
  });

  it("limits end users to their own responses; the tenant's key sees them all", async () => {
    const alice = sdk(await userToken(tenant, "alice"));
    const bob = sdk(await userToken(tenant, "bob"));
    const hers = await alice.responses.create({ model: MODEL, input: unique("Alice's question") });
    expect((await alice.responses.retrieve(hers.id)).id).toBe(hers.id);
    expect((await apiError(bob.responses.retrieve(hers.id))).status).toBe(404);
    expect((await apiError(bob.responses.delete(hers.id))).status).toBe(404);
    expect(
      (await apiError(bob.responses.create({ model: MODEL, input: "x", previous_response_id: hers.id })))
        .status,
    ).toBe(404);
    const keys = await client.responses.retrieve(hers.id);
    expect(keys.id).toBe(hers.id);
    const made = await client.responses.create({ model: MODEL, input: unique("The key's own") });
    expect((await apiError(alice.responses.retrieve(made.id))).status).toBe(404);
  });

  it("answers an unknown id exactly as another tenant's", async () => {
    const error = await apiError(client.responses.retrieve("resp_doesnotexist"));
    expect(error.status).toBe(404);
    expect(error.message).toContain("resp_doesnotexist");
  });

  it("records nothing for store: false", async () => {
    const unstored = await client.responses.create({ model: MODEL, input: unique("Forget"), store: false });
    expect((await apiError(client.responses.retrieve(unstored.id))).status).toBe(404);
  });
});
