// A world for the Lambda tests: the demo sandbox (fake MGA + real destinations) and its config as data,
// so a test can hand it to the handler as a file, as KEY_ROTATOR_CONFIG_JSON, or with a second managed key.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import type { FakeKeyView } from "../../providers/mga/fake.js";
import { startDotenvPart } from "../../src/demo/parts.js";
import { startSandbox, type Sandbox } from "../../src/demo/sandbox.js";

export const KEY_ID = "production-server";
export const SECOND_KEY_ID = "staging-server";

export interface LambdaWorld {
  sandbox: Sandbox;
  /** The config, as plain data (issuer, state, keys). */
  config: { keys: Array<Record<string, unknown>> } & Record<string, unknown>;
  /** What the config reads from the environment (the admin key, tokens). */
  env: Record<string, string>;
  /** The second key's key in use (with `secondKey`). */
  second?: { id: string; secret: string; value(): Promise<string | undefined> };
  /** What each part's consumers read now, by destination type. */
  consumerValues(): Promise<Record<string, string | undefined>>;
  /** Keys the rotator created (named "<name> · <rotation id>"). */
  createdKeys(): FakeKeyView[];
  /** Every secret the fake MGA minted or seeded, for leak scans. */
  secrets(): string[];
  /** Writes the config to a file (YAML is a superset of JSON) and returns its path. */
  writeConfig(path: string): Promise<string>;
  close(): Promise<void>;
}

export interface LambdaWorldOptions {
  /** Destination types (default: dotenv only). */
  only?: string[];
  revokeAfter?: string;
  /** A second managed key with its own .env file. */
  secondKey?: boolean;
}

export async function startLambdaWorld(options: LambdaWorldOptions = {}): Promise<LambdaWorld> {
  const sandbox = await startSandbox({ only: options.only ?? ["dotenv"], ...(options.revokeAfter ? { revokeAfter: options.revokeAfter } : {}) });
  const config = parse(await readFile(sandbox.configPath, "utf8")) as LambdaWorld["config"];
  let second: LambdaWorld["second"];
  if (options.secondKey) {
    const key = sandbox.mga.seedKey({ name: "Staging Server", permission: "write" });
    const part = await startDotenvPart({ dir: sandbox.dir, currentKey: key.secret }, { file: "staging.env" });
    config.keys.push({ ...config.keys[0], id: SECOND_KEY_ID, name: "Staging Server", destinations: [part.destination] });
    second = { id: key.id, secret: key.secret, value: () => part.consumerValue() };
  }
  return {
    sandbox,
    config,
    env: sandbox.env,
    ...(second ? { second } : {}),
    async consumerValues() {
      const entries = await Promise.all(sandbox.parts.map(async (p) => [p.type, await p.consumerValue()] as const));
      return Object.fromEntries(entries);
    },
    createdKeys: () => sandbox.mga.keys().filter((k) => k.name.includes(" · ")),
    secrets: () => sandbox.mga.issuedSecrets(),
    async writeConfig(path) {
      await writeFile(path, JSON.stringify(config, null, 2), { mode: 0o600 });
      return path;
    },
    close: () => sandbox.close(),
  };
}

/** The sandbox directory's file of that name. */
export const inSandbox = (world: LambdaWorld, name: string): string => join(world.sandbox.dir, name);
