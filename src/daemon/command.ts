// `key-rotator schedule`: the container mode. Ticks on `schedule.cron` (and once at start-up, so a
// restarted container resumes an in-flight rotation at once), optionally serves /healthz and /metrics,
// and on SIGTERM/SIGINT stops taking work, lets the running tick finish (bounded), and exits 0. The
// journal makes an exit at any point safe: the next start resumes where this one stopped.
import type { Logger } from "pino";
import { EXIT, loadFromOptions, type GlobalOptions } from "../cli/context.js";
import { DURATION_PATTERN, parseDuration } from "../config/duration.js";
import { RotatorError } from "../core/errors.js";
import type { ManagedKey } from "../core/managed-key.js";
import { statusOf } from "../core/plan.js";
import { tick } from "../core/tick.js";
import { openRuntime, type Runtime } from "../runtime.js";
import { startHealthServer, type HealthAnswer, type HealthServer } from "./http.js";
import { instrumentKeys } from "./instrument.js";
import { DaemonMetrics } from "./metrics.js";
import { Scheduler, validateSchedule, type CronSpec, type CronStarter, type SchedulerHealth, type TickReport, type TickRunner } from "./scheduler.js";

export const DEFAULT_SHUTDOWN_TIMEOUT = "30s";

export interface ScheduleFlags extends GlobalOptions {
  port?: string;
  host?: string;
  shutdownTimeout?: string;
  /** `--no-startup-tick` sets it false. */
  startupTick?: boolean;
}

export interface DaemonOptions {
  schedule: CronSpec;
  log: Logger;
  /** Serve /healthz and /metrics; off when absent. */
  http?: { host: string; port: number };
  /** Tick once right after start (default true). */
  startupTick?: boolean;
  /** The cron; node-cron when absent. Tests pass one they fire by hand. */
  startCron?: CronStarter;
}

export interface Daemon {
  scheduler: Scheduler;
  metrics: DaemonMetrics;
  server?: HealthServer;
  /** The start-up tick, when one was started. */
  startupTick?: Promise<TickReport | undefined>;
  /** Stop the cron, wait up to `timeoutMs` for the running tick, close the server. */
  stop(timeoutMs: number): Promise<{ drained: boolean }>;
}

/** One tick: the keys in config order, each through `tick()`, no new key once stopping. */
export function tickRunner(runtime: Runtime, keys: ManagedKey[], log: Logger): TickRunner {
  return async (signal, report) => {
    for (const [index, key] of keys.entries()) {
      if (signal.aborted) {
        log.info({ keysLeft: keys.slice(index).map((k) => k.id) }, "stopping: the keys left wait for the next start");
        return;
      }
      for (const outcome of await tick(runtime.deps, keys, { only: [key.id] })) report(outcome);
    }
  };
}

export function healthAnswer(health: SchedulerHealth): HealthAnswer {
  const last = health.lastTick;
  const lastTick = last && {
    source: last.source,
    startedAt: last.startedAt,
    finishedAt: last.finishedAt,
    durationMs: last.durationMs,
    outcomes: Object.fromEntries(last.outcomes.map((o) => [o.keyId, o.action])),
    ...(last.error === undefined ? {} : { error: last.error }),
  };
  return {
    healthy: health.healthy,
    body: {
      status: health.healthy ? "ok" : "unhealthy",
      ...(health.reason ? { reason: health.reason } : {}),
      tickRunning: health.tickRunning,
      lastTick: lastTick ?? null,
    },
  };
}

function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([work.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

export async function startDaemon(runtime: Runtime, options: DaemonOptions): Promise<Daemon> {
  const { log } = options;
  const metrics = new DaemonMetrics(runtime.keys);
  const keys = instrumentKeys(runtime.keys, (keyId, destination, operation) => {
    metrics.recordDestinationError(keyId, destination);
    log.debug({ keyId, destination, operation }, "destination operation failed");
  });
  const refreshStatuses = async (level: "warn" | "debug") => {
    try {
      const statuses = await Promise.all(keys.map((key) => statusOf(runtime.deps, key)));
      metrics.recordStatuses(statuses, runtime.deps.clock.now());
    } catch (error) {
      log[level]({ err: error instanceof Error ? error.message : String(error) }, "could not read key statuses for metrics");
    }
  };
  const scheduler: Scheduler = new Scheduler({
    runTick: tickRunner(runtime, keys, log),
    log,
    now: () => runtime.deps.clock.now(),
    onTick: async (report) => {
      metrics.recordTick(report);
      metrics.setUp(scheduler.health().healthy);
      await refreshStatuses("warn");
    },
    onSkip: () => metrics.recordSkippedTick(),
  });
  const server = options.http
    ? await startHealthServer({
        ...options.http,
        log,
        health: () => healthAnswer(scheduler.health()),
        metrics: async () => {
          await refreshStatuses("debug");
          metrics.setUp(scheduler.health().healthy);
          return metrics.render();
        },
      })
    : undefined;
  await refreshStatuses("warn");
  scheduler.start(options.schedule, options.startCron);
  metrics.setUp(scheduler.health().healthy);
  const startupTick = options.startupTick === false ? undefined : scheduler.trigger("start-up");
  return {
    scheduler,
    metrics,
    ...(server ? { server } : {}),
    ...(startupTick ? { startupTick } : {}),
    async stop(timeoutMs) {
      scheduler.stop();
      metrics.setUp(false);
      const drained = await within(scheduler.idle(), timeoutMs);
      await server?.close();
      return { drained };
    },
  };
}

export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw new RotatorError("USAGE", `--port expects a port number from 0 to 65535, got "${text}"`);
  return port;
}

/** "30s", "2m", "500ms", or a bare number of seconds. */
export function parseShutdownTimeout(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (DURATION_PATTERN.test(text)) return parseDuration(text);
  throw new RotatorError("USAGE", `--shutdown-timeout expects a duration such as "30s" or "2m", got "${text}"`);
}

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once (the journal makes that safe). */
function firstSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal }, "second signal: exiting now; the journal lets the next start resume");
        process.exit(EXIT.ok);
      }
      received = signal;
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

export async function scheduleCommand(flags: ScheduleFlags): Promise<number> {
  const port = flags.port === undefined ? undefined : parsePort(flags.port);
  const shutdownTimeoutMs = parseShutdownTimeout(flags.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT);
  const { config, log } = await loadFromOptions(flags);
  const schedule = { expression: config.schedule.cron, timezone: config.schedule.timezone };
  validateSchedule(schedule);
  if (port === undefined && flags.host !== undefined) log.warn({ host: flags.host }, "--host without --port: nothing is served");
  const stopSignal = firstSignal(log);
  const runtime = await openRuntime(config, { log });
  let daemon: Daemon;
  try {
    daemon = await startDaemon(runtime, {
      schedule,
      log,
      startupTick: flags.startupTick !== false,
      ...(port === undefined ? {} : { http: { host: flags.host ?? "0.0.0.0", port } }),
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }

  const signal = await stopSignal;
  log.info({ signal, shutdownTimeoutMs }, "stopping: no new ticks; waiting for the running tick to finish");
  const { drained } = await daemon.stop(shutdownTimeoutMs);
  await runtime.close();
  if (drained) {
    log.info("stopped");
    return EXIT.ok;
  }
  // The tick still holds sockets and timers, so returning would not end the process: exit now. Logs
  // are written synchronously, so nothing is lost.
  log.warn({ shutdownTimeoutMs }, "the running tick did not finish in time; exiting anyway: its journal lets the next start resume it");
  process.exit(EXIT.ok);
}
