// A Dockerfile rehearsal without Docker: a parser for the instructions our Dockerfile uses, a
// .dockerignore matcher, the build context as Docker would send it, and each stage replayed in a
// directory of its own (the stage's "/"), RUN steps as host shell commands. The base images are not
// there: the host's node and npm stand in for theirs.
import { execFileSync, spawn } from "node:child_process";
import { chmod, chown, copyFile, cp, mkdir, readdir, stat } from "node:fs/promises";
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";

// ---- parsing --------------------------------------------------------------------------------------

export interface Instruction {
  keyword: string;
  /** `--name=value` flags before the arguments (RUN --mount, COPY --from, HEALTHCHECK --interval…). */
  flags: Record<string, string>;
  /** The arguments after the flags, as written. */
  args: string;
  /** Exec form (a JSON array), when the arguments are one. */
  json?: string[];
  line: number;
}

export interface Stage {
  index: number;
  name?: string;
  image: string;
  instructions: Instruction[];
}

export interface Healthcheck {
  flags: Record<string, string>;
  /** Exec form, or ["/bin/sh", "-c", text] for the shell form, as Docker runs it. */
  command: string[];
}

const KNOWN = new Set(["FROM", "WORKDIR", "COPY", "RUN", "ENV", "USER", "ENTRYPOINT", "CMD", "HEALTHCHECK", "EXPOSE", "VOLUME", "LABEL"]);

/** Logical lines: comments dropped, `\` continuations joined. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const lines: Array<{ text: string; line: number }> = [];
  let current: { text: string; line: number } | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const trimmed = raw.trim();
    if (trimmed.startsWith("#")) continue; // comments, and parser directives such as `# syntax=`
    if (!current && trimmed === "") continue;
    const continues = /\\\s*$/.test(raw);
    const body = continues ? raw.replace(/\\\s*$/, "") : raw;
    current = current ? { ...current, text: `${current.text} ${body.trim()}` } : { text: body.trim(), line: index + 1 };
    if (!continues) {
      lines.push(current);
      current = undefined;
    }
  }
  if (current) lines.push(current);
  return lines;
}

function takeFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (let m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(args); m; m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(args)) {
    flags[m[1]!] = m[2] ?? "true";
    args = args.slice(m[0].length);
  }
  return { flags, args: args.trim() };
}

function execForm(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) throw new Error(`not a JSON array of strings: ${args}`);
  return parsed as string[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const { text: line, line: number } of logicalLines(text)) {
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const keyword = m[1]!.toUpperCase();
    if (!KNOWN.has(keyword)) throw new Error(`Dockerfile line ${number}: ${keyword} is not an instruction this rehearsal knows; teach test/deploy/dockerfile.ts`);
    const { flags, args } = takeFlags(m[2] ?? "");
    const json = ["COPY", "RUN", "ENTRYPOINT", "CMD", "VOLUME"].includes(keyword) ? execForm(args) : undefined;
    const instruction: Instruction = { keyword, flags, args, line: number, ...(json ? { json } : {}) };
    if (keyword === "FROM") {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile line ${number}: FROM ${args}`);
      stages.push({ index: stages.length, image: from[1]!, ...(from[2] ? { name: from[2] } : {}), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${number}: ${keyword} before FROM`);
    stage.instructions.push(instruction);
  }
  return stages;
}

/** Words of a shell-form argument list, with simple "…" and '…' quoting. */
export function words(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3]!)));
}

/** ENV KEY=value KEY2="v 2" (or the legacy ENV KEY value). */
export function parseEnv(args: string): Record<string, string> {
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=].*)$/.exec(args);
  if (legacy && !args.includes("=")) return { [legacy[1]!]: legacy[2]! };
  const env: Record<string, string> = {};
  for (const word of words(args)) {
    const at = word.indexOf("=");
    if (at <= 0) throw new Error(`ENV ${args}: expected KEY=value`);
    env[word.slice(0, at)] = word.slice(at + 1);
  }
  return env;
}

