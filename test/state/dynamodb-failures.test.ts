// The DynamoDB state store's failure paths with aws-sdk-client-mock: what a failed condition means
// for each call, what each SDK failure becomes, and creating the table, with the exact commands sent.
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  type TableStatus,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import {
  AccessDeniedError,
  AuthenticationError,
  LockHeldError,
  NotFoundError,
  type RotatorError,
  StateConflictError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";
import { openDynamoDbStateStore } from "../../src/state/dynamodb-store.js";
import { CREDENTIALS, fakeClock, REGION } from "./dynamodb-support.js";

const client = new DynamoDBClient({ region: REGION, credentials: CREDENTIALS });
const mock = mockClient(client);
afterEach(() => mock.reset());

const TABLE = "rotator-state";
const owner = { id: "run-a", host: "host-a", pid: 42 };
const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

function serviceError(name: string, status: number, fault: "client" | "server" = "client") {
  return new DynamoDBServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: `${name} happened` });
}
const conditionFailed = (item?: Record<string, unknown>) =>
  Object.assign(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: { httpStatusCode: 400 } }), item ? { Item: item } : {});

async function open(options: { createTable?: boolean; clock?: Clock } = {}) {
  mock.on(GetItemCommand).resolves({});
  return openDynamoDbStateStore({ table: TABLE, region: REGION, client, ...options });
}

describe("dynamodb state store: failed conditions", () => {
  it("turns a failed condition on save into StateConflictError, with the version condition it sent", async () => {
    const store = await open();
    mock.on(PutItemCommand).rejects(conditionFailed());

    const first = await errorOf(store.save("k", {}, 0));
    const later = await errorOf(store.save("k", {}, 4));

    expect(first).toBeInstanceOf(StateConflictError);
    expect(later).toBeInstanceOf(StateConflictError);
    const [create, update] = mock.commandCalls(PutItemCommand).map((call) => call.args[0].input);
    expect(create).toMatchObject({ ConditionExpression: "attribute_not_exists(#pk)", Item: { version: { N: "1" } } });
    expect(update).toMatchObject({
      ConditionExpression: "#version = :expected",
      ExpressionAttributeValues: { ":expected": { N: "4" } },
      Item: { version: { N: "5" } },
    });
  });

  it("answers undefined when another run holds the lock", async () => {
    const store = await open();
    mock.on(PutItemCommand).rejects(conditionFailed());

    const lock = await store.acquireLock("k", owner, 60_000);

    expect(lock).toBeUndefined();
    expect(mock.commandCalls(PutItemCommand)[0]?.args[0].input.ConditionExpression).toBe(
      "attribute_not_exists(#pk) OR #expiresAt <= :now OR #ownerId = :me",
    );
  });

  it("throws LockHeldError naming the new holder when renew finds the lock taken over, and release leaves it", async () => {
    const store = await open();
    mock.on(PutItemCommand).resolves({});
    const holder = { ownerId: { S: "run-b" }, host: { S: "host-b" }, pid: { N: "7" }, expiresAt: { N: String(Date.parse("2026-03-01T00:01:00Z")) } };
    mock.on(UpdateItemCommand).rejects(conditionFailed(holder));
    mock.on(DeleteItemCommand).rejects(conditionFailed());
    const lock = await store.acquireLock("k", owner, 60_000);

    const renewal = await errorOf(lock!.renew());
    const release = await errorOf(lock!.release());

    expect(renewal).toBeInstanceOf(LockHeldError);
    expect((renewal as Error).message).toBe('key "k" is locked by another run (run-b on host-b pid 7 until 2026-03-01T00:01:00.000Z)');
    expect(release).toBeUndefined();
    expect(mock.commandCalls(DeleteItemCommand)[0]?.args[0].input).toMatchObject({ ConditionExpression: "#ownerId = :me" });
  });
});

