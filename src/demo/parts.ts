// One sandbox part per destination type: start its fake (or file), seed it with the key in use, and
// say how a consumer reads the key back. Adding a destination to the demo is one entry here (and a
// file under parts/). The fakes are imported when the sandbox starts, never when the CLI loads.
import { startAwsPart } from "./parts/aws.js";
import { startAzurePart } from "./parts/azure.js";
import { startDotenvPart } from "./parts/dotenv.js";
import { startGcpPart } from "./parts/gcp.js";
import { startRailwayPart } from "./parts/railway.js";
import type { SandboxPartFactory } from "./parts/types.js";
import { startVercelPart } from "./parts/vercel.js";

export type { PartWith, SandboxPart, SandboxPartFactory, SandboxPartInput } from "./parts/types.js";
export * from "./parts/aws.js";
export * from "./parts/azure.js";
export * from "./parts/dotenv.js";
export * from "./parts/gcp.js";
export * from "./parts/railway.js";
export * from "./parts/vercel.js";

/** Every destination type, in the order the demo lists them. */
export const sandboxParts: SandboxPartFactory[] = [
  (input) => startDotenvPart(input),
  (input) => startAwsPart(input),
  (input) => startGcpPart(input),
  (input) => startAzurePart(input),
  (input) => startVercelPart(input),
  (input) => startRailwayPart(input),
];
