// The daemon in process, against the fake MGA and real .env files: /healthz and /metrics over real
// HTTP, ticks fired by hand, a crashing tick (corrupt state file), a failing destination, and a stop
// that waits for (or gives up on) a slow tick.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DestinationError } from "../../src/core/errors.js";
import { startDaemon, tickRunner, type Daemon } from "../../src/daemon/command.js";
import type { CronStarter } from "../../src/daemon/scheduler.js";
import { startHarness, type Harness } from "../support/engine-harness.js";
import { assertNoSecretIn } from "../support/invariants.js";
import { parseExposition, sampleValue } from "./prometheus-text.js";

const KEY = "production-server";
const noCron: CronStarter = () => ({ stop: () => undefined, nextRun: () => null });

let harness: Harness | undefined;
let daemon: Daemon | undefined;
afterEach(async () => {
  await daemon?.stop(10_000);
  await harness?.close();
  daemon = undefined;
  harness = undefined;
});

async function start(options: { http?: boolean; prepare?: (h: Harness) => void } = {}): Promise<{ harness: Harness; daemon: Daemon }> {
  harness = await startHarness();
  options.prepare?.(harness);
  daemon = await startDaemon(harness.runtime, {
    schedule: { expression: "0 3 * * *", timezone: "UTC" },
    log: harness.logs.log,
    startupTick: false,
    startCron: noCron,
    ...(options.http === false ? {} : { http: { host: "127.0.0.1", port: 0 } }),
  });
  return { harness, daemon };
}

