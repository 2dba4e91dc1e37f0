// Shared by the dotenv tests: temp directories, a logger whose lines the test can scan, and a run of
// the destination in a child process as an unprivileged user (root ignores file permissions).
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { systemClock } from "../../src/core/clock.js";
import type { ProviderContext } from "../../src/core/provider.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const NOBODY = 65534;
export const isRoot = process.getuid?.() === 0;

export async function tempDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-dotenv-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A provider context whose log lines (all levels) are kept in `lines`. */
export function recordingContext(): { context: ProviderContext; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { context: { clock: systemClock, log: pino({ level: "trace" }, sink) }, lines };
}

export interface ChildWriteResult {
  name?: string;
  code?: string;
  message?: string;
  ok?: boolean;
}

/**
 * Writes `value` to `variable` in `path` through the real destination, in a child process running as
 * `uid` (so a root test run can still meet a permission it lacks). The script lives in `scriptDir`,
 * which must be readable by that user.
 */
export async function writeInChild(
  options: { scriptDir: string; path: string; variable: string; value: string; uid?: number },
): Promise<ChildWriteResult> {
  const script = join(options.scriptDir, "write-env.ts");
  const module = (path: string) => JSON.stringify(pathToFileURL(join(REPO_ROOT, path)).href);
  await writeFile(
    script,
    [
      `import { createDestination } from ${module("providers/dotenv/index.ts")};`,
      `import { SecretValue } from ${module("src/core/secret.ts")};`,
      `const log = { child: () => log, warn() {}, debug() {}, info() {}, error() {} };`,
      `const [path, variable, value] = process.argv.slice(2);`,
      `const destination = createDestination({ type: "dotenv", path, variable }, { clock: null, log });`,
      `const ctx = { rotationId: "r", token: "t", round: "r:deploy" };`,
      `destination.write(new SecretValue(value), ctx).then(`,
      `  () => console.log(JSON.stringify({ ok: true })),`,
      `  (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })),`,
      `);`,
    ].join("\n"),
    { mode: 0o644 },
  );
  const child = spawnSync(process.execPath, ["--import", "tsx", script, options.path, options.variable, options.value], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    env: { ...process.env, HOME: options.scriptDir },
    timeout: 20_000,
  });
  if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as ChildWriteResult;
}
