/**
 * The benchmark suites by name, in the order `npm run bench` runs them. A new suite (`cache`,
 * `realtime`, `datasets`, `vision`) is a module exporting a `BenchSuite`, added here.
 */

import { datasetsSuite } from "../datasets";
import { exportSuite } from "../export";
import { realtimeSuite } from "../realtime";
import type { BenchSuite } from "../suite";
import { visionSuite } from "../vision";
import { abSuite } from "./ab";
import { cacheSuite } from "./cache";
import { captureSuite } from "./capture";
import { isolateSuite } from "./isolate";
import { phasesSuite } from "./phases";
import { proxySuite } from "./proxy";
import { ratelimitSuite } from "./ratelimit";

export const SUITES: readonly BenchSuite[] = [
  proxySuite,
  isolateSuite,
  phasesSuite,
  cacheSuite,
  realtimeSuite,
  datasetsSuite,
  ratelimitSuite,
  captureSuite,
  visionSuite,
  exportSuite,
  abSuite,
];