describe("dynamodb state store: SDK failures", () => {
  it.each([
    ["ProvisionedThroughputExceededException", serviceError("ProvisionedThroughputExceededException", 400), ThrottledError],
    ["ThrottlingException", serviceError("ThrottlingException", 400), ThrottledError],
    ["RequestLimitExceeded", serviceError("RequestLimitExceeded", 400), ThrottledError],
    ["InternalServerError", serviceError("InternalServerError", 500, "server"), TransientError],
    ["a 503 of unknown type", serviceError("Unknown", 503, "server"), TransientError],
    ["ECONNRESET", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), TransientError],
    ["TimeoutError", Object.assign(new Error("socket timed out"), { name: "TimeoutError" }), TransientError],
    ["UnrecognizedClientException", serviceError("UnrecognizedClientException", 400), AuthenticationError],
  ])("maps %s", async (_name, error, expected) => {
    const store = await open();
    mock.on(PutItemCommand).rejects(error);

    const failure = await errorOf(store.save("k", {}, 0));

    expect(failure).toBeInstanceOf(expected);
    expect((failure as Error).message).toMatch(/^DynamoDB PutItem on table rotator-state \(us-east-1\)/);
    expect((failure as RotatorError).retryable).toBe(expected !== AuthenticationError);
  });

  it("maps AccessDenied to AccessDeniedError naming the action and every action the store needs, never NotFound", async () => {
    mock.on(GetItemCommand).rejects(serviceError("AccessDeniedException", 400));

    const failure = await errorOf(openDynamoDbStateStore({ table: TABLE, region: REGION, client }));

    expect(failure).toBeInstanceOf(AccessDeniedError);
    expect(failure).not.toBeInstanceOf(NotFoundError);
    expect(failure).toMatchObject({ permission: "dynamodb:GetItem", retryable: false });
    expect((failure as Error).message).toContain(
      "uses dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:Query on arn:aws:dynamodb:<region>:<account>:table/rotator-state",
    );
  });

  it("names the table-management actions too when createTable is set", async () => {
    mock.on(DescribeTableCommand).rejects(serviceError("AccessDeniedException", 400));

    const failure = await errorOf(openDynamoDbStateStore({ table: TABLE, region: REGION, client, createTable: true }));

    expect(failure).toMatchObject({ permission: "dynamodb:DescribeTable" });
    expect((failure as Error).message).toContain("dynamodb:Query, dynamodb:DescribeTable, dynamodb:CreateTable, dynamodb:UpdateTimeToLive");
  });

  it("maps a missing table on any call to STATE_TABLE_MISSING, not NotFoundError", async () => {
    const store = await open();
    mock.on(PutItemCommand).rejects(serviceError("ResourceNotFoundException", 400));

    const failure = await errorOf(store.appendHistory({ keyId: "k", rotationId: "r", outcome: "succeeded", reason: "due", startedAt: "t", finishedAt: "t", oldKeys: [], revoked: [], timings: {} }));

    expect(failure).not.toBeInstanceOf(NotFoundError);
    expect(failure).toMatchObject({ code: "STATE_TABLE_MISSING", retryable: false });
    expect((failure as Error).message).toContain('DynamoDB table "rotator-state" (state.table) does not exist in us-east-1');
  });

  it("leaves an injected client to its owner on close", async () => {
    const store = await open();
    const destroy = vi.spyOn(client, "destroy");

    await store.close();

    expect(destroy).not.toHaveBeenCalled();
    destroy.mockRestore();
  });
});

describe("dynamodb state store: createTable", () => {
  const description = (status: TableStatus) => ({
    Table: {
      TableStatus: status,
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" as const },
        { AttributeName: "sk", KeyType: "RANGE" as const },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" as const },
        { AttributeName: "sk", AttributeType: "S" as const },
      ],
    },
  });

  it("creates a missing table on demand, waits on the clock until ACTIVE, then turns TTL on for ttl", async () => {
    const { clock, nowMs } = fakeClock();
    const start = nowMs();
    mock
      .on(DescribeTableCommand)
      .rejectsOnce(serviceError("ResourceNotFoundException", 400))
      .resolvesOnce(description("CREATING"))
      .resolvesOnce(description("CREATING"))
      .resolves(description("ACTIVE"));
    mock.on(CreateTableCommand).resolves({});
    mock.on(UpdateTimeToLiveCommand).resolves({});

    await open({ createTable: true, clock });

    expect(mock.commandCalls(CreateTableCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    });
    expect(mock.commandCalls(DescribeTableCommand)).toHaveLength(4);
    expect(nowMs() - start).toBe(100 + 200 + 400);
    expect(mock.commandCalls(UpdateTimeToLiveCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
    });
  });

  it("waits for a table another run is creating at the same moment, and leaves its TTL alone", async () => {
    const { clock } = fakeClock();
    mock.on(DescribeTableCommand).rejectsOnce(serviceError("ResourceNotFoundException", 400)).resolves(description("ACTIVE"));
    mock.on(CreateTableCommand).rejects(serviceError("ResourceInUseException", 400));

    await open({ createTable: true, clock });

    expect(mock.commandCalls(UpdateTimeToLiveCommand)).toHaveLength(0);
  });

  it("gives up with a retryable error when the table never becomes ACTIVE", async () => {
    const { clock } = fakeClock();
    mock.on(DescribeTableCommand).resolves(description("CREATING"));

    const failure = await errorOf(open({ createTable: true, clock }));

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toBe("DynamoDB table rotator-state (state.table) is still CREATING after 120 s");
  });
});
