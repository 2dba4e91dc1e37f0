// An in-process world for engine tests: the fake MGA, real .env files in a temp dir, the real file
// state store, the real issuer, captured logs and events. Everything a rotation touches is real;
// only the clock is injectable.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema, type Config } from "../../src/config/schema.js";
import { systemClock, type Clock } from "../../src/core/clock.js";
import type { RotationEvent } from "../../src/core/events.js";
import { noFailpoints, type Failpoints } from "../../src/core/failpoints.js";
import { tick, type TickOptions } from "../../src/core/tick.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { startFakeMga, type FakeMga, type FakeMgaOptions } from "../../providers/mga/fake.js";
import { readVariable } from "../../providers/dotenv/dotenv-format.js";
import { assertNoSecretIn } from "./invariants.js";
import { captureLog, type CapturedLog } from "./recording.js";

export interface HarnessOptions {
  envFiles?: number;
  revokeAfter?: string;
  mga?: FakeMgaOptions;
  clock?: Clock;
  failpoints?: Failpoints;
  /** Extra destinations, after the .env files. */
  extraDestinations?: Array<Record<string, unknown>>;
  keyOverrides?: Record<string, unknown>;
  /** state.sealKey: old values sealed into the journal. */
  sealKey?: string;
}

export interface Harness {
  dir: string;
  statePath: string;
  mga: FakeMga;
  admin: { id: string; secret: string };
  original: { id: string; secret: string };
  config: Config;
  runtime: Runtime;
  logs: CapturedLog;
  events: RotationEvent[];
  envPaths: string[];
  tick(options?: TickOptions): ReturnType<typeof tick>;
  /** The value of MGA_API_KEY in each .env file. */
  envValues(): Promise<Array<string | undefined>>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-test-"));
  const mga = await startFakeMga({ bots: ["bot_demo"], ...options.mga });
  const admin = mga.seedKey({ name: "admin", permission: "admin" });
  const original = mga.seedKey({ name: "Production Server", permission: "write" });
  const envPaths: string[] = [];
  for (let i = 0; i < (options.envFiles ?? 2); i++) {
    const path = join(dir, `app${i}.env`);
    await writeFile(path, `# app ${i}\nPORT=300${i}\nMGA_API_KEY=${original.secret}\n`, { mode: 0o600 });
    envPaths.push(path);
  }
  const statePath = join(dir, "state.json");
  const config = configSchema.parse({
    issuer: { type: "mga", baseUrl: mga.url, adminKey: admin.secret },
    state: { type: "file", path: statePath, lockLeaseSeconds: 5, ...(options.sealKey ? { sealKey: options.sealKey } : {}) },
    keys: [
      {
        id: "production-server",
        name: "Production Server",
        revokeAfter: options.revokeAfter ?? "0s",
        verify: { botId: "bot_demo" },
        destinations: [
          ...envPaths.map((path) => ({ type: "dotenv", path, variable: "MGA_API_KEY" })),
          ...(options.extraDestinations ?? []),
        ],
        ...options.keyOverrides,
      },
    ],
  });
  const logs = captureLog("debug");
  const events: RotationEvent[] = [];
  const runtime = await openRuntime(config, {
    log: logs.log,
    clock: options.clock ?? systemClock,
    failpoints: options.failpoints ?? noFailpoints,
    events: (event) => events.push(event),
  });
  return {
    dir,
    statePath,
    mga,
    admin,
    original,
    config,
    runtime,
    logs,
    events,
    envPaths,
    tick: (tickOptions) => tick(runtime.deps, runtime.keys, tickOptions),
    envValues: () => Promise.all(envPaths.map(async (p) => readVariable(await readFile(p, "utf8"), "MGA_API_KEY"))),
    /** Also the leak scan: no value the fake minted in the logs or the state file (history included). */
    async close() {
      await runtime.close();
      const state = existsSync(statePath) ? await readFile(statePath, "utf8") : "";
      const secrets = mga.issuedSecrets();
      await mga.close();
      await rm(dir, { recursive: true, force: true });
      assertNoSecretIn(secrets, { logs: logs.lines.join("\n"), "state file and history": state, events: JSON.stringify(events) });
    },
  };
}
