// The DynamoDB state store's items. One table (single-table design), string partition key `pk` and
// string sort key `sk`, no secondary index:
//
//   item            pk                sk                                    other attributes
//   record          key#<keyId>       record                                version N, record S (KeyRecord as JSON), updatedAt S
//   lock            key#<keyId>       lock                                  ownerId S, host S, pid N, acquiredAt S,
//                                                                           expiresAt N (epoch ms), ttl N (epoch s)
//   history entry   history#<keyId>   <finishedAt>#<rotationId>#<outcome>   entry S (HistoryEntry as JSON)
//   history index   history-keys      <keyId>                               (none): one per key that has history
//
// Records and history entries are stored as JSON strings, not maps: the store never looks inside
// them, a JSON string round-trips the engine's shapes exactly (no marshalling of undefined fields,
// empty maps or number precision), and a field the engine adds later needs no change here. They hold
// ids, prefixes, fingerprints and sealed values only, never a key's value (invariant 6).
//
// `ttl` is for DynamoDB TTL (enable it on the attribute `ttl`): it sweeps lock items left by runs
// that crashed. It lies a day past the lease, because a lease that ended is still its owner's to
// renew until another run takes it over. Locks never depend on TTL: `expiresAt` decides. History
// items get no `ttl`: they are the audit trail, one small item per rotation.
//
// Listing every key's history without a GSI or a Scan: each key with history has an index item in
// the one partition `history-keys`, written (idempotently) before its first entry. listHistory()
// queries that partition, then each key's history partition, and merges them by sort key. That is
// 1 + (number of keys) queries, each small: history grows by one item per rotation. A Scan would
// read every record and lock too and need dynamodb:Scan; a duplicate "all history" item would need a
// transaction to stay in step with the per-key one.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { RotatorError } from "../core/errors.js";
import type { HistoryEntry, KeyRecord } from "../core/journal.js";
import type { LockOwner, StoredRecord } from "../core/state-store.js";

export type Item = Record<string, AttributeValue>;

export const RECORD_SK = "record";
export const LOCK_SK = "lock";
export const HISTORY_INDEX_PK = "history-keys";
/** How long after its lease a lock item may be swept by DynamoDB TTL. */
export const LOCK_TTL_MARGIN_SECONDS = 86_400;

export const stringValue = (value: string): AttributeValue => ({ S: value });
export const numberValue = (value: number): AttributeValue => ({ N: String(value) });
const s = stringValue;
const n = numberValue;

export const recordKey = (keyId: string): Item => ({ pk: s(`key#${keyId}`), sk: s(RECORD_SK) });
export const lockKey = (keyId: string): Item => ({ pk: s(`key#${keyId}`), sk: s(LOCK_SK) });
export const historyPk = (keyId: string): string => `history#${keyId}`;

export function recordItem(keyId: string, record: KeyRecord, version: number, now: Date): Item {
  return { ...recordKey(keyId), version: n(version), record: s(JSON.stringify(record)), updatedAt: s(now.toISOString()) };
}

export function lockItem(keyId: string, owner: LockOwner, now: Date, leaseMs: number): Item {
  const expiresAt = now.getTime() + leaseMs;
  return {
    ...lockKey(keyId),
    ownerId: s(owner.id),
    host: s(owner.host),
    pid: n(owner.pid),
    acquiredAt: s(now.toISOString()),
    expiresAt: n(expiresAt),
    ttl: n(lockTtl(expiresAt)),
  };
}

/** Epoch seconds after which DynamoDB TTL may delete a lock item whose lease ends at `expiresAt`. */
export const lockTtl = (expiresAt: number): number => Math.ceil(expiresAt / 1000) + LOCK_TTL_MARGIN_SECONDS;

export const historySk = (entry: HistoryEntry): string => `${entry.finishedAt}#${entry.rotationId}#${entry.outcome}`;

export function historyItem(entry: HistoryEntry): Item {
  return { pk: s(historyPk(entry.keyId)), sk: s(historySk(entry)), entry: s(JSON.stringify(entry)) };
}

export const historyIndexItem = (keyId: string): Item => ({ pk: s(HISTORY_INDEX_PK), sk: s(keyId) });

function corrupt(table: string, item: Item, problem: string, cause?: unknown): RotatorError {
  return new RotatorError(
    "STATE_CORRUPT",
    `item pk=${item.pk?.S ?? "?"} sk=${item.sk?.S ?? "?"} in DynamoDB table ${table} ${problem}. It was left untouched; ` +
      `restore it from a backup (point-in-time recovery) or delete it to start that key from empty state`,
    cause === undefined ? {} : { cause },
  );
}

function parseJsonObject<T>(table: string, item: Item, attribute: string): T {
  const text = item[attribute]?.S;
  if (text === undefined) throw corrupt(table, item, `has no string attribute "${attribute}"`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(table, item, `holds invalid JSON in "${attribute}" (${(error as Error).message})`, error);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw corrupt(table, item, `holds no JSON object in "${attribute}"`);
  }
  return value as T;
}

export function parseRecordItem(table: string, item: Item): StoredRecord {
  const version = Number(item.version?.N);
  if (!Number.isSafeInteger(version) || version < 1) throw corrupt(table, item, "has no positive integer version");
  return { record: parseJsonObject<KeyRecord>(table, item, "record"), version };
}

export function parseHistoryItem(table: string, item: Item): HistoryEntry {
  const entry = parseJsonObject<HistoryEntry>(table, item, "entry");
  if (typeof entry.keyId !== "string") throw corrupt(table, item, "holds a history entry with no keyId");
  return entry;
}

/** "<owner> on <host> pid <pid> until <time>", from a lock item DynamoDB returned, for LockHeldError. */
export function describeLockItem(item: Item | undefined): string | undefined {
  if (!item?.ownerId?.S) return undefined;
  const expiresAt = Number(item.expiresAt?.N);
  const until = Number.isFinite(expiresAt) ? new Date(expiresAt).toISOString() : "?";
  return `${item.ownerId.S} on ${item.host?.S ?? "?"} pid ${item.pid?.N ?? "?"} until ${until}`;
}
