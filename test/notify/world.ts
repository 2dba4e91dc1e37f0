// A world for the notify tests: the fake MGA, .env files in a temp dir, the real file state store
// and the real runtime, opened from a config with a `notify` section. Like test/support's engine
// harness, whose config has no notifiers.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema } from "../../src/config/schema.js";
import type { Clock } from "../../src/core/clock.js";
import type { EventSink } from "../../src/core/events.js";
import { noFailpoints } from "../../src/core/failpoints.js";
import { tick, type TickOptions } from "../../src/core/tick.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { readVariable } from "../../providers/dotenv/dotenv-format.js";
import { startFakeMga, type FakeMga } from "../../providers/mga/fake.js";
import { captureLog, recordingClock, type CapturedLog, type RecordingClock } from "../support/recording.js";

export interface NotifyWorld {
  mga: FakeMga;
  original: { id: string; secret: string };
  clock: RecordingClock | Clock;
  runtime: Runtime;
  logs: CapturedLog;
  envPaths: string[];
  tick(options?: TickOptions): ReturnType<typeof tick>;
  envValues(): Promise<Array<string | undefined>>;
  /** Overwrites MGA_API_KEY in every .env file. */
  setEnvValue(value: string): Promise<void>;
  close(): Promise<void>;
}

export interface NotifyWorldOptions {
  notify?: unknown[];
  clock?: Clock;
  events?: EventSink;
  revokeAfter?: string;
  /** More fields of the managed key (revokeOnlyIfUnused…). */
  key?: Record<string, unknown>;
}

export async function startNotifyWorld(options: NotifyWorldOptions): Promise<NotifyWorld> {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-notify-"));
  const clock = options.clock ?? recordingClock();
  const mga = await startFakeMga({ bots: ["bot_demo"], clock });
  const admin = mga.seedKey({ name: "admin", permission: "admin" });
  const original = mga.seedKey({ name: "Production Server", permission: "write" });
  const envPaths = [join(dir, "app0.env"), join(dir, "app1.env")];
  const setEnvValue = async (value: string) => {
    for (const path of envPaths) await writeFile(path, `PORT=3000\nMGA_API_KEY=${value}\n`, { mode: 0o600 });
  };
  await setEnvValue(original.secret);
  const config = configSchema.parse({
    issuer: { type: "mga", baseUrl: mga.url, adminKey: admin.secret },
    state: { type: "file", path: join(dir, "state.json"), lockLeaseSeconds: 5 },
    keys: [
      {
        id: "production-server",
        name: "Production Server",
        revokeAfter: options.revokeAfter ?? "0s",
        verify: { botId: "bot_demo" },
        destinations: envPaths.map((path) => ({ type: "dotenv", path, variable: "MGA_API_KEY" })),
        ...options.key,
      },
    ],
    ...(options.notify ? { notify: options.notify } : {}),
  });
  const logs = captureLog("debug");
  const runtime = await openRuntime(config, {
    log: logs.log,
    clock,
    failpoints: noFailpoints,
    ...(options.events ? { events: options.events } : {}),
  });
  let closed = false;
  return {
    mga,
    original,
    clock,
    runtime,
    logs,
    envPaths,
    setEnvValue,
    tick: (tickOptions) => tick(runtime.deps, runtime.keys, tickOptions),
    envValues: () => Promise.all(envPaths.map(async (p) => readVariable(await readFile(p, "utf8"), "MGA_API_KEY"))),
    async close() {
      if (closed) return;
      closed = true;
      await runtime.close();
      await mga.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
