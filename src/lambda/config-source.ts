// Where the Lambda's config comes from: KEY_ROTATOR_CONFIG_JSON (the config itself, as JSON text, e.g.
// from the SAM template) or KEY_ROTATOR_CONFIG (a YAML/JSON file shipped beside the bundle). A relative
// path is resolved against the function's code root (LAMBDA_TASK_ROOT), else the bundle's directory,
// never the working directory, which Lambda does not promise. Both set is ambiguous: refused.
import { isAbsolute, resolve } from "node:path";
import { CONFIG_PATH_VARIABLE, loadConfig, parseConfig, type Environment } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";

export const CONFIG_JSON_VARIABLE = "KEY_ROTATOR_CONFIG_JSON";

export interface LambdaConfig {
  config: Config;
  /** The file read, or the variable the config came from. */
  source: string;
  warnings: string[];
}

/** The directory a relative KEY_ROTATOR_CONFIG is resolved against. */
export function configRoot(env: Environment, bundleDir: string): string {
  const taskRoot = env.LAMBDA_TASK_ROOT;
  return taskRoot !== undefined && taskRoot !== "" ? taskRoot : bundleDir;
}

/** Reads and validates the config named by the environment; throws ConfigError. */
export async function loadLambdaConfig(env: Environment, bundleDir: string): Promise<LambdaConfig> {
  const json = nonEmpty(env[CONFIG_JSON_VARIABLE]);
  const path = nonEmpty(env[CONFIG_PATH_VARIABLE]);
  if (json !== undefined && path !== undefined) {
    throw new ConfigError([`${CONFIG_JSON_VARIABLE} and ${CONFIG_PATH_VARIABLE} are both set; set only one of them`]);
  }
  if (json !== undefined) {
    try {
      return { ...parseConfig(json, env), source: CONFIG_JSON_VARIABLE };
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(error.issues.map((issue) => `${CONFIG_JSON_VARIABLE}: ${issue}`), { cause: error });
      throw error;
    }
  }
  if (path === undefined) {
    throw new ConfigError([
      `no config: set ${CONFIG_PATH_VARIABLE} to a config file in the deployment package (relative to LAMBDA_TASK_ROOT), or ${CONFIG_JSON_VARIABLE} to the config as JSON`,
    ]);
  }
  const absolute = isAbsolute(path) ? path : resolve(configRoot(env, bundleDir), path);
  const loaded = await loadConfig({ path: absolute, env });
  return { config: loaded.config, source: loaded.path, warnings: loaded.warnings };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
