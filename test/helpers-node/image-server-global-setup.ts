import type { TestProject } from "vitest/node";
import { startImageServer } from "./image-server";
import { sharedServer } from "./shared-server";

declare module "vitest" {
  export interface ProvidedContext {
    imageOrigin: string;
  }
}

/** Serves the vision tests' images from Node (workerd reaches 127.0.0.1 servers started here). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The port is chosen in vitest.config.ts, which also points OUTBOUND_DOH_URL at this server.
  const { server, release } = await sharedServer("images", () =>
    startImageServer(Number(process.env.EDGEGATE_IMAGE_PORT) || 0),
  );
  project.provide("imageOrigin", server.origin);
  return release;
}
