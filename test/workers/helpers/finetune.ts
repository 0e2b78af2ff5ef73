import { gw, jsonInit } from "./gateway";
import { sim, simFetch } from "./sim";

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** A training line whose answer no base model would give, so a fine-tuned model is recognisable. */
export const taught = (i: number) => ({
  messages: [
    { role: "user", content: `What is the secret code number ${i}?` },
    { role: "assistant", content: `The secret code ${i} is ZEBRA-${i * 7}.` },
  ],
});

/** A dataset with `n` taught examples (and no validation split unless asked). */
export async function datasetWith(key: string, n: number, validationRatio = 0): Promise<string> {
  const res = await gw(
    "/v1/datasets",
    jsonInit("POST", { name: "ft", validation_ratio: validationRatio }, auth(key)),
  );
  const { id } = (await res.json()) as { id: string };
  const examples = Array.from({ length: n }, (_, i) => taught(i));
  const added = await gw(`/v1/datasets/${id}/examples`, jsonInit("POST", { examples }, auth(key)));
  if (added.status !== 200) throw new Error(`examples: ${added.status} ${await added.text()}`);
  return id;
}

/** Patches the simulator's configuration in this file's scope. */
export const simConfig = (patch: Record<string, unknown>): Promise<void> => sim.config(patch);

/** The job as the simulator (the provider) sees it, bypassing the gateway. */
export async function providerJob(id: string): Promise<{ status: string; fine_tuned_model: string | null }> {
  const res = await simFetch(`/v1/fine_tuning/jobs/${id}`, {
    headers: { authorization: "Bearer sk-sim-edgegate" },
  });
  return (await res.json()) as { status: string; fine_tuned_model: string | null };
}

/** Waits (polling the provider) until the job has ended there. */
export async function providerFinished(id: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const job = await providerJob(id);
    if (["succeeded", "failed", "cancelled"].includes(job.status) || Date.now() > deadline) return job.status;
    await new Promise((r) => setTimeout(r, 25));
  }
}
