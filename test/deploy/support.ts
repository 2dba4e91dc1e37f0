// Shared by the deployment tests: the repository's paths, CloudFormation-aware YAML parsing, a private
// build of the CLI and the Lambda bundle, free ports and child processes.
import { spawn } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BuildOptions } from "esbuild";
import { parse, parseAllDocuments, type ScalarTag, type CollectionTag, type YAMLMap, type YAMLSeq } from "yaml";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const repoPath = (...parts: string[]): string => join(REPO, ...parts);

// ---- YAML -----------------------------------------------------------------------------------------

/** Every document of a multi-document YAML file, as plain data; throws on any YAML error. */
export function parseYamlDocuments(text: string, source: string): Array<Record<string, unknown>> {
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${source} document ${index + 1}: ${document.errors.map((e) => e.message).join("; ")}`);
    return document.toJS() as Record<string, unknown>;
  });
}

const INTRINSICS = ["Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or", "Contains", "Length", "ToJsonString"];

/** `!Ref X` → `{ Ref: "X" }`, `!GetAtt A.B` → `{ "Fn::GetAtt": ["A", "B"] }`, `!Sub …` → `{ "Fn::Sub": … }`: the JSON form. */
function cloudFormationTags(): Array<ScalarTag | CollectionTag> {
  const tags: Array<ScalarTag | CollectionTag> = [
    { tag: "!Ref", resolve: (value: string) => ({ Ref: value }) },
    { tag: "!Condition", resolve: (value: string) => ({ Condition: value }) },
  ];
  for (const name of INTRINSICS) {
    const key = `Fn::${name}`;
    tags.push({
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === "GetAtt" ? splitOnce(value, ".") : value }),
    });
    for (const collection of ["seq", "map"] as const) {
      tags.push({
        tag: `!${name}`,
        collection,
        resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: node.toJSON() as unknown }),
      } as CollectionTag);
    }
  }
  return tags;
}

function splitOnce(text: string, separator: string): string[] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

/** A CloudFormation/SAM template in YAML, short-form intrinsics included. */
export function parseCloudFormation(text: string): Record<string, unknown> {
  return parse(text, { customTags: cloudFormationTags() }) as Record<string, unknown>;
}

// ---- a private build ------------------------------------------------------------------------------

export interface PrivateBuild {
  /** Holds dist/ and a node_modules link to the repository's. */
  dir: string;
  dist: string;
  cli: string;
  lambda: string;
  close(): Promise<void>;
}

/**
 * dist/ built from the sources with scripts/build.mjs's own options into a temporary directory: the
 * checkout's dist/ is rebuilt by every test run (and by whoever else works in this checkout), so it
 * can vanish for a moment under a test that reads it.
 */
export async function buildPrivately(): Promise<PrivateBuild> {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-deploy-build-"));
  await symlink(repoPath("node_modules"), join(dir, "node_modules"), "dir");
  const dist = join(dir, "dist");
  const { build } = await import("esbuild");
  const options = (await import(pathToFileURL(repoPath("scripts", "build.mjs")).href)) as { cliBuildOptions: BuildOptions; lambdaBuildOptions: BuildOptions };
  await build({ ...options.cliBuildOptions, outdir: dist, absWorkingDir: REPO, logLevel: "error" });
  await build({ ...options.lambdaBuildOptions, outfile: join(dist, "lambda.mjs"), absWorkingDir: REPO, logLevel: "error" });
  return { dir, dist, cli: join(dist, "cli.js"), lambda: join(dist, "lambda.mjs"), close: () => rm(dir, { recursive: true, force: true }) };
}

// ---- processes and ports --------------------------------------------------------------------------

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  input?: string;
}

/** Runs a command to its end (SIGKILL after timeoutMs) and keeps what it printed. */
export function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? { PATH: process.env.PATH },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    if (options.input !== undefined) child.stdin?.end(options.input);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, onTimeout: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${onTimeout()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `--flag` names a `key-rotator <command> --help` lists (global options included). */
export function flagsInHelp(help: string): Set<string> {
  return new Set([...help.matchAll(/(?:^|[\s,])(--[a-z][a-z-]*)/g)].map((m) => m[1]!));
}

/** The JSON-lines log records in a process's stderr. */
export function logRecords(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// ---- CloudFormation values ------------------------------------------------------------------------

export type Template = {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown>; DeletionPolicy?: string }>;
  Outputs?: Record<string, unknown>;
};

export interface EvaluationContext {
  template: Template;
  /** Parameter values; defaults fill the rest. */
  parameters?: Record<string, unknown>;
  /** What `!Ref Resource` and `!GetAtt Resource.Attr` stand for (`Resource` and `Resource.Attr` keys). */
  resources?: Record<string, unknown>;
}

/** Marks a value `!Ref AWS::NoValue` removed. */
const NO_VALUE = Symbol("AWS::NoValue");

/**
 * The value of a template fragment, intrinsics resolved: Ref, Fn::Sub (string form), Fn::If, Fn::Equals,
 * Fn::Not, Fn::Join, Fn::GetAtt, and conditions. An unknown reference throws, naming it.
 */
export function evaluate(value: unknown, context: EvaluationContext): unknown {
  const result = evaluateInner(value, context);
  return result === NO_VALUE ? undefined : result;
}

function lookup(name: string, context: EvaluationContext): unknown {
  if (name === "AWS::NoValue") return NO_VALUE;
  if (name === "AWS::Region") return "us-east-1";
  if (name === "AWS::AccountId") return "123456789012";
  if (name === "AWS::Partition") return "aws";
  const parameter = context.template.Parameters?.[name];
  if (parameter) {
    const value = context.parameters?.[name] ?? parameter.Default;
    if (value === undefined) throw new Error(`parameter ${name} has no value and no default`);
    return parameter.Type === "CommaDelimitedList" && typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
  }
  if (context.resources && name in context.resources) return context.resources[name];
  throw new Error(`the test gave no value for ${name}`);
}

function condition(name: string, context: EvaluationContext): boolean {
  const definition = context.template.Conditions?.[name];
  if (definition === undefined) throw new Error(`no condition ${name}`);
  return Boolean(evaluateInner(definition, context));
}

function evaluateInner(value: unknown, context: EvaluationContext): unknown {
  if (Array.isArray(value)) return value.map((item) => evaluateInner(item, context)).filter((item) => item !== NO_VALUE);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, argument] = entries[0]!;
    switch (key) {
      case "Ref":
        return lookup(argument as string, context);
      case "Condition":
        return condition(argument as string, context);
      case "Fn::GetAtt": {
        const path = Array.isArray(argument) ? argument.join(".") : String(argument);
        return lookup(path, context);
      }
      case "Fn::Sub":
        if (typeof argument !== "string") throw new Error("Fn::Sub with variables is not evaluated here");
        return argument.replace(/\$\{([^}!]+)\}/g, (_, name: string) => String(lookup(name, context)));
      case "Fn::If": {
        const [name, then, otherwise] = argument as [string, unknown, unknown];
        return evaluateInner(condition(name, context) ? then : otherwise, context);
      }
      case "Fn::Equals": {
        const [a, b] = (argument as unknown[]).map((item) => evaluateInner(item, context));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case "Fn::Not":
        return !evaluateInner((argument as unknown[])[0], context);
      case "Fn::Join": {
        const [separator, items] = argument as [string, unknown];
        return (evaluateInner(items, context) as unknown[]).join(separator);
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const evaluated = evaluateInner(item, context);
    if (evaluated !== NO_VALUE) out[key] = evaluated;
  }
  return out;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every IAM policy statement of the template (function Policies, roles' inline policies), evaluated. */
export function policyStatements(context: EvaluationContext): Array<PolicyStatement & { owner: string }> {
  const statements: Array<PolicyStatement & { owner: string }> = [];
  for (const [id, resource] of Object.entries(context.template.Resources)) {
    const documents: unknown[] = [];
    if (resource.Type === "AWS::Serverless::Function") documents.push(...((resource.Properties?.Policies as unknown[]) ?? []));
    if (resource.Type === "AWS::IAM::Role") documents.push(...((resource.Properties?.Policies as Array<{ PolicyDocument: unknown }>) ?? []).map((p) => p.PolicyDocument));
    if (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") documents.push(resource.Properties?.PolicyDocument);
    for (const document of documents) {
      if (typeof document === "string") throw new Error(`${id}: managed policy ${document}; the test checks inline statements only`);
      const evaluated = evaluate(document, context) as { Statement: PolicyStatement[] };
      for (const statement of evaluated.Statement) statements.push({ ...statement, owner: id });
    }
  }
  return statements;
}

export const actionsOf = (statement: PolicyStatement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
export const resourcesOf = (statement: PolicyStatement): unknown[] => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]);
