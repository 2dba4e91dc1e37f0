// One sandbox part per destination type: start its fake (or file), seed it with the key in use, and
// say how a consumer reads the key back. Adding a destination to the demo is one entry here.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readEnvFile } from "../../providers/dotenv/dotenv-file.js";
import { readVariable } from "../../providers/dotenv/dotenv-format.js";

export interface SandboxPart {
  type: string;
  /** Human label for the demo's output. */
  label: string;
  /** The destination's config entry. */
  destination: Record<string, unknown>;
  /** Environment the config entry reads (tokens). */
  env?: Record<string, string>;
  /** What a consumer of this destination reads now (the live deployment, for platforms). */
  consumerValue(): Promise<string | undefined>;
  close(): Promise<void>;
}

export type SandboxPartFactory = (input: { dir: string; currentKey: string }) => Promise<SandboxPart>;

const dotenvPart: SandboxPartFactory = async ({ dir, currentKey }) => {
  const path = join(dir, "app.env");
  await writeFile(path, `# the app's settings\nPORT=3000\nMGA_API_KEY=${currentKey}\nLOG_LEVEL=info\n`, { mode: 0o600 });
  return {
    type: "dotenv",
    label: `.env file ${path}`,
    destination: { type: "dotenv", path, variable: "MGA_API_KEY" },
    consumerValue: async () => {
      const text = await readEnvFile(path);
      return text === undefined ? undefined : readVariable(text, "MGA_API_KEY");
    },
    close: async () => undefined,
  };
};

export const sandboxParts: SandboxPartFactory[] = [dotenvPart];
