// The daemon's metrics, by name, and how ticks, key statuses and destination failures feed them.
// Labels carry managed-key ids and destination ids only: never a key's value, prefix or fingerprint.
import type { ManagedKey } from "../core/managed-key.js";
import type { KeyOutcome } from "../core/outcome.js";
import type { KeyStatus } from "../core/plan.js";
import { MetricRegistry, type MetricFamily } from "./exposition.js";
import type { TickReport } from "./scheduler.js";

export const METRIC_NAMES = {
  up: "key_rotator_up",
  rotations: "key_rotator_rotations_total",
  lastSuccess: "key_rotator_last_success_timestamp_seconds",
  secondsUntilDue: "key_rotator_seconds_until_due",
  tickDuration: "key_rotator_tick_duration_seconds",
  ticks: "key_rotator_ticks_total",
  lastTick: "key_rotator_last_tick_timestamp_seconds",
  destinationErrors: "key_rotator_destination_errors_total",
} as const;

/** Outcomes counted in key_rotator_rotations_total: the ends of rotation attempts, not "not due". */
export const COUNTED_OUTCOMES = ["succeeded", "rolled-back", "failed", "locked"] as const satisfies readonly KeyOutcome["action"][];
type CountedOutcome = (typeof COUNTED_OUTCOMES)[number];

export const TICK_RESULTS = ["ok", "crashed", "skipped"] as const;

function isCounted(action: KeyOutcome["action"]): action is CountedOutcome {
  return (COUNTED_OUTCOMES as readonly string[]).includes(action);
}

export class DaemonMetrics {
  readonly registry = new MetricRegistry();
  readonly #up: MetricFamily;
  readonly #rotations: MetricFamily;
  readonly #lastSuccess: MetricFamily;
  readonly #secondsUntilDue: MetricFamily;
  readonly #tickDuration: MetricFamily;
  readonly #ticks: MetricFamily;
  readonly #lastTick: MetricFamily;
  readonly #destinationErrors: MetricFamily;

  constructor(keys: readonly ManagedKey[]) {
    const r = this.registry;
    this.#up = r.gauge(METRIC_NAMES.up, "1 while the scheduler runs and the last tick did not crash (what /healthz answers 200 for), else 0");
    this.#rotations = r.counter(
      METRIC_NAMES.rotations,
      "Rotation attempts by how they ended: succeeded, rolled-back (old key kept), failed (left for the next tick to resume), locked (another run held the key)",
      ["key", "outcome"],
    );
    this.#lastSuccess = r.gauge(
      METRIC_NAMES.lastSuccess,
      "Unix time of the key's last successful rotation (from the state store); 0 if key-rotator never rotated it",
      ["key"],
    );
    this.#secondsUntilDue = r.gauge(METRIC_NAMES.secondsUntilDue, "Seconds until the key is due for rotation; negative when overdue", ["key"]);
    this.#tickDuration = r.gauge(METRIC_NAMES.tickDuration, "Duration of the last finished tick, in seconds");
    this.#ticks = r.counter(METRIC_NAMES.ticks, "Ticks by result: ok, crashed (the tick threw), skipped (the previous one still ran)", ["result"]);
    this.#lastTick = r.gauge(METRIC_NAMES.lastTick, "Unix time the last tick finished");
    this.#destinationErrors = r.counter(
      METRIC_NAMES.destinationErrors,
      "Destination operations (read, write, activate, confirm, restore) that failed or read back the wrong value",
      ["key", "destination"],
    );

    // Every series exists from the start, so rate() and increase() see the first event.
    this.#up.set({}, 0);
    for (const result of TICK_RESULTS) this.#ticks.ensure({ result });
    for (const key of keys) {
      for (const outcome of COUNTED_OUTCOMES) this.#rotations.ensure({ key: key.id, outcome });
      for (const destination of key.destinations) this.#destinationErrors.ensure({ key: key.id, destination: destination.id });
    }
  }

  recordTick(report: TickReport): void {
    this.#ticks.inc({ result: report.error === undefined ? "ok" : "crashed" });
    this.#tickDuration.set({}, report.durationMs / 1000);
    this.#lastTick.set({}, Date.parse(report.finishedAt) / 1000);
    for (const outcome of report.outcomes) {
      if (isCounted(outcome.action)) this.#rotations.inc({ key: outcome.keyId, outcome: outcome.action });
    }
  }

  recordSkippedTick(): void {
    this.#ticks.inc({ result: "skipped" });
  }

  recordDestinationError(keyId: string, destinationId: string): void {
    this.#destinationErrors.inc({ key: keyId, destination: destinationId });
  }

  recordStatuses(statuses: readonly KeyStatus[], now: Date): void {
    for (const status of statuses) {
      const lastRotated = status.lastRotatedAt ? Date.parse(status.lastRotatedAt) / 1000 : 0;
      this.#lastSuccess.set({ key: status.keyId }, lastRotated);
      this.#secondsUntilDue.set({ key: status.keyId }, Math.round((Date.parse(status.nextDueAt) - now.getTime()) / 1000));
    }
  }

  setUp(up: boolean): void {
    this.#up.set({}, up ? 1 : 0);
  }

  render(): string {
    return this.registry.render();
  }
}
