// The file state store across real processes: no lost update under contention, one lock winner, and
// a kill -9 that neither corrupts the file nor blocks the next run for long.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFileStateStore } from "../../src/state/file-store.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./file-store-worker.ts", import.meta.url));

interface Worker {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves once the worker printed a line matching `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
}

function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let stderr = "";
  let buffered = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.test(line))) waiter.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (test: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find(test);
      if (seen !== undefined) return resolve(seen);
      waiters.push({ test, resolve });
      void exited.then((code) => reject(new Error(`worker exited (${code}) before the expected line: ${stderr}`)));
    });
  return { child, lines, waitFor, exited };
}

/** Starts workers, waits until each has opened the store, then releases them all at once. */
async function runTogether(argsList: string[][]): Promise<unknown[]> {
  const workers = argsList.map(startWorker);
  await Promise.all(workers.map((worker) => worker.waitFor((line) => line === "ready")));
  for (const worker of workers) worker.child.stdin.write("go\n");
  const results = await Promise.all(workers.map((worker) => worker.waitFor((line) => line.startsWith("{"))));
  for (const worker of workers) worker.child.stdin.end("exit\n");
  const codes = await Promise.all(workers.map((worker) => worker.exited));
  expect(codes).toEqual(workers.map(() => 0));
  return results.map((line) => JSON.parse(line) as unknown);
}

// Starting several tsx processes takes seconds on a small machine.
describe("file state store across processes", { timeout: 60_000 }, () => {
  let dir: string;
  let path: string;
  const running: Worker[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "key-rotator-state-processes-"));
    path = join(dir, "state.json");
  });
  afterEach(async () => {
    for (const worker of running.splice(0)) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("loses no update when 4 processes each increment one counter 25 times", async () => {
    const results = (await runTogether(Array.from({ length: 4 }, () => ["increment", path, "counter", "25"]))) as { conflicts: number }[];

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

    const results = (await runTogether(Array.from({ length: 6 }, () => ["acquire", path, ...keys]))) as { won: string[] }[];

    const winners = keys.map((key) => results.filter((result) => result.won.includes(key)).length);
    expect(winners).toEqual([1, 1, 1]);
  });

  it("hands the lock of a process killed with SIGKILL to the next run on this host at once", async () => {
    const holder = startWorker(["hold", path, "k"]);
    running.push(holder);
    await holder.waitFor((line) => line === "ready");
    holder.child.stdin.write("go\n");
    expect(JSON.parse(await holder.waitFor((line) => line.startsWith("{")))).toEqual({ held: true });
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
    const writer = startWorker(["increment", path, "counter", "100000"]);
    running.push(writer);
    await writer.waitFor((line) => line === "ready");
    writer.child.stdin.write("go\n");
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
