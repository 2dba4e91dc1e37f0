// The container image, without Docker (there is no Docker engine where the tests run): the
// Dockerfile's invariants, the build context .dockerignore leaves, and a rehearsal of the build that
// replays every stage in directories of their own (RUN steps as shell commands, `npm ci` offline
// from the local npm cache), then starts the image's ENTRYPOINT + CMD as uid 1000 against a fake MGA
// and waits for the image's own HEALTHCHECK command to pass, then SIGTERM: exit 0.
//
// What it cannot show: the base images themselves (the host's node and npm stand in for node:22's),
// BuildKit's cache mounts, layer ownership, and `docker build` on another architecture.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { readVariable } from "../../providers/dotenv/dotenv-format.js";
import { startFakeMga, type FakeMga } from "../../providers/mga/fake.js";
import { assertNoSecretIn } from "../support/invariants.js";
import {
  copyBuildContext,
  dockerignoreMatcher,
  imageConfig,
  numericUser,
  parseDockerfile,
  rehearse,
  words,
  type StageResult,
} from "./dockerfile.js";
import { freePort, logRecords, repoPath, REPO, runProcess, waitUntil, type Run } from "./support.js";

const DOCKERFILE = readFileSync(repoPath("Dockerfile"), "utf8");
const stages = parseDockerfile(DOCKERFILE);
const runtimeStage = stages.at(-1)!;
const image = imageConfig(runtimeStage);
const runsOf = (stage: (typeof stages)[number]) => stage.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);

describe("Dockerfile invariants", () => {
  it("builds in one stage and runs from another, both on Node 22 or later", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const major = /^node:(\d+)(?:[.-]|$)/.exec(stage.image)?.[1];
      expect(major, `FROM ${stage.image}`).toBeDefined();
      expect(Number(major), `FROM ${stage.image}`).toBeGreaterThanOrEqual(22);
    }
    const build = stages.find((s) => runsOf(s).some((run) => /\bnpm run build\b/.test(run)));
    expect(build, "a stage runs npm run build").toBeDefined();
    expect(build).not.toBe(runtimeStage);
    const copied = runtimeStage.instructions.filter((i) => i.keyword === "COPY" && i.flags.from === build!.name);
    expect(copied.map((i) => words(i.args)[0])).toContain("/app/dist");
  });

  it("installs production dependencies only in the image, and runs no install script anywhere", () => {
    const npmCi = (stage: (typeof stages)[number]) => runsOf(stage).filter((run) => /\bnpm ci\b/.test(run));
    expect(npmCi(runtimeStage)).toHaveLength(1);
    expect(npmCi(runtimeStage)[0]).toMatch(/--omit=dev\b/);
    for (const stage of stages) for (const run of npmCi(stage)) expect(run).toMatch(/--ignore-scripts\b/);
  });

  it("runs as a non-root user, with the config path, the state volume and the port the docs name", () => {
    expect(numericUser(image.user).uid).not.toBe(0);
    expect(numericUser(image.user)).toEqual({ uid: 1000, gid: 1000 }); // the node image's `node` user
    expect(image.env.KEY_ROTATOR_CONFIG).toBe("/config/key-rotator.yaml");
    expect(image.volumes).toContain("/var/lib/key-rotator");
    expect(image.expose).toContain("8080");
    expect(image.entrypoint).toEqual(["node", "dist/cli.js"]);
    expect(image.cmd).toEqual(["schedule", "--port", "8080"]);
  });

  it("has a HEALTHCHECK that asks the daemon's /healthz on the port CMD serves, with node (no curl in slim images)", () => {
    expect(image.healthcheck).toBeDefined();
    const command = image.healthcheck!.command.join(" ");
    expect(command).toMatch(/^\/bin\/sh -c node -e /);
    expect(command).toContain("http://127.0.0.1:8080/healthz");
    expect(image.healthcheck!.flags).toMatchObject({ interval: expect.any(String), timeout: expect.any(String), retries: expect.any(String) });
  });
});

