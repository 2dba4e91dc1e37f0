// Notifications, assembled for the runtime: the configured notifiers behind one dispatcher, and an
// event sink that queues and returns at once. With no notifiers, nothing is queued.
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { EventSink } from "../core/events.js";
import { createDispatcher } from "./dispatcher.js";
import { notificationOf } from "./notification.js";
import { createNotifier } from "./registry.js";
import type { NotifierConfig } from "./schema.js";

export interface NotificationsOptions {
  clock: Clock;
  log: Logger;
  /** Default DEFAULT_FLUSH_TIMEOUT_MS. */
  flushTimeoutMs?: number;
}

export interface Notifications {
  /** Never throws, never waits: notifications are queued and sent in the background. */
  events: EventSink;
  /** Waits (bounded) for pending notifications; call before the process exits. */
  flush(): Promise<void>;
}

export function openNotifications(configs: readonly NotifierConfig[], options: NotificationsOptions): Notifications {
  if (configs.length === 0) return { events: () => undefined, flush: () => Promise.resolve() };
  const { clock, log } = options;
  const notifiers = configs.map((config) => createNotifier(config, { clock, log }));
  const dispatcher = createDispatcher(notifiers, { log, ...(options.flushTimeoutMs === undefined ? {} : { flushTimeoutMs: options.flushTimeoutMs }) });
  return {
    events(event) {
      try {
        const notification = notificationOf(event, clock.now());
        if (notification) dispatcher.publish(notification);
      } catch (error) {
        // Unreachable by design; a notification is never worth failing a rotation for.
        log.warn({ keyId: event.keyId, err: error instanceof Error ? error.message : String(error) }, "could not queue a notification");
      }
    },
    flush: () => dispatcher.flush(),
  };
}

export { verifySignature, signatureOf, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./signature.js";
export type { Notification, NotificationPayload, NotificationType } from "./notification.js";
