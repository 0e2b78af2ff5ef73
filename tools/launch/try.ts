import { bootstrapTenant, httpRequest, launchGateway } from "/work/main/tools/launch";

const t0 = performance.now();
const gw = await launchGateway({ logLevel: (process.argv[2] ?? "warn") as "warn" });
console.log("up", Math.round(performance.now() - t0), gw.url);
const k = await bootstrapTenant(gw.url, gw.adminToken, "default", { ca: gw.ca });
console.log(k);
const r = await httpRequest(`${gw.url}/v1/chat/completions`, {
  method: "POST",
  ca: gw.ca,
  headers: { authorization: `Bearer ${k.apiKey}`, "content-type": "application/json" },
  body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
});
console.log(r.status, r.body.slice(0, 300));
const t1 = performance.now();
await gw.close();
console.log("closed", Math.round(performance.now() - t1));
