/**
 * The Chromium the console's browser tests drive: `CHROMIUM_PATH` when set, otherwise the headless
 * build shipped inside the `@sparticuz/chromium` devDependency, so `npm install` is all a machine needs
 * (the binary links only libc, libexpat and libgcc_s).
 *
 * @see https://github.com/Sparticuz/chromium
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../tools/launch/wrangler-env";

const run = promisify(execFile);
const PACKAGE = "@sparticuz/chromium";

export interface ChromiumBinary {
  executablePath: string;
  /** Environment the browser needs on top of `process.env` (where its bundled fonts are). */
  env: Record<string, string>;
}

let extracted: Promise<ChromiumBinary> | undefined;

/** The browser to launch; the package's binary is extracted once per version and machine. */
export function chromiumBinary(): Promise<ChromiumBinary> {
  const override = process.env.CHROMIUM_PATH;
  if (override) return Promise.resolve({ executablePath: override, env: {} });
  extracted ??= extract();
  return extracted;
}

/**
 * `executablePath()` of the package inflates into `os.tmpdir()` and returns any `chromium` file already
 * there, even one another test worker is still writing. So each worker inflates into a staging folder of
 * its own (the package's child process gets it as TMPDIR) and renames it into place: the rename is atomic,
 * the first worker's folder wins, and a worker killed mid-way leaves only an unused staging folder.
 */
async function extract(): Promise<ChromiumBinary> {
  const entry = createRequire(join(PROJECT_ROOT, "package.json")).resolve(PACKAGE);
  const { version } = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8")) as {
    version: string;
  };
  // Per user too: the folder is private to whoever extracted it.
  const dir = join(tmpdir(), `edgegate-chromium-${version}-${process.getuid?.() ?? 0}`);
  const binary: ChromiumBinary = {
    executablePath: join(dir, "chromium"),
    env: { FONTCONFIG_PATH: join(dir, "fonts") },
  };
  if (existsSync(binary.executablePath)) return binary;

  const staging = await mkdtemp(`${dir}-staging-`);
  try {
    const script = `const { default: c } = await import(process.argv[1]); process.stdout.write(await c.executablePath());`;
    const { stdout } = await run(
      process.execPath,
      ["--input-type=module", "-e", script, pathToFileURL(entry).href],
      {
        env: { ...process.env, TMPDIR: staging },
      },
    );
    if (stdout !== join(staging, "chromium")) throw new Error(`${PACKAGE} extracted Chromium to ${stdout}`);
    // The package's fonts.conf names its Lambda folders; point fontconfig at the bundled fonts instead.
    await writeFile(
      join(staging, "fonts", "fonts.conf"),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, "fonts", "fonts")}</dir>\n  <cachedir>${join(dir, "fonts-cache")}</cachedir>\n</fontconfig>\n`,
    );
    await rename(staging, dir).catch((err: NodeJS.ErrnoException) => {
      // Another worker renamed its copy first.
      if (!existsSync(binary.executablePath)) throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return binary;
}