export function parseHealthcheck(instruction: Instruction): Healthcheck | undefined {
  const m = /^(CMD|NONE)\b\s*(.*)$/i.exec(instruction.args);
  if (!m) throw new Error(`HEALTHCHECK line ${instruction.line}: expected CMD or NONE`);
  if (m[1]!.toUpperCase() === "NONE") return undefined;
  const rest = m[2]!.trim();
  return { flags: instruction.flags, command: execForm(rest) ?? ["/bin/sh", "-c", rest] };
}

/** What the final image would run and declare. */
export interface ImageConfig {
  workdir: string;
  env: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  healthcheck?: Healthcheck;
  expose: string[];
  volumes: string[];
}

export function imageConfig(stage: Stage): ImageConfig {
  const config: ImageConfig = { workdir: "/", env: {}, expose: [], volumes: [] };
  for (const instruction of stage.instructions) {
    const { keyword, args, json } = instruction;
    if (keyword === "WORKDIR") config.workdir = posix.resolve(config.workdir, args);
    else if (keyword === "ENV") Object.assign(config.env, parseEnv(args));
    else if (keyword === "USER") config.user = args;
    else if (keyword === "ENTRYPOINT") config.entrypoint = json ?? ["/bin/sh", "-c", args];
    else if (keyword === "CMD") config.cmd = json ?? ["/bin/sh", "-c", args];
    else if (keyword === "EXPOSE") config.expose.push(...words(args));
    else if (keyword === "VOLUME") config.volumes.push(...(json ?? words(args)));
    else if (keyword === "HEALTHCHECK") {
      const healthcheck = parseHealthcheck(instruction);
      if (healthcheck) config.healthcheck = healthcheck;
      else delete config.healthcheck;
    }
  }
  return config;
}

// ---- .dockerignore --------------------------------------------------------------------------------

interface IgnoreRule {
  negate: boolean;
  pattern: RegExp;
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/**
 * Docker's rules: one pattern a line, `#` comments, paths relative to the context root (a leading `/`
 * changes nothing), `**` any number of directories, `!` re-includes, the last matching line wins, and
 * a path is excluded when it or a parent directory matches.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules: IgnoreRule[] = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+/, "").replace(/\/+$/, "");
      return { negate, pattern: globToRegExp(pattern) };
    });
  return (path) => {
    const parts = path.split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) if (candidates.some((candidate) => rule.pattern.test(candidate))) excluded = !rule.negate;
    return excluded;
  };
}

/**
 * The build context Docker would send from a checkout: the files git tracks or would track (tracked,
 * and untracked but not ignored: a build runs from the working tree, uncommitted work included),
 * minus .dockerignore. Copied into `dest`; returns their paths.
 */
export async function copyBuildContext(repo: string, dest: string): Promise<string[]> {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
    .split("\0")
    .filter(Boolean);
  const ignorePath = join(repo, ".dockerignore");
  const ignored = existsSync(ignorePath) ? dockerignoreMatcher(readFileSync(ignorePath, "utf8")) : () => false;
  const files = [...new Set(listed)].filter((file) => !ignored(file) && existsSync(join(repo, file)) && lstatSync(join(repo, file)).isFile());
  for (const file of files) {
    const target = join(dest, file);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(repo, file), target);
    await chmod(target, (await stat(join(repo, file))).mode & 0o777);
  }
  return files.sort();
}

// ---- rehearsal ------------------------------------------------------------------------------------

export interface StageResult {
  stage: Stage;
  /** The directory standing for the stage's "/". */
  root: string;
  config: ImageConfig;
}

export interface RehearsalOptions {
  /** The build context (already filtered by .dockerignore). */
  context: string;
  /** Where each stage's root directory is made. */
  dir: string;
  /** Rewrites a RUN command before it runs (e.g. npm ci → npm ci --offline). */
  adaptRun?: (command: string) => string;
  /** Called with each step, for the test's log. */
  onStep?: (stage: Stage, instruction: Instruction, ms: number) => void;
  runTimeoutMs?: number;
}

