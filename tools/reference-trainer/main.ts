/**
 * The reference trainer, run with tsx: `npx tsx tools/reference-trainer/main.ts --manifest <signed
 * manifest URL> --callback <callback_url> --secret <callback_secret> --host <open-weight base URL>
 * --host-key <its key> --provider <the tenant's provider name for that host>`. Each flag may also be
 * given as an environment variable (MANIFEST_URL, CALLBACK_URL, CALLBACK_SECRET, HOST_URL, HOST_KEY,
 * PROVIDER). See docs/training.md.
 */
import { parseArgs } from "node:util";
import { runReferenceTrainer } from "./protocol";

const { values } = parseArgs({
  options: {
    manifest: { type: "string", default: process.env.MANIFEST_URL },
    callback: { type: "string", default: process.env.CALLBACK_URL },
    secret: { type: "string", default: process.env.CALLBACK_SECRET },
    host: { type: "string", default: process.env.HOST_URL },
    "host-key": { type: "string", default: process.env.HOST_KEY },
    provider: { type: "string", default: process.env.PROVIDER },
  },
});

function required(name: keyof typeof values): string {
  const value = values[name];
  if (!value) {
    console.error(
      `reference-trainer: --${name} is required (see the header of tools/reference-trainer/main.ts).`,
    );
    process.exit(2);
  }
  return value;
}

runReferenceTrainer({
  manifestUrl: required("manifest"),
  callbackUrl: required("callback"),
  callbackSecret: required("secret"),
  host: { baseUrl: required("host"), apiKey: required("host-key") },
  provider: required("provider"),
  log: (line) => console.log(`reference-trainer: ${line}`),
}).catch((err: unknown) => {
  console.error(`reference-trainer: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
