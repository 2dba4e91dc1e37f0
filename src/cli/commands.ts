// The CLI commands that act on managed keys. Each is thin: load config, call the engine, print, and
// return an exit code.
import { abandonRotation } from "../core/abandon.js";
import { RotatorError } from "../core/errors.js";
import { exitCodeOf } from "../core/outcome.js";
import { planKey, statusOf } from "../core/plan.js";
import { tick } from "../core/tick.js";
import type { Runtime, RuntimeOptions } from "../runtime.js";
import { EXIT, loadFromOptions, withRuntime, type GlobalOptions } from "./context.js";
import { formatHistory, formatOutcome, formatPlan, formatStatus, printJson } from "./output.js";

export interface RunFlags extends GlobalOptions {
  key?: string[];
  force?: boolean;
  emergency?: boolean;
  json?: boolean;
}

/** Unknown ids in --key are a usage error (exit 2) before anything happens. */
function checkKeyIds(runtime: Runtime, ids: string[] | undefined): void {
  const known = runtime.keys.map((k) => k.id);
  const unknown = (ids ?? []).filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    throw new RotatorError("USAGE", `unknown key id ${unknown.map((id) => `"${id}"`).join(", ")}; the config has ${known.join(", ")}`);
  }
}

export function runCommand(flags: RunFlags, runtimeOptions: Partial<RuntimeOptions> = {}): Promise<number> {
  return withRuntime(
    flags,
    async (runtime) => {
    checkKeyIds(runtime, flags.key);
    const outcomes = await tick(runtime.deps, runtime.keys, {
      ...(flags.key ? { only: flags.key } : {}),
      force: Boolean(flags.force || flags.emergency),
      emergency: Boolean(flags.emergency),
    });
      if (flags.json) printJson({ outcomes });
      else for (const outcome of outcomes) console.log(formatOutcome(outcome));
      return exitCodeOf(outcomes);
    },
    runtimeOptions,
  );
}

export function statusCommand(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  return withRuntime(flags, async (runtime) => {
    const statuses = await Promise.all(runtime.keys.map((key) => statusOf(runtime.deps, key)));
    if (flags.json) printJson({ keys: statuses });
    else console.log(statuses.map(formatStatus).join("\n"));
    return EXIT.ok;
  });
}

export function planCommand(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  return withRuntime(flags, async (runtime) => {
    const plans = [];
    for (const [index, key] of runtime.keys.entries()) plans.push(await planKey(runtime.deps, key, `keys[${index}]`));
    if (flags.json) printJson({ keys: plans });
    else console.log(plans.map(formatPlan).join("\n"));
    return EXIT.ok;
  });
}

export function historyCommand(flags: GlobalOptions & { key?: string; json?: boolean }): Promise<number> {
  return withRuntime(flags, async (runtime) => {
    checkKeyIds(runtime, flags.key ? [flags.key] : undefined);
    const entries = await runtime.deps.store.listHistory(flags.key);
    if (flags.json) printJson({ history: entries });
    else console.log(entries.length > 0 ? entries.map(formatHistory).join("\n") : "no rotations yet");
    return EXIT.ok;
  });
}

export function rollbackCommand(flags: GlobalOptions & { key: string; json?: boolean }): Promise<number> {
  return withRuntime(flags, async (runtime) => {
    checkKeyIds(runtime, [flags.key]);
    const index = runtime.keys.findIndex((k) => k.id === flags.key);
    const outcome = await abandonRotation(runtime.deps, runtime.keys[index]!, `keys[${index}]`);
    if (flags.json) printJson({ outcome });
    else console.log(formatOutcome(outcome));
    return outcome.action === "rolled-back" ? EXIT.ok : EXIT.failed;
  });
}

export async function validateCommand(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const { config, path } = await loadFromOptions(flags);
  const destinations = config.keys.reduce((n, k) => n + k.destinations.length, 0);
  if (flags.json) printJson({ valid: true, path, keys: config.keys.length, destinations });
  else console.log(`${path}: valid (${config.keys.length} keys, ${destinations} destinations)`);
  return EXIT.ok;
}
