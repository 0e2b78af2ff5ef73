import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { routeKit } from "./route-kit";

describe("routeKit jsonRoute", () => {
  it("refuses a path with parameters, which the router it registers with would not validate", () => {
    const { jsonRoute } = routeKit({ tags: ["Test"] });
    const config = { method: "post" as const, path: "/things/{id}", responses: {} };
    expect(() => jsonRoute(config, z.object({}), async () => new Response(null))).toThrow(
      "jsonRoute takes no path parameters: /things/{id}",
    );
  });
});
