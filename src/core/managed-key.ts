// A managed key as the engine sees it: config resolved into numbers and live destinations, and the
// scheduling math (due dates with a deterministic per-key jitter).
import { createHash } from "node:crypto";
import type { Destination } from "./destination.js";
import type { Permission } from "./issuer.js";
import type { KeyRecord } from "./journal.js";

export interface ManagedKey {
  id: string;
  name: string;
  permission: Permission;
  rotateEveryMs: number;
  revokeAfterMs: number;
  /** Window of deterministic jitter added to the due date (0: none). */
  jitterMs: number;
  currentKeyId?: string;
  /** Postpone revoking while MGA shows the old key still in use after the switch. */
  revokeOnlyIfUnused: boolean;
  verify: { botId: string; message?: string };
  destinations: Destination[];
}

/** Same key id, same offset, on every host and every run: a fleet spreads out, a key never drifts. */
export function jitterOf(keyId: string, windowMs: number): number {
  if (windowMs <= 0) return 0;
  const hash = createHash("sha256").update(keyId).digest();
  return hash.readUInt32BE(0) % windowMs;
}

/** When the key is next due; undefined when it was never rotated by key-rotator (due now). */
export function nextDueAt(key: ManagedKey, record: KeyRecord | undefined): Date | undefined {
  if (!record?.lastRotatedAt) return undefined;
  return new Date(Date.parse(record.lastRotatedAt) + key.rotateEveryMs + jitterOf(key.id, key.jitterMs));
}

export function isDue(key: ManagedKey, record: KeyRecord | undefined, now: Date): boolean {
  const due = nextDueAt(key, record);
  return due === undefined || due.getTime() <= now.getTime();
}
