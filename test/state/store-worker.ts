// A child process for the state stores' cross-process tests, run as `node --import tsx store-worker.ts
// '<state config as JSON>' <command> ...`. It opens the store the way the runtime does (file or
// DynamoDB, credentials from the environment), prints "ready", waits for "go" on stdin so every worker
// starts at once, does its part, prints one JSON line with what happened, and waits for "exit".
import { hostname } from "node:os";
import { createInterface } from "node:readline";
import { stateSchema } from "../../src/config/schema.js";
import { systemClock } from "../../src/core/clock.js";
import { StateConflictError } from "../../src/core/errors.js";
import type { KeyRecord } from "../../src/core/journal.js";
import type { StoredRecord } from "../../src/core/state-store.js";
import { openStateStore } from "../../src/runtime.js";

const [stateJson = "{}", command = "", ...args] = process.argv.slice(2);
const store = await openStateStore(stateSchema.parse(JSON.parse(stateJson)), systemClock);
const owner = { id: `worker-${process.pid}`, host: hostname(), pid: process.pid };

/** The counter lives in the record's active key prefix: the record shape has no free-form field. */
const counterOf = (stored: StoredRecord | undefined): number => Number(stored?.record.active?.prefix ?? 0);
const counterRecord = (n: number): KeyRecord => ({ active: { id: "counter", prefix: String(n) } });

const commands = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Waits for this line on stdin. */
async function waitFor(expected: string): Promise<void> {
  for (;;) {
    const { value, done } = await commands.next();
    if (done || value === expected) return;
  }
}

async function increment(keyId: string, times: number): Promise<{ conflicts: number }> {
  let conflicts = 0;
  for (let i = 0; i < times; i++) {
    for (;;) {
      const current = await store.load(keyId);
      const next = counterOf(current) + 1;
      try {
        await store.save(keyId, counterRecord(next), current?.version ?? 0);
      } catch (error) {
        if (!(error instanceof StateConflictError)) throw error;
        conflicts++;
        continue;
      }
      const at = new Date().toISOString();
      await store.appendHistory({
        keyId, rotationId: `${owner.id}-${next}`, outcome: "succeeded", reason: "due",
        startedAt: at, finishedAt: at, oldKeys: [], revoked: [], timings: {},
      });
      break;
    }
  }
  return { conflicts };
}

async function acquire(keyIds: string[], leaseMs: number): Promise<{ won: string[] }> {
  const results = await Promise.all(keyIds.map((keyId) => store.acquireLock(keyId, owner, leaseMs)));
  return { won: results.flatMap((lock) => (lock ? [lock.keyId] : [])) };
}

console.log("ready");
await waitFor("go");
switch (command) {
  case "increment":
    console.log(JSON.stringify(await increment(args[0] ?? "", Number(args[1]))));
    break;
  case "acquire":
    // Winners stay alive until told to exit: a lock whose holder is gone is free by design.
    console.log(JSON.stringify(await acquire(args, 60_000)));
    break;
  case "hold": {
    const { won } = await acquire([args[0] ?? ""], 3_600_000);
    console.log(JSON.stringify({ held: won.length === 1 }));
    break;
  }
  default:
    throw new Error(`unknown command ${command}`);
}
await waitFor("exit");
await store.close();
process.exit(0);
