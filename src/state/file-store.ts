// The default state store: one JSON file on a local disk or a volume (`.key-rotator/state.json`).
// Every change is a read-modify-write under a cross-process mutex on the file, committed by an atomic
// rename, so several processes on one machine (say the daemon and a CLI run) never lose an update.
// Reads take no mutex: a rename makes every read see a whole file.
//
// Per-key locks have a lease. A lock is free when nobody holds it, when its lease has expired, or when
// its holder ran on this host and its process is gone (kill -9): the next run here takes it over at
// once instead of waiting for the lease. A holder on another host is waited out until its lease ends.
import { hostname } from "node:os";
import { resolve } from "node:path";
import { systemClock, type Clock } from "../core/clock.js";
import { LockHeldError, StateConflictError } from "../core/errors.js";
import type { HistoryEntry, KeyRecord } from "../core/journal.js";
import type { Lock, LockOwner, StateStore, StoredRecord } from "../core/state-store.js";
import { processExists } from "../fs/atomic-file.js";
import { DEFAULT_MUTEX, type MutexOptions, withFileMutex } from "./file-mutex.js";
import { ensureStateDirectory, type LockEntry, readState, type StateFile, writeState } from "./state-file.js";

export const DEFAULT_STATE_PATH = ".key-rotator/state.json";

export interface FileStateStoreOptions {
  /** The state file; default `.key-rotator/state.json`, relative to the working directory. */
  path?: string;
  clock?: Clock;
  /** The cross-process mutex around each change; defaults suit every real use. */
  mutex?: Partial<MutexOptions>;
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */

function describeHolder(lock: LockEntry): string {
  return `${lock.ownerId} on ${lock.host} pid ${lock.pid} until ${lock.expiresAt}`;
}

interface Change<T> {
  result: T;
  /** False when nothing changed: the file is not rewritten. */
  changed: boolean;
}

export class FileStateStore implements StateStore {
  /** Absolute path of the state file. */
  readonly path: string;
  readonly #clock: Clock;
  readonly #mutex: MutexOptions;
  readonly #host = hostname();

  constructor(options: FileStateStoreOptions = {}) {
    this.path = resolve(options.path ?? DEFAULT_STATE_PATH);
    this.#clock = options.clock ?? systemClock;
    this.#mutex = { ...DEFAULT_MUTEX, ...options.mutex };
  }

  async load(keyId: string): Promise<StoredRecord | undefined> {
    const entry = (await readState(this.path)).keys[keyId];
    return entry && { record: entry.record, version: entry.version };
  }

  async save(keyId: string, record: KeyRecord, expectedVersion: number): Promise<number> {
    return this.#change((state) => {
      const current = state.keys[keyId]?.version ?? 0;
      if (current !== expectedVersion) throw new StateConflictError(keyId);
      const version = current + 1;
      state.keys[keyId] = { version, record };
      return { result: version, changed: true };
    });
  }

  async acquireLock(keyId: string, owner: LockOwner, leaseMs: number): Promise<Lock | undefined> {
    const taken = await this.#change((state) => {
      const held = state.locks[keyId];
      if (held && held.ownerId !== owner.id && !this.#isFree(held)) return { result: false, changed: false };
      const now = this.#clock.now();
      state.locks[keyId] = {
        ownerId: owner.id,
        host: owner.host,
        pid: owner.pid,
        acquiredAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + leaseMs).toISOString(),
      };
      return { result: true, changed: true };
    });
    if (!taken) return undefined;
    return {
      keyId,
      renew: () => this.#renew(keyId, owner, leaseMs),
      release: () => this.#release(keyId, owner),
    };
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    await this.#change((state) => {
      state.history.push(entry);
      return { result: undefined, changed: true };
    });
  }

  async listHistory(keyId?: string): Promise<HistoryEntry[]> {
    const { history } = await readState(this.path);
    return keyId === undefined ? history : history.filter((entry) => entry.keyId === keyId);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  #isFree(lock: LockEntry): boolean {
    if (Date.parse(lock.expiresAt) <= this.#clock.now().getTime()) return true;
    return lock.host === this.#host && lock.pid !== process.pid && !processExists(lock.pid);
  }

  async #renew(keyId: string, owner: LockOwner, leaseMs: number): Promise<void> {
    await this.#change((state) => {
      const held = state.locks[keyId];
      // Ours, even past its lease, as long as nobody took it over: then extending it is safe.
      if (held?.ownerId !== owner.id) throw new LockHeldError(keyId, held && describeHolder(held));
      held.expiresAt = new Date(this.#clock.now().getTime() + leaseMs).toISOString();
      return { result: undefined, changed: true };
    });
  }

  async #release(keyId: string, owner: LockOwner): Promise<void> {
    await this.#change((state) => {
      if (state.locks[keyId]?.ownerId !== owner.id) return { result: undefined, changed: false };
      delete state.locks[keyId];
      return { result: undefined, changed: true };
    });
  }

  /** Read-modify-write under the file's mutex; a state file that cannot be parsed is never written. */
  async #change<T>(apply: (state: StateFile) => Change<T>): Promise<T> {
    await ensureStateDirectory(this.path);
    return withFileMutex(this.path, this.#mutex, async (stillHeld) => {
      const state = await readState(this.path);
      const { result, changed } = apply(state);
      if (changed) {
        stillHeld();
        await writeState(this.path, state);
      }
      return result;
    });
  }
}

/** Opens the store and reads its file once, so a corrupt or unreadable file fails at start-up. */
export async function openFileStateStore(options: FileStateStoreOptions = {}): Promise<FileStateStore> {
  const store = new FileStateStore(options);
  await readState(store.path);
  return store;
}
