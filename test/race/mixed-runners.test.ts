// Invariant 5 across runner types: "4 processes (mixing the CLI and the Lambda handler) tick the same
// keys together, many rounds: exactly one rotation per due key, never two."
//
// The world: the fake MGA (in this process), one dynalite (a real DynamoDB implementation, in this
// process), a config file with DynamoDB state (`createTable: true`, so round 1 also races on creating
// the table) and 3 managed keys, each deploying to its own .env file. The keys rotate every few
// seconds (`rotateEveryDays` is a fraction), so every round finds each key due again.
//
// Each round: 2 × the built CLI (`dist/cli.js run --json`) and 2 × a node process that imported the
// built Lambda bundle (`dist/lambda.mjs`) and calls `handler({})`. All four are spawned first and
// wait, code loaded, at a barrier (a preload for the CLI, after the import for the Lambda, both
// signalling "ready" on fd 3 and waiting for "go" on stdin); once every key is due they are released
// at the same moment.
// Key creation at the fake is slowed (200–400 ms) so the runs overlap for real.
//
// Both the CLI and the bundle are copies taken at start (the suite's global setup built them): a
// rebuild by another run of the suite deletes dist/ and must not pull files from under a round.
import { spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GetItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolateBundle } from "../../bench/invoke.js";
import { readVariable } from "../../providers/dotenv/dotenv-format.js";
import { startFakeMga, type FakeMga } from "../../providers/mga/fake.js";
import type { HistoryEntry } from "../../src/core/journal.js";
import { lockKey } from "../../src/state/dynamodb-items.js";
import { openDynamoDbStateStore, type DynamoDbStateStore } from "../../src/state/dynamodb-store.js";
import { CREDENTIALS, rawClient, REGION, startDynalite, uniqueTable, type Dynalite } from "../state/dynamodb-support.js";
import { assertNoSecretIn } from "../support/invariants.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIST = join(ROOT, "dist");

const ROUNDS = 7;
/**
 * ≈ 4.3 s: over the longest round seen (1.1–2 s on an idle 2-CPU box, up to 3.7 s at load 6), so a
 * key is due exactly once per round, and short enough for 7 rounds in well under a minute.
 */
const ROTATE_EVERY_DAYS = 0.00005;
const ROTATE_EVERY_MS = ROTATE_EVERY_DAYS * 86_400_000;
/** Released in this order, rotated by one each round so no runner is always written to first. */
const KINDS = ["cli", "lambda", "cli", "lambda"] as const;
const KEYS = [
  { id: "alpha-server", name: "Alpha Server" },
  { id: "beta-worker", name: "Beta Worker" },
  { id: "gamma-cron", name: "Gamma Cron" },
] as const;
/** A round whose runners have not all finished by then has hung (a stuck lock would show as one). */
const ROUND_TIMEOUT_MS = 25_000;

type RunnerKind = (typeof KINDS)[number];

interface Outcome {
  keyId: string;
  action: string;
  rotationId?: string;
  error?: string;
}

interface RunnerResult {
  kind: RunnerKind;
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The outcome per key: the CLI's `--json` output, or what the handler returned. */
  outcomes: Outcome[] | undefined;
  /** The handler threw (it does only when a rotation failed or rolled back). */
  thrown?: { name: string; code?: string; message: string };
}

interface Runner {
  kind: RunnerKind;
  /** Resolves once the process is loaded and waiting at the barrier. */
  ready: Promise<void>;
  release(): void;
  done: Promise<RunnerResult>;
  kill(): void;
}

// The CLI's barrier: preloaded with --import, so its top-level await holds the CLI before it runs.
// It first evaluates the CLI's shared chunks (the modules a DynamoDB + .env run loads statically), so
// the CLI is as warm as the Lambda child that imported its bundle: released, both start working at once.
const cliBarrier = (warm: string[]) => `
import { closeSync, writeSync } from "node:fs";
for (const url of ${JSON.stringify(warm)}) await import(url);
writeSync(3, "ready\\n");
closeSync(3);
await new Promise((resolve) => {
  process.stdin.once("data", resolve);
  process.stdin.once("end", () => process.exit(9));
});
process.stdin.destroy();
`;

