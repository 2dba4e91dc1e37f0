// Before anything is created: what every destination holds now, and which real keys those values
// are. A rotation that cannot name the key it replaces stops here, having touched nothing.
import type { DestinationValue } from "./destination.js";
import type { Issuer } from "./issuer.js";
import type { KeyRef } from "./journal.js";
import type { ManagedKey } from "./managed-key.js";
import { shortFingerprint } from "./secret.js";

export interface Discovery {
  /** What each destination held, by destination id: kept in memory only, for rollback. */
  snapshots: Map<string, DestinationValue>;
  /** The real keys in use, to revoke once the new one is verified. */
  oldKeys: KeyRef[];
  /** Observations an operator should see in `plan` (different values in different places, …). */
  warnings: string[];
  /** Reasons the rotation cannot start; empty when it can. */
  problems: string[];
}

export function describeValue(value: DestinationValue): string {
  if (value.kind === "value") return `${value.value.prefix(12)}… (${shortFingerprint(value.value.fingerprint)})`;
  return value.kind;
}

export async function discover(key: ManagedKey, issuer: Issuer, keyPath: string): Promise<Discovery> {
  const reads = await Promise.all(key.destinations.map(async (d) => [d, await d.read()] as const));
  const snapshots = new Map(reads.map(([d, value]) => [d.id, value]));
  const warnings: string[] = [];
  const problems: string[] = [];
  const oldKeys: KeyRef[] = [];

  const distinct = new Map<string, { value: DestinationValue & { kind: "value" }; holders: string[] }>();
  for (const [destination, value] of reads) {
    if (value.kind !== "value") continue;
    const entry = distinct.get(value.value.fingerprint) ?? { value, holders: [] };
    entry.holders.push(destination.id);
    distinct.set(value.value.fingerprint, entry);
  }
  if (distinct.size > 1) {
    const list = [...distinct.values()].map((e) => `${describeValue(e.value)} in ${e.holders.join(", ")}`);
    warnings.push(`destinations hold ${distinct.size} different keys: ${list.join("; ")}; each is revoked after verify`);
  }
  for (const { value, holders } of distinct.values()) {
    const found = await issuer.findBySecret(value.value);
    if (found) oldKeys.push({ id: found.id, prefix: found.prefix, fingerprint: value.value.fingerprint });
    else warnings.push(`the value in ${holders.join(", ")} (${describeValue(value)}) matches no active key at the issuer`);
  }
  for (const [destination, value] of reads) {
    if (value.kind === "absent") warnings.push(`${destination.id} holds no value yet; it gets the new key`);
    if (value.kind === "unreadable") warnings.push(`${destination.id} is write-only; rollback writes the old key found elsewhere`);
  }

  if (key.currentKeyId && !oldKeys.some((k) => k.id === key.currentKeyId)) {
    const listed = (await issuer.list()).find((k) => k.id === key.currentKeyId);
    if (!listed || listed.revokedAt) {
      problems.push(`${keyPath}.currentKeyId: "${key.currentKeyId}" is not an active key at the issuer; set it to the id of the key in use`);
    } else {
      oldKeys.push({ id: listed.id, prefix: listed.prefix });
    }
  }
  if (oldKeys.length === 0 && problems.length === 0) {
    problems.push(
      `cannot tell which key "${key.id}" uses now: no destination holds a value that matches an active key by prefix, ` +
        `and ${keyPath}.currentKeyId is not set. Fix: set ${keyPath}.currentKeyId to the id of the key in use ` +
        `(MGA dashboard, Settings → API Keys), or put the current key's value in one of its destinations`,
    );
  }
  return { snapshots, oldKeys, warnings, problems };
}

/** Journal form of a snapshot: a fingerprint, "absent" or "unreadable". */
export function beforeMark(value: DestinationValue): string {
  return value.kind === "value" ? value.value.fingerprint : value.kind;
}
