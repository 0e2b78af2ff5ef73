import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

/** The bare Worker runs with the gateway's wrangler.toml, so it must export every Durable Object class it names. */
describe("the proxy bench's bare Worker", () => {
  it("exports every Durable Object class of wrangler.toml", async () => {
    const toml = await readFile(new URL("../../../wrangler.toml", import.meta.url), "utf8");
    const worker = await readFile(new URL("./worker.js", import.meta.url), "utf8");
    const classes = [...toml.matchAll(/^class_name = "(\w+)"/gm)].map((m) => m[1]);
    const exported = worker.slice(worker.indexOf("export {"), worker.indexOf("} from")).match(/\w+/g) ?? [];
    expect(classes.length).toBeGreaterThan(0);
    for (const name of classes) expect(exported, `${name} is not exported`).toContain(name);
  });

  it("exports no values from its entry modules (workerd refuses to start one that does)", async () => {
    for (const file of ["./worker.js", "../phases-worker/worker.js"]) {
      const worker = await readFile(new URL(file, import.meta.url), "utf8");
      expect(worker.match(/^export (const|let|var|(async )?function)\b.*/gm) ?? [], file).toEqual([]);
    }
  });
});
