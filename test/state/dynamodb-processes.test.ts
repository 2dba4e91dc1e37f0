// The DynamoDB state store across real processes sharing one dynalite: no lost update under
// contention (compare-and-set with retries), and exactly one winner per lock. Each worker builds its
// own client from the AWS default chain (credentials and region in its environment).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, REGION, CREDENTIALS, startDynalite, type Dynalite } from "./dynamodb-support.js";
import { runTogether } from "./workers.js";

const WORKER_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_PROFILE: "",
};

// Starting several tsx processes takes seconds on a small machine.
describe("dynamodb state store across processes", { timeout: 90_000 }, () => {
  let server: Dynalite;
  beforeAll(async () => {
    server = await startDynalite();
  });
  afterAll(() => server.close());

  it("loses no update when 4 processes each increment one counter 25 times", async () => {
    const store = await openTestStore(server.endpoint);
    try {
      const state = { type: "dynamodb" as const, table: store.table, endpoint: server.endpoint };
      const results = (await runTogether(state, Array.from({ length: 4 }, () => ["increment", "counter", "25"]), WORKER_ENV)) as {
        conflicts: number;
      }[];

      const stored = await store.load("counter");
      expect(stored?.record.active?.prefix).toBe("100");
      expect(stored?.version).toBe(100);
      expect(await store.listHistory("counter")).toHaveLength(100);
      expect(await store.listHistory()).toHaveLength(100);
      expect(results.reduce((sum, result) => sum + result.conflicts, 0)).toBeGreaterThan(0); // they did contend
    } finally {
      await store.close();
    }
  });

  it("gives each lock to exactly one of 6 processes racing for it", async () => {
    const store = await openTestStore(server.endpoint);
    const keys = ["alpha", "beta", "gamma"];
    try {
      const state = { type: "dynamodb" as const, table: store.table, endpoint: server.endpoint };
      const results = (await runTogether(state, Array.from({ length: 6 }, () => ["acquire", ...keys]), WORKER_ENV)) as { won: string[] }[];

      const winners = keys.map((key) => results.filter((result) => result.won.includes(key)).length);
      expect(winners).toEqual([1, 1, 1]);
    } finally {
      await store.close();
    }
  });
});
