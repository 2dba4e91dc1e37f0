// The config's `state: { type: dynamodb }` through openStateStore (what the CLI, daemon and Lambda
// call), against dynalite, with credentials from the AWS default chain (the environment).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { stateSchema } from "../../src/config/schema.js";
import { systemClock } from "../../src/core/clock.js";
import { openStateStore } from "../../src/runtime.js";
import { DynamoDbStateStore } from "../../src/state/dynamodb-store.js";
import { CREDENTIALS, REGION, startDynalite, uniqueTable, type Dynalite } from "./dynamodb-support.js";

describe("state: { type: dynamodb } in the config", () => {
  let server: Dynalite;
  beforeAll(async () => {
    server = await startDynalite();
  });
  afterAll(() => server.close());
  afterEach(() => vi.unstubAllEnvs());

  it("opens the DynamoDB store the config names, with the file store's lease default", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", CREDENTIALS.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey);
    const table = uniqueTable();
    const config = stateSchema.parse({ type: "dynamodb", table, region: REGION, endpoint: server.endpoint, createTable: true });

    const store = await openStateStore(config, systemClock);
    const version = await store.save("k", {}, 0);
    await store.close();

    expect(config).toEqual({ type: "dynamodb", table, region: REGION, endpoint: server.endpoint, createTable: true, lockLeaseSeconds: 60 });
    expect(store).toBeInstanceOf(DynamoDbStateStore);
    expect((store as DynamoDbStateStore).table).toBe(table);
    expect(version).toBe(1);
  });

  it.each([
    [{ type: "dynamodb" }, "table"],
    [{ type: "dynamodb", table: "ab" }, "table"],
    [{ type: "dynamodb", table: "t-able", region: "Frankfurt" }, "region"],
    [{ type: "dynamodb", table: "t-able", endpoint: "localhost:8000" }, "endpoint"],
    [{ type: "dynamodb", table: "t-able", path: "state.json" }, ""],
  ])("rejects %j at %s", (input, field) => {
    const parsed = stateSchema.safeParse(input);

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join(".")).toBe(field);
  });
});
