// After a crash the values that lived only in memory are gone. This finds them again where the
// destinations keep them: the new key in a destination we wrote (its fingerprint proves it), an old
// value in a destination we had not written yet, or in a versioned store's previous version.
import type { DestinationValue } from "./destination.js";
import type { DestinationJournal } from "./journal.js";
import { contextFor, type RotationRun } from "./run.js";
import type { SecretValue } from "./secret.js";

const TOUCHED: DestinationJournal["status"][] = ["writing", "written", "activated", "confirmed", "restoring"];

export async function recoverNewValue(run: RotationRun): Promise<SecretValue | undefined> {
  const { newKey, destinations } = run.writer.rotation;
  if (!newKey?.fingerprint) return undefined;
  for (const destination of run.key.destinations) {
    if (!TOUCHED.includes(destinations[destination.id]?.status ?? "pending")) continue;
    const context = contextFor(run.writer.rotation.rotationId, destination, "deploy");
    const current = destination.staged ? await destination.staged(context) : destination.capabilities.readable ? await destination.read() : undefined;
    if (current?.kind === "value" && current.value.fingerprint === newKey.fingerprint) return current.value;
  }
  return undefined;
}

/**
 * True when no destination this rotation touched holds anything but what it held before (a crash
 * between journaling "writing" and the write itself): starting over is then as safe as at "created".
 */
export async function nothingLanded(run: RotationRun): Promise<boolean> {
  const { rotationId, destinations } = run.writer.rotation;
  for (const destination of run.key.destinations) {
    const journal = destinations[destination.id];
    if (!journal || journal.status === "pending") continue;
    const context = contextFor(rotationId, destination, "deploy");
    if (destination.staged) {
      if ((await destination.staged(context)).kind !== "absent") return false;
    } else if (!destination.capabilities.readable) {
      return false;
    } else {
      const current = await destination.read();
      const mark = current.kind === "value" ? current.value.fingerprint : current.kind;
      if (mark !== journal.before) return false;
    }
  }
  return true;
}

/** Old values by fingerprint, found wherever the destinations still keep them. */
async function recoverOldValues(run: RotationRun, wanted: Set<string>): Promise<Map<string, SecretValue>> {
  const found = new Map<string, SecretValue>();
  const { rotationId, destinations } = run.writer.rotation;
  const keep = (value: DestinationValue | undefined) => {
    if (value?.kind === "value" && wanted.has(value.value.fingerprint)) found.set(value.value.fingerprint, value.value);
  };
  for (const destination of run.key.destinations) {
    const sealed = destinations[destination.id]?.sealed;
    const unsealed = sealed ? run.deps.sealer?.unseal(sealed, `${rotationId}\n${destination.id}`) : undefined;
    if (unsealed) keep({ kind: "value", value: unsealed });
  }
  for (const destination of run.key.destinations) {
    if (found.size === wanted.size) break;
    // Any destination may hold an old value again (one restored before a failed redeploy): a value
    // counts only when its fingerprint is one we are looking for.
    if (destination.capabilities.readable) keep(await destination.read());
    if (destination.capabilities.versioned && destination.previous) {
      keep(await destination.previous(contextFor(rotationId, destination, "deploy")));
    }
  }
  return found;
}

/**
 * The value to put back in each destination: its snapshot, or (for write-only destinations, or after a
 * crash) the old value recovered by fingerprint. A destination missing from the map cannot be restored.
 */
export async function previousValues(run: RotationRun): Promise<Map<string, DestinationValue>> {
  const journal = run.writer.rotation.destinations;
  const befores = run.key.destinations.map((d) => journal[d.id]?.before ?? "unreadable");
  const knownFingerprints = new Set(befores.filter((b) => b !== "absent" && b !== "unreadable"));
  // A write-only destination gets the old key the readable ones agree on, if they agree.
  const common = knownFingerprints.size === 1 ? [...knownFingerprints][0] : undefined;

  const inMemory = new Map<string, SecretValue>();
  for (const snapshot of run.snapshots.values()) {
    if (snapshot.kind === "value") inMemory.set(snapshot.value.fingerprint, snapshot.value);
  }
  const missing = new Set([...knownFingerprints].filter((f) => !inMemory.has(f)));
  const recovered = missing.size > 0 ? await recoverOldValues(run, missing) : new Map<string, SecretValue>();
  const byFingerprint = new Map([...inMemory, ...recovered]);

  const result = new Map<string, DestinationValue>();
  run.key.destinations.forEach((destination, index) => {
    const before = befores[index]!;
    if (before === "absent") result.set(destination.id, { kind: "absent" });
    const fingerprint = before === "unreadable" ? common : before;
    const value = fingerprint ? byFingerprint.get(fingerprint) : undefined;
    if (value) result.set(destination.id, { kind: "value", value });
  });
  return result;
}

/**
 * Revokes every live key at the issuer named with this rotation's id but `keep` (their values are
 * lost): left by an interrupted run, or by a create whose answer was lost and then retried.
 */
export async function sweepOrphans(run: RotationRun, keep?: string): Promise<void> {
  const { rotationId, newKey } = run.writer.rotation;
  const keys = await run.deps.issuer.list();
  const orphans = keys.filter((k) => !k.revokedAt && k.id !== keep && (k.name.includes(rotationId) || k.id === newKey?.id));
  for (const orphan of orphans) {
    await run.deps.issuer.revoke(orphan.id);
    run.deps.log.info({ keyId: run.key.id, rotationId, revoked: orphan.id }, "revoked a key left by an interrupted rotation");
  }
}
