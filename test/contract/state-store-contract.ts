// The contract every state store passes: records with compare-and-set, per-key locks with a lease,
// and history. The file store runs it (src/state/file-store.test.ts); a DynamoDB store runs the same.
// Leases are short (margins of 400 ms or more) and time is real: a store opened for this suite must
// use the system clock.
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { LockHeldError, StateConflictError } from "../../src/core/errors.js";
import type { HistoryEntry, KeyRecord } from "../../src/core/journal.js";
import type { LockOwner, StateStore } from "../../src/core/state-store.js";

export interface OpenedStateStore {
  store: StateStore;
  cleanup(): Promise<void>;
}

const owner = (name: string): LockOwner => ({ id: `${name}-${process.pid}-contract`, host: hostname(), pid: process.pid });

function record(activeId: string): KeyRecord {
  return {
    active: { id: activeId, prefix: "mga_sk_abcd", fingerprint: "f".repeat(64) },
    lastRotatedAt: "2026-01-01T00:00:00.000Z",
    rotation: {
      rotationId: "rot-1",
      reason: "due",
      emergency: false,
      phase: "deploying",
      startedAt: "2026-01-01T00:00:00.000Z",
      oldKeys: [{ id: "key_old", prefix: "mga_sk_old0" }],
      destinations: { "dotenv:.env#K": { status: "written", before: "absent" } },
      revoked: [],
      timings: { creating: 12 },
    },
  };
}

function history(keyId: string, rotationId: string): HistoryEntry {
  return {
    keyId,
    rotationId,
    outcome: "succeeded",
    reason: "due",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    oldKeys: [],
    revoked: [],
    timings: {},
  };
}

export function stateStoreContract(name: string, open: () => Promise<OpenedStateStore>): void {
  describe(`state store contract: ${name}`, () => {
    let opened: OpenedStateStore | undefined;
    async function start(): Promise<StateStore> {
      opened = await open();
      return opened.store;
    }
    afterEach(async () => {
      await opened?.store.close();
      await opened?.cleanup();
      opened = undefined;
    });

    it("loads nothing for a key never saved", async () => {
      const store = await start();

      expect(await store.load("never-saved")).toBeUndefined();
    });

    it("saves a new record with expected version 0 and loads it back unchanged", async () => {
      const store = await start();

      const version = await store.save("k", record("key_1"), 0);

      expect(version).toBeGreaterThan(0);
      expect(await store.load("k")).toEqual({ record: record("key_1"), version });
    });

    it("rejects a save whose expected version is not the stored one, and keeps the stored record", async () => {
      const store = await start();
      const v1 = await store.save("k", record("key_1"), 0);

      const errors = await Promise.all(
        [store.save("k", record("stale"), 0), store.save("k", record("future"), v1 + 1), store.save("other", record("x"), 7)].map(
          (saving) => saving.then(() => undefined, (error: unknown) => error),
        ),
      );

      for (const error of errors) expect(error).toBeInstanceOf(StateConflictError);
      expect(await store.load("k")).toEqual({ record: record("key_1"), version: v1 });
      expect(await store.load("other")).toBeUndefined();
    });

    it("increases the version on every save, per key", async () => {
      const store = await start();
      const v1 = await store.save("k", record("key_1"), 0);
      const v2 = await store.save("k", record("key_2"), v1);
      const other = await store.save("other", record("key_x"), 0);

      const v3 = await store.save("k", record("key_3"), v2);

      expect(v2).toBeGreaterThan(v1);
      expect(v3).toBeGreaterThan(v2);
      expect(await store.load("k")).toEqual({ record: record("key_3"), version: v3 });
      expect(await store.load("other")).toEqual({ record: record("key_x"), version: other });
    });

    it("lets exactly one of two concurrent saves with the same expected version win", async () => {
      const store = await start();
      const v1 = await store.save("k", record("key_1"), 0);

      const results = await Promise.allSettled([store.save("k", record("a"), v1), store.save("k", record("b"), v1)]);

      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      const rejected = results.find((result) => result.status === "rejected");
      expect(rejected?.reason).toBeInstanceOf(StateConflictError);
    });

    it("gives a key's lock to one owner at a time, and other keys' locks independently", async () => {
      const store = await start();

      const a = await store.acquireLock("k", owner("a"), 60_000);
      const b = await store.acquireLock("k", owner("b"), 60_000);
      const otherKey = await store.acquireLock("other", owner("b"), 60_000);

      expect(a?.keyId).toBe("k");
      expect(b).toBeUndefined();
      expect(otherKey?.keyId).toBe("other");
    });

    it("frees the lock on release", async () => {
      const store = await start();
      const a = await store.acquireLock("k", owner("a"), 60_000);

      await a?.release();
      const b = await store.acquireLock("k", owner("b"), 60_000);

      expect(b).toBeDefined();
    });

    it("lets another owner in once the lease expires", async () => {
      const store = await start();
      await store.acquireLock("k", owner("a"), 500);

      const during = await store.acquireLock("k", owner("b"), 60_000);
      await sleep(700);
      const after = await store.acquireLock("k", owner("b"), 60_000);

      expect(during).toBeUndefined();
      expect(after).toBeDefined();
    });

    it("keeps the lock past its first lease when renewed", async () => {
      const store = await start();
      const a = await store.acquireLock("k", owner("a"), 1000);

      await sleep(600);
      await a?.renew();
      await sleep(600); // past the first lease, well inside the renewed one
      const b = await store.acquireLock("k", owner("b"), 60_000);

      expect(b).toBeUndefined();
    });

    it("throws LockHeldError on renew after another owner took the lock over, and release leaves theirs", async () => {
      const store = await start();
      const a = await store.acquireLock("k", owner("a"), 100);
      await sleep(250);
      const b = await store.acquireLock("k", owner("b"), 60_000);

      const renewal = await a?.renew().then(() => undefined, (error: unknown) => error);
      await a?.release();
      const c = await store.acquireLock("k", owner("c"), 60_000);

      expect(b).toBeDefined();
      expect(renewal).toBeInstanceOf(LockHeldError);
      expect(c).toBeUndefined();
    });

    it("appends history and lists it oldest first, for all keys or one", async () => {
      const store = await start();
      const entries = [history("k", "rot-1"), history("other", "rot-2"), history("k", "rot-3")];

      for (const entry of entries) await store.appendHistory(entry);

      expect(await store.listHistory()).toEqual(entries);
      expect(await store.listHistory("k")).toEqual([entries[0], entries[2]]);
      expect(await store.listHistory("none")).toEqual([]);
    });
  });
}
