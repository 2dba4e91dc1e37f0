// The DynamoDB calls of the state store, over a client built on first use: the SDK is loaded with a
// dynamic import() then, so a config with a file store never loads it and opening a store with an
// injected client needs no credentials. Credentials come from the AWS default chain (environment,
// profile, SSO, the Lambda's or the task's role). Each call maps its failure once
// (dynamodb-errors.ts); a failed condition comes back as a value, since the store decides what it means.
import type * as DynamoDbSdk from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../core/clock.js";
import { RotatorError, TransientError } from "../core/errors.js";
import { dynamoDbErrorName, isConditionFailed, mapDynamoDbError, type DynamoDbCall } from "./dynamodb-errors.js";
import type { Item } from "./dynamodb-items.js";

type Sdk = typeof DynamoDbSdk;
let sdk: Promise<Sdk> | undefined;
const loadSdk = () => (sdk ??= import("@aws-sdk/client-dynamodb"));

/** Hung connections fail and are retried instead of stalling a tick. */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 20_000, throwOnRequestTimeout: true };

/** How long createTable waits for a new table to become ACTIVE (AWS: seconds, rarely a minute). */
const TABLE_ACTIVE_TIMEOUT_MS = 120_000;

export interface DynamoDbConnectionOptions {
  table: string;
  /** Default: the AWS default chain (AWS_REGION, profile). */
  region?: string;
  /** Endpoint override: DynamoDB Local, a VPC endpoint, tests. */
  endpoint?: string;
  createTable?: boolean;
  /** A ready client (tests, or a caller sharing one); it is not destroyed by close(). */
  client?: DynamoDBClient;
  /** Merged over the config of the client built here (tests: credentials, retries). */
  clientConfig?: DynamoDBClientConfig;
}

export type Conditional<T> = { ok: true; output: T } | { ok: false; item: Item | undefined };

export class DynamoDbApi {
  readonly table: string;
  readonly #options: DynamoDbConnectionOptions;
  #client: Promise<DynamoDBClient> | undefined;

  constructor(options: DynamoDbConnectionOptions) {
    this.table = options.table;
    this.#options = options;
  }

  #call(operation: string): DynamoDbCall {
    return { operation, table: this.table, region: this.#options.region, createTable: this.#options.createTable === true };
  }

  async #buildClient(): Promise<DynamoDBClient> {
    const { client, clientConfig, region, endpoint } = this.#options;
    if (client) return client;
    const module = await loadSdk();
    return new module.DynamoDBClient({
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
      retryMode: "standard",
      requestHandler: REQUEST_HANDLER,
      ...clientConfig,
    });
  }

  async #raw<T>(call: (module: Sdk, client: DynamoDBClient) => Promise<T>): Promise<T> {
    const module = await loadSdk();
    this.#client ??= this.#buildClient();
    return call(module, await this.#client);
  }

  /** One call; every failure mapped. */
  async send<T>(operation: string, call: (module: Sdk, client: DynamoDBClient) => Promise<T>): Promise<T> {
    try {
      return await this.#raw(call);
    } catch (error) {
      throw mapDynamoDbError(error, this.#call(operation));
    }
  }

  /** One conditional write; a failed condition is a value, with the item as it stood when DynamoDB returns it. */
  async conditional<T>(operation: string, call: (module: Sdk, client: DynamoDBClient) => Promise<T>): Promise<Conditional<T>> {
    try {
      return { ok: true, output: await this.#raw(call) };
    } catch (error) {
      if (isConditionFailed(error)) return { ok: false, item: (error as { Item?: Item }).Item };
      throw mapDynamoDbError(error, this.#call(operation));
    }
  }

  /** A cheap read that fails at start-up on a missing table, rejected credentials or a missing GetItem grant. */
  async probe(): Promise<void> {
    const input = { TableName: this.table, Key: { pk: { S: "probe" }, sk: { S: "probe" } }, ProjectionExpression: "pk" };
    await this.send("GetItem", (m, c) => c.send(new m.GetItemCommand(input)));
  }

  /**
   * Creates the table when missing (PAY_PER_REQUEST), waits until it is ACTIVE, then turns TTL on
   * for `ttl`. A table that exists is only checked: its TTL setting is the operator's.
   */
  async ensureTable(clock: Clock): Promise<void> {
    const status = await this.#tableStatus();
    const created = status === undefined && (await this.#createTable());
    const deadline = clock.now().getTime() + TABLE_ACTIVE_TIMEOUT_MS;
    for (let attempt = 0, current = status ?? "CREATING"; current !== "ACTIVE"; attempt++) {
      if (clock.now().getTime() >= deadline) {
        throw new TransientError(`DynamoDB table ${this.table} (state.table) is still ${current} after ${TABLE_ACTIVE_TIMEOUT_MS / 1000} s`);
      }
      await clock.sleep(Math.min(2_000, 100 * 2 ** attempt));
      current = (await this.#tableStatus()) ?? "CREATING";
    }
    if (created) await this.#enableTtl();
  }

  /** The table's status, undefined when it does not exist; a table with other keys is refused. */
  async #tableStatus(): Promise<string | undefined> {
    const input = { TableName: this.table };
    let table: DynamoDbSdk.TableDescription | undefined;
    try {
      table = (await this.#raw((m, c) => c.send(new m.DescribeTableCommand(input)))).Table;
    } catch (error) {
      if (dynamoDbErrorName(error) === "ResourceNotFoundException") return undefined;
      throw mapDynamoDbError(error, this.#call("DescribeTable"));
    }
    const keys = (table?.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).sort();
    const types = new Map((table?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
    if (keys.join(",") !== "pk:HASH,sk:RANGE" || types.get("pk") !== "S" || types.get("sk") !== "S") {
      throw new RotatorError(
        "STATE_TABLE_INVALID",
        `DynamoDB table ${this.table} (state.table) exists with another key schema (${keys.join(", ")}); the state ` +
          `store needs partition key pk and sort key sk, both strings. Name another table, or let createTable make a new one`,
      );
    }
    return table?.TableStatus;
  }

  /** True when this call created it; false when another run did at the same moment. */
  async #createTable(): Promise<boolean> {
    const input: DynamoDbSdk.CreateTableCommandInput = {
      TableName: this.table,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    };
    try {
      await this.#raw((m, c) => c.send(new m.CreateTableCommand(input)));
      return true;
    } catch (error) {
      if (dynamoDbErrorName(error) === "ResourceInUseException") return false;
      throw mapDynamoDbError(error, this.#call("CreateTable"));
    }
  }

  /** TTL only sweeps stale lock items, so an endpoint without the operation (dynalite, some local fakes) is no failure. */
  async #enableTtl(): Promise<void> {
    const input = { TableName: this.table, TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true } };
    try {
      await this.#raw((m, c) => c.send(new m.UpdateTimeToLiveCommand(input)));
    } catch (error) {
      if (dynamoDbErrorName(error) === "UnknownOperationException") return;
      throw mapDynamoDbError(error, this.#call("UpdateTimeToLive"));
    }
  }

  /** Destroys the client built here; an injected one belongs to the caller. */
  async close(): Promise<void> {
    const built = this.#client;
    this.#client = undefined;
    if (built && !this.#options.client) (await built.catch(() => undefined))?.destroy();
  }
}
