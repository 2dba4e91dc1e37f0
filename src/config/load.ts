// Loading the config: read → parse (YAML or JSON) → interpolate ${VARS} → validate (zod) → rules →
// result. Every problem found is reported at once, as ConfigError issues sorted by path; printing them
// and exiting is the CLI's job (formatConfigError gives it the text). The cross-field rules need a
// config of the right shape, so they run once interpolation and the schema found nothing wrong.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError } from "../core/errors.js";
import { interpolateEnvironment, type Environment } from "./interpolate.js";
import { renderIssues, renderPath } from "./issues.js";
import { parseConfigText } from "./parse-text.js";
import { checkRules } from "./rules.js";
import { configSchema, type Config } from "./schema.js";
import { fromZodIssues, NO_CUSTOM_MESSAGE } from "./zod-issues.js";

export { destinationId, destinationTypes } from "./destination-id.js";
export type { Environment } from "./interpolate.js";

export const CONFIG_PATH_VARIABLE = "KEY_ROTATOR_CONFIG";
export const DEFAULT_CONFIG_PATH = "config/key-rotator.yaml";

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read. */
  path: string;
  /** "path: problem" lines about a config that works but probably not as meant. */
  warnings: string[];
}

/** `--config FILE`, else $KEY_ROTATOR_CONFIG, else config/key-rotator.yaml (relative to the cwd). */
export function resolveConfigPath({ flag, env = process.env }: { flag?: string | undefined; env?: Environment }): string {
  if (flag !== undefined && flag !== "") return flag;
  const fromEnvironment = env[CONFIG_PATH_VARIABLE];
  if (fromEnvironment !== undefined && fromEnvironment !== "") return fromEnvironment;
  return DEFAULT_CONFIG_PATH;
}

export async function loadConfig({ path, env = process.env }: { path: string; env?: Environment }): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const text = await readConfigFile(path, absolute);
  return { path: absolute, ...parseConfig(text, env) };
}

/** The config from a file's text (YAML or JSON); throws ConfigError. */
export function parseConfig(text: string, env: Environment = process.env): { config: Config; warnings: string[] } {
  const parsed = parseConfigText(text);
  const validated = validateConfig(parsed.data, env);
  return { config: validated.config, warnings: [...parsed.warnings, ...validated.warnings] };
}

/** The config from already parsed data: interpolation, schema, rules; throws ConfigError. */
export function validateConfig(data: unknown, env: Environment = process.env): { config: Config; warnings: string[] } {
  const interpolation = interpolateEnvironment(data, env);
  const result = configSchema.safeParse(interpolation.value, { error: () => NO_CUSTOM_MESSAGE });
  const schemaIssues = result.success
    ? []
    : fromZodIssues(result.error.issues, {
        schema: configSchema,
        data: interpolation.value,
        fromEnvironment: interpolation.fromEnvironment,
        // A failed reference already has its issue; the schema's view of the unresolved text is noise.
      }).filter((issue) => !interpolation.unresolved.has(renderPath(issue.path)));
  const issues = [...interpolation.issues, ...schemaIssues];
  if (!result.success || issues.length > 0) throw new ConfigError(renderIssues(issues));

  const rules = checkRules(result.data, interpolation.fromEnvironment);
  if (rules.errors.length > 0) throw new ConfigError(renderIssues(rules.errors));
  return { config: result.data, warnings: renderIssues(rules.warnings) };
}

async function readConfigFile(path: string, absolute: string): Promise<string> {
  try {
    return await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === "ENOENT"
        ? `config file not found; point at one with --config FILE or ${CONFIG_PATH_VARIABLE}=FILE, or create ${DEFAULT_CONFIG_PATH} (start from config/key-rotator.example.yaml)`
        : code === "EISDIR"
          ? "is a directory, not a config file"
          : code === "EACCES" || code === "EPERM"
            ? "config file not readable: permission denied"
            : `config file not readable: ${code ?? String(error)}`;
    throw new ConfigError([`${path}: ${problem}`], { cause: error });
  }
}

/** The CLI's text for a ConfigError: a heading naming the file, then one issue per line. */
export function formatConfigError(error: ConfigError, path: string): string {
  return [`key-rotator: invalid config ${path}:`, ...error.issues.map((issue) => `  ${issue}`)].join("\n");
}
