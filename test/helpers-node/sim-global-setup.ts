import type { TestProject } from "vitest/node";
import { startSimulator } from "../../tools/openai-sim";
import { sharedServer } from "./shared-server";

declare module "vitest" {
  export interface ProvidedContext {
    simOrigin: string;
  }
}

/** Starts the OpenAI simulator on the port vitest.config.ts gave the Worker's OPENAI_BASE_URL. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { server, release } = await sharedServer("simulator", () =>
    startSimulator({ port: Number(process.env.EDGEGATE_SIM_PORT) }),
  );
  project.provide("simOrigin", server.origin);
  return release;
}
