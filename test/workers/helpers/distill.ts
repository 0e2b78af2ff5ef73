import { auth } from "./finetune";
import { gw, jsonInit, sdk } from "./gateway";

/** The JSON body of a 2xx answer (anything else fails the test with the body). */
export async function json<T>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  if (!r.ok) throw new Error(`${r.status}: ${await r.text()}`);
  return (await r.json()) as T;
}

/** Reads until `done` (captures and evaluations finish after the answer, outside the request). */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 8_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface TeacherTraffic {
  teacher: string;
  count: number;
  question: (i: number) => string;
  /** The `metadata.app` the completions are captured (and imported) with. */
  app: string;
  validationRatio: number;
}

/** Teacher traffic captured with `store: true`, then a dataset imported from it. */
export async function capturedDataset(
  key: string,
  t: TeacherTraffic,
): Promise<{ datasetId: string; imported: number }> {
  const client = sdk(key);
  for (let i = 0; i < t.count; i++) {
    await client.chat.completions.create({
      model: t.teacher,
      messages: [{ role: "user", content: t.question(i) }],
      store: true,
      metadata: { app: t.app },
    });
  }
  await waitFor(
    () => client.chat.completions.list({ limit: 100 }),
    (l) => l.data.length >= t.count,
  );
  const ds = await json<{ id: string }>(
    gw("/v1/datasets", jsonInit("POST", { name: t.app, validation_ratio: t.validationRatio }, auth(key))),
  );
  const { imported } = await json<{ imported: number }>(
    gw(`/v1/datasets/${ds.id}/import`, jsonInit("POST", { filter: { metadata: { app: t.app } } }, auth(key))),
  );
  return { datasetId: ds.id, imported };
}