// The Lambda side, as the Lambda runtime would do it: import the bundle (a warm container), then call
// handler({}) once when released, and report what it returned or threw as one line on stdout.
const LAMBDA_CHILD = `
import { closeSync, writeSync } from "node:fs";
const module = await import(process.argv[1]);
writeSync(3, "ready\\n");
closeSync(3);
await new Promise((resolve) => {
  process.stdin.once("data", resolve);
  process.stdin.once("end", () => process.exit(9));
});
process.stdin.destroy();
let report;
try {
  report = { ok: true, result: await module.handler({}, { awsRequestId: "race-" + process.pid, getRemainingTimeInMillis: () => 900000 }) };
} catch (error) {
  report = { ok: false, error: { name: error.name, code: error.code, message: error.message } };
}
process.stdout.write("@@report " + JSON.stringify(report) + "\\n", () => process.exit(0));
`;

interface World {
  dir: string;
  mga: FakeMga;
  dynalite: Dynalite;
  raw: DynamoDBClient;
  table: string;
  configPath: string;
  envPaths: Record<string, string>;
  seeded: Record<string, { id: string; secret: string }>;
  /** What the config reads from the environment, and the AWS default chain's credentials. */
  env: Record<string, string>;
  cli: string;
  barrier: string;
  bundle: string;
  /** Opened once the first round created the table. */
  store?: DynamoDbStateStore;
}

let world: World;
/** Everything any process printed, for the leak scan. */
const printed: string[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-race-"));
  const mga = await startFakeMga({ bots: ["bot_demo"] });
  const dynalite = await startDynalite({ createTableMs: 200 });
  const admin = mga.seedKey({ name: "Key rotator (admin)", permission: "admin" });
  const seeded: World["seeded"] = {};
  const envPaths: World["envPaths"] = {};
  for (const key of KEYS) {
    const current = mga.seedKey({ name: key.name, permission: "write" });
    seeded[key.id] = { id: current.id, secret: current.secret };
    envPaths[key.id] = join(dir, `${key.id}.env`);
    await writeFile(envPaths[key.id]!, `# ${key.name}\nPORT=3000\nMGA_API_KEY=${current.secret}\n`, { mode: 0o600 });
  }

  const table = uniqueTable();
  const config = {
    issuer: { type: "mga", baseUrl: mga.url, adminKey: "${MGA_ADMIN_KEY}" },
    state: { type: "dynamodb", table, region: REGION, endpoint: dynalite.endpoint, createTable: true, sealKey: "${KEY_ROTATOR_SEAL_KEY}" },
    keys: KEYS.map((key) => ({
      id: key.id,
      name: key.name,
      permission: "write",
      rotateEveryDays: ROTATE_EVERY_DAYS,
      revokeAfter: "0s",
      verify: { botId: "bot_demo" },
      destinations: [{ type: "dotenv", path: envPaths[key.id], variable: "MGA_API_KEY" }],
    })),
  };
  const configPath = join(dir, "key-rotator.yaml");
  await writeFile(configPath, stringify(config), { mode: 0o600 });

  // The CLI keeps its packages external: its copy resolves them through a node_modules link.
  const cliRoot = join(dir, "cli");
  await cp(DIST, join(cliRoot, "dist"), { recursive: true, filter: (source) => !basename(source).startsWith("lambda.mjs") });
  await writeFile(join(cliRoot, "package.json"), `${JSON.stringify({ type: "module" })}\n`);
  await symlink(join(ROOT, "node_modules"), join(cliRoot, "node_modules"), "dir");
  const barrier = join(cliRoot, "barrier.mjs");
  const warm = (await readdir(join(cliRoot, "dist"))).filter((f) => /^(chunk|dotenv|dynamodb-store)-\w+\.js$/.test(f));
  await writeFile(barrier, cliBarrier(warm.map((f) => pathToFileURL(join(cliRoot, "dist", f)).href)));
  // The bundle alone in a directory with no node_modules above it: the single file is the deployment.
  const bundle = await isolateBundle(join(DIST, "lambda.mjs"));

  world = {
    dir,
    mga,
    dynalite,
    raw: rawClient(dynalite.endpoint),
    table,
    configPath,
    envPaths,
    seeded,
    env: {
      MGA_ADMIN_KEY: admin.secret,
      KEY_ROTATOR_SEAL_KEY: "race-test-seal-key-0123456789abcdefghijklmnop",
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: "true",
      KEY_ROTATOR_LOG_LEVEL: "debug",
    },
    cli: join(cliRoot, "dist", "cli.js"),
    barrier,
    bundle,
  };
});

afterAll(async () => {
  if (!world) return;
  await world.store?.close();
  world.raw.destroy();
  await world.mga.close();
  await world.dynalite.close();
  await rm(world.dir, { recursive: true, force: true });
  await rm(dirname(world.bundle), { recursive: true, force: true });
});

