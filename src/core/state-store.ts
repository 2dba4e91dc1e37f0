// The state store boundary: records with compare-and-set, per-key locks with a lease, and history.
// Implementations: the local file store (src/state/file-store.ts) and DynamoDB.
import type { HistoryEntry, KeyRecord } from "./journal.js";

export interface StoredRecord {
  record: KeyRecord;
  /** Monotonic; 0 means "no record yet" when passed as the expected version. */
  version: number;
}

export interface LockOwner {
  /** Unique per run: host, pid and a random suffix. */
  id: string;
  host: string;
  pid: number;
}

export interface Lock {
  readonly keyId: string;
  /** Extends the lease; throws LockHeldError if another run took it over meanwhile. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export interface StateStore {
  load(keyId: string): Promise<StoredRecord | undefined>;
  /** Writes durably if the stored version is `expectedVersion`; returns the new version. */
  save(keyId: string, record: KeyRecord, expectedVersion: number): Promise<number>;
  /** Takes the key's lock unless another live run holds an unexpired lease: then undefined. */
  acquireLock(keyId: string, owner: LockOwner, leaseMs: number): Promise<Lock | undefined>;
  appendHistory(entry: HistoryEntry): Promise<void>;
  /** Oldest first. */
  listHistory(keyId?: string): Promise<HistoryEntry[]>;
  close(): Promise<void>;
}
