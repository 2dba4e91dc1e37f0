// Test wiring for this provider: the fake on 127.0.0.1, the real client pointed at it through config,
// a clock that does not wait, and a logger whose lines the tests can scan for key values.
import { pino, type Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";
import type { Destination } from "../../src/core/destination.js";
import type { RetryPolicy } from "../../src/core/retry.js";
import type { DestinationHarness, InjectedFailure } from "../../test/contract/destination-contract.js";
import { FAULTS, startGcpSecretManagerFake, type GcpSecretManagerFake, type GcpSecretManagerFakeOptions } from "./fake.js";
import { createDestination, type GcpSecretManagerOptions } from "./index.js";
import { gcpSecretManagerConfigSchema, type GcpSecretManagerConfig } from "./schema.js";

export const TOKEN = "ya29.test-token";

/** Sleeps return at once; the waits asked for are kept. */
export function instantClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(),
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  };
}

export function memoryLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

export const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxHintMs: 60_000 };

export interface Setup {
  fake: GcpSecretManagerFake;
  destination: Destination;
  config: GcpSecretManagerConfig;
  clock: ReturnType<typeof instantClock>;
  lines: string[];
  close(): Promise<void>;
}

export async function setup(
  overrides: Partial<Record<keyof GcpSecretManagerConfig, unknown>> = {},
  fakeOptions: GcpSecretManagerFakeOptions = {},
  options: GcpSecretManagerOptions = {},
): Promise<Setup> {
  const fake = await startGcpSecretManagerFake({ token: TOKEN, ...fakeOptions });
  const config = gcpSecretManagerConfigSchema.parse({
    type: "gcp-secret-manager",
    project: fake.project,
    secret: fake.secret,
    apiEndpoint: fake.apiEndpoint,
    credentials: { type: "access-token", token: TOKEN },
    timeout: "5s",
    ...overrides,
  });
  const clock = instantClock();
  const { log, lines } = memoryLog();
  const destination = createDestination(config, { clock, log }, { retry: FAST_RETRY, ...options });
  return { fake, destination, config, clock, lines, close: () => fake.close() };
}

const CONTRACT_FAULTS = {
  denied: [FAULTS.denied, Infinity],
  "throttled-once": [FAULTS.throttled, 1],
  "transient-once": [FAULTS.unavailable, 1],
  "transient-always": [FAULTS.unavailable, Infinity],
} as const;

export async function contractHarness(): Promise<DestinationHarness> {
  const { fake, destination, close } = await setup();
  return {
    destination,
    seed: async (value) => fake.seed(value),
    consumerValue: async () => fake.latestValue(),
    injectFailure: async (failure: InjectedFailure) => {
      const [fault, times] = CONTRACT_FAULTS[failure];
      fake.failNext("addVersion", fault, times);
    },
    cleanup: close,
  };
}
