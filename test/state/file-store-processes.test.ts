// The file state store across real processes: no lost update under contention, one lock winner, and
// a kill -9 that neither corrupts the file nor blocks the next run for long.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFileStateStore } from "../../src/state/file-store.js";
import { release, runTogether, startWorker, type Worker } from "./workers.js";

// Starting several tsx processes takes seconds on a small machine.
describe("file state store across processes", { timeout: 60_000 }, () => {
  let dir: string;
  let path: string;
  const running: Worker[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "key-rotator-state-processes-"));
    path = join(dir, "state.json");
  });
  const state = () => ({ type: "file" as const, path });
  afterEach(async () => {
    for (const worker of running.splice(0)) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("loses no update when 4 processes each increment one counter 25 times", async () => {
    const results = (await runTogether(state(), Array.from({ length: 4 }, () => ["increment", "counter", "25"]))) as { conflicts: number }[];

    const store = await openFileStateStore({ path });
    const stored = await store.load("counter");
    expect(stored?.record.active?.prefix).toBe("100");
    expect(stored?.version).toBe(100);
    expect(await store.listHistory("counter")).toHaveLength(100);
    expect(results.reduce((sum, result) => sum + result.conflicts, 0)).toBeGreaterThan(0); // they did contend
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("gives each lock to exactly one of 6 processes racing for it", async () => {
    const keys = ["alpha", "beta", "gamma"];

    const results = (await runTogether(state(), Array.from({ length: 6 }, () => ["acquire", ...keys]))) as { won: string[] }[];

    const winners = keys.map((key) => results.filter((result) => result.won.includes(key)).length);
    expect(winners).toEqual([1, 1, 1]);
  });

  it("hands the lock of a process killed with SIGKILL to the next run on this host at once", async () => {
    const holder = startWorker(state(), ["hold", "k"]);
    running.push(holder);
    expect(await release(holder)).toEqual({ held: true });
    const store = await openFileStateStore({ path });
    const next = { id: "next-run", host: hostname(), pid: process.pid };
    const whileAlive = await store.acquireLock("k", next, 60_000);

    holder.child.kill("SIGKILL");
    await holder.exited;
    const started = Date.now();
    const afterKill = await store.acquireLock("k", next, 60_000);

    expect(whileAlive).toBeUndefined();
    expect(afterKill?.keyId).toBe("k");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("survives a writer killed mid-change: the file stays whole and the next write gets through", async () => {
    const writer = startWorker(state(), ["increment", "counter", "100000"]);
    running.push(writer);
    void release(writer).catch(() => undefined); // killed below, long before it answers
    const store = await openFileStateStore({ path });
    while (((await store.load("counter"))?.version ?? 0) < 30) await sleep(5);

    writer.child.kill("SIGKILL");
    await writer.exited;
    const stored = await store.load("counter");
    const started = Date.now();
    const version = await store.save("counter", { active: { id: "counter", prefix: "after-crash" } }, stored?.version ?? 0);

    expect(version).toBe((stored?.version ?? 0) + 1);
    expect(Date.now() - started).toBeLessThan(5_000 + 2_000); // at most the mutex's stale time
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ formatVersion: 1 });
  });
});
