// The `.env` file part: a real file in the sandbox directory, read back as an app would at start.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readEnvFile } from "../../../providers/dotenv/dotenv-file.js";
import { readVariable } from "../../../providers/dotenv/dotenv-format.js";
import type { SandboxPart, SandboxPartInput } from "./types.js";

export interface DotenvPartOptions {
  /** File name inside the sandbox directory (default app.env). */
  file?: string;
  variable?: string;
}

export async function startDotenvPart({ dir, currentKey }: SandboxPartInput, options: DotenvPartOptions = {}): Promise<SandboxPart & { path: string }> {
  const path = join(dir, options.file ?? "app.env");
  const variable = options.variable ?? "MGA_API_KEY";
  await writeFile(path, `# the app's settings\nPORT=3000\n${variable}=${currentKey}\nLOG_LEVEL=info\n`, { mode: 0o600 });
  return {
    type: "dotenv",
    label: `.env file ${path}`,
    path,
    destination: { type: "dotenv", path, variable },
    consumerValue: async () => {
      const text = await readEnvFile(path);
      return text === undefined ? undefined : readVariable(text, variable);
    },
    close: async () => undefined,
  };
}