describe(".dockerignore", () => {
  const ignored = dockerignoreMatcher(readFileSync(repoPath(".dockerignore"), "utf8"));

  it("keeps dependencies, builds, VCS, local state, secrets, logs and operator configs out of the context", () => {
    for (const path of [
      "node_modules/zod/package.json",
      "providers/mga/node_modules/x/index.js",
      "dist/cli.js",
      ".git/HEAD",
      ".key-rotator/state.json",
      "coverage/index.html",
      "npm-debug.log",
      "test/cli/crash.test.ts",
      "providers/mga/fake.test.ts",
      ".env",
      "app/.env.production",
      "deploy/key-rotator.env",
      "config/key-rotator.yaml",
    ]) {
      expect(ignored(path), path).toBe(true);
    }
  });

  it("lets through everything the Dockerfile copies from the context", () => {
    for (const stage of stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === "COPY" && i.flags.from === undefined)) {
        for (const source of words(copy.args).slice(0, -1)) expect(ignored(source), `COPY ${source}`).toBe(false);
      }
    }
    for (const path of ["config/key-rotator.example.yaml", "config/key-rotator.schema.json", "src/cli.ts", "providers/mga/index.ts", "scripts/build.mjs"]) {
      expect(ignored(path), path).toBe(false);
    }
  });
});

// ---- the rehearsal --------------------------------------------------------------------------------

const KEY = "production-server";
let workDir: string | undefined;
let mga: FakeMga | undefined;
let daemon: ChildProcess | undefined;

