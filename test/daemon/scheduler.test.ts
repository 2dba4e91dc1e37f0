// The scheduler on its own: ticks never overlap, a crash marks it unhealthy until a tick succeeds,
// stopping ends the cron and tells the running tick, and a real node-cron seconds expression ticks.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import type { KeyOutcome } from "../../src/core/outcome.js";
import { Scheduler, validateSchedule, type CronStarter, type TickRunner, type TickSource } from "../../src/daemon/scheduler.js";
import { captureLog } from "../support/recording.js";

const SPEC = { expression: "0 3 * * *", timezone: "UTC" };

/** A cron fired by hand. */
function manualCron(): { starter: CronStarter; fire(): void; stopped(): boolean } {
  let fire: (() => void) | undefined;
  let stopped = false;
  return {
    starter: (_spec, onFire) => {
      fire = onFire;
      return { stop: () => (stopped = true), nextRun: () => null };
    },
    fire: () => fire?.(),
    stopped: () => stopped,
  };
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const succeeded: KeyOutcome = { keyId: "k", action: "succeeded", rotationId: "rot-1", newKey: { id: "key_2", prefix: "mga_sk_abcd" }, revoked: ["key_1"] };

function schedulerWith(runTick: TickRunner) {
  const logs = captureLog();
  const skipped: TickSource[] = [];
  const scheduler = new Scheduler({ runTick, log: logs.log, onSkip: (source) => skipped.push(source) });
  const cron = manualCron();
  scheduler.start(SPEC, cron.starter);
  return { scheduler, cron, skipped, logs };
}

describe("Scheduler", () => {
  it("skips a tick asked for while one runs, and logs it", async () => {
    const gate = deferred();
    let runs = 0;
    const { scheduler, cron, skipped, logs } = schedulerWith(async (_signal, report) => {
      runs++;
      await gate.promise;
      report(succeeded);
    });

    const first = scheduler.trigger("start-up");
    cron.fire();
    const manual = await scheduler.trigger("manual");
    gate.resolve();
    const report = await first;

    expect(runs).toBe(1);
    expect(manual).toBeUndefined();
    expect(skipped).toEqual(["cron", "manual"]);
    expect(report?.outcomes).toEqual([succeeded]);
    expect(logs.records().filter((r) => r.msg === "the previous tick is still running; this tick is skipped")).toHaveLength(2);
  });

  it("runs the next tick once the previous one has finished", async () => {
    let runs = 0;
    const { scheduler, cron } = schedulerWith(async () => {
      runs++;
    });

    await scheduler.trigger();
    cron.fire();
    await scheduler.idle();
    await scheduler.trigger();

    expect(runs).toBe(3);
  });

  it("is unhealthy after a tick that throws, and healthy again after one that does not", async () => {
    let crash = true;
    const { scheduler } = schedulerWith(async (_signal, report) => {
      report({ keyId: "k", action: "rolled-back", rotationId: "rot-1", error: "health check failed" });
      if (crash) throw new Error("state file is corrupt");
    });
    const before = scheduler.health();

    const crashed = await scheduler.trigger();
    const afterCrash = scheduler.health();
    crash = false;
    await scheduler.trigger();
    const afterRecovery = scheduler.health();

    expect(before).toEqual({ healthy: true, tickRunning: false });
    expect(crashed?.error).toBe("state file is corrupt");
    expect(crashed?.outcomes.map((o) => o.action)).toEqual(["rolled-back"]);
    expect(afterCrash).toMatchObject({ healthy: false, reason: "the last tick crashed: state file is corrupt" });
    // A rotation that rolled back is an outcome the engine handled, not a crash.
    expect(afterRecovery).toMatchObject({ healthy: true, lastTick: { outcomes: [{ action: "rolled-back" }] } });
  });

  it("is not healthy before it starts", () => {
    const scheduler = new Scheduler({ runTick: async () => undefined, log: captureLog().log });

    expect(scheduler.health()).toMatchObject({ healthy: false, reason: "the scheduler has not started" });
  });

  it("on stop: ends the cron, aborts the running tick's signal, starts no more ticks, and idle() waits", async () => {
    const gate = deferred();
    let seenSignal: AbortSignal | undefined;
    let runs = 0;
    const { scheduler, cron } = schedulerWith(async (signal) => {
      runs++;
      seenSignal = signal;
      await gate.promise;
    });
    const running = scheduler.trigger();

    scheduler.stop();
    const afterStop = await scheduler.trigger();
    let idle = false;
    const waiting = scheduler.idle().then(() => (idle = true));
    await Promise.resolve();
    const idleBeforeTickEnds = idle;
    gate.resolve();
    await waiting;

    expect(cron.stopped()).toBe(true);
    expect(seenSignal?.aborted).toBe(true);
    expect(afterStop).toBeUndefined();
    expect(idleBeforeTickEnds).toBe(false);
    expect(idle).toBe(true);
    expect(runs).toBe(1);
    expect((await running)?.error).toBeUndefined();
    expect(scheduler.health()).toMatchObject({ healthy: false, reason: "the scheduler is stopping" });
  });

  it("ticks on a real node-cron seconds expression", async () => {
    const ticks: string[] = [];
    const scheduler = new Scheduler({
      runTick: async () => {
        ticks.push(new Date().toISOString());
      },
      log: captureLog().log,
    });

    scheduler.start({ expression: "*/1 * * * * *", timezone: "UTC" });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    scheduler.stop();
    const atStop = ticks.length;
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    expect(atStop).toBeGreaterThanOrEqual(2);
    expect(ticks).toHaveLength(atStop);
  });
});

describe("validateSchedule", () => {
  it("accepts 5 fields, 6 fields with seconds, and IANA time zones", () => {
    expect(() => validateSchedule({ expression: "0 3 * * *", timezone: "UTC" })).not.toThrow();
    expect(() => validateSchedule({ expression: "*/1 * * * * *", timezone: "Europe/Paris" })).not.toThrow();
  });

  it("names every problem, with the config path", () => {
    let error: unknown;
    try {
      validateSchedule({ expression: "0 3 * *", timezone: "Mars/Olympus_Mons" });
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      expect.stringMatching(/^schedule\.cron: "0 3 \* \*" is not a cron expression/),
      expect.stringMatching(/^schedule\.timezone: "Mars\/Olympus_Mons" is not an IANA time zone/),
    ]);
  });
});
