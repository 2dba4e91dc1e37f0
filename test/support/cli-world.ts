// A world for tests that run the real CLI as child processes: the fake MGA in the test process, real
// .env files, and a config file on disk that reads the admin key from the environment.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { readVariable } from "../../providers/dotenv/dotenv-format.js";
import { startFakeMga, type FakeMga } from "../../providers/mga/fake.js";
import { runCli, type CliOptions, type CliResult } from "./cli.js";
import { assertNoSecretIn } from "./invariants.js";

export interface CliWorld {
  dir: string;
  mga: FakeMga;
  original: { id: string; secret: string };
  configPath: string;
  statePath: string;
  env: Record<string, string>;
  cli(args: string[], options?: CliOptions): ReturnType<typeof runCli>;
  envValues(): Promise<Array<string | undefined>>;
  close(): Promise<void>;
}

export interface CliWorldOptions {
  envFiles?: number;
  revokeAfter?: string;
  /** Seal old values into the journal (default true). */
  seal?: boolean;
}

export async function startCliWorld(options: CliWorldOptions = {}): Promise<CliWorld> {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-cli-"));
  const mga = await startFakeMga({ bots: ["bot_demo"] });
  const admin = mga.seedKey({ name: "admin", permission: "admin" });
  const original = mga.seedKey({ name: "Production Server", permission: "write" });
  const envPaths: string[] = [];
  for (let i = 0; i < (options.envFiles ?? 2); i++) {
    const path = join(dir, `app${i}.env`);
    await writeFile(path, `# app ${i}\nPORT=300${i}\nMGA_API_KEY=${original.secret}\n`, { mode: 0o600 });
    envPaths.push(path);
  }
  const statePath = join(dir, "state", "state.json");
  const config = {
    issuer: { type: "mga", baseUrl: mga.url, adminKey: "${MGA_ADMIN_KEY}" },
    state: { type: "file", path: statePath, lockLeaseSeconds: 5, ...(options.seal === false ? {} : { sealKey: "${KEY_ROTATOR_SEAL_KEY}" }) },
    keys: [
      {
        id: "production-server",
        name: "Production Server",
        revokeAfter: options.revokeAfter ?? "0s",
        verify: { botId: "bot_demo" },
        destinations: envPaths.map((path) => ({ type: "dotenv", path, variable: "MGA_API_KEY" })),
      },
    ],
  };
  const configPath = join(dir, "key-rotator.yaml");
  await writeFile(configPath, stringify(config));
  const outputs: string[] = [];
  const env = { MGA_ADMIN_KEY: admin.secret, KEY_ROTATOR_SEAL_KEY: "test-seal-key-0123456789abcdefghijklmnop" };
  return {
    dir,
    mga,
    original,
    configPath,
    statePath,
    env,
    cli: async (args, cliOptions = {}): Promise<CliResult> => {
      const result = await runCli([...args, "--config", configPath], { cwd: dir, ...cliOptions, env: { ...env, ...cliOptions.env } });
      outputs.push(result.stdout, result.stderr);
      return result;
    },
    envValues: () => Promise.all(envPaths.map(async (p) => readVariable(await readFile(p, "utf8"), "MGA_API_KEY"))),
    /** Also the leak scan: no value the fake minted in anything the CLI printed, nor in the state file (history included). */
    async close() {
      const state = existsSync(statePath) ? await readFile(statePath, "utf8") : "";
      const secrets = mga.issuedSecrets();
      await mga.close();
      await rm(dir, { recursive: true, force: true });
      assertNoSecretIn(secrets, { "CLI stdout/stderr": outputs.join("\n"), "state file and history": state });
    },
  };
}
