// The MGA issuer's transport: one JSON request with a per-request timeout, 429 / 5xx / network
// failures mapped onto retryable errors and retried with bounded backoff, and pacing by the
// `X-RateLimit-*` headers so a fleet slows down before MGA has to say 429. Other statuses are
// returned to the caller, which knows what a 401 or a 404 means for its operation.
import type { Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";
import { RotatorError, ThrottledError, TransientError } from "../../src/core/errors.js";
import { withRetry, type RetryPolicy } from "../../src/core/retry.js";
import type { SecretValue } from "../../src/core/secret.js";
import { MGA_ENDPOINTS, type MgaEndpoint, type RateClass } from "./endpoints.js";
import { errorEnvelopeSchema } from "./schema.js";

export interface MgaHttpOptions {
  baseUrl: string;
  clock: Clock;
  log: Logger;
  retry: RetryPolicy;
  timeoutMs: number;
  fetch: typeof fetch;
  random?: () => number;
}

export interface MgaRequest {
  endpoint: MgaEndpoint;
  /** Path relative to the base URL, placeholders already filled. */
  path: string;
  /** The key that authenticates the call; revealed only into the Authorization header. */
  key: SecretValue;
  query?: Record<string, string>;
  body?: unknown;
  /** Sees every failed attempt, retried or not (create uses it to know a key may exist). */
  onAttemptError?: (error: RotatorError) => void;
}

export interface MgaResponse {
  status: number;
  /** The parsed body; undefined when it is not JSON. */
  json: unknown;
  /** `POST /api/v1/keys`: names the call in messages. Never holds a secret. */
  what: string;
}

/** Replaces any of the given secrets in text that came from outside (server messages). */
export function redact(text: string, secrets: SecretValue[]): string {
  return secrets.reduce((result, secret) => result.split(secret.reveal()).join("[redacted]"), text);
}

/** ` (CODE: message)` from MGA's error envelope, redacted and shortened; "" when there is none. */
export function serverDetail(response: MgaResponse, secrets: SecretValue[]): string {
  const parsed = errorEnvelopeSchema.safeParse(response.json);
  if (!parsed.success) return "";
  const text = redact(`${parsed.data.error.code}: ${parsed.data.error.message}`, secrets);
  return ` (${text.length > 200 ? `${text.slice(0, 200)}…` : text})`;
}

/** The wait a 429 asks for: `Retry-After` (seconds or an HTTP date), else `X-RateLimit-Reset`. */
export function retryAfterMs(headers: Headers, now: Date): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now.getTime());
  }
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now.getTime());
  return undefined;
}

export class MgaHttp {
  readonly #options: MgaHttpOptions;
  readonly #baseUrl: string;
  /** Per rate class: when the window MGA said was used up resets (ms since the epoch). */
  readonly #pausedUntil = new Map<RateClass, number>();

  constructor(options: MgaHttpOptions) {
    this.#options = options;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  /** Sends with bounded retries; answers any status but 429 and 5xx, which throw once retries run out. */
  send(request: MgaRequest): Promise<MgaResponse> {
    const { clock, log, retry, random } = this.#options;
    return withRetry(
      async (attempt) => {
        try {
          return await this.#attempt(request, attempt);
        } catch (error) {
          if (error instanceof RotatorError) request.onAttemptError?.(error);
          throw error;
        }
      },
      retry,
      {
        clock,
        ...(random ? { random } : {}),
        onRetry: ({ attempt, delayMs, error }) =>
          log.warn({ endpoint: request.endpoint, attempt, delayMs, code: error.code }, `retrying: ${error.message}`),
      },
    );
  }

  async #attempt(request: MgaRequest, attempt: number): Promise<MgaResponse> {
    const { method, rateClass } = MGA_ENDPOINTS[request.endpoint];
    await this.#pace(rateClass);
    const url = new URL(this.#baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const what = `${method} ${url.pathname}`;
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await this.#options.fetch(url, {
        method,
        signal,
        headers: {
          Authorization: `Bearer ${request.key.reveal()}`,
          Accept: "application/json",
          "User-Agent": "key-rotator",
          ...(request.body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
      text = await response.text();
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      this.#options.log.debug({ method, path: url.pathname, status: null, durationMs, attempt }, "MGA call failed");
      if (signal.aborted) {
        throw new TransientError(`MGA did not answer ${what} within ${this.#options.timeoutMs} ms`, { cause: error });
      }
      throw new TransientError(`MGA request ${what} failed: ${networkDetail(error)}`, { cause: error });
    }
    const durationMs = Math.round(performance.now() - started);
    this.#options.log.debug({ method, path: url.pathname, status: response.status, durationMs, attempt }, "MGA call");
    this.#notePace(rateClass, response.headers);
    const answer: MgaResponse = { status: response.status, json: parseJson(text), what };
    if (response.status === 429) {
      const hint = retryAfterMs(response.headers, this.#options.clock.now());
      throw new ThrottledError(`MGA rate limit hit on ${what}: 429${serverDetail(answer, [request.key])}`, {
        ...(hint === undefined ? {} : { retryAfterMs: hint }),
      });
    }
    if (response.status >= 500) {
      throw new TransientError(`MGA answered ${what} with ${response.status}${serverDetail(answer, [request.key])}`);
    }
    return answer;
  }

  /** Remembers a used-up window, so the next call in its class waits for the reset instead of a 429. */
  #notePace(rateClass: RateClass, headers: Headers): void {
    const remaining = headers.get("x-ratelimit-remaining")?.trim();
    const reset = headers.get("x-ratelimit-reset")?.trim();
    if (remaining === "0" && reset && /^\d+$/.test(reset)) this.#pausedUntil.set(rateClass, Number(reset) * 1000);
    else if (remaining !== undefined) this.#pausedUntil.delete(rateClass);
  }

  async #pace(rateClass: RateClass): Promise<void> {
    const until = this.#pausedUntil.get(rateClass);
    if (until === undefined) return;
    this.#pausedUntil.delete(rateClass);
    const waitMs = until - this.#options.clock.now().getTime();
    if (waitMs <= 0) return;
    if (waitMs > this.#options.retry.maxHintMs) {
      // Too long to wait here: let MGA answer; a 429 then surfaces with its hint.
      this.#options.log.warn({ rateClass, waitMs }, "MGA rate limit window used up; reset too far away to wait for");
      return;
    }
    this.#options.log.info({ rateClass, waitMs }, "MGA rate limit window used up: waiting for its reset");
    await this.#options.clock.sleep(waitMs);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** undici says "fetch failed" and puts the reason (ECONNREFUSED, socket closed) in `cause`. */
function networkDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return cause ? `${error.message} (${typeof code === "string" ? `${code}: ` : ""}${cause.message})` : error.message;
}
