// Rate-limit windows and fault injection of the fake MGA server (see fake.ts).
import type { MgaEndpoint, RateClass } from "./endpoints.js";

export interface RateWindow {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitOptions {
  /** Chat endpoints; MGA documents 100 requests/minute. */
  chat?: RateWindow;
  /** Data endpoints (the key endpoints); MGA documents 1000 requests/hour. */
  data?: RateWindow;
  /** Send `Retry-After` with a 429 (default true); false leaves only `X-RateLimit-Reset`. */
  retryAfter?: boolean;
}

export const DEFAULT_RATE_WINDOWS: Record<RateClass, RateWindow> = {
  chat: { limit: 100, windowMs: 60_000 },
  data: { limit: 1000, windowMs: 3_600_000 },
};

export interface RateDecision {
  limited: boolean;
  headers: Record<string, string>;
  /** Whole seconds until the window resets, at least 1: the 429's Retry-After. */
  retryAfterSeconds: number;
}

/**
 * Fixed windows aligned to multiples of `windowMs` since the epoch, one per rate class, shared by all
 * keys of the account (the conservative reading of MGA's docs: a fleet shares the limit).
 */
export class RateLimiter {
  readonly #windows: Record<RateClass, RateWindow>;
  readonly #used = new Map<RateClass, { start: number; count: number }>();

  constructor(options: RateLimitOptions = {}) {
    this.#windows = {
      chat: options.chat ?? DEFAULT_RATE_WINDOWS.chat,
      data: options.data ?? DEFAULT_RATE_WINDOWS.data,
    };
  }

  /** Counts one request against its class's window, at time `nowMs`. */
  take(rateClass: RateClass, nowMs: number): RateDecision {
    const { limit, windowMs } = this.#windows[rateClass];
    const start = Math.floor(nowMs / windowMs) * windowMs;
    const used = this.#used.get(rateClass);
    const current = used && used.start === start ? used : { start, count: 0 };
    const limited = current.count >= limit;
    if (!limited) current.count++;
    this.#used.set(rateClass, current);
    const resetMs = start + windowMs;
    return {
      limited,
      retryAfterSeconds: Math.max(1, Math.ceil((resetMs - nowMs) / 1000)),
      headers: {
        "X-RateLimit-Limit": String(limit),
        "X-RateLimit-Remaining": String(Math.max(0, limit - current.count)),
        "X-RateLimit-Reset": String(Math.ceil(resetMs / 1000)),
      },
    };
  }
}

export interface FaultSpec {
  /** Answer with this status (and `body`, else the error envelope of the status). */
  status?: number;
  /** Wait this long (real time) before answering, or before handling normally when no status/body. */
  latencyMs?: number;
  /** Never answer (until close()). */
  hang?: boolean;
  /** Handle the request normally (its side effects happen), then drop the connection unanswered. */
  dropResponse?: boolean;
  /** How many requests the fault applies to; unlimited when absent. */
  times?: number;
  /** Raw response body: a string is sent as is (malformed responses), anything else as JSON. */
  body?: unknown;
  /** Extra or replaced response headers; null removes one (e.g. `{ "Retry-After": null }`). */
  headers?: Record<string, string | null>;
}

export class FaultTable {
  readonly #faults = new Map<MgaEndpoint, FaultSpec[]>();

  add(endpoint: MgaEndpoint, fault: FaultSpec): void {
    if (fault.times !== undefined && fault.times < 1) throw new Error("fault times must be at least 1");
    const list = this.#faults.get(endpoint) ?? [];
    list.push({ ...fault });
    this.#faults.set(endpoint, list);
  }

  clear(): void {
    this.#faults.clear();
  }

  /** The fault that applies to this request, if any, consuming one of its `times`. First added first. */
  take(endpoint: MgaEndpoint): FaultSpec | undefined {
    const list = this.#faults.get(endpoint);
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    if (fault.times !== undefined && --fault.times === 0) list.shift();
    return fault;
  }
}
