// The DynamoDB state store across real processes sharing one dynalite: no lost update under
// contention (compare-and-set with retries), and exactly one winner per lock. Each worker builds its
// own client from the AWS default chain (credentials and region in its environment).
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, REGION, CREDENTIALS, startDynalite, type Dynalite } from "./dynamodb-support.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./dynamodb-worker.ts", import.meta.url));
const WORKER_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_PROFILE: "",
};

interface Worker {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  waitFor(test: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
}

function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { cwd: ROOT, env: WORKER_ENV, stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let stderr = "";
  let buffered = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.test(line))) waiter.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (test: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find(test);
      if (seen !== undefined) return resolve(seen);
      waiters.push({ test, resolve });
      void exited.then((code) => reject(new Error(`worker exited (${code}) before the expected line: ${stderr}`)));
    });
  return { child, waitFor, exited };
}

/** Starts workers, waits until each has opened the store, then releases them all at once. */
async function runTogether(argsList: string[][]): Promise<unknown[]> {
  const workers = argsList.map(startWorker);
  try {
    await Promise.all(workers.map((worker) => worker.waitFor((line) => line === "ready")));
    for (const worker of workers) worker.child.stdin.write("go\n");
    const results = await Promise.all(workers.map((worker) => worker.waitFor((line) => line.startsWith("{"))));
    for (const worker of workers) worker.child.stdin.end("exit\n");
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual(workers.map(() => 0));
    return results.map((line) => JSON.parse(line) as unknown);
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  }
}

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
      const results = (await runTogether(
        Array.from({ length: 4 }, () => ["increment", server.endpoint, store.table, "counter", "25"]),
      )) as { conflicts: number }[];

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
      const results = (await runTogether(
        Array.from({ length: 6 }, () => ["acquire", server.endpoint, store.table, ...keys]),
      )) as { won: string[] }[];

      const winners = keys.map((key) => results.filter((result) => result.won.includes(key)).length);
      expect(winners).toEqual([1, 1, 1]);
    } finally {
      await store.close();
    }
  });
});
