/**
 * `npm run sim`: runs the OpenAI simulator alone on `PORT` (default 8788) until SIGINT/SIGTERM.
 */
import { startSimulator } from "./index";

const port = Number(process.env.PORT ?? 8788);
const sim = await startSimulator({ port: Number.isInteger(port) ? port : 8788 });
console.log(`OpenAI simulator listening on ${sim.url}`);
console.log(`API key: ${sim.state.config.apiKey ?? "(any)"}`);
console.log(
  `Control API: ${sim.origin}/__sim/health, /__sim/stats, /__sim/faults, /__sim/config, /__sim/reset`,
);

const stop = (signal: string): void => {
  console.log(`Received ${signal}, stopping the simulator.`);
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGINT", () => stop("SIGINT"));
process.once("SIGTERM", () => stop("SIGTERM"));