/** Spawns a process that signals "ready" on fd 3 and waits for a line on stdin. */
function spawnAtBarrier(
  kind: RunnerKind,
  name: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
  parse: (stdout: string) => Pick<RunnerResult, "outcomes" | "thrown">,
): Runner {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: options.cwd, ...world.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const done = new Promise<RunnerResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      printed.push(stdout, stderr);
      resolve({ kind, name, code, signal, stdout, stderr, ...parse(stdout) });
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    (child.stdio[3] as Readable).on("data", (chunk: Buffer) => {
      if (chunk.toString("utf8").startsWith("ready")) resolve();
    });
    void done.then((result) => reject(new Error(`${name} exited (${result.code}) before it was ready: ${result.stderr.slice(-2000)}`)), reject);
  });
  ready.catch(() => undefined);
  return {
    kind,
    ready,
    release: () => child.stdin.end("go\n"),
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

function startCliRunner(name: string): Runner {
  const args = ["--import", pathToFileURL(world.barrier).href, world.cli, "run", "--json", "--config", world.configPath];
  return spawnAtBarrier("cli", name, args, { cwd: world.dir }, (stdout) => {
    try {
      return { outcomes: (JSON.parse(stdout) as { outcomes: Outcome[] }).outcomes };
    } catch {
      return { outcomes: undefined };
    }
  });
}

function startLambdaRunner(name: string): Runner {
  const args = ["--input-type=module", "-e", LAMBDA_CHILD, pathToFileURL(world.bundle).href];
  // An absolute KEY_ROTATOR_CONFIG is read as is (a relative one: against LAMBDA_TASK_ROOT, else the bundle's directory).
  const env = { KEY_ROTATOR_CONFIG: world.configPath };
  return spawnAtBarrier("lambda", name, args, { cwd: dirname(world.bundle), env }, (stdout) => {
    const line = stdout.split("\n").find((l) => l.startsWith("@@report "));
    if (!line) return { outcomes: undefined };
    const report = JSON.parse(line.slice("@@report ".length)) as
      | { ok: true; result: { ok: boolean; outcomes: Outcome[] } }
      | { ok: false; error: NonNullable<RunnerResult["thrown"]> };
    return report.ok ? { outcomes: report.result.outcomes } : { outcomes: undefined, thrown: report.error };
  });
}

/** Runs the built CLI once more, no barrier, for a read-only command. */
function cliOnce(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [world.cli, ...args, "--config", world.configPath], {
      cwd: world.dir,
      env: { PATH: process.env.PATH ?? "", HOME: world.dir, ...world.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

async function storeOf(): Promise<DynamoDbStateStore> {
  world.store ??= await openDynamoDbStateStore({
    table: world.table,
    region: REGION,
    endpoint: world.dynalite.endpoint,
    clientConfig: { credentials: CREDENTIALS, maxAttempts: 2 },
  });
  return world.store;
}

/** Sleeps until every key is due again: its last rotation (verifiedAt) plus the period, plus a margin. */
async function waitUntilAllDue(): Promise<void> {
  const store = await storeOf();
  const dues = await Promise.all(
    KEYS.map(async (key) => {
      const last = (await store.load(key.id))?.record.lastRotatedAt;
      return last ? Date.parse(last) + ROTATE_EVERY_MS : 0;
    }),
  );
  const wait = Math.max(...dues) + 100 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function envValue(keyId: string): Promise<string | undefined> {
  return readVariable(await readFile(world.envPaths[keyId]!, "utf8"), "MGA_API_KEY");
}

/** Every item of the table, as text: the journal, locks and history, for the leak scan. */
async function dumpTable(): Promise<string> {
  const items: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await world.raw.send(new ScanCommand({ TableName: world.table, ...(start ? { ExclusiveStartKey: start as never } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items);
}

const tail = (text: string): string => text.slice(-1500);

/** What is wrong with one runner's result: it must end normally, losing the race (locked / not-due) at worst. */
function problemsOf(result: RunnerResult): string[] {
  const problems: string[] = [];
  const allowed = new Set(["succeeded", "locked", "not-due"]);
  if (result.signal !== null) problems.push(`${result.name} killed by ${result.signal}`);
  if (result.kind === "cli" && result.code !== 0 && result.code !== 3) problems.push(`${result.name} exited ${result.code}: ${tail(result.stdout + result.stderr)}`);
  if (result.kind === "lambda" && result.code !== 0) problems.push(`${result.name} exited ${result.code}: ${tail(result.stderr)}`);
  if (result.thrown) problems.push(`${result.name} handler threw ${result.thrown.name}: ${result.thrown.message}`);
  if (!result.outcomes) {
    problems.push(`${result.name} reported no outcomes: ${tail(result.stdout + result.stderr)}`);
    return problems;
  }
  for (const outcome of result.outcomes) {
    if (!allowed.has(outcome.action)) problems.push(`${result.name}: ${outcome.keyId} ${outcome.action}${outcome.error ? `: ${outcome.error}` : ""}`);
  }
  const looked = result.outcomes.map((o) => o.keyId).sort();
  if (looked.join(",") !== KEYS.map((k) => k.id).sort().join(",")) problems.push(`${result.name} looked at ${looked.join(",")}, not every key once`);
  if (result.kind === "cli") {
    const failed = result.outcomes.some((o) => o.action === "failed" || o.action === "rolled-back");
    const expected = failed ? 1 : result.outcomes.some((o) => o.action === "locked") ? 3 : 0;
    if (result.code !== expected) problems.push(`${result.name} exited ${result.code}, its outcomes call for ${expected}`);
  }
  return problems;
}

describe("invariant 5: the CLI and the Lambda handler, 4 processes ticking the same keys together", () => {
  it(`rotates each due key exactly once per round, over ${ROUNDS} rounds`, { timeout: 120_000 }, async () => {
    const started = Date.now();
    const wins: Record<RunnerKind, number> = { cli: 0, lambda: 0 };
    const perRound: string[] = [];
    const seenRotations = new Set<string>();

    for (let round = 1; round <= ROUNDS; round++) {
      const latencyMs = 200 + ((round * 83) % 201);
      world.mga.clearFaults();
      world.mga.fault("createKey", { latencyMs });
      const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]!);
      const counters: Record<RunnerKind, number> = { cli: 0, lambda: 0 };
      const runners = order.map((kind) => {
        const name = `round ${round} ${kind}#${++counters[kind]}`;
        return kind === "cli" ? startCliRunner(name) : startLambdaRunner(name);
      });
      let results: RunnerResult[];
      let releasedAt: number;
      try {
        await withTimeout(Promise.all(runners.map((r) => r.ready)), ROUND_TIMEOUT_MS, `round ${round}: start-up`);
        if (round > 1) await waitUntilAllDue();
        releasedAt = Date.now();
        for (const runner of runners) runner.release();
        results = await withTimeout(Promise.all(runners.map((r) => r.done)), ROUND_TIMEOUT_MS, `round ${round}`);
      } finally {
        for (const runner of runners) runner.kill();
      }
      const endedAt = Date.now();

      // Every process ended normally; losing the race (locked, not-due, CLI exit 3) is no failure.
      expect(results.flatMap(problemsOf), `round ${round}`).toEqual([]);

      // Exactly one process rotated each key. Two in a round is a double rotation unless the second
      // began a whole period after the first: the message says which.
      const store = await storeOf();
      const history = await store.listHistory();
      const fresh = history.filter((entry) => !seenRotations.has(entry.rotationId));
      for (const entry of fresh) seenRotations.add(entry.rotationId);
      const winners = KEYS.map((key) => results.filter((r) => r.outcomes!.some((o) => o.keyId === key.id && o.action === "succeeded")));
      const doubles = KEYS.flatMap((key, k) => {
        if (winners[k]!.length <= 1) return [];
        const rotations = fresh.filter((e) => e.keyId === key.id).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
        const gaps = rotations.slice(1).map((e, i) => Date.parse(e.startedAt) - Date.parse(rotations[i]!.finishedAt));
        const verdict = gaps.every((gap) => gap >= ROTATE_EVERY_MS) ? "due again: the round outlasted the period" : "DOUBLE ROTATION";
        return [`${key.id}: rotated by ${winners[k]!.map((w) => w.name).join(" and ")}; next began ${gaps.join(", ")} ms after the previous finished (period ${Math.round(ROTATE_EVERY_MS)} ms): ${verdict}`];
      });
      expect(doubles, `round ${round}`).toEqual([]);
      expect(winners.map((w) => w.length), `round ${round}: winners per key`).toEqual(KEYS.map(() => 1));
      for (const [w] of winners) wins[w!.kind]++;

      // The store agrees: one new history entry per key, the winner's, started and finished inside the round.
      for (const [k, key] of KEYS.entries()) {
        const entries = fresh.filter((entry) => entry.keyId === key.id);
        const won = winners[k]![0]!.outcomes!.find((o) => o.keyId === key.id)!;
        expect(entries.map((e) => [e.outcome, e.rotationId, e.reason]), `round ${round}: ${key.id} history`).toEqual([
          ["succeeded", won.rotationId, round === 1 ? "never-rotated" : "due"],
        ]);
        const [entry] = entries as [HistoryEntry];
        expect(Date.parse(entry.startedAt)).toBeGreaterThanOrEqual(releasedAt);
        expect(Date.parse(entry.finishedAt)).toBeLessThanOrEqual(endedAt);

        // No lock left behind: every run released what it took.
        const lock = await world.raw.send(new GetItemCommand({ TableName: world.table, Key: lockKey(key.id), ConsistentRead: true }));
        expect(lock.Item, `round ${round}: ${key.id} lock item after every process exited`).toBeUndefined();

        // The .env file holds the new key, and it works at MGA.
        const value = await envValue(key.id);
        expect(value?.slice(0, 12), `round ${round}: ${key.id} .env`).toBe(entry.newKey?.prefix);
        expect(world.mga.isValid(value ?? ""), `round ${round}: ${key.id} .env key valid at MGA`).toBe(true);
      }

      // At MGA: one key created per managed key per round, and exactly one live rotator key per managed key.
      const created = world.mga.keys().filter((k) => k.name.includes(" · rot-"));
      expect(created, `round ${round}: keys created so far`).toHaveLength(round * KEYS.length);
      for (const key of KEYS) {
        const live = created.filter((k) => k.name.startsWith(`${key.name} · `) && !k.revokedAt);
        expect(live.map((k) => k.prefix), `round ${round}: live keys of ${key.id}`).toEqual([(await envValue(key.id))?.slice(0, 12)]);
      }

      const line = KEYS.map((key, k) => `${key.id}→${winners[k]![0]!.name.replace(`round ${round} `, "")}`).join(", ");
      const codes = results.map((r) => `${r.name.replace(`round ${round} `, "")}:${r.kind === "cli" ? `exit ${r.code}` : r.outcomes!.map((o) => o.action).join("/")}`);
      perRound.push(`round ${round} (createKey +${latencyMs} ms, ${endedAt - releasedAt} ms): ${line}; ${codes.join(" ")}`);
    }

    // Overall: exactly rounds × keys rotations, each the name of one history entry; nothing orphaned.
    const store = await storeOf();
    const history = await store.listHistory();
    expect(history).toHaveLength(ROUNDS * KEYS.length);
    expect(history.every((entry) => entry.outcome === "succeeded")).toBe(true);
    const created = world.mga.keys().filter((k) => k.name.includes(" · rot-"));
    const names = (entries: HistoryEntry[]) => entries.map((e) => `${KEYS.find((k) => k.id === e.keyId)!.name} · ${e.rotationId}`).sort();
    expect(created.map((k) => k.name).sort()).toEqual(names(history));
    const held = new Set(await Promise.all(KEYS.map(async (key) => (await envValue(key.id))?.slice(0, 12))));
    expect(created.filter((k) => !k.revokedAt && !held.has(k.prefix)).map((k) => k.name)).toEqual([]);
    for (const key of KEYS) expect(world.mga.isValid(world.seeded[key.id]!.secret), `${key.id}: the seeded key is revoked`).toBe(false);

    // No two rotations of one key overlapped in time.
    for (const key of KEYS) {
      const intervals = history.filter((e) => e.keyId === key.id).map((e) => [Date.parse(e.startedAt), Date.parse(e.finishedAt)] as const);
      intervals.sort((a, b) => a[0] - b[0]);
      const overlaps = intervals.slice(1).filter(([startedAt], i) => startedAt < intervals[i]![1]);
      expect(overlaps, `${key.id}: overlapping rotations`).toEqual([]);
    }

    // The CLI reads the same history from the table.
    const listed = await cliOnce(["history", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const cliHistory = (JSON.parse(listed.stdout) as { history: HistoryEntry[] }).history;
    expect(cliHistory.map((e) => e.rotationId).sort()).toEqual(history.map((e) => e.rotationId).sort());

    // Invariant 6: no value the fake minted in anything any process printed, nor in the table.
    assertNoSecretIn(world.mga.issuedSecrets(), { "process output": printed.join("\n"), "DynamoDB table": await dumpTable() });

    const totalMs = Date.now() - started;
    console.log(
      [
        `mixed runners: ${ROUNDS} rounds × ${KEYS.length} keys = ${history.length} rotations in ${(totalMs / 1000).toFixed(1)} s`,
        `wins: cli ${wins.cli}, lambda ${wins.lambda}`,
        ...perRound,
      ].join("\n"),
    );
    expect(wins.cli + wins.lambda).toBe(ROUNDS * KEYS.length);
  });
});
