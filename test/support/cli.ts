// Runs the built CLI (dist/cli.js, built by test/support/build.ts before the suite) as a real
// child process, and keeps everything it printed for the leak scanner.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Everything any CLI process printed in this test file, for the leak scan. */
export const printed: string[] = [];

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the process with SIGKILL after this many ms. */
  killAfterMs?: number;
  onSpawn?: (child: ChildProcess) => void;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KEY_ROTATOR_LOG_LEVEL: "debug", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    options.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      printed.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
