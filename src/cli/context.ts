// What every command starts from: the config (loaded and validated before any side effect) and,
// for commands that act, the runtime. Exit codes live here too.
import type { Logger } from "pino";
import { formatConfigError, loadConfig, resolveConfigPath } from "../config/load.js";
import { ConfigError } from "../core/errors.js";
import type { Config } from "../config/schema.js";
import { createLogger } from "../log.js";
import { openRuntime, type Runtime, type RuntimeOptions } from "../runtime.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 3 } as const;

/** A ConfigError whose message is already the text to print (it names the file). */
export class ReportedConfigError extends ConfigError {
  readonly text: string;
  constructor(text: string, original: ConfigError) {
    super(original.issues, { cause: original });
    this.text = text;
  }
}

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export async function loadFromOptions(options: GlobalOptions): Promise<{ config: Config; path: string; log: Logger }> {
  const log = createLogger(options.logLevel);
  const path = resolveConfigPath({ flag: options.config, env: process.env });
  const loaded = await loadConfig({ path, env: process.env }).catch((error: unknown) => {
    if (error instanceof ConfigError) throw new ReportedConfigError(formatConfigError(error, path), error);
    throw error;
  });
  for (const warning of loaded.warnings) log.warn({ config: loaded.path }, warning);
  return { config: loaded.config, path: loaded.path, log };
}

export async function withRuntime<T>(
  options: GlobalOptions,
  work: (runtime: Runtime, config: Config) => Promise<T>,
  runtimeOptions: Partial<RuntimeOptions> = {},
): Promise<T> {
  const { config, log } = await loadFromOptions(options);
  const runtime = await openRuntime(config, { log, ...runtimeOptions });
  try {
    return await work(runtime, config);
  } finally {
    await runtime.close();
  }
}
