// The local sandbox behind `key-rotator demo` and the end-to-end tests: the fake MGA plus one fake
// per destination type, each seeded with the key in use, and a config file that points at them.
// Every part is a real server on 127.0.0.1 (or a real file) that the real clients talk to.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startFakeMga, type FakeMga } from "../../providers/mga/fake.js";
import { sandboxParts, type SandboxPart } from "./parts.js";

export const DEMO_BOT = "bot_demo";

export interface Sandbox {
  dir: string;
  configPath: string;
  /** Environment the config reads (`${MGA_ADMIN_KEY}`, tokens): set it for the run. */
  env: Record<string, string>;
  mga: FakeMga;
  /** The key every destination holds before the rotation. */
  original: { id: string; secret: string };
  parts: SandboxPart[];
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Which destination types to include (default: all the sandbox knows). */
  only?: string[];
  revokeAfter?: string;
  /** Keep the sandbox directory after close (its fakes stop either way). */
  keep?: boolean;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), "key-rotator-demo-"));
  const mga = await startFakeMga({ bots: [DEMO_BOT] });
  const admin = mga.seedKey({ name: "Key rotator (admin)", permission: "admin" });
  const original = mga.seedKey({ name: "Production Server", permission: "write" });
  const parts: SandboxPart[] = [];
  try {
    for (const make of sandboxParts) {
      const part = await make({ dir, currentKey: original.secret });
      if (options.only && !options.only.includes(part.type)) {
        await part.close();
        continue;
      }
      parts.push(part);
    }
  } catch (error) {
    await Promise.all(parts.map((p) => p.close()));
    await mga.close();
    throw error;
  }
  const env: Record<string, string> = { MGA_ADMIN_KEY: admin.secret };
  for (const part of parts) Object.assign(env, part.env ?? {});

  const config = {
    issuer: { type: "mga", baseUrl: mga.url, adminKey: "${MGA_ADMIN_KEY}" },
    state: { type: "file", path: join(dir, "state", "state.json"), lockLeaseSeconds: 30 },
    keys: [
      {
        id: "production-server",
        name: "Production Server",
        permission: "write",
        rotateEveryDays: 90,
        revokeAfter: options.revokeAfter ?? "0s",
        verify: { botId: DEMO_BOT },
        destinations: parts.map((p) => p.destination),
      },
    ],
  };
  const configPath = join(dir, "key-rotator.yaml");
  await writeFile(configPath, `# written by key-rotator demo\n${stringify(config)}`, { mode: 0o600 });

  return {
    dir,
    configPath,
    env,
    mga,
    original: { id: original.id, secret: original.secret },
    parts,
    async close() {
      await Promise.all(parts.map((p) => p.close()));
      await mga.close();
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    },
  };
}
