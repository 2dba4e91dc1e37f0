// Durable progress of one managed key: every change to its record is saved (compare-and-set) before
// the next side effect, bracketed by failpoints so tests can crash on either side of each write.
// Saves are chained, so destinations working in parallel never race on the record.
import { LockHeldError } from "./errors.js";
import type { Failpoints } from "./failpoints.js";
import type { Journal, KeyRecord } from "./journal.js";
import type { StateStore, StoredRecord } from "./state-store.js";

export class JournalWriter {
  record: KeyRecord;
  #version: number;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StateStore,
    readonly keyId: string,
    stored: StoredRecord | undefined,
    private readonly failpoints: Failpoints,
    /** Set by the lock's keep-alive when another run took the lease over: nothing more may be saved. */
    private readonly lease: { lost: boolean } = { lost: false },
  ) {
    this.record = stored ? structuredClone(stored.record) : {};
    this.#version = stored?.version ?? 0;
  }

  get rotation(): Journal {
    if (!this.record.rotation) throw new Error(`key "${this.keyId}" has no rotation in flight`);
    return this.record.rotation;
  }

  /** Applies `change` and saves it; the label names the journal point for failpoints. */
  commit(label: string, change: (record: KeyRecord) => void): Promise<void> {
    const next = this.#chain.then(async () => {
      if (this.lease.lost) throw new LockHeldError(this.keyId, "this run's lease was lost before it could save");
      this.failpoints.hit(`before:${label}`);
      change(this.record);
      this.#version = await this.store.save(this.keyId, this.record, this.#version);
      this.failpoints.hit(`after:${label}`);
    });
    // A failed save stops the chain for later commits too: they must not write over a lost race.
    this.#chain = next;
    return next;
  }
}

/** Every journal label the engine commits, in the order a rotation meets them (tests crash at each). */
export const JOURNAL_POINTS = [
  "creating",
  "created",
  "dest-writing",
  "dest-written",
  "dest-activated",
  "dest-confirmed",
  "deployed",
  "verified",
  "revoking",
  "revoked-one",
  "done",
] as const;

/** Journal labels met only on the way back from a failure. */
export const ROLLBACK_POINTS = ["rolling-back", "dest-restoring", "dest-restored", "rolled-back", "rollback-incomplete"] as const;

/** Journal labels of a rotation that stops before it starts, or restarts after an early crash. */
export const OTHER_POINTS = ["refused", "abandoned", "revoke-postponed"] as const;
