// The dispatcher between the engine and the notifiers: publishing never waits or throws, each
// notifier gets its notifications in order, failures are logged and dropped, and flush() waits, but
// not forever.
import { describe, expect, it } from "vitest";
import { createDispatcher, MAX_QUEUED_PER_NOTIFIER } from "../../src/notify/dispatcher.js";
import { newNotification, type Notification, type NotificationType } from "../../src/notify/notification.js";
import type { Notifier } from "../../src/notify/notifier.js";
import { captureLog } from "../support/recording.js";

interface ScriptedNotifier extends Notifier {
  sent: string[];
  /** Lets one held send complete (the oldest waiting, or the next to come). */
  release(): void;
}

/** A notifier whose sends wait for release() (or for an abort), or fail at once when `fails`. */
function scripted(name: string, options: { wants?: NotificationType[]; fails?: boolean; holds?: boolean } = {}): ScriptedNotifier {
  const held: Array<() => void> = [];
  let permits = 0;
  const notifier: ScriptedNotifier = {
    name,
    sent: [],
    wants: (event) => options.wants?.includes(event) ?? true,
    async send(notification, signal) {
      if (options.fails) throw new Error(`${name} is down`);
      if (options.holds && permits > 0) permits--;
      else if (options.holds) {
        await new Promise<void>((resolve, reject) => {
          held.push(resolve);
          const abandon = () => {
            held.splice(held.indexOf(resolve), 1);
            reject(new Error("abandoned"));
          };
          signal.addEventListener("abort", abandon, { once: true });
        });
      }
      notifier.sent.push(`${notification.event}:${notification.keyId}`);
    },
    release() {
      const next = held.shift();
      if (next) next();
      else permits++;
    },
  };
  return notifier;
}

const at = new Date("2030-01-01T00:00:00Z");
const note = (event: NotificationType, keyId = "k1"): Notification => newNotification(event, keyId, "rot-1", at, {});

describe("notification dispatcher", () => {
  it("returns from publish at once while the notifier is still sending", async () => {
    const slow = scripted("slow", { holds: true });
    const dispatcher = createDispatcher([slow], { log: captureLog().log });

    dispatcher.publish(note("started"));
    dispatcher.publish(note("succeeded"));

    expect(slow.sent).toEqual([]);
    slow.release();
    slow.release();
    await dispatcher.flush();
    expect(slow.sent).toEqual(["started:k1", "succeeded:k1"]);
  });

  it("delivers each notifier's notifications in order, only the events it wants", async () => {
    const all = scripted("all");
    const failures = scripted("failures", { wants: ["failed", "rolled-back"] });
    const dispatcher = createDispatcher([all, failures], { log: captureLog().log });

    for (const event of ["started", "rolled-back", "started", "succeeded", "failed"] as const) dispatcher.publish(note(event));
    await dispatcher.flush();

    expect(all.sent).toEqual(["started:k1", "rolled-back:k1", "started:k1", "succeeded:k1", "failed:k1"]);
    expect(failures.sent).toEqual(["rolled-back:k1", "failed:k1"]);
  });

  it("logs a notification that cannot be delivered and goes on with the next, and with other notifiers", async () => {
    const down = scripted("webhook down.example", { fails: true });
    const up = scripted("webhook up.example");
    const logs = captureLog();
    const dispatcher = createDispatcher([down, up], { log: logs.log });

    dispatcher.publish(note("started"));
    dispatcher.publish(note("succeeded"));
    await dispatcher.flush();

    expect(up.sent).toEqual(["started:k1", "succeeded:k1"]);
    const warnings = logs.records().filter((r) => r.level === 40);
    expect(warnings.map((r) => [r.msg, r.notifier, r.event, r.err])).toEqual([
      ["notification not delivered", "webhook down.example", "started", "webhook down.example is down"],
      ["notification not delivered", "webhook down.example", "succeeded", "webhook down.example is down"],
    ]);
  });

  it("gives up on what is still pending when the flush timeout passes, and logs it", async () => {
    const stuck = scripted("stuck", { holds: true });
    const logs = captureLog();
    const dispatcher = createDispatcher([stuck], { log: logs.log, flushTimeoutMs: 50 });
    dispatcher.publish(note("started"));
    dispatcher.publish(note("succeeded"));

    const started = Date.now();
    await dispatcher.flush();

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(stuck.sent).toEqual([]);
    const warnings = logs.records().filter((r) => r.level === 40);
    expect(warnings.map((r) => r.msg)).toEqual([
      "notifications still pending at exit: abandoning them",
      "notification not delivered",
      "notification not delivered",
    ]);
    expect(warnings[0]?.pending).toBe(2);
  });

  it("still delivers what is published after a flush gave up", async () => {
    const stuck = scripted("stuck", { holds: true });
    const dispatcher = createDispatcher([stuck], { log: captureLog().log, flushTimeoutMs: 20 });
    dispatcher.publish(note("started"));
    await dispatcher.flush();

    dispatcher.publish(note("succeeded"));
    stuck.release();
    await dispatcher.flush();

    expect(stuck.sent).toEqual(["succeeded:k1"]);
  });

  it("drops, and logs, what a dead notifier cannot take any more", async () => {
    const stuck = scripted("stuck", { holds: true });
    const logs = captureLog();
    const dispatcher = createDispatcher([stuck], { log: logs.log, flushTimeoutMs: 20 });

    for (let i = 0; i < MAX_QUEUED_PER_NOTIFIER + 3; i++) dispatcher.publish(note("started", `k${i}`));
    await dispatcher.flush();

    const dropped = logs.records().filter((r) => r.msg === "notification dropped: too many waiting for this notifier");
    expect(dropped.map((r) => r.keyId)).toEqual([`k${MAX_QUEUED_PER_NOTIFIER}`, `k${MAX_QUEUED_PER_NOTIFIER + 1}`, `k${MAX_QUEUED_PER_NOTIFIER + 2}`]);
  });
});
