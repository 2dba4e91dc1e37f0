// Shared by the DynamoDB state store's tests: a dynalite server on 127.0.0.1 (a real DynamoDB
// implementation, in memory), static dummy credentials, and stores opened against it.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import type { Clock } from "../../src/core/clock.js";
import { openDynamoDbStateStore, type DynamoDbStateStore, type DynamoDbStateStoreOptions } from "../../src/state/dynamodb-store.js";

export const REGION = "us-east-1";
export const CREDENTIALS = { accessKeyId: "AKIDTESTKEYROTATOR", secretAccessKey: "test-secret-access-key" };

export interface Dynalite {
  endpoint: string;
  close(): Promise<void>;
}

export async function startDynalite(options: { createTableMs?: number } = {}): Promise<Dynalite> {
  const server = dynalite({ createTableMs: options.createTableMs ?? 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A table name no other test uses. */
export const uniqueTable = (): string => `key-rotator-${randomBytes(6).toString("hex")}`;

/** A plain client for arranging and inspecting the table behind the store's back. */
export function rawClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
}

export function openTestStore(
  endpoint: string,
  options: Partial<DynamoDbStateStoreOptions> & { clock?: Clock } = {},
): Promise<DynamoDbStateStore> {
  return openDynamoDbStateStore({
    table: uniqueTable(),
    region: REGION,
    endpoint,
    createTable: true,
    clientConfig: { credentials: CREDENTIALS, maxAttempts: 2 },
    ...options,
  });
}

export function fakeClock(start = Date.parse("2026-03-01T00:00:00Z")) {
  let now = start;
  const clock: Clock = { now: () => new Date(now), sleep: async (ms) => void (now += ms) };
  return { clock, advance: (ms: number) => void (now += ms), nowMs: () => now };
}
