// An end-to-end world for one destination type: the fake MGA, a real .env file, and the destination's
// sandbox part (the same code `key-rotator demo` runs: its fake on 127.0.0.1, seeded with the key in
// use), a config file on disk whose credentials come from the environment as `${VAR}`, loaded by the
// real config loader, and the real engine (`tick()` over `openRuntime`) with the real file state store.
// Time is a recording clock shared with the fakes whose deployments move with time (Vercel, Railway),
// so a redeploy that takes "seconds" costs only the HTTP round trips of its polls.
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import { stringify } from "yaml";
import { loadConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/schema.js";
import type { RotationEvent } from "../../../src/core/events.js";
import type { Failpoints } from "../../../src/core/failpoints.js";
import type { HistoryEntry } from "../../../src/core/journal.js";
import type { KeyOutcome } from "../../../src/core/outcome.js";
import { fingerprintOf, shortFingerprint } from "../../../src/core/secret.js";
import { tick, type TickOptions } from "../../../src/core/tick.js";
import { startDotenvPart, type SandboxPart, type SandboxPartInput } from "../../../src/demo/parts.js";
import { openRuntime, type Runtime } from "../../../src/runtime.js";
import { startFakeMga, type FakeMga, type FakeMgaOptions } from "../../../providers/mga/fake.js";
import { assertNoOrphans, assertNoSecretIn } from "../../support/invariants.js";
import { captureLog, recordingClock, type CapturedLog, type RecordingClock } from "../../support/recording.js";

export const BOT = "bot_e2e";
export const KEY_ID = "production-server";

export interface WorldOptions<P extends SandboxPart> {
  /** Starts the destination under test (a sandbox part, possibly with options). */
  part: (input: SandboxPartInput) => Promise<P>;
  revokeAfter?: string;
  mga?: FakeMgaOptions;
  /** Seal old values into the journal (default true, as an operator would run it). */
  seal?: boolean;
  /** More consumers than the part's own (a second Railway service reading a shared variable). */
  extraConsumers?: (part: P) => Consumer[];
}

export interface Consumer {
  label: string;
  read(): Promise<string | undefined>;
}

export interface SampleReport {
  samples: number;
  /** Every sampled instant at which a consumer held no valid key: consumer, and what it held (a fingerprint). */
  invalid: Array<{ consumer: string; held: string }>;
}

export interface World<P extends SandboxPart> {
  dir: string;
  mga: FakeMga;
  /** The key every consumer used before the first rotation. */
  original: { id: string; secret: string };
  part: P;
  envFile: SandboxPart & { path: string };
  consumers: Consumer[];
  config: Config;
  configPath: string;
  statePath: string;
  runtime: Runtime;
  clock: RecordingClock;
  logs: CapturedLog;
  events: RotationEvent[];
  /** One run of the engine, as `key-rotator run` does it. */
  tick(options?: TickOptions): Promise<KeyOutcome>;
  /** A tick while every consumer is sampled in a loop (invariant 2). */
  sampledTick(options?: TickOptions): Promise<{ outcome: KeyOutcome; report: SampleReport }>;
  /** Calls `action` (once) when the engine passes journal point `point`, e.g. "after:dest-activated". */
  at(point: string, action: () => void): void;
  consumerValues(): Promise<Array<string | undefined>>;
  history(): Promise<HistoryEntry[]>;
  /** Invariant 6 over the logs, the state file, the config file and the fakes' request logs. */
  assertNoLeaks(): void;
  close(): Promise<void>;
}

const SEAL_KEY = "e2e-seal-key-0123456789abcdefghijklmnopqrstuv";

/**
 * One world per test: registers the file's clean-up (the leak scan, then close) and returns the
 * function that starts the test's world.
 */
export function worldPerTest<P extends SandboxPart>(): (options: WorldOptions<P>) => Promise<World<P>> {
  let world: World<P> | undefined;
  afterEach(async () => {
    try {
      world?.assertNoLeaks();
    } finally {
      await world?.close();
      world = undefined;
    }
  });
  return async (options) => (world = await startWorld(options));
}

export async function startWorld<P extends SandboxPart>(options: WorldOptions<P>): Promise<World<P>> {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-e2e-"));
  const clock = recordingClock(new Date());
  const mga = await startFakeMga({ bots: [BOT], ...options.mga });
  const admin = mga.seedKey({ name: "Key rotator (admin)", permission: "admin" });
  const original = mga.seedKey({ name: "Production Server", permission: "write" });
  const input: SandboxPartInput = { dir, currentKey: original.secret, clock };
  let part: P | undefined;
  try {
    const envFile = await startDotenvPart(input);
    part = await options.part(input);
    return await assemble(options, { dir, clock, mga, admin, original, envFile, part });
  } catch (error) {
    await part?.close();
    await mga.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function assemble<P extends SandboxPart>(
  options: WorldOptions<P>,
  started: {
    dir: string;
    clock: RecordingClock;
    mga: FakeMga;
    admin: { secret: string };
    original: { id: string; secret: string };
    envFile: SandboxPart & { path: string };
    part: P;
  },
): Promise<World<P>> {
  const { dir, clock, mga, admin, original, envFile, part } = started;

  const statePath = join(dir, "state", "state.json");
  const seal = options.seal ?? true;
  const file = {
    issuer: { type: "mga", baseUrl: mga.url, adminKey: "${MGA_ADMIN_KEY}" },
    state: { type: "file", path: statePath, lockLeaseSeconds: 5, ...(seal ? { sealKey: "${KEY_ROTATOR_SEAL_KEY}" } : {}) },
    keys: [
      {
        id: KEY_ID,
        name: "Production Server",
        permission: "write",
        rotateEveryDays: 90,
        revokeAfter: options.revokeAfter ?? "0s",
        verify: { botId: BOT },
        destinations: [envFile.destination, part.destination],
      },
    ],
  };
  const configPath = join(dir, "key-rotator.yaml");
  const configText = stringify(file);
  await writeFile(configPath, configText, { mode: 0o600 });
  const env = { MGA_ADMIN_KEY: admin.secret, KEY_ROTATOR_SEAL_KEY: SEAL_KEY, ...envFile.env, ...part.env };
  const { config, warnings } = await loadConfig({ path: configPath, env });
  // Without a seal key the config rightly warns about it; nothing else may.
  const unexpected = warnings.filter((w) => !(w.startsWith("state.sealKey:") && !("sealKey" in file.state)));
  expect(unexpected, "the sandbox config should load without other warnings").toEqual([]);

  const logs = captureLog("debug");
  const events: RotationEvent[] = [];
  const hooks = new Map<string, () => void>();
  const failpoints: Failpoints = {
    hit(point) {
      const action = hooks.get(point);
      if (!action) return;
      hooks.delete(point);
      action();
    },
  };
  const runtime = await openRuntime(config, { log: logs.log, clock, failpoints, events: (event) => events.push(event) });

  const consumers: Consumer[] = [
    { label: envFile.label, read: () => envFile.consumerValue() },
    { label: part.label, read: () => part.consumerValue() },
    ...(options.extraConsumers?.(part) ?? []),
  ];
  const consumerValues = () => Promise.all(consumers.map((c) => c.read()));

  const runTick = async (tickOptions?: TickOptions): Promise<KeyOutcome> => {
    const outcomes = await tick(runtime.deps, runtime.keys, tickOptions);
    expect(outcomes).toHaveLength(1);
    return outcomes[0]!;
  };

  return {
    dir,
    mga,
    original: { id: original.id, secret: original.secret },
    part,
    envFile,
    consumers,
    config,
    configPath,
    statePath,
    runtime,
    clock,
    logs,
    events,
    tick: runTick,
    async sampledTick(tickOptions) {
      const report: SampleReport = { samples: 0, invalid: [] };
      let running = true;
      const sample = async () => {
        for (const consumer of consumers) {
          const value = await consumer.read();
          if (value === undefined || !mga.isValid(value)) {
            report.invalid.push({ consumer: consumer.label, held: value === undefined ? "nothing" : shortFingerprint(fingerprintOf(value)) });
          }
        }
        report.samples += 1;
      };
      const sampler = (async () => {
        while (running) {
          await sample();
          await new Promise((resolve) => setImmediate(resolve));
        }
        await sample(); // and once more, at the end
      })();
      try {
        return { outcome: await runTick(tickOptions), report };
      } finally {
        running = false;
        await sampler;
      }
    },
    at: (point, action) => void hooks.set(point, action),
    consumerValues,
    history: () => runtime.deps.store.listHistory(KEY_ID),
    assertNoLeaks() {
      const texts: Record<string, string> = {
        logs: logs.lines.join("\n"),
        state: existsSync(statePath) ? readFileSync(statePath, "utf8") : "",
        config: configText,
        events: JSON.stringify(events),
        "fake request log": fakeLogText((part as { fake?: unknown }).fake),
        "fake MGA request log": JSON.stringify(mga.requests),
      };
      assertNoSecretIn(mga.issuedSecrets(), texts);
    },
    async close() {
      await runtime.close();
      await part.close();
      await mga.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The request logs a fake keeps (they promise to hold no value): `requests` (a list or a function), `documents`. */
function fakeLogText(fake: unknown): string {
  if (typeof fake !== "object" || fake === null) return "";
  const { requests, documents } = fake as { requests?: unknown; documents?: unknown };
  return JSON.stringify([typeof requests === "function" ? (requests as () => unknown)() : requests, documents ?? null]);
}

// ---- What a finished rotation must look like ------------------------------------------------------

const errorOf = (outcome: KeyOutcome): string | undefined => ("error" in outcome ? outcome.error : undefined);

/** Every consumer reads one new key that works at MGA; the old one is revoked; history says succeeded. */
export async function expectRotated<P extends SandboxPart>(world: World<P>, outcome: KeyOutcome, report?: SampleReport): Promise<string> {
  expect(outcome.action, errorOf(outcome)).toBe("succeeded");
  const values = await world.consumerValues();
  const fresh = values[0];
  expect(fresh).toBeDefined();
  expect(fresh).not.toBe(world.original.secret);
  expect(values.map((v) => v === fresh), "every consumer reads the new key").toEqual(values.map(() => true));
  expect(world.mga.isValid(fresh!), "the new key works at MGA").toBe(true);
  expect(world.mga.isValid(world.original.secret), "the old key is revoked").toBe(false);
  const last = (await world.history()).at(-1);
  expect(last?.outcome).toBe("succeeded");
  expect(last?.revoked).toEqual([world.original.id]);
  if (report) expectAlwaysValid(report);
  await assertNoOrphans({ mga: world.mga, envValues: world.consumerValues });
  return fresh!;
}

/**
 * The rotation rolled back: every consumer reads the old key again and it still works, the key this
 * rotation created is revoked, history says why, and no key the rotator created is left live.
 */
export async function expectRolledBack<P extends SandboxPart>(world: World<P>, outcome: KeyOutcome, report?: SampleReport): Promise<HistoryEntry> {
  expect(outcome.action, errorOf(outcome)).toBe("rolled-back");
  expect(await world.consumerValues(), "every consumer reads the old key again").toEqual(world.consumers.map(() => world.original.secret));
  expect(world.mga.isValid(world.original.secret), "the old key still works").toBe(true);
  const last = (await world.history()).at(-1)!;
  expect(last.outcome).toBe("rolled-back");
  expect(last.newKey, "a key was created, then revoked").toBeDefined();
  const created = world.mga.keys().find((k) => k.id === last.newKey!.id);
  expect(created?.revokedAt, "the new key is revoked").toBeTruthy();
  if (report) expectAlwaysValid(report);
  await assertNoOrphans({ mga: world.mga, envValues: world.consumerValues });
  return last;
}

/** Invariant 2, as sampled: never a consumer without a valid key. */
export function expectAlwaysValid(report: SampleReport): void {
  expect(report.samples).toBeGreaterThan(2);
  expect(report.invalid).toEqual([]);
}
