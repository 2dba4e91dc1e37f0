// A cross-process mutex over the state file, for each read-modify-write: proper-lockfile's lock
// directory (`<file>.lock`, created with mkdir, which is atomic), kept fresh while held. A holder that
// dies without releasing it (kill -9) leaves a lock that goes stale after `staleMs`, so a waiter that
// waits longer than that always gets through. Within one process, callers queue up first, so they do
// not spin against each other on the lock directory.
import { setTimeout as sleep } from "node:timers/promises";
import lockfile from "proper-lockfile";
import { RotatorError, TransientError } from "../core/errors.js";
import { serializedBy } from "../fs/atomic-file.js";
import { stateFileError } from "./state-file.js";

export interface MutexOptions {
  /** A lock not refreshed for this long belongs to a dead process and is broken (min 2000). */
  staleMs: number;
  /** How long to wait for the lock before giving up with a retryable error. */
  waitMs: number;
}

export const DEFAULT_MUTEX: MutexOptions = { staleMs: 5_000, waitMs: 15_000 };

async function acquire(path: string, options: MutexOptions, onCompromised: (error: Error) => void) {
  const deadline = Date.now() + options.waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await lockfile.lock(path, {
        lockfilePath: `${path}.lock`,
        realpath: false,
        stale: options.staleMs,
        retries: 0,
        onCompromised,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw stateFileError(error, "lock", path);
      if (Date.now() >= deadline) {
        throw new TransientError(
          `state file ${path} stayed locked by another process for ${options.waitMs} ms (${path}.lock); ` +
            `a lock left by a dead process is broken after ${options.staleMs} ms`,
          { cause: error },
        );
      }
      // Backoff with jitter: 5 ms, growing to at most 200 ms between tries.
      await sleep(Math.round(Math.min(200, 5 * 1.5 ** attempt) * (0.5 + Math.random() / 2)));
    }
  }
}

/**
 * Runs `task` holding the file's lock. `task` calls `stillHeld()` right before it commits: that
 * throws if the lock was lost meanwhile (a stall longer than `staleMs` let another process break it).
 */
export async function withFileMutex<T>(
  path: string,
  options: MutexOptions,
  task: (stillHeld: () => void) => Promise<T>,
): Promise<T> {
  return serializedBy(path, async () => {
    let lost: Error | undefined;
    const release = await acquire(path, options, (error) => {
      lost = error;
    });
    const stillHeld = () => {
      if (lost) {
        throw new RotatorError("STATE_LOCK_LOST", `lost the lock on state file ${path}: ${lost.message}`, {
          cause: lost,
          retryable: true,
        });
      }
    };
    try {
      return await task(stillHeld);
    } finally {
      if (!lost) await release().catch(() => undefined);
    }
  });
}
