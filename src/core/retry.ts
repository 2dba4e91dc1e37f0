// Bounded retries for calls to outside services: honour the service's wait hint when it gives one
// (429 Retry-After / X-RateLimit-Reset), otherwise exponential backoff with full jitter. Only errors
// marked retryable are retried; everything else surfaces at once.
import type { Clock } from "./clock.js";
import { RotatorError, ThrottledError } from "./errors.js";

export interface RetryPolicy {
  /** Total tries, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A service hint longer than this is not waited for: the error surfaces instead. */
  maxHintMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxHintMs: 120_000,
};

export interface RetryHooks {
  clock: Clock;
  /** Called before each wait; for logging. */
  onRetry?: (info: { attempt: number; delayMs: number; error: RotatorError }) => void;
  random?: () => number;
}

export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * random());
}

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  const random = hooks.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(error instanceof RotatorError) || !error.retryable || attempt >= policy.attempts) throw error;
      const hint = error instanceof ThrottledError ? error.retryAfterMs : undefined;
      if (hint !== undefined && hint > policy.maxHintMs) throw error;
      const delayMs = hint ?? backoffDelay(attempt, policy, random);
      hooks.onRetry?.({ attempt, delayMs, error });
      await hooks.clock.sleep(delayMs);
    }
  }
}
