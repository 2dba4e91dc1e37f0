// Time as a dependency, so schedules, grace periods and backoff can run on a fake clock in tests.
import { setTimeout as sleepTimer } from "node:timers/promises";

export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) => sleepTimer(ms, undefined, signal ? { signal } : undefined),
};
