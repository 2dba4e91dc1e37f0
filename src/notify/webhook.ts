// The webhook notifier: POSTs each notification as JSON, signed with HMAC-SHA256 when a secret is
// set. 5xx, 408, 429 and network failures are retried with bounded backoff; any other answer is
// final. Redirects are not followed: a POST turned into a GET would be lost silently.
import { RotatorError, ThrottledError, TransientError } from "../core/errors.js";
import { withRetry, type RetryPolicy } from "../core/retry.js";
import type { Clock } from "../core/clock.js";
import { parseDuration } from "../config/duration.js";
import { payloadOf, type Notification } from "./notification.js";
import type { Notifier, NotifierContext } from "./notifier.js";
import type { WebhookNotifierConfig } from "./schema.js";
import { SIGNATURE_HEADER, signatureOf, TIMESTAMP_HEADER } from "./signature.js";

/** Three tries over a few seconds: enough for a restart or a blip, short enough for an exiting CLI. */
export const WEBHOOK_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 5_000, maxHintMs: 30_000 };

export interface WebhookOptions extends NotifierContext {
  retry?: RetryPolicy;
  random?: () => number;
}

export function createWebhookNotifier(config: WebhookNotifierConfig, options: WebhookOptions): Notifier {
  const name = `webhook ${new URL(config.url).host}`;
  const wanted = new Set<string>(config.events);
  const post = poster(config, name, options.clock);
  return {
    name,
    wants: (event) => wanted.has(event),
    async send(notification: Notification, signal: AbortSignal) {
      // Serialised once: every retry sends, and signs, the same bytes.
      const body = JSON.stringify(payloadOf(notification));
      const clock: Clock = { now: () => options.clock.now(), sleep: (ms) => options.clock.sleep(ms, signal) };
      await withRetry(() => post(body, signal), options.retry ?? WEBHOOK_RETRY, {
        clock,
        ...(options.random ? { random: options.random } : {}),
        onRetry: ({ attempt, delayMs, error }) =>
          options.log.debug({ notifier: name, notificationId: notification.id, attempt, delayMs, err: error.message }, "notification attempt failed; retrying"),
      }).catch((error: unknown) => {
        // An abort during a backoff wait surfaces as the timer's AbortError.
        if (signal.aborted && !(error instanceof RotatorError)) throw new RotatorError("NOTIFY_ABANDONED", `${name}: abandoned`, { cause: error });
        throw error;
      });
    },
  };
}

function poster(config: WebhookNotifierConfig, name: string, clock: Clock) {
  const timeoutMs = parseDuration(config.timeout);
  return async (body: string, signal: AbortSignal): Promise<void> => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "key-rotator",
      [TIMESTAMP_HEADER]: String(Math.floor(clock.now().getTime() / 1000)),
    };
    if (config.secret) headers[SIGNATURE_HEADER] = signatureOf(config.secret, body);
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(config.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.any([signal, timeout]) });
    } catch (error) {
      if (signal.aborted) throw new RotatorError("NOTIFY_ABANDONED", `${name}: abandoned`, { cause: error });
      if (timeout.aborted) throw new TransientError(`${name}: no answer within ${config.timeout}`, { cause: error });
      throw new TransientError(`${name}: ${networkDetail(error)}`, { cause: error });
    }
    // Nothing in the answer is used: release the connection.
    await response.body?.cancel().catch(() => undefined);
    const { status } = response;
    if (status >= 200 && status < 300) return;
    if (status === 429) throw new ThrottledError(`${name}: answered 429`, { retryAfterMs: retryAfterMs(response.headers, clock.now()) });
    if (status >= 500 || status === 408) throw new TransientError(`${name}: answered ${status}`);
    const hint = status >= 300 && status < 400 ? " (a redirect: redirects are not followed; configure the final URL)" : "";
    throw new RotatorError("NOTIFY_REJECTED", `${name}: answered ${status}${hint}`);
  };
}

/** fetch's "fetch failed" says nothing: the cause has the code (ECONNREFUSED…). */
function networkDetail(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return `network error ${cause.code}`;
  return `network error: ${error instanceof Error ? error.message : String(error)}`;
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now: Date): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
