#!/usr/bin/env node
// Fills deploy/sam/function/ (the SAM template's CodeUri) with the Lambda's whole deployment: the
// self-contained bundle dist/lambda.mjs and the config, as key-rotator.yaml (the template's
// KEY_ROTATOR_CONFIG, resolved against the function's code root). Then `sam build && sam deploy`.
//
//   npm ci && npm run build
//   node deploy/sam/package.mjs --config my-lambda-config.yaml [--out DIR] [--dist DIR] [--source-map]
//
// Before copying, it checks the config: state must be DynamoDB (a Lambda keeps no files), and it
// must pass `key-rotator validate`. The "${VAR}"s it reads are only set in the function, so any
// not set here are given placeholders for that check.
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath, URL } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "yaml";

/** The file name the template's KEY_ROTATOR_CONFIG names. */
export const CONFIG_NAME = "key-rotator.yaml";
export const BUNDLE_NAME = "lambda.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(here, "../..");

class UsageError extends Error {}

/** Every `${NAME}` the config's string values read (not the `$${NAME}` literals, not comments). */
export function variablesIn(data) {
  const names = new Set();
  const walk = (value) => {
    if (typeof value === "string") for (const m of value.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(m[1]);
    else if (value && typeof value === "object") for (const item of Object.values(value)) walk(item);
  };
  walk(data);
  return [...names];
}

function parseConfigData(text, configPath) {
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${configPath}: not YAML or JSON: ${error.message}`);
  }
}

function checkState(data, configPath) {
  const type = data?.state?.type ?? "file";
  if (type !== "dynamodb") {
    throw new UsageError(
      `${configPath}: state.type is "${type}"; the Lambda keeps no files between invocations, so use ` +
        `state: { type: dynamodb, table: "\${KEY_ROTATOR_TABLE}" } (see deploy/sam/key-rotator.example.yaml)`,
    );
  }
}

function validate(cli, configPath, variables) {
  const env = { ...process.env };
  const placeholders = variables.filter((name) => !env[name]);
  for (const name of placeholders) env[name] = `placeholder-${name.toLowerCase().replace(/_/g, "-")}-0123456789abcdef`;
  const result = spawnSync(process.execPath, [cli, "validate", "--config", configPath], { env, encoding: "utf8" });
  if (result.status !== 0) throw new UsageError(`${configPath} is not a valid config:\n${result.stderr || result.stdout}`);
  return placeholders;
}

export async function packageFunction({ config, out = join(here, "function"), dist = join(root, "dist"), sourceMap = false, check = true }) {
  const bundle = join(dist, BUNDLE_NAME);
  if (!existsSync(bundle)) throw new UsageError(`${bundle} is missing: run \`npm ci && npm run build\` first`);
  const configPath = resolve(config);
  const text = await readFile(configPath, "utf8").catch((error) => {
    throw new UsageError(`cannot read the config ${configPath}: ${error.message}`);
  });
  const data = parseConfigData(text, configPath);
  checkState(data, configPath);
  const placeholders = check ? validate(join(dist, "cli.js"), configPath, variablesIn(data)) : [];

  await mkdir(out, { recursive: true });
  await rm(join(out, `${BUNDLE_NAME}.map`), { force: true });
  await copyFile(bundle, join(out, BUNDLE_NAME));
  if (sourceMap) await copyFile(`${bundle}.map`, join(out, `${BUNDLE_NAME}.map`));
  await copyFile(configPath, join(out, CONFIG_NAME));
  return { out, placeholders };
}

async function main() {
  const { values } = parseArgs({
    options: {
      config: { type: "string", short: "c" },
      out: { type: "string" },
      dist: { type: "string" },
      "source-map": { type: "boolean", default: false },
      "no-validate": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || !values.config) {
    const usage = "usage: node deploy/sam/package.mjs --config FILE [--out DIR] [--dist DIR] [--source-map] [--no-validate]";
    if (values.help) return void process.stdout.write(`${usage}\n`);
    throw new UsageError(`--config is required\n${usage}`);
  }
  const { out, placeholders } = await packageFunction({
    config: values.config,
    ...(values.out ? { out: resolve(values.out) } : {}),
    ...(values.dist ? { dist: resolve(values.dist) } : {}),
    sourceMap: values["source-map"],
    check: !values["no-validate"],
  });
  if (placeholders.length > 0) process.stdout.write(`validated with placeholders for ${placeholders.join(", ")} (set in the function's environment)\n`);
  process.stdout.write(`${out}: ${BUNDLE_NAME} + ${CONFIG_NAME} ready; next: cd deploy/sam && sam build && sam deploy --guided\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`package: ${error instanceof UsageError ? error.message : error.stack}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}
