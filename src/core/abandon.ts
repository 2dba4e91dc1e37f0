// `rollback --key ID`: an operator abandons a rotation in flight. The old value goes back everywhere
// and the new key is revoked, exactly as an automatic rollback does, but only while every old key is
// still valid: once one is revoked, going back would hand consumers a dead key.
import type { EngineDeps } from "./engine.js";
import { LockHeldError, RotatorError } from "./errors.js";
import { JournalWriter } from "./journal-writer.js";
import type { ManagedKey } from "./managed-key.js";
import type { KeyOutcome } from "./outcome.js";
import { rollBack } from "./rollback.js";
import type { RotationRun } from "./run.js";

export async function abandonRotation(deps: EngineDeps, key: ManagedKey, keyPath: string): Promise<KeyOutcome> {
  const lock = await deps.store.acquireLock(key.id, deps.owner, deps.leaseMs);
  if (!lock) throw new LockHeldError(key.id);
  try {
    const stored = await deps.store.load(key.id);
    const rotation = stored?.record.rotation;
    if (!rotation) throw new RotatorError("NOTHING_IN_FLIGHT", `key "${key.id}" has no rotation in flight; nothing to roll back`);
    if (rotation.revoked.length > 0) {
      throw new RotatorError(
        "OLD_KEY_REVOKED",
        `rotation ${rotation.rotationId} already revoked ${rotation.revoked.join(", ")}; rolling back would leave consumers a revoked key. Run \`key-rotator run --key ${key.id}\` to finish it instead`,
      );
    }
    const lease = { lost: false };
    const run: RotationRun = { deps, key, keyPath, writer: new JournalWriter(deps.store, key.id, stored, deps.failpoints, lease), snapshots: new Map(), lease };
    const now = deps.clock.now();
    const failure = { at: now.toISOString(), phase: rotation.phase, code: "ABANDONED", message: "rolled back by an operator" };
    return await rollBack(run, failure, "abandoned");
  } finally {
    await lock.release();
  }
}
