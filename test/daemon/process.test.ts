// `key-rotator schedule` as a container runs it: the built CLI as a real process against the fake MGA,
// a real node-cron ticking every second, /metrics over HTTP, SIGTERM at rest and in the middle of a
// slow tick. Nothing the daemon prints may hold a key's value.
import type { ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { printed, runCli, type CliResult } from "../support/cli.js";
import { startCliWorld, type CliWorld } from "../support/cli-world.js";
import { assertNoOrphans, assertNoSecretIn } from "../support/invariants.js";
import { parseExposition, sampleValue } from "./prometheus-text.js";

const KEY = "production-server";
const secretsSeen: string[] = [];

let world: CliWorld | undefined;
afterEach(async () => {
  if (world) secretsSeen.push(...world.mga.issuedSecrets());
  await world?.close();
  world = undefined;
});

interface DaemonProcess {
  child: ChildProcess;
  result: Promise<CliResult>;
  stderr(): string;
  /** Throws, with what it printed, if the process has exited: waiting on it is pointless. */
  assertRunning(): void;
}

async function spawnDaemon(w: CliWorld, args: string[], schedule: Record<string, string> = { cron: "*/1 * * * * *" }): Promise<DaemonProcess> {
  const config = parse(await readFile(w.configPath, "utf8")) as Record<string, unknown>;
  const configPath = join(w.dir, "daemon.yaml");
  await writeFile(configPath, stringify({ ...config, schedule }));
  let child: ChildProcess | undefined;
  let stderr = "";
  let exited = false;
  const result = runCli(["schedule", ...args, "--config", configPath], {
    cwd: w.dir,
    env: w.env,
    onSpawn: (c) => {
      child = c;
      c.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    },
  });
  void result.finally(() => (exited = true));
  const assertRunning = () => {
    if (exited) throw new Error(`the daemon exited early:\n${stderr}`);
  };
  return { child: child!, result, stderr: () => stderr, assertRunning };
}

async function waitFor(what: string, daemon: DaemonProcess, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    daemon.assertRunning();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function logRecords(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function servedPort(daemon: DaemonProcess): Promise<number> {
  await waitFor("the health server", daemon, () => daemon.stderr().includes("serving /healthz and /metrics"));
  return logRecords(daemon.stderr()).find((r) => r.msg === "serving /healthz and /metrics")!.port as number;
}

async function scrape(port: number) {
  return parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

async function statusOf(w: CliWorld): Promise<{ phase: string; rotationId?: string }> {
  const status = await w.cli(["status", "--json"]);
  expect(status.code, status.stderr).toBe(0);
  return JSON.parse(status.stdout).keys[0];
}

async function expectRotated(w: CliWorld): Promise<void> {
  const values = await w.envValues();
  expect(new Set(values).size).toBe(1);
  expect(values[0]).not.toBe(w.original.secret);
  expect(w.mga.isValid(values[0]!)).toBe(true);
  expect(w.mga.isValid(w.original.secret)).toBe(false);
  await assertNoOrphans(w);
  expect((await statusOf(w)).phase).toBe("idle");
}

describe("key-rotator schedule (a real process)", () => {
  it("ticks on a real cron, shows the rotation in /metrics, and exits 0 on SIGTERM with the journal idle", async () => {
    world = await startCliWorld();
    const daemon = await spawnDaemon(world, ["--port", "0", "--host", "127.0.0.1", "--no-startup-tick"]);
    const port = await servedPort(daemon);

    await waitFor("a rotation", daemon, async () => sampleValue(await scrape(port), "key_rotator_rotations_total", { key: KEY, outcome: "succeeded" }) === 1);
    await waitFor("a second tick", daemon, async () => sampleValue(await scrape(port), "key_rotator_ticks_total", { result: "ok" })! >= 2);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    const healthBody = (await health.json()) as { status: string; lastTick: { source: string } };
    daemon.child.kill("SIGTERM");
    const result = await daemon.result;

    expect(health.status).toBe(200);
    expect(healthBody).toMatchObject({ status: "ok", lastTick: { source: "cron" } });
    expect(result).toMatchObject({ code: 0, signal: null });
    const messages = logRecords(result.stderr).map((r) => r.msg);
    expect(messages).toContain("stopped");
    expect(logRecords(result.stderr).filter((r) => r.msg === "tick started").map((r) => r.source)).not.toContain("start-up");
    await expectRotated(world);
    const history = JSON.parse((await world.cli(["history", "--json"])).stdout).history;
    expect(history.map((h: { outcome: string }) => h.outcome)).toEqual(["succeeded"]);
  });

  it("on SIGTERM during a slow tick, lets it finish, then exits 0", async () => {
    world = await startCliWorld();
    world.mga.fault("sendMessage", { latencyMs: 1_500 });
    const daemon = await spawnDaemon(world, [], { cron: "0 3 * * *" });
    await waitFor("the health check", daemon, () => world!.mga.requests.some((r) => r.endpoint === "sendMessage"));

    daemon.child.kill("SIGTERM");
    const result = await daemon.result;

    expect(result).toMatchObject({ code: 0, signal: null });
    expect(logRecords(result.stderr).map((r) => r.msg)).toContain("stopped");
    await expectRotated(world);
  });

  it("when the tick outlasts --shutdown-timeout, exits 0 with a warning; a later run converges", async () => {
    world = await startCliWorld();
    world.mga.fault("sendMessage", { latencyMs: 60_000 });
    const daemon = await spawnDaemon(world, ["--shutdown-timeout", "300ms"], { cron: "0 3 * * *" });
    await waitFor("the health check", daemon, () => world!.mga.requests.some((r) => r.endpoint === "sendMessage"));
    const signalledAt = Date.now();

    daemon.child.kill("SIGTERM");
    const result = await daemon.result;
    const exitedAfterMs = Date.now() - signalledAt;
    const left = await statusOf(world);
    world.mga.clearFaults();
    const run = await world.cli(["run"]);

    expect(result).toMatchObject({ code: 0, signal: null });
    expect(exitedAfterMs).toBeLessThan(5_000);
    const warning = logRecords(result.stderr).find((r) => String(r.msg).includes("did not finish in time"));
    expect(warning).toMatchObject({ level: 40 });
    expect(left.phase).toBe("deployed");
    expect(run.code, run.stderr).toBe(0);
    await expectRotated(world);
  });

  it("refuses a bad cron expression or port before doing anything (exit 2)", async () => {
    world = await startCliWorld();

    const badCron = await spawnDaemon(world, [], { cron: "every day at 3" });
    const badCronResult = await badCron.result;
    const badPort = await spawnDaemon(world, ["--port", "http"]);
    const badPortResult = await badPort.result;

    expect(badCronResult.code).toBe(2);
    expect(badCronResult.stderr).toMatch(/schedule\.cron: .*cron expression/);
    expect(badPortResult.code).toBe(2);
    expect(badPortResult.stderr).toContain("--port expects a port number");
    expect(world.mga.requests).toEqual([]);
  });
});

afterAll(() => {
  assertNoSecretIn(secretsSeen, { "daemon output": printed.join("\n") });
});