afterAll(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill("SIGKILL");
  await mga?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Lockfile packages that only dev dependencies need: none may be in the image. */
function devOnlyPackages(): string[] {
  const lock = JSON.parse(readFileSync(repoPath("package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => entry.dev === true && /^node_modules\/(?:@[^/]+\/)?[^/]+$/.test(path))
    .map(([path]) => path.slice("node_modules/".length));
}

/** Bare module specifiers the built JavaScript imports (static and dynamic), Node built-ins aside. */
function packagesImportedBy(dist: string): Map<string, string[]> {
  const byPackage = new Map<string, string[]>();
  for (const file of readdirSync(dist).filter((f) => f.endsWith(".js"))) {
    const text = readFileSync(join(dist, file), "utf8");
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"([^"./][^"]*)"/g)) {
      const specifier = m[1]!;
      if (specifier.startsWith("node:")) continue;
      byPackage.set(specifier, [...(byPackage.get(specifier) ?? []), file]);
    }
  }
  return byPackage;
}

async function runHealthcheck(command: string[], port: number, asUser: { uid?: number; gid?: number }, env: Record<string, string>): Promise<Run> {
  const [program, ...args] = command.map((part) => part.replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`));
  return runProcess(program!, args, { env, timeoutMs: 5_000, ...asUser });
}

describe("a rehearsal of the build and of the container", () => {
  it("builds each stage offline, then the image's command serves /healthz as uid 1000 and stops on SIGTERM with exit 0", async () => {
    const started = Date.now();
    const timings: string[] = [];
    workDir = await mkdtemp(join(tmpdir(), "key-rotator-docker-"));
    await chmod(workDir, 0o755); // uid 1000 must reach the stage directories

    // The build context, as `docker build .` would send it.
    const context = join(workDir, "context");
    const files = await copyBuildContext(REPO, context);
    expect(files).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "src/cli.ts", "scripts/build.mjs"]));
    expect(files.filter((f) => /^(node_modules|dist|\.git|coverage|\.key-rotator)\//.test(f))).toEqual([]);

    // npm ci offline, from this machine's npm cache. `--before` (now: it filters nothing) makes npm ask
    // for the full package documents, the ones `npm install` left in the cache: this machine's npm
    // config writes lockfiles without `resolved` URLs, so npm ci looks each version up by name.
    const before = new Date().toISOString();
    const adaptRun = (command: string) => command.replace(/\bnpm ci\b/g, `npm ci --offline --no-audit --no-fund --before=${before}`);
    let results: StageResult[];
    try {
      results = await rehearse(stages, {
        context,
        dir: workDir,
        adaptRun,
        onStep: (stage, instruction, ms) => {
          if (ms > 200) timings.push(`${stage.name ?? stage.index} ${instruction.keyword} ${instruction.args.slice(0, 60)}: ${(ms / 1000).toFixed(1)} s`);
        },
      });
    } catch (error) {
      const output = (error as { output?: string }).output ?? "";
      if (/ENOTCACHED|only-if-cached/.test(output)) {
        const missing = /request to (\S+) failed/.exec(output)?.[1] ?? "a package";
        throw new Error(
          `npm ci --offline: the local npm cache (${process.env.HOME}/.npm) lacks ${missing}. Run \`npm ci\` once with network access on this machine, then rerun.\n${output.slice(-1500)}`,
          { cause: error },
        );
      }
      throw error;
    }
    const runtime = results.at(-1)!;
    const app = join(runtime.root, runtime.config.workdir);
    const host = (containerPath: string) => join(runtime.root, containerPath);

    // The image holds the build output, production dependencies only, and no sources.
    expect(existsSync(join(app, "dist", "cli.js"))).toBe(true);
    expect(existsSync(join(app, "config", "key-rotator.example.yaml"))).toBe(true);
    expect(existsSync(join(app, "src"))).toBe(false);
    expect(existsSync(join(app, "dist", "lambda.mjs")), "the Lambda bundle is not for the image").toBe(false);
    const devOnly = devOnlyPackages().filter((name) => existsSync(join(app, "node_modules", name)));
    expect(devOnly, "dev-only packages in the image").toEqual([]);
    expect(existsSync(join(app, "node_modules", "esbuild"))).toBe(false);

    // Every package any chunk of dist/ imports, statically or on demand (each destination's SDK), loads
    // from the image's node_modules: nothing the run and schedule paths reach needs a dev dependency.
    const imported = packagesImportedBy(join(app, "dist"));
    expect([...imported.keys()]).toEqual(expect.arrayContaining(["commander", "pino", "yaml", "zod", "@aws-sdk/client-dynamodb"]));
    const loadAll = `const failed = []; for (const s of JSON.parse(process.env.SPECIFIERS)) { try { await import(s); } catch (e) { failed.push(s + ": " + e.message); } } console.log(JSON.stringify(failed));`;
    const load = await runProcess(process.execPath, ["--input-type=module", "-e", loadAll], {
      cwd: app,
      env: { PATH: process.env.PATH, SPECIFIERS: JSON.stringify([...imported.keys()]) },
      timeoutMs: 30_000,
    });
    expect(load.code, load.stderr).toBe(0);
    expect(JSON.parse(load.stdout) as string[], "packages dist/ imports that do not load in the image").toEqual([]);

    // The state volume belongs to the image's user.
    const { uid, gid } = numericUser(runtime.config.user);
    const asRoot = process.getuid?.() === 0;
    const asUser = asRoot ? { uid, gid } : {};
    const volume = runtime.config.volumes[0]!;
    if (asRoot) expect((await stat(host(volume))).uid).toBe(uid);

    // What an operator mounts: the config at $KEY_ROTATOR_CONFIG, and a consumer's .env file.
    mga = await startFakeMga({ bots: ["bot_demo"] });
    const admin = mga.seedKey({ name: "admin", permission: "admin" });
    const original = mga.seedKey({ name: "Production Server", permission: "write" });
    const envDir = host("/srv/app");
    await mkdir(envDir, { recursive: true });
    const envFile = join(envDir, ".env");
    await writeFile(envFile, `MGA_API_KEY=${original.secret}\n`, { mode: 0o600 });
    if (asRoot) {
      await chown(envDir, uid, gid);
      await chown(envFile, uid, gid);
    }
    const statePath = join(host(volume), "state.json");
    const configPath = host(runtime.config.env.KEY_ROTATOR_CONFIG!);
    await mkdir(join(configPath, ".."), { recursive: true });
    await writeFile(
      configPath,
      stringify({
        issuer: { type: "mga", baseUrl: mga.url, adminKey: "${MGA_ADMIN_KEY}" },
        state: { type: "file", path: statePath, lockLeaseSeconds: 5 },
        schedule: { cron: "0 3 * * *", timezone: "UTC" },
        keys: [{ id: KEY, name: "Production Server", revokeAfter: "0s", verify: { botId: "bot_demo" }, destinations: [{ type: "dotenv", path: envFile, variable: "MGA_API_KEY" }] }],
      }),
      { mode: 0o644 },
    );

    // ENTRYPOINT + CMD, on a free port instead of 8080, with the image's environment.
    const port = await freePort();
    const [entry, ...entryArgs] = runtime.config.entrypoint!;
    expect(entry).toBe("node");
    const args = [...entryArgs, ...runtime.config.cmd!.map((arg) => (arg === "8080" ? String(port) : arg))];
    expect(args).toContain(String(port));
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    for (const [name, value] of Object.entries(runtime.config.env)) env[name] = value.startsWith("/") ? host(value) : value;
    const healthcheck = runtime.config.healthcheck!.command;

    const down = await runHealthcheck(healthcheck, port, asUser, { PATH: env.PATH! });
    expect(down.code, "the HEALTHCHECK fails while nothing listens").not.toBe(0);

    let stdout = "";
    let stderr = "";
    const child = spawn(process.execPath, args, { cwd: app, env: { ...env, MGA_ADMIN_KEY: admin.secret }, stdio: ["ignore", "pipe", "pipe"], ...asUser });
    daemon = child;
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    const alive = () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the container's command exited early (${child.exitCode ?? child.signalCode}):\n${stderr}`);
    };

    const healthStarted = Date.now();
    await waitUntil(
      "the image's HEALTHCHECK to pass",
      async () => {
        alive();
        return (await runHealthcheck(healthcheck, port, asUser, { PATH: env.PATH! })).code === 0;
      },
      20_000,
      () => stderr,
    );
    timings.push(`HEALTHCHECK passed ${((Date.now() - healthStarted) / 1000).toFixed(1)} s after start`);

    // The start-up tick rotates the due key: the non-root process wrote the .env file and the journal.
    const value = async () => readVariable(await readFile(envFile, "utf8"), "MGA_API_KEY");
    await waitUntil(
      "the start-up tick's rotation",
      async () => {
        alive();
        const current = await value();
        return current !== undefined && current !== original.secret && mga!.isValid(current) && !mga!.isValid(original.secret);
      },
      20_000,
      () => stderr,
    );
    await waitUntil("the tick to finish", () => logRecords(stderr).some((r) => r.msg === "tick finished"), 10_000, () => stderr);
    const finished = logRecords(stderr).find((r) => r.msg === "tick finished")!;
    expect(finished).toMatchObject({ source: "start-up", crashed: false });
    if (asRoot) expect((await stat(statePath)).uid).toBe(uid);

    child.kill("SIGTERM");
    const result = await exited;
    expect(result, stderr).toEqual({ code: 0, signal: null });
    expect(logRecords(stderr).map((r) => r.msg)).toContain("stopped");
    assertNoSecretIn(mga.issuedSecrets(), { stdout, stderr, "state file": await readFile(statePath, "utf8") });

    const total = (Date.now() - started) / 1000;
    console.log(`Dockerfile rehearsal: ${total.toFixed(1)} s\n  ${timings.join("\n  ")}`);
    expect(total).toBeLessThan(120);
  }, 150_000);
});
