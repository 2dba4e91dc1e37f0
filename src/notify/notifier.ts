// The notifier boundary: something that delivers a notification to people or systems outside. The
// dispatcher (dispatcher.ts) queues for it, so a notifier may take its time and may fail: neither
// reaches the rotation.
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { Notification, NotificationType } from "./notification.js";

export interface Notifier {
  /** For logs: the type and host, never a full URL (a webhook URL may carry a token). */
  readonly name: string;
  wants(event: NotificationType): boolean;
  /**
   * Delivers one notification, retrying what may pass (5xx, 429, network). Throws when it gives up.
   * `signal` aborts at once: the process is exiting.
   */
  send(notification: Notification, signal: AbortSignal): Promise<void>;
}

export interface NotifierContext {
  clock: Clock;
  log: Logger;
}
