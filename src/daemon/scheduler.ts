// The daemon's scheduler: a cron (node-cron by default, injectable for tests) fires ticks; a tick never
// overlaps the one before it (a fire while one runs is skipped and logged); each tick leaves a report
// for /healthz and /metrics. Stopping ends the cron and tells the running tick, through an
// AbortSignal, to start no further key; the caller then waits for it with `idle()`.
import { performance } from "node:perf_hooks";
import cron from "node-cron";
import type { Logger } from "pino";
import { ConfigError } from "../core/errors.js";
import type { KeyOutcome } from "../core/outcome.js";

export type TickSource = "start-up" | "cron" | "manual";

export interface TickReport {
  source: TickSource;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** One per key the tick reached, as `tick()` returns them. */
  outcomes: KeyOutcome[];
  /**
   * Set when the tick itself threw: the state store failed, or a bug. A rotation that fails and rolls
   * back is an outcome, not a crash: the engine handled it and the journal is consistent.
   */
  error?: string;
}

/** Runs one tick: call `report` with each key's outcome as it comes; stop between keys once `signal` aborts. */
export type TickRunner = (signal: AbortSignal, report: (outcome: KeyOutcome) => void) => Promise<void>;

export interface CronSpec {
  expression: string;
  timezone: string;
}

export interface CronHandle {
  stop(): void;
  /** The next time the cron fires, when known. */
  nextRun(): Date | null;
}

/** Starts a cron that calls `fire` at each matching time. */
export type CronStarter = (spec: CronSpec, fire: () => void) => CronHandle;

export interface SchedulerHealth {
  healthy: boolean;
  /** Why not healthy. */
  reason?: string;
  tickRunning: boolean;
  lastTick?: TickReport;
}

export interface SchedulerOptions {
  runTick: TickRunner;
  log: Logger;
  now?: () => Date;
  /** After each tick, crashed or not (metrics); its failure is logged, never fails the tick. */
  onTick?: (report: TickReport) => void | Promise<void>;
  /** A tick was asked for while one was running, and skipped. */
  onSkip?: (source: TickSource) => void;
}

/** Checks a schedule before anything starts, so a typo fails at start-up (exit 2), not at 3 a.m. */
export function validateSchedule(spec: CronSpec): void {
  const issues: string[] = [];
  if (!cron.validate(spec.expression)) {
    issues.push(
      `schedule.cron: ${JSON.stringify(spec.expression)} is not a cron expression; expected 5 fields (minute hour day month weekday), ` +
        `or 6 with seconds first, e.g. "0 3 * * *"`,
    );
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: spec.timezone });
  } catch {
    issues.push(`schedule.timezone: ${JSON.stringify(spec.timezone)} is not an IANA time zone; expected e.g. "UTC" or "Europe/Paris"`);
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** The real cron: node-cron, its own log lines routed into ours. */
export function nodeCronStarter(log: Logger): CronStarter {
  const cronLog = log.child({ component: "node-cron" });
  return (spec, fire) => {
    const task = cron.schedule(spec.expression, () => fire(), {
      timezone: spec.timezone,
      name: "key-rotator tick",
      logger: {
        info: (message) => cronLog.info(message),
        warn: (message) => cronLog.warn(message),
        error: (message, err) => cronLog.error({ err: String(err ?? message) }, String(message)),
        debug: (message) => cronLog.debug(String(message)),
      },
    });
    return {
      stop: () => void task.destroy(),
      nextRun: () => task.getNextRun(),
    };
  };
}

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #now: () => Date;
  readonly #stopping = new AbortController();
  #cron: CronHandle | undefined;
  #running: Promise<TickReport> | undefined;
  #lastTick: TickReport | undefined;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Starts the cron. Ticks fire from it; `trigger()` adds one on demand (start-up, tests). */
  start(spec: CronSpec, startCron: CronStarter = nodeCronStarter(this.#options.log)): void {
    if (this.#cron || this.#stopping.signal.aborted) throw new Error("the scheduler starts once");
    this.#cron = startCron(spec, () => void this.trigger("cron"));
    this.#options.log.info({ cron: spec.expression, timezone: spec.timezone, nextTick: this.#cron.nextRun()?.toISOString() }, "scheduler started");
  }

  /** Runs a tick now, unless one is running (then skipped: undefined) or the scheduler stopped. */
  trigger(source: TickSource = "manual"): Promise<TickReport | undefined> {
    if (this.#stopping.signal.aborted) {
      this.#options.log.debug({ source }, "scheduler stopped; tick not started");
      return Promise.resolve(undefined);
    }
    if (this.#running) {
      this.#options.log.warn({ source }, "the previous tick is still running; this tick is skipped");
      this.#options.onSkip?.(source);
      return Promise.resolve(undefined);
    }
    const running = this.#run(source).finally(() => {
      this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  /** No new ticks from now on; the running tick starts no further key. Wait for it with `idle()`. */
  stop(): void {
    if (this.#stopping.signal.aborted) return;
    this.#stopping.abort();
    this.#cron?.stop();
    this.#options.log.info({ tickRunning: this.#running !== undefined }, "scheduler stopped");
  }

  /** Resolves once no tick is running. */
  async idle(): Promise<void> {
    await this.#running;
  }

  /** Healthy while the scheduler runs and the last tick did not crash. */
  health(): SchedulerHealth {
    const base = { tickRunning: this.#running !== undefined, ...(this.#lastTick ? { lastTick: this.#lastTick } : {}) };
    if (this.#stopping.signal.aborted) return { ...base, healthy: false, reason: "the scheduler is stopping" };
    if (!this.#cron) return { ...base, healthy: false, reason: "the scheduler has not started" };
    if (this.#lastTick?.error) return { ...base, healthy: false, reason: `the last tick crashed: ${this.#lastTick.error}` };
    return { ...base, healthy: true };
  }

  async #run(source: TickSource): Promise<TickReport> {
    const { log } = this.#options;
    const startedAt = this.#now();
    const began = performance.now();
    const outcomes: KeyOutcome[] = [];
    let error: string | undefined;
    log.info({ source }, "tick started");
    try {
      await this.#options.runTick(this.#stopping.signal, (outcome) => outcomes.push(outcome));
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown);
      log.error({ source, err: error }, "tick crashed; the journal lets the next tick resume");
    }
    const report: TickReport = {
      source,
      startedAt: startedAt.toISOString(),
      finishedAt: this.#now().toISOString(),
      durationMs: Math.round(performance.now() - began),
      outcomes,
      ...(error === undefined ? {} : { error }),
    };
    this.#lastTick = report;
    const actions = Object.fromEntries(outcomes.map((o) => [o.keyId, o.action]));
    log.info({ source, durationMs: report.durationMs, outcomes: actions, crashed: error !== undefined }, "tick finished");
    try {
      await this.#options.onTick?.(report);
    } catch (thrown) {
      log.warn({ err: String(thrown) }, "could not record the tick");
    }
    return report;
  }
}
