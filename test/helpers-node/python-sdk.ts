/**
 * The official Python SDK for the end-to-end tests: installed once with pip into `.cache/py-sdk`
 * (git-ignored) and reused while its version matches.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../tools/launch/wrangler-env";

const run = promisify(execFile);

export const PYTHON_SDK_VERSION = "3.22.1";
const SDK_DIR = join(PROJECT_ROOT, ".cache", "py-sdk");

/** The Python interpreter's version, or an error saying how to get one (the Python tests need it). */
export async function python3Version(): Promise<string> {
  try {
    const { stdout, stderr } = await run("python3", ["--version"]);
    return (stdout || stderr).trim();
  } catch (err) {
    throw new Error(
      `The Python SDK tests need python3 (3.9 or newer) on PATH with pip: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * pip with the user's own configuration (index, mirrors): an `XDG_CONFIG_HOME` set for wrangler (the
 * project's `.xdg`, or another checkout's) would hide the user's `~/.config/pip/pip.conf`, so it is
 * kept only when it holds a pip configuration of its own.
 */
function pipEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.XDG_CONFIG_HOME && !existsSync(join(env.XDG_CONFIG_HOME, "pip"))) delete env.XDG_CONFIG_HOME;
  return env;
}

/** The folder to put on PYTHONPATH: `openai[realtime]` at PYTHON_SDK_VERSION, installed on first use. */
export async function pythonSdkPath(): Promise<string> {
  if (existsSync(join(SDK_DIR, `openai-${PYTHON_SDK_VERSION}.dist-info`))) return SDK_DIR;
  const partial = `${SDK_DIR}.partial-${process.pid}`;
  await mkdir(join(PROJECT_ROOT, ".cache"), { recursive: true });
  const args = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "1"];
  try {
    await run("python3", [...args, "--target", partial, `openai[realtime]==${PYTHON_SDK_VERSION}`], {
      timeout: 120_000,
      env: pipEnv(),
    });
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    const detail = (err as { stderr?: string }).stderr || String(err);
    throw new Error(`pip could not install openai[realtime]==${PYTHON_SDK_VERSION}:\n${detail}`);
  }
  await rm(SDK_DIR, { recursive: true, force: true });
  await rename(partial, SDK_DIR);
  return SDK_DIR;
}
