// The DynamoDB state store against dynalite (a real DynamoDB implementation on 127.0.0.1): the state
// store contract, the items it writes, creating the table, and lock leases on a fake clock.
import { hostname } from "node:os";
import { CreateTableCommand, DescribeTableCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { stateStoreContract } from "../contract/state-store-contract.js";
import { LockHeldError, RotatorError, TransientError } from "../../src/core/errors.js";
import type { HistoryEntry } from "../../src/core/journal.js";
import type { LockOwner } from "../../src/core/state-store.js";
import { openDynamoDbStateStore, type DynamoDbStateStore } from "../../src/state/dynamodb-store.js";
import { CREDENTIALS, fakeClock, openTestStore, rawClient, REGION, startDynalite, uniqueTable, type Dynalite } from "./dynamodb-support.js";

let server: Dynalite;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(() => server.close());

// A fresh table per test: the store creates it (createTable: true).
stateStoreContract("dynamodb", async () => ({ store: await openTestStore(server.endpoint), cleanup: async () => undefined }));

const owner = (id: string): LockOwner => ({ id, host: hostname(), pid: process.pid });

function entry(keyId: string, rotationId: string, finishedAt: string): HistoryEntry {
  return { keyId, rotationId, outcome: "succeeded", reason: "due", startedAt: finishedAt, finishedAt, oldKeys: [], revoked: [], timings: {} };
}

describe("dynamodb state store", () => {
  let client: DynamoDBClient;
  const opened: DynamoDbStateStore[] = [];
  async function open(...args: Parameters<typeof openTestStore>): Promise<DynamoDbStateStore> {
    const store = await openTestStore(...args);
    opened.push(store);
    return store;
  }
  beforeAll(() => {
    client = rawClient(server.endpoint);
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(() => client.destroy());

  it("writes the documented items: record, lock with lease and ttl, history entry and index", async () => {
    const { clock, nowMs } = fakeClock();
    const store = await open(server.endpoint, { clock });

    const version = await store.save("k", { lastRotatedAt: "2026-01-01T00:00:00.000Z" }, 0);
    await store.acquireLock("k", owner("run-1"), 60_000);
    await store.appendHistory(entry("k", "rot-1", "2026-02-01T00:00:00.000Z"));
    const { Items: items } = await client.send(new ScanCommand({ TableName: store.table }));

    const byKey = Object.fromEntries((items ?? []).map((item) => [`${item.pk?.S} ${item.sk?.S}`, item]));
    expect(Object.keys(byKey).sort()).toEqual([
      "history#k 2026-02-01T00:00:00.000Z#rot-1#succeeded",
      "history-keys k",
      "key#k lock",
      "key#k record",
    ]);
    expect(byKey["key#k record"]).toEqual({
      pk: { S: "key#k" },
      sk: { S: "record" },
      version: { N: String(version) },
      record: { S: '{"lastRotatedAt":"2026-01-01T00:00:00.000Z"}' },
      updatedAt: { S: new Date(nowMs()).toISOString() },
    });
    const expiresAt = nowMs() + 60_000;
    expect(byKey["key#k lock"]).toEqual({
      pk: { S: "key#k" },
      sk: { S: "lock" },
      ownerId: { S: "run-1" },
      host: { S: hostname() },
      pid: { N: String(process.pid) },
      acquiredAt: { S: new Date(nowMs()).toISOString() },
      expiresAt: { N: String(expiresAt) },
      ttl: { N: String(Math.ceil(expiresAt / 1000) + 86_400) },
    });
    expect(JSON.parse(byKey["history#k 2026-02-01T00:00:00.000Z#rot-1#succeeded"]?.entry?.S ?? "")).toEqual(
      entry("k", "rot-1", "2026-02-01T00:00:00.000Z"),
    );
  });

  it("lists all keys' history by finish time, and stores an entry appended twice once", async () => {
    const store = await open(server.endpoint);
    const late = entry("a", "rot-3", "2026-03-01T00:00:00.000Z");
    const early = entry("b", "rot-1", "2026-01-01T00:00:00.000Z");
    const middle = entry("a", "rot-2", "2026-02-01T00:00:00.000Z");

    for (const e of [late, early, middle, late]) await store.appendHistory(e);

    expect(await store.listHistory()).toEqual([early, middle, late]);
    expect(await store.listHistory("a")).toEqual([middle, late]);
  });

  it("takes a lock over once its lease is over on the store's clock, and the old owner's renew then fails", async () => {
    const { clock, advance } = fakeClock();
    const store = await open(server.endpoint, { clock });
    const a = await store.acquireLock("k", owner("a"), 60_000);

    advance(59_999);
    const during = await store.acquireLock("k", owner("b"), 60_000);
    advance(1);
    const b = await store.acquireLock("k", owner("b"), 60_000);
    const renewal = await a?.renew().then(() => undefined, (error: unknown) => error);
    await a?.release();
    const c = await store.acquireLock("k", owner("c"), 60_000);

    expect(during).toBeUndefined();
    expect(b?.keyId).toBe("k");
    expect(renewal).toBeInstanceOf(LockHeldError);
    expect(c).toBeUndefined();
  });

  it("renews a lock past its lease while nobody took it over, and lets its owner take it again", async () => {
    const { clock, advance } = fakeClock();
    const store = await open(server.endpoint, { clock });
    const a = await store.acquireLock("k", owner("a"), 1_000);

    advance(5_000);
    await a?.renew();
    const other = await store.acquireLock("k", owner("b"), 1_000);
    const again = await store.acquireLock("k", owner("a"), 1_000);

    expect(other).toBeUndefined();
    expect(again?.keyId).toBe("k");
  });

  it("creates a missing table with the store's keys, on demand, and waits until it is ACTIVE", async () => {
    const slow = await startDynalite({ createTableMs: 400 });
    const table = uniqueTable();
    try {
      const store = await open(slow.endpoint, { table, createTable: true });
      const version = await store.save("k", {}, 0);
      const reopened = await open(slow.endpoint, { table, createTable: true });

      const { Table: description } = await rawClient(slow.endpoint).send(new DescribeTableCommand({ TableName: table }));
      expect(version).toBe(1);
      expect(await reopened.load("k")).toEqual({ record: {}, version: 1 });
      expect(description?.TableStatus).toBe("ACTIVE");
      expect(description?.KeySchema).toEqual([
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ]);
      expect(description?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    } finally {
      for (const store of opened.splice(0)) await store.close();
      await slow.close();
    }
  });

  it("refuses a missing table by default, naming state.table and how to create it, and creates nothing", async () => {
    const table = uniqueTable();

    const error = await open(server.endpoint, { table, createTable: false }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RotatorError);
    expect(error).toMatchObject({ code: "STATE_TABLE_MISSING", retryable: false });
    expect((error as Error).message).toMatch(/table "key-rotator-\w+" \(state\.table\) does not exist in us-east-1/);
    expect((error as Error).message).toMatch(/SAM template .* or set state\.createTable: true/);
    const described = await client.send(new DescribeTableCommand({ TableName: table })).catch((e: unknown) => e);
    expect((described as Error).name).toBe("ResourceNotFoundException");
  });

  it("refuses a table whose keys are not pk and sk", async () => {
    const table = uniqueTable();
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );

    const error = await open(server.endpoint, { table, createTable: true }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "STATE_TABLE_INVALID" });
    expect((error as Error).message).toMatch(/exists with another key schema \(id:HASH\); .* partition key pk and sort key sk, both strings/);
  });

  it("refuses a record item it cannot read, naming the item, and never guesses", async () => {
    const store = await open(server.endpoint);
    await client.send(
      new PutItemCommand({ TableName: store.table, Item: { pk: { S: "key#k" }, sk: { S: "record" }, version: { N: "3" }, record: { S: "{not json" } } }),
    );

    const error = await store.load("k").catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "STATE_CORRUPT" });
    expect((error as Error).message).toMatch(/item pk=key#k sk=record in DynamoDB table key-rotator-\w+ holds invalid JSON/);
  });

  it("fails with a retryable TransientError when nothing listens at the endpoint", async () => {
    const closed = await startDynalite();
    await closed.close();

    const error = await openDynamoDbStateStore({
      table: uniqueTable(),
      region: REGION,
      endpoint: closed.endpoint,
      clientConfig: { credentials: CREDENTIALS, maxAttempts: 1 },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/DynamoDB GetItem on table key-rotator-\w+ \(us-east-1\): .*ECONNREFUSED/);
  });
});
