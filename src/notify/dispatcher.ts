// Between the engine and the notifiers: publish() queues a notification and returns at once, so a
// slow or dead endpoint never holds up a rotation; each notifier's queue is delivered in order in the
// background; a notification that cannot be delivered is logged (warn) and dropped. flush() lets an
// entry point wait for what is pending before it exits, for a bounded time.
import type { Logger } from "pino";
import type { Notification } from "./notification.js";
import type { Notifier } from "./notifier.js";

/** At exit, wait at most this long for pending notifications; what is left is logged and dropped. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 10_000;
/** A dead endpoint must not grow memory without bound in a long-lived daemon. */
export const MAX_QUEUED_PER_NOTIFIER = 100;

export interface DispatcherOptions {
  log: Logger;
  flushTimeoutMs?: number;
}

export interface NotificationDispatcher {
  /** Queues for every notifier that wants this event. Never throws, never waits. */
  publish(notification: Notification): void;
  /** Resolves when everything queued so far is delivered or given up, or after the flush timeout. */
  flush(): Promise<void>;
}

interface Queue {
  notifier: Notifier;
  /** Settles when the last queued delivery has. */
  tail: Promise<void>;
  queued: number;
}

export function createDispatcher(notifiers: readonly Notifier[], options: DispatcherOptions): NotificationDispatcher {
  const { log } = options;
  const queues: Queue[] = notifiers.map((notifier) => ({ notifier, tail: Promise.resolve(), queued: 0 }));
  let abort = new AbortController();

  const fields = (queue: Queue, notification: Notification) => ({
    notifier: queue.notifier.name,
    notificationId: notification.id,
    event: notification.event,
    keyId: notification.keyId,
    rotationId: notification.rotationId,
  });

  async function deliver(queue: Queue, notification: Notification, signal: AbortSignal): Promise<void> {
    try {
      if (signal.aborted) throw new Error("abandoned: the process is exiting");
      await queue.notifier.send(notification, signal);
      log.debug(fields(queue, notification), "notification delivered");
    } catch (error) {
      log.warn({ ...fields(queue, notification), err: error instanceof Error ? error.message : String(error) }, "notification not delivered");
    } finally {
      queue.queued--;
    }
  }

  function publish(notification: Notification): void {
    for (const queue of queues) {
      if (!queue.notifier.wants(notification.event)) continue;
      if (queue.queued >= MAX_QUEUED_PER_NOTIFIER) {
        log.warn({ ...fields(queue, notification), queued: queue.queued }, "notification dropped: too many waiting for this notifier");
        continue;
      }
      queue.queued++;
      const signal = abort.signal;
      queue.tail = queue.tail.then(() => deliver(queue, notification, signal));
    }
  }

  async function drain(): Promise<void> {
    await Promise.all(queues.map((q) => q.tail));
  }

  return {
    publish,
    async flush() {
      const timeoutMs = options.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
        timer.unref();
      });
      const drained = drain();
      const result = await Promise.race([drained.then(() => "drained" as const), timedOut]);
      clearTimeout(timer);
      if (result === "drained") return;
      const pending = queues.reduce((n, q) => n + q.queued, 0);
      log.warn({ pending, flushTimeoutMs: timeoutMs }, "notifications still pending at exit: abandoning them");
      abort.abort();
      abort = new AbortController();
      await drained;
    },
  };
}
