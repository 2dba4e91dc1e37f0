// Runs store-worker.ts in real child processes for the state stores' cross-process tests: start
// workers, wait until each has opened its store, release them all at once, collect their answers.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { StateConfig } from "../../src/config/schema.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./store-worker.ts", import.meta.url));

export type WorkerState = Pick<StateConfig, "type"> & Record<string, unknown>;

export interface Worker {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Resolves once the worker printed a line matching `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
}

export function startWorker(state: WorkerState, args: string[], env: NodeJS.ProcessEnv = process.env): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(state), ...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
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

/** Releases a started worker once it is ready, and returns its JSON answer. */
export async function release(worker: Worker): Promise<unknown> {
  await worker.waitFor((line) => line === "ready");
  worker.child.stdin.write("go\n");
  return JSON.parse(await worker.waitFor((line) => line.startsWith("{"))) as unknown;
}

/** Starts workers, waits until each has opened the store, releases them all at once, then lets them exit. */
export async function runTogether(state: WorkerState, argsList: string[][], env?: NodeJS.ProcessEnv): Promise<unknown[]> {
  const workers = argsList.map((args) => startWorker(state, args, env));
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
