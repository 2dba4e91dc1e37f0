// One full rotation in the sandbox (every destination type, in parallel) against its critical-path
// floor: create + the slowest destination's deploy (write, activate, confirm) + verify + revoke. Each
// destination's own deploy time comes from a rotation with that destination alone. Runs the handler
// from source in this process, after a warm-up rotation, so no run pays an SDK's first import; each
// figure is the median of `rounds` rotations (the redeploy polls make single runs jumpy).
import { pino } from "pino";
import type { RotationEvent } from "../src/core/events.js";
import { startSandbox } from "../src/demo/sandbox.js";
import { createHandler } from "../src/lambda.js";
import { median } from "./table.js";

export interface Rotation {
  wallMs: number;
  /** Milliseconds per phase (create, deploy, verify, revoke, …). */
  phases: Record<string, number>;
}

export interface FloorReport {
  full: Rotation;
  /** Deploy phase of a rotation to each destination type alone. */
  alone: Record<string, number>;
  /** create + max(alone) + verify + revoke. */
  floorMs: number;
  /** Sum of the deploys alone: what deploying one after another would cost. */
  serialDeployMs: number;
}

async function rotateOnce(only: string[] | undefined): Promise<Rotation> {
  const sandbox = await startSandbox(only ? { only } : {});
  try {
    const phases: Record<string, number> = {};
    const events = (event: RotationEvent) => {
      if (event.type === "phase") phases[event.phase] = (phases[event.phase] ?? 0) + event.ms;
    };
    const env = { ...sandbox.env, KEY_ROTATOR_CONFIG: sandbox.configPath };
    const handler = createHandler({ env, log: pino({ level: "silent" }), runtime: { events } });
    const started = performance.now();
    const result = await handler({});
    const wallMs = performance.now() - started;
    const actions = result.outcomes.map((o) => o.action);
    if (actions.join() !== "succeeded") throw new Error(`rotation ${only?.join("+") ?? "all"}: ${actions.join()}`);
    return { wallMs, phases };
  } finally {
    await sandbox.close();
  }
}

export async function measureFloor(rounds: number): Promise<FloorReport> {
  const warmUp = await startSandbox();
  const types = warmUp.parts.map((p) => p.type);
  await warmUp.close();
  await rotateOnce(undefined);

  const aloneSamples = new Map<string, number[]>(types.map((t) => [t, []]));
  const fullSamples: Rotation[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const type of types) aloneSamples.get(type)!.push((await rotateOnce([type])).phases.deploy ?? Number.NaN);
    fullSamples.push(await rotateOnce(undefined));
  }
  const alone = Object.fromEntries([...aloneSamples].map(([type, samples]) => [type, median(samples)]));
  const phases = new Set(fullSamples.flatMap((r) => Object.keys(r.phases)));
  const full: Rotation = {
    wallMs: median(fullSamples.map((r) => r.wallMs)),
    phases: Object.fromEntries([...phases].map((p) => [p, median(fullSamples.map((r) => r.phases[p] ?? 0))])),
  };

  const slowest = Math.max(...Object.values(alone));
  const { create = 0, verify = 0, revoke = 0 } = full.phases;
  return {
    full,
    alone,
    floorMs: create + slowest + verify + revoke,
    serialDeployMs: Object.values(alone).reduce((a, b) => a + b, 0),
  };
}
