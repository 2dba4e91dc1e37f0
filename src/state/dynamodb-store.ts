// The DynamoDB state store: for the Lambda, and for several runners (container, CLI, Lambda) sharing
// one state. Item shapes are in dynamodb-items.ts. Every change is one conditional write, so nothing
// is read-modified-written and no update is lost across processes or hosts:
// - save: PutItem if the record's `version` is the expected one (`attribute_not_exists(pk)` for 0);
// - acquire: PutItem of the lock item if it is absent, its lease is over, or it is already ours;
// - renew: UpdateItem of the lease if the lock is still ours; release: DeleteItem if it is ours.
//
// Unlike the file store, a lock whose holder ran on this host and is gone is not taken over before
// its lease ends: hostnames are not unique across Lambda sandboxes or containers sharing a table, so
// "its pid is not running here" proves nothing. Leases are compared with this process's clock; the
// hosts sharing a table need clocks in sync to well within a lease (NTP, or AWS's time sync).
import type { DynamoDBClient, DynamoDBClientConfig, PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import { systemClock, type Clock } from "../core/clock.js";
import { LockHeldError, StateConflictError } from "../core/errors.js";
import type { HistoryEntry, KeyRecord } from "../core/journal.js";
import type { Lock, LockOwner, StateStore, StoredRecord } from "../core/state-store.js";
import { DynamoDbApi } from "./dynamodb-api.js";
import {
  describeLockItem,
  HISTORY_INDEX_PK,
  historyIndexItem,
  historyItem,
  historyPk,
  lockItem,
  lockKey,
  lockTtl,
  numberValue,
  parseHistoryItem,
  parseRecordItem,
  recordItem,
  recordKey,
  stringValue,
  type Item,
} from "./dynamodb-items.js";

export interface DynamoDbStateStoreOptions {
  /** The table (config `state.table`); its keys are `pk` and `sk`, both strings. */
  table: string;
  /** Default: the AWS default chain (AWS_REGION, profile). */
  region?: string;
  /** Endpoint override: DynamoDB Local, a VPC endpoint, tests. */
  endpoint?: string;
  /** Create the table when missing and wait until it is ACTIVE; default false. */
  createTable?: boolean;
  clock?: Clock;
  /** A ready client (tests, or a caller sharing one); otherwise one is built on first use. */
  client?: DynamoDBClient;
  /** Merged over the config of the client built here (tests: credentials, retries). */
  clientConfig?: DynamoDBClientConfig;
}

export class DynamoDbStateStore implements StateStore {
  readonly table: string;
  readonly #api: DynamoDbApi;
  readonly #clock: Clock;
  /** Keys whose history index item this store has written: written once, before the first entry. */
  readonly #indexed = new Set<string>();

  constructor(options: DynamoDbStateStoreOptions) {
    this.#api = new DynamoDbApi(options);
    this.table = options.table;
    this.#clock = options.clock ?? systemClock;
  }

  async load(keyId: string): Promise<StoredRecord | undefined> {
    const input = { TableName: this.table, Key: recordKey(keyId), ConsistentRead: true };
    const { Item: item } = await this.#api.send("GetItem", (m, c) => c.send(new m.GetItemCommand(input)));
    return item && parseRecordItem(this.table, item);
  }

  async save(keyId: string, record: KeyRecord, expectedVersion: number): Promise<number> {
    const version = expectedVersion + 1;
    const condition: Pick<PutItemCommandInput, "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"> =
      expectedVersion === 0
        ? { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "pk" } }
        : {
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":expected": numberValue(expectedVersion) },
          };
    const input = { TableName: this.table, Item: recordItem(keyId, record, version, this.#clock.now()), ...condition };
    const result = await this.#api.conditional("PutItem", (m, c) => c.send(new m.PutItemCommand(input)));
    if (!result.ok) throw new StateConflictError(keyId);
    return version;
  }

  async acquireLock(keyId: string, owner: LockOwner, leaseMs: number): Promise<Lock | undefined> {
    const now = this.#clock.now();
    const input = {
      TableName: this.table,
      Item: lockItem(keyId, owner, now, leaseMs),
      ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt <= :now OR #ownerId = :me",
      ExpressionAttributeNames: { "#pk": "pk", "#expiresAt": "expiresAt", "#ownerId": "ownerId" },
      ExpressionAttributeValues: { ":now": numberValue(now.getTime()), ":me": stringValue(owner.id) },
    };
    const result = await this.#api.conditional("PutItem", (m, c) => c.send(new m.PutItemCommand(input)));
    if (!result.ok) return undefined;
    return {
      keyId,
      renew: () => this.#renew(keyId, owner, leaseMs),
      release: () => this.#release(keyId, owner),
    };
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    if (!this.#indexed.has(entry.keyId)) {
      // Before the entry: an entry is never left without its index item by a crash in between.
      const index = { TableName: this.table, Item: historyIndexItem(entry.keyId) };
      await this.#api.send("PutItem", (m, c) => c.send(new m.PutItemCommand(index)));
      this.#indexed.add(entry.keyId);
    }
    // The sort key is the entry's identity: appending the same entry twice (a retry) stores it once.
    const input = { TableName: this.table, Item: historyItem(entry) };
    await this.#api.send("PutItem", (m, c) => c.send(new m.PutItemCommand(input)));
  }

  async listHistory(keyId?: string): Promise<HistoryEntry[]> {
    if (keyId !== undefined) return (await this.#query(historyPk(keyId))).map((item) => parseHistoryItem(this.table, item));
    const keyIds = (await this.#query(HISTORY_INDEX_PK)).map((item) => item.sk?.S ?? "");
    const items = (await Promise.all(keyIds.map((id) => this.#query(historyPk(id))))).flat();
    // Each key's items come sorted; merged by sort key (finishedAt first), a stable sort keeps ties in key order.
    items.sort((a, b) => compare(a.sk?.S ?? "", b.sk?.S ?? ""));
    return items.map((item) => parseHistoryItem(this.table, item));
  }

  async close(): Promise<void> {
    await this.#api.close();
  }

  /** Opens the table: creates it first when asked, then one read so a missing table or grant fails at start-up. */
  async open(createTable: boolean): Promise<void> {
    if (createTable) await this.#api.ensureTable(this.#clock);
    await this.#api.probe();
  }

  async #renew(keyId: string, owner: LockOwner, leaseMs: number): Promise<void> {
    const expiresAt = this.#clock.now().getTime() + leaseMs;
    const input = {
      TableName: this.table,
      Key: lockKey(keyId),
      // Ours, even past its lease, as long as nobody took it over: then extending it is safe.
      ConditionExpression: "#ownerId = :me",
      UpdateExpression: "SET #expiresAt = :expiresAt, #ttl = :ttl",
      ExpressionAttributeNames: { "#ownerId": "ownerId", "#expiresAt": "expiresAt", "#ttl": "ttl" },
      ExpressionAttributeValues: {
        ":me": stringValue(owner.id),
        ":expiresAt": numberValue(expiresAt),
        ":ttl": numberValue(lockTtl(expiresAt)),
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    };
    const result = await this.#api.conditional("UpdateItem", (m, c) => c.send(new m.UpdateItemCommand(input)));
    if (!result.ok) throw new LockHeldError(keyId, describeLockItem(result.item));
  }

  async #release(keyId: string, owner: LockOwner): Promise<void> {
    const input = {
      TableName: this.table,
      Key: lockKey(keyId),
      ConditionExpression: "#ownerId = :me",
      ExpressionAttributeNames: { "#ownerId": "ownerId" },
      ExpressionAttributeValues: { ":me": stringValue(owner.id) },
    };
    // Not ours any more (taken over after our lease): theirs stays.
    await this.#api.conditional("DeleteItem", (m, c) => c.send(new m.DeleteItemCommand(input)));
  }

  /** Every item of a partition, in sort key order, strongly consistent, across pages. */
  async #query(pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const input = {
        TableName: this.table,
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": "pk" },
        ExpressionAttributeValues: { ":pk": stringValue(pk) },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      };
      const page = await this.#api.send("Query", (m, c) => c.send(new m.QueryCommand(input)));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Opens the store: creates the table when `createTable` is set, and checks it can read it, so a bad setup fails at start-up. */
export async function openDynamoDbStateStore(options: DynamoDbStateStoreOptions): Promise<DynamoDbStateStore> {
  const store = new DynamoDbStateStore(options);
  try {
    await store.open(options.createTable === true);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
