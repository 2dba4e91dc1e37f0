// A child process for dynamodb-processes.test.ts, run as `node --import tsx dynamodb-worker.ts
// <command> <endpoint> <table> ...`. It opens the real DynamoDB store with credentials and region from
// the AWS default chain (the environment), prints "ready", waits for "go" on stdin so every worker
// starts at once, does its part and prints one JSON line with what happened.
import { hostname } from "node:os";
import { createInterface } from "node:readline";
import { StateConflictError } from "../../src/core/errors.js";
import type { KeyRecord } from "../../src/core/journal.js";
import type { StoredRecord } from "../../src/core/state-store.js";
import { openDynamoDbStateStore } from "../../src/state/dynamodb-store.js";

const [command = "", endpoint = "", table = "", ...args] = process.argv.slice(2);
const store = await openDynamoDbStateStore({ table, endpoint });
const owner = { id: `worker-${process.pid}`, host: hostname(), pid: process.pid };

/** The counter lives in the record's active key prefix: the record shape has no free-form field. */
const counterOf = (stored: StoredRecord | undefined): number => Number(stored?.record.active?.prefix ?? 0);
const counterRecord = (n: number): KeyRecord => ({ active: { id: "counter", prefix: String(n) } });

const commands = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

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

async function acquire(keyIds: string[]): Promise<{ won: string[] }> {
  const results = await Promise.all(keyIds.map((keyId) => store.acquireLock(keyId, owner, 60_000)));
  return { won: results.flatMap((lock) => (lock ? [lock.keyId] : [])) };
}

console.log("ready");
await waitFor("go");
switch (command) {
  case "increment":
    console.log(JSON.stringify(await increment(args[0] ?? "", Number(args[1]))));
    break;
  case "acquire":
    console.log(JSON.stringify(await acquire(args)));
    break;
  default:
    throw new Error(`unknown command ${command}`);
}
await waitFor("exit");
await store.close();
process.exit(0);
