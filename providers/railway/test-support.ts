// Shared by the Railway tests: a manual clock that both the adapter and the fake read (so deployments
// progress exactly as the adapter sleeps), a logger that keeps its lines for leak checks, and a setup
// that starts the fake and builds a destination against it.
import pino, { type Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";
import type { Destination, DestinationContext } from "../../src/core/destination.js";
import { startRailwayFake, type RailwayFake, type RailwayFakeOptions } from "./fake.js";
import { createDestination } from "./index.js";
import { type RailwayConfig, railwayConfigSchema } from "./schema.js";

export class ManualClock implements Clock {
  #now: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.parse("2026-11-01T03:00:00Z")) {
    this.#now = start;
  }

  now(): Date {
    return new Date(this.#now);
  }

  readonly nowMs = (): number => this.#now;

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.#now += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: "trace" }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

export const SERVICE = "svc-api";
export const OTHER_SERVICE = "svc-worker";
export const VARIABLE = "MGA_API_KEY";

export interface RailwaySetup {
  fake: RailwayFake;
  clock: ManualClock;
  config: RailwayConfig;
  destination: Destination;
  lines: string[];
  /** Another destination on the same fake and clock. */
  another(overrides: Record<string, unknown>): Destination;
  close(): Promise<void>;
}

export async function setupRailway(
  overrides: Record<string, unknown> = {},
  fakeOptions: RailwayFakeOptions = {},
): Promise<RailwaySetup> {
  const clock = new ManualClock();
  const fake = await startRailwayFake({ now: clock.nowMs, services: [SERVICE, OTHER_SERVICE], ...fakeOptions });
  const { log, lines } = capturingLogger();
  const build = (extra: Record<string, unknown>) => {
    const config = railwayConfigSchema.parse({
      type: "railway",
      projectId: fake.projectId,
      environmentId: fake.environmentId,
      serviceId: SERVICE,
      variable: VARIABLE,
      token: fake.tokens.account,
      apiUrl: fake.apiUrl,
      deploymentTimeout: "2m",
      pollInterval: "2s",
      ...extra,
    });
    return { config, destination: createDestination(config, { clock, log }) };
  };
  const { config, destination } = build(overrides);
  return {
    fake,
    clock,
    config,
    destination,
    lines,
    another: (extra) => build({ ...overrides, ...extra }).destination,
    close: () => fake.close(),
  };
}

let rounds = 0;
export function roundContext(label = "deploy"): DestinationContext {
  rounds += 1;
  const rotationId = `rot-railway-${rounds}`;
  return { rotationId, token: `${rotationId}-token`, round: `${rotationId}:${label}` };
}

export function key(label: string): string {
  return `mga_sk_${label}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
