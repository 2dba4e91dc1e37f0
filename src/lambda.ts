// The AWS Lambda entry point (`dist/lambda.mjs`, export `handler`), invoked by EventBridge Scheduler.
// Thin, like the CLI and the daemon: parse the input, advance the keys with the same tick(), answer a
// summary per key. The runtime (config, state store, issuer, destinations) is opened once per
// container and reused by later invocations; only the SDKs the config names are ever loaded.
//
// It throws only when a rotation failed or rolled back. EventBridge Scheduler invokes asynchronously,
// so a thrown error goes through the function's async-invoke settings (retries, on-failure
// destination: deploy/sam sends it to the failed-runs queue); the schedule's own retry policy and
// dead-letter queue cover invocations that could not be delivered. A key locked by another invocation
// is not a failure: delivery is at least once, so duplicate invocations are normal, and the per-key
// lock plus the journal make them harmless.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { Environment } from "./config/load.js";
import { RotatorError } from "./core/errors.js";
import { exitCodeOf, type KeyOutcome } from "./core/outcome.js";
import { newLockOwner, tick } from "./core/tick.js";
import { loadLambdaConfig } from "./lambda/config-source.js";
import { LambdaInputError, parseLambdaInput } from "./lambda/input.js";
import { createLogger } from "./log.js";
import { openRuntime, type Runtime, type RuntimeOptions } from "./runtime.js";

export { LambdaInputError } from "./lambda/input.js";
export type { LambdaInput } from "./lambda/input.js";

/** The parts of the Lambda context object the handler reads. */
export interface LambdaContext {
  awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export interface LambdaResult {
  /** True when no rotation failed (a failure throws instead of returning). */
  ok: boolean;
  /** What happened to each managed key this invocation looked at. */
  outcomes: KeyOutcome[];
}

export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<LambdaResult>;

/** At least one rotation failed or rolled back; `outcomes` has every key's result. */
export class RotationFailedError extends RotatorError {
  override name = "RotationFailedError";
  readonly outcomes: KeyOutcome[];
  constructor(outcomes: KeyOutcome[]) {
    const failed = outcomes.filter((o) => o.action === "failed" || o.action === "rolled-back");
    const lines = failed.map((o) => `${o.keyId}: ${o.action}${"error" in o ? `: ${o.error}` : ""}`);
    super("ROTATION_FAILED", `rotation failed for ${failed.length} of ${outcomes.length} key(s):\n  ${lines.join("\n  ")}`);
    this.outcomes = outcomes;
  }
}

export interface HandlerOptions {
  /** Where the config variables and `${VAR}` references are read (default process.env). */
  env?: Environment;
  /** Default: JSON lines on stderr at $KEY_ROTATOR_LOG_LEVEL (CloudWatch keeps them). */
  log?: Logger;
  /** What a relative KEY_ROTATOR_CONFIG is resolved against without LAMBDA_TASK_ROOT (default: this file's directory). */
  bundleDir?: string;
  /** Tests: clock, events, failpoints. */
  runtime?: Partial<Omit<RuntimeOptions, "log">>;
}

/** A handler with its own runtime cache: the export below is one, tests make their own. */
export function createHandler(options: HandlerOptions = {}): LambdaHandler {
  const env = options.env ?? process.env;
  let log: Logger | undefined = options.log;
  let runtime: Promise<Runtime> | undefined;

  const logger = (): Logger => (log ??= createLogger(env.KEY_ROTATOR_LOG_LEVEL ?? "info"));

  async function open(): Promise<Runtime> {
    const bundleDir = options.bundleDir ?? dirname(fileURLToPath(import.meta.url));
    const loaded = await loadLambdaConfig(env, bundleDir);
    for (const warning of loaded.warnings) logger().warn({ config: loaded.source }, warning);
    return openRuntime(loaded.config, { ...options.runtime, log: logger() });
  }

  return async function handler(event, context) {
    const input = parseLambdaInput(event);
    // A failed open (bad config, state store unreachable) is not cached: the next invocation retries it.
    runtime ??= open().catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    const { deps, keys } = await runtime;
    const unknown = (input.keys ?? []).filter((id) => !keys.some((key) => key.id === id));
    if (unknown.length > 0) {
      throw new LambdaInputError([`keys: unknown managed key id ${unknown.map((id) => `"${id}"`).join(", ")}; the config has ${keys.map((k) => k.id).join(", ")}`]);
    }

    const invocation = {
      ...(context?.awsRequestId ? { awsRequestId: context.awsRequestId } : {}),
      ...(input.scheduledTime ? { scheduledTime: input.scheduledTime } : {}),
      ...(input.executionId ? { executionId: input.executionId } : {}),
    };
    const runLog = logger().child(invocation);
    runLog.info({ keys: input.keys ?? "all", force: input.force ?? false, emergency: input.emergency ?? false, remainingMs: context?.getRemainingTimeInMillis?.() }, "invocation");
    // A lock owner per invocation, not per container: an invocation never inherits another's lock.
    const outcomes = await tick({ ...deps, log: runLog, owner: newLockOwner() }, keys, {
      ...(input.keys ? { only: input.keys } : {}),
      force: Boolean(input.force || input.emergency),
      emergency: Boolean(input.emergency),
    });
    // The container freezes once the handler returns: deliver notifications now, not at some later thaw.
    await (await runtime).flush();
    const ok = exitCodeOf(outcomes) !== 1;
    runLog[ok ? "info" : "error"]({ outcomes: outcomes.map((o) => ({ keyId: o.keyId, action: o.action })) }, ok ? "invocation done" : "invocation failed");
    if (!ok) throw new RotationFailedError(outcomes);
    return { ok, outcomes };
  };
}

/** The Lambda handler: `lambda.handler` with dist/lambda.mjs as the function's code. */
export const handler: LambdaHandler = createHandler();
