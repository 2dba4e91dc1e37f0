import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stateStoreContract } from "../../test/contract/state-store-contract.js";
import type { Clock } from "../core/clock.js";
import { AccessDeniedError, RotatorError, TransientError } from "../core/errors.js";
import type { LockOwner } from "../core/state-store.js";
import { FileStateStore, openFileStateStore } from "./file-store.js";
import { stateFileError } from "./state-file.js";

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-state-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

stateStoreContract("file", async () => {
  const { dir, cleanup } = await tempDir();
  return { store: await openFileStateStore({ path: join(dir, "state", "state.json") }), cleanup };
});

const DEAD_PID = 2 ** 22 + 12_345; // above Linux's pid_max: no such process
const owner = (id: string, host = hostname(), pid = process.pid): LockOwner => ({ id, host, pid });

function fakeClock(start = Date.parse("2026-03-01T00:00:00Z")) {
  let now = start;
  const clock: Clock = { now: () => new Date(now), sleep: async (ms) => void (now += ms) };
  return { clock, advance: (ms: number) => void (now += ms) };
}

describe("file state store", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let path: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    path = join(dir, "nested", "state.json");
  });
  afterEach(() => cleanup());

  it("creates nothing until the first write, then a 0700 directory and a 0600 file in the documented shape", async () => {
    const store = await openFileStateStore({ path });
    await store.load("k");
    await store.listHistory();
    const before = await readdir(dir);

    const version = await store.save("k", { lastRotatedAt: "2026-01-01T00:00:00.000Z" }, 0);
    await store.acquireLock("k", owner("run-1"), 1000);

    expect(before).toEqual([]);
    expect((await stat(join(dir, "nested"))).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, "nested"))).toEqual(["state.json"]);
    const file = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    expect(file).toEqual({
      formatVersion: 1,
      keys: { k: { version, record: { lastRotatedAt: "2026-01-01T00:00:00.000Z" } } },
      locks: { k: { ownerId: "run-1", host: hostname(), pid: process.pid, acquiredAt: expect.any(String), expiresAt: expect.any(String) } },
      history: [],
    });
  });

  it("keeps the mode an operator gave the file", async () => {
    const store = await openFileStateStore({ path });
    await store.save("k", {}, 0);
    await chmod(path, 0o640);

    await store.save("k", { lastRotatedAt: "x" }, 1);

    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it.each([
    ["not JSON", "{ formatVersion: 1", /is not valid JSON/],
    ["not a state file", '{"formatVersion":1,"keys":{"k":{"version":0,"record":{}}},"locks":{},"history":[]}', /keys\.k\.version/],
    ["an array", "[]", /not a key-rotator state file/],
  ])("refuses a file that is %s, naming it and the way out, and never overwrites it", async (_name, text, problem) => {
    await mkdir(join(dir, "nested"));
    await writeFile(path, text);
    const store = new FileStateStore({ path });

    const errors = await Promise.all(
      [openFileStateStore({ path }), store.load("k"), store.save("k", {}, 0), store.acquireLock("k", owner("a"), 1000)].map(
        (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => error),
      ),
    );

    for (const error of errors) {
      expect(error).toBeInstanceOf(RotatorError);
      expect(error).toMatchObject({ code: "STATE_CORRUPT", message: expect.stringMatching(problem) });
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toMatch(/left untouched.*backup.*move it aside/);
    }
    expect(await readFile(path, "utf8")).toBe(text);
  });

  it("refuses a file from a newer format", async () => {
    await mkdir(join(dir, "nested"));
    await writeFile(path, '{"formatVersion":2}');

    await expect(openFileStateStore({ path })).rejects.toMatchObject({ code: "STATE_TOO_NEW" });
  });

  it("names the path when the state file cannot be read", async () => {
    await mkdir(path, { recursive: true }); // a directory where the file should be

    const error = await openFileStateStore({ path }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "STATE_UNAVAILABLE", message: expect.stringContaining(path) });
  });

  it("maps permission errors to AccessDeniedError saying which access is needed", () => {
    const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });

    const error = stateFileError(denied, "write", "/var/lib/rotator/state.json");

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error.message).toMatch(/\/var\/lib\/rotator\/state\.json.*read and write access to the file and to its directory/);
  });

  it("takes over at once a lock whose holder died on this host", async () => {
    const store = await openFileStateStore({ path });
    await store.acquireLock("k", owner("dead-run", hostname(), DEAD_PID), 3_600_000);

    const lock = await store.acquireLock("k", owner("next-run"), 60_000);

    expect(lock).toBeDefined();
  });

  it("waits out the lease of a live holder on this host, and of any holder on another host", async () => {
    const { clock, advance } = fakeClock();
    const store = await openFileStateStore({ path, clock });
    await store.acquireLock("live", owner("parent-run", hostname(), process.ppid), 60_000);
    await store.acquireLock("remote", owner("remote-run", "another-host", DEAD_PID), 60_000);

    const early = await Promise.all([store.acquireLock("live", owner("me"), 1000), store.acquireLock("remote", owner("me"), 1000)]);
    advance(60_000);
    const late = await Promise.all([store.acquireLock("live", owner("me"), 1000), store.acquireLock("remote", owner("me"), 1000)]);

    expect(early).toEqual([undefined, undefined]);
    expect(late.map((lock) => lock?.keyId)).toEqual(["live", "remote"]);
  });

  it("renews from the clock it is given", async () => {
    const { clock, advance } = fakeClock();
    const store = await openFileStateStore({ path, clock });
    const lock = await store.acquireLock("k", owner("a"), 1000);

    advance(900);
    await lock?.renew();
    advance(900);
    const stillHeld = await store.acquireLock("k", owner("b"), 1000);
    advance(200);
    const expired = await store.acquireLock("k", owner("b"), 1000);

    expect(stillHeld).toBeUndefined();
    expect(expired).toBeDefined();
  });

  it("breaks a mutex lock left by a dead writer once it is stale", async () => {
    const store = await openFileStateStore({ path, mutex: { staleMs: 2000, waitMs: 1000 } });
    await mkdir(`${path}.lock`, { recursive: true });
    const old = new Date(Date.now() - 10_000);
    await utimes(`${path}.lock`, old, old);

    const version = await store.save("k", {}, 0);

    expect(version).toBe(1);
    expect((await readdir(join(dir, "nested"))).sort()).toEqual(["state.json"]);
  });

  it("gives up with a retryable error while a live writer holds the mutex", async () => {
    const store = await openFileStateStore({ path, mutex: { staleMs: 60_000, waitMs: 300 } });
    await mkdir(`${path}.lock`, { recursive: true });

    const error = await store.save("k", {}, 0).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain(`${path}.lock`);
    expect(await store.load("k")).toBeUndefined();
  });

  it("leaves no temporary or lock files behind after many concurrent changes", async () => {
    const store = await openFileStateStore({ path });

    await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendHistory({
      keyId: `k${i % 3}`, rotationId: `rot-${i}`, outcome: "succeeded", reason: "due",
      startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:01.000Z", oldKeys: [], revoked: [], timings: {},
    })));

    expect(await store.listHistory()).toHaveLength(20);
    expect(await readdir(join(dir, "nested"))).toEqual(["state.json"]);
  });
});
