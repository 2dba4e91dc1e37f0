// Runs a Lambda bundle the way the Lambda runtime would, minus AWS: a fresh `node` process imports the
// bundle and calls its handler once per event, then reports (on stdout, one JSON line) how long the
// import took, what each invocation returned or threw, and which watched modules were evaluated.
// The bundle is first copied alone into a fresh directory outside the repository, so Node's resolution
// cannot find a node_modules: what runs is exactly the single file that would be deployed.
import { spawn } from "node:child_process";
import { copyFile, mkdtemp } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

export type Invocation =
  | { ok: true; ms: number; result: { ok: boolean; outcomes: Array<Record<string, unknown> & { keyId: string; action: string }> } }
  | { ok: false; ms: number; error: { name: string; code?: string; message: string } };

export interface ChildReport {
  importMs: number;
  importCpuMs: number;
  invocations: Invocation[];
  /** Watched SDKs and providers that were evaluated (bundles built with markers). */
  evaluated: string[];
}

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  report: ChildReport | undefined;
}

export interface InvokeOptions {
  /** The isolated bundle (see isolateBundle). */
  bundle: string;
  /** The handler's whole environment (plus PATH); HOME is the bundle's directory. */
  env?: Record<string, string>;
  /** One handler call per event, in order; none: only import the bundle. */
  events?: unknown[];
  /** Print "ready" once imported and wait for a line on stdin before invoking (see release()). */
  waitForGo?: boolean;
}

const CHILD = `
const [bundle, eventsJson] = process.argv.slice(1);
const c0 = process.cpuUsage(); const t0 = performance.now();
const module = await import(bundle);
const importMs = performance.now() - t0; const cpu = process.cpuUsage(c0);
if (process.env.KR_WAIT_FOR_GO) {
  process.stdout.write("ready\\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  process.stdin.destroy();
}
const invocations = [];
for (const [i, event] of JSON.parse(eventsJson).entries()) {
  const t = performance.now();
  const context = { awsRequestId: "req-" + i, getRemainingTimeInMillis: () => 900000 };
  try {
    const result = await module.handler(event, context);
    invocations.push({ ok: true, ms: performance.now() - t, result });
  } catch (error) {
    invocations.push({ ok: false, ms: performance.now() - t, error: { name: error.name, code: error.code, message: error.message } });
  }
}
const evaluated = [...(globalThis.__keyRotatorEvaluated ?? [])];
process.stdout.write("@@report " + JSON.stringify({ importMs, importCpuMs: (cpu.user + cpu.system) / 1000, invocations, evaluated }) + "\\n", () => process.exit(0));
`;

/** Copies the bundle alone into a fresh directory under the system temp dir; returns its new path. */
export async function isolateBundle(bundle: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-lambda-"));
  const target = join(dir, basename(bundle));
  await copyFile(bundle, target);
  const above = nodeModulesAbove(dir);
  if (above) throw new Error(`${above} exists: an isolated bundle could resolve packages from it`);
  return target;
}

/** The first node_modules Node's resolution would look at from dir upwards, if any. */
export function nodeModulesAbove(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, "node_modules"))) return join(current, "node_modules");
    if (dirname(current) === current) return undefined;
  }
}

export interface RunningChild {
  /** Resolves once the child printed "ready" (waitForGo). */
  ready: Promise<void>;
  /** Lets a waitForGo child invoke its handler. */
  release(): void;
  done: Promise<ChildRun>;
}

export function startBundle(options: InvokeOptions): RunningChild {
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, pathToFileURL(options.bundle).href, JSON.stringify(options.events ?? [])], {
    cwd: dirname(options.bundle),
    env: { PATH: process.env.PATH ?? "", HOME: dirname(options.bundle), ...options.env, ...(options.waitForGo ? { KR_WAIT_FOR_GO: "1" } : {}) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    if (stdout.startsWith("ready\n")) markReady();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const done = new Promise<ChildRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      markReady();
      const line = stdout.split("\n").find((l) => l.startsWith("@@report "));
      resolve({ code, stdout, stderr, report: line ? (JSON.parse(line.slice("@@report ".length)) as ChildReport) : undefined });
    });
  });
  if (!options.waitForGo) child.stdin.end();
  return { ready, release: () => child.stdin.end("go\n"), done };
}

/** Runs the bundle in a fresh process and waits for its report. */
export async function invokeBundle(options: InvokeOptions): Promise<ChildRun> {
  return startBundle(options).done;
}
