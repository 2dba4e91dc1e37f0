// Test helpers for the vercel destination: a virtual clock shared by the destination and the fake
// (sleeping advances it, so a 15-minute deployment timeout passes in milliseconds), a logger whose
// lines the tests scan for key values, and a destination wired to a fresh fake.
import { pino, type Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";
import type { Destination, DestinationContext } from "../../src/core/destination.js";
import { createDestination } from "./index.js";
import { vercelConfigSchema, type VercelConfig } from "./schema.js";
import { startVercelFake, type VercelFake, type VercelFakeOptions } from "./fake.js";

export interface VirtualClock extends Clock {
  /** Every sleep asked for, in ms. */
  readonly sleeps: number[];
}

export function virtualClock(start = Date.parse("2030-01-01T00:00:00Z")): VirtualClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(now),
    async sleep(ms: number) {
      sleeps.push(ms);
      now += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

let rounds = 0;
export function roundContext(label = "deploy"): DestinationContext {
  rounds += 1;
  const rotationId = `rot-vercel-${rounds}`;
  return { rotationId, token: `${rotationId}-token`, round: `${rotationId}:${label}` };
}

export function mgaKey(label: string): string {
  return `mga_sk_${label}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

export interface VercelTestbed {
  fake: VercelFake;
  clock: VirtualClock;
  lines: string[];
  /** A destination on the fake's project; `overrides` change its config. */
  destination(overrides?: Partial<VercelConfig> & Record<string, unknown>): Destination;
  close(): Promise<void>;
}

export async function startTestbed(options: VercelFakeOptions = {}): Promise<VercelTestbed> {
  const clock = virtualClock();
  const fake = await startVercelFake({ clock, timings: { queuedMs: 1_000, buildingMs: 5_000, aliasMs: 1_000 }, ...options });
  const { log, lines } = capturingLogger();
  return {
    fake,
    clock,
    lines,
    destination(overrides = {}) {
      const config = vercelConfigSchema.parse({
        type: "vercel",
        project: "prj_fake",
        teamId: fake.teamId,
        key: "MGA_API_KEY",
        targets: ["production"],
        token: fake.token,
        apiUrl: fake.apiUrl,
        deploymentTimeout: "2m",
        pollInterval: "2s",
        ...overrides,
      });
      return createDestination(config, { clock, log });
    },
    close: () => fake.close(),
  };
}
