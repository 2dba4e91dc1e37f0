// Test doubles for time and logs: a clock whose sleep returns at once but advances time and records
// the wait (share it with a fake server so its rate windows move too), and a pino logger whose every
// line is kept for assertions and leak scans.
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";

export interface RecordingClock extends Clock {
  /** Every wait asked of sleep(), in order, in milliseconds. */
  readonly sleeps: number[];
  advance(ms: number): void;
}

export function recordingClock(start = new Date("2030-01-01T00:00:10.000Z")): RecordingClock {
  let nowMs = start.getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(nowMs),
    advance(ms) {
      nowMs += ms;
    },
    async sleep(ms) {
      sleeps.push(ms);
      nowMs += Math.max(0, ms);
      await Promise.resolve();
    },
  };
}

export interface CapturedLog {
  log: Logger;
  /** Every line written so far, as text. */
  readonly lines: string[];
  /** The lines, parsed. */
  records(): Array<Record<string, unknown>>;
}

export function captureLog(level: pino.Level = "debug"): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
      callback();
    },
  });
  return {
    log: pino({ level }, stream),
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