async function get(d: Daemon, path: string, method = "GET"): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${d.server!.url}${path}`, { method });
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") };
}

async function metrics(d: Daemon) {
  const response = await get(d, "/metrics");
  expect(response.status).toBe(200);
  expect(response.type).toBe("text/plain; version=0.0.4; charset=utf-8");
  return { text: response.text, parsed: parseExposition(response.text) };
}

describe("the daemon's /healthz and /metrics", () => {
  it("report a rotation: outcome counted, last success, time until due, tick duration", async () => {
    const { harness: h, daemon: d } = await start();
    const before = await metrics(d);

    const report = await d.scheduler.trigger("manual");
    const health = await get(d, "/healthz");
    const after = await metrics(d);

    expect(report?.outcomes.map((o) => o.action)).toEqual(["succeeded"]);
    expect(sampleValue(before.parsed, "key_rotator_rotations_total", { key: KEY, outcome: "succeeded" })).toBe(0);
    expect(sampleValue(before.parsed, "key_rotator_last_success_timestamp_seconds", { key: KEY })).toBe(0);
    expect(sampleValue(before.parsed, "key_rotator_seconds_until_due", { key: KEY })).toBeLessThanOrEqual(0);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ status: "ok", tickRunning: false, lastTick: { source: "manual", outcomes: { [KEY]: "succeeded" } } });
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(after.parsed, name, labels);
    expect(value("key_rotator_up")).toBe(1);
    expect(value("key_rotator_rotations_total", { key: KEY, outcome: "succeeded" })).toBe(1);
    expect(value("key_rotator_rotations_total", { key: KEY, outcome: "rolled-back" })).toBe(0);
    expect(value("key_rotator_ticks_total", { result: "ok" })).toBe(1);
    expect(value("key_rotator_tick_duration_seconds")).toBeGreaterThan(0);
    expect(Math.abs(value("key_rotator_last_success_timestamp_seconds", { key: KEY })! - Date.now() / 1000)).toBeLessThan(60);
    expect(Math.abs(value("key_rotator_seconds_until_due", { key: KEY })! - 90 * 86_400)).toBeLessThan(60);
    for (const name of ["key_rotator_up", "key_rotator_rotations_total", "key_rotator_destination_errors_total", "key_rotator_seconds_until_due"]) {
      expect(after.parsed.help.get(name)).toBeTruthy();
    }
    assertNoSecretIn(h.mga.issuedSecrets(), { metrics: after.text, healthz: health.text, logs: h.logs.lines.join("\n") });
  });

  it("/healthz answers 503 after a tick that crashes (corrupt state file), and 200 again once a tick works", async () => {
    const { harness: h, daemon: d } = await start();
    const statePath = join(h.dir, "state.json");
    await d.scheduler.trigger();
    const good = await readFile(statePath, "utf8");
    await writeFile(statePath, "{ this is not json");

    const crashed = await d.scheduler.trigger();
    const unhealthy = await get(d, "/healthz");
    const during = await metrics(d);
    await writeFile(statePath, good);
    await d.scheduler.trigger();
    const healthy = await get(d, "/healthz");

    expect(crashed?.error).toMatch(/^state file .* is not valid JSON/);
    expect(unhealthy.status).toBe(503);
    expect(JSON.parse(unhealthy.text)).toMatchObject({ status: "unhealthy", reason: expect.stringContaining("the last tick crashed") });
    expect(sampleValue(during.parsed, "key_rotator_up")).toBe(0);
    expect(sampleValue(during.parsed, "key_rotator_ticks_total", { result: "crashed" })).toBe(1);
    // Scrapes still answer, with the gauges as last read.
    expect(sampleValue(during.parsed, "key_rotator_last_success_timestamp_seconds", { key: KEY })).toBeGreaterThan(0);
    expect(healthy.status).toBe(200);
  });

  it("counts a destination failure and the rollback it caused; a rollback is not a crash", async () => {
    const { harness: h, daemon: d } = await start({
      prepare: (world) => {
        const original = world.runtime.keys[0]!.destinations[1]!;
        world.runtime.keys[0]!.destinations[1] = {
          ...original,
          write: async () => {
            throw new DestinationError("disk full");
          },
        };
      },
    });
    const failing = h.runtime.keys[0]!.destinations[1]!;

    const report = await d.scheduler.trigger();
    const health = await get(d, "/healthz");
    const after = await metrics(d);

    expect(report?.outcomes.map((o) => o.action)).toEqual(["rolled-back"]);
    expect(health.status).toBe(200);
    expect(sampleValue(after.parsed, "key_rotator_destination_errors_total", { key: KEY, destination: failing.id })).toBe(1);
    expect(sampleValue(after.parsed, "key_rotator_destination_errors_total", { key: KEY, destination: h.runtime.keys[0]!.destinations[0]!.id })).toBe(0);
    expect(sampleValue(after.parsed, "key_rotator_rotations_total", { key: KEY, outcome: "rolled-back" })).toBe(1);
    expect(await h.envValues()).toEqual([h.original.secret, h.original.secret]);
  });

  it("answers 404 elsewhere, 405 to other methods, and HEAD without a body", async () => {
    const { daemon: d } = await start();

    const missing = await get(d, "/");
    const post = await get(d, "/metrics", "POST");
    const head = await get(d, "/healthz", "HEAD");

    expect(missing.status).toBe(404);
    expect(post.status).toBe(405);
    expect(head).toMatchObject({ status: 200, text: "" });
  });
});

describe("stopping the daemon", () => {
  async function startSlowTick(latencyMs: number) {
    const { harness: h, daemon: d } = await start({ http: false });
    h.mga.fault("sendMessage", { latencyMs });
    const tick = d.scheduler.trigger();
    while (!h.mga.requests.some((r) => r.endpoint === "sendMessage")) await new Promise((r) => setTimeout(r, 20));
    return { h, d, tick };
  }

  it("waits for the running tick to finish when it fits in the timeout", async () => {
    const { h, d, tick } = await startSlowTick(800);

    const { drained } = await d.stop(10_000);

    expect(drained).toBe(true);
    expect((await tick)?.outcomes.map((o) => o.action)).toEqual(["succeeded"]);
    expect(h.mga.isValid(h.original.secret)).toBe(false);
  });

  it("gives up waiting after the timeout, leaving the rotation in its journal", async () => {
    const { h, d, tick } = await startSlowTick(3_000);
    const started = Date.now();

    const { drained } = await d.stop(200);

    expect(drained).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await h.runtime.deps.store.load(KEY))?.record.rotation?.phase).toBe("deployed");
    await tick;
  });

  it("starts no key once stopping", async () => {
    const { harness: h } = await start({ http: false });
    const stopping = new AbortController();
    stopping.abort();
    const outcomes: unknown[] = [];

    await tickRunner(h.runtime, h.runtime.keys, h.logs.log)(stopping.signal, (o) => outcomes.push(o));

    expect(outcomes).toEqual([]);
    expect(h.mga.requests).toEqual([]);
  });
});