/** User "1000:1000" or "1000" as numbers; names other than root are refused (no passwd here to look them up). */
export function numericUser(user: string | undefined): { uid: number; gid: number } {
  if (user === undefined || user === "root") return { uid: 0, gid: 0 };
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m) throw new Error(`USER ${user}: the rehearsal needs a numeric uid[:gid]`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

/** Container paths the Dockerfile names, for rebasing into a stage root. */
function imagePaths(stages: Stage[]): string[] {
  const paths = new Set<string>();
  for (const stage of stages) {
    const config = imageConfig(stage);
    paths.add(config.workdir);
    for (const volume of config.volumes) paths.add(volume);
    for (const value of Object.values(config.env)) if (value.startsWith("/")) paths.add(dirname(value));
    for (const instruction of stage.instructions) {
      if (instruction.keyword === "WORKDIR" && instruction.args.startsWith("/")) paths.add(instruction.args);
      if (instruction.keyword === "COPY") {
        const dest = (instruction.json ?? words(instruction.args)).at(-1)!;
        if (dest.startsWith("/")) paths.add(dest.replace(/\/+$/, ""));
      }
    }
  }
  paths.delete("/");
  return [...paths].sort((a, b) => b.length - a.length);
}

/** `text` with every container path the Dockerfile names moved under `root`. */
export function rebase(text: string, root: string, paths: string[]): string {
  if (paths.length === 0) return text;
  const alternatives = paths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  return text.replace(new RegExp(`(^|[\\s"'=:])(${alternatives})(?=$|[\\s"'/;&|)])`, "g"), (_, before: string, path: string) => `${before}${root}${path}`);
}

function runShell(command: string, options: { cwd: string; env: Record<string, string>; uid: number; gid: number; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const asUser = process.getuid?.() === 0 && options.uid !== 0 ? { uid: options.uid, gid: options.gid } : {};
    const child = spawn("/bin/sh", ["-c", command], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], ...asUser });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function expandSources(base: string, source: string): Promise<string[]> {
  if (!/[*?]/.test(posix.basename(source))) return [source];
  const parent = posix.dirname(source);
  const pattern = globToRegExp(posix.basename(source));
  const entries = await readdir(join(base, parent)).catch(() => [] as string[]);
  return entries.filter((entry) => pattern.test(entry)).map((entry) => posix.join(parent, entry));
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  if ((await stat(path)).isDirectory()) for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
}

async function copyStep(instruction: Instruction, root: string, workdir: string, options: RehearsalOptions, stageNamed: (name: string) => Promise<StageResult> | undefined): Promise<void> {
  const parts = instruction.json ?? words(instruction.args);
  const dest = parts.pop()!;
  const from = instruction.flags.from;
  const pending = from === undefined ? undefined : stageNamed(from);
  if (from !== undefined && !pending) throw new Error(`COPY line ${instruction.line}: no earlier stage ${from}`);
  // Waits for that stage only here, as BuildKit does: stages run concurrently until one needs another.
  const sourceStage = await pending;
  const base = sourceStage ? sourceStage.root : options.context;
  const sources = (await Promise.all(parts.map((source) => expandSources(base, sourceStage ? posix.resolve("/", source) : source)))).flat();
  if (sources.length === 0) throw new Error(`COPY line ${instruction.line}: nothing matches ${parts.join(" ")}`);
  const destPath = posix.resolve(workdir, dest);
  const intoDirectory = dest.endsWith("/") || sources.length > 1;
  for (const source of sources) {
    const from = join(base, source);
    if (!existsSync(from)) throw new Error(`COPY line ${instruction.line}: ${source} is not in the ${sourceStage ? `stage ${from}` : "build context (see .dockerignore)"}`);
    const isDirectory = (await stat(from)).isDirectory();
    // A directory's contents are copied, not the directory itself.
    const target = join(root, isDirectory || !intoDirectory ? destPath : posix.join(destPath, posix.basename(source)));
    await mkdir(isDirectory ? target : dirname(target), { recursive: true });
    await cp(from, target, { recursive: true });
    if (instruction.flags.chown && process.getuid?.() === 0) {
      const { uid, gid } = numericUser(instruction.flags.chown);
      await chownTree(target, uid, gid);
    }
  }
}

/** Replays every stage, concurrently as BuildKit would (a COPY --from waits for its stage); the last result is the image. */
export async function rehearse(stages: Stage[], options: RehearsalOptions): Promise<StageResult[]> {
  const paths = imagePaths(stages);
  const running: Array<Promise<StageResult>> = [];
  for (const stage of stages) {
    // Only an earlier stage: a later one (or itself) would never finish first.
    const earlier = (name: string) => {
      const source = stages.find((s) => s.name === name || String(s.index) === name);
      return source && source.index < stage.index ? running[source.index] : undefined;
    };
    running.push(rehearseStage(stage, paths, options, earlier));
  }
  const settled = await Promise.allSettled(running);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<StageResult>).value);
}

async function rehearseStage(stage: Stage, paths: string[], options: RehearsalOptions, stageNamed: (name: string) => Promise<StageResult> | undefined): Promise<StageResult> {
  const root = join(options.dir, `stage-${stage.index}${stage.name ? `-${stage.name}` : ""}`);
  await mkdir(root, { recursive: true });
  await chmod(root, 0o755);
  // What RUN and COPY need as they go; the rest (CMD, HEALTHCHECK…) is metadata, read at the end.
  let workdir = "/";
  let user: string | undefined;
  const env: Record<string, string> = {};
  const volumes: string[] = [];
  for (const instruction of stage.instructions) {
    const started = Date.now();
    const { keyword, args } = instruction;
    if (keyword === "WORKDIR") {
      workdir = posix.resolve(workdir, args);
      await mkdir(join(root, workdir), { recursive: true });
    } else if (keyword === "ENV") Object.assign(env, parseEnv(args));
    else if (keyword === "USER") user = args;
    else if (keyword === "VOLUME") volumes.push(...(instruction.json ?? words(args)));
    else if (keyword === "COPY") await copyStep(instruction, root, workdir, options, stageNamed);
    else if (keyword === "RUN") {
      if (instruction.json) throw new Error(`RUN line ${instruction.line}: exec form is not rehearsed; use the shell form`);
      if (/\bnpm\s+cache\s+clean\b/.test(args)) {
        throw new Error(`RUN line ${instruction.line}: "npm cache clean" would wipe this machine's npm cache here; use a cache mount (RUN --mount=type=cache,target=/root/.npm) instead`);
      }
      // Docker's classic builder discards what a build step writes under a declared VOLUME.
      const volume = volumes.find((v) => args.includes(v));
      if (volume) throw new Error(`RUN line ${instruction.line} touches ${volume} after VOLUME declared it: move it before the VOLUME line`);
      const command = rebase((options.adaptRun ?? ((c) => c))(args), root, paths);
      const runEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" };
      for (const [name, value] of Object.entries(env)) runEnv[name] = rebase(value, root, paths);
      const { uid, gid } = numericUser(user);
      const result = await runShell(command, { cwd: join(root, workdir), env: runEnv, uid, gid, timeoutMs: options.runTimeoutMs ?? 90_000 });
      if (result.code !== 0) {
        const error = new Error(`RUN line ${instruction.line} failed (exit ${result.code}): ${command}\n${result.output.slice(-4000)}`);
        Object.assign(error, { output: result.output });
        throw error;
      }
    }
    options.onStep?.(stage, instruction, Date.now() - started);
  }
  return { stage, root, config: imageConfig(stage) };
}
