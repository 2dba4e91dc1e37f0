// Roll back: put the old value back wherever the new one may have been written (re-activating where
// the platform needs a redeploy), and only when every destination holds a valid old key again,
// revoke the new key. If a destination cannot be restored, the new key stays valid (invariant 2)
// and the rotation stays in flight, so the next run or a person can finish the job.
import type { Destination, DestinationValue } from "./destination.js";
import { DestinationError } from "./errors.js";
import type { FailureNote, HistoryEntry, Outcome } from "./journal.js";
import { PHASES } from "./journal.js";
import { appendHistoryOnce, type KeyOutcome } from "./outcome.js";
import { previousValues, sweepOrphans } from "./recover.js";
import { contextFor, settleAll, timed, type RotationRun } from "./run.js";

const NEEDS_RESTORE = ["writing", "written", "activated", "confirmed", "restoring"];

export async function rollBack(run: RotationRun, failure: FailureNote, outcome: Outcome = "rolled-back"): Promise<KeyOutcome> {
  const { writer, deps, key } = run;
  const rotation = writer.rotation;
  const { rotationId } = rotation;
  if (rotation.phase !== PHASES.rollingBack) {
    await writer.commit("rolling-back", (r) => {
      r.rotation!.phase = PHASES.rollingBack;
      r.rotation!.failure = failure;
    });
  }
  deps.log.warn({ keyId: key.id, rotationId, code: failure.code, reason: failure.message }, "rolling back");

  const touched = key.destinations.filter((d) => NEEDS_RESTORE.includes(rotation.destinations[d.id]?.status ?? ""));
  try {
    await timed(run, "rollback", () => restoreAll(run, touched));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await writer.commit("rollback-incomplete", (r) => {
      r.lastError = { ...failure, message: `${failure.message}; rollback incomplete: ${message}`, rotationId };
    });
    const incomplete = `rollback incomplete, the new key is kept valid: ${message}`;
    return { keyId: key.id, action: "failed", rotationId, error: incomplete, code: "ROLLBACK_INCOMPLETE", phase: PHASES.rollingBack };
  }

  if (rotation.newKey) await deps.issuer.revoke(rotation.newKey.id);
  await sweepOrphans(run);
  const entry: HistoryEntry = {
    keyId: key.id,
    rotationId,
    outcome,
    reason: rotation.reason,
    startedAt: rotation.startedAt,
    finishedAt: deps.clock.now().toISOString(),
    ...(rotation.newKey ? { newKey: rotation.newKey } : {}),
    oldKeys: rotation.oldKeys,
    revoked: rotation.newKey ? [rotation.newKey.id] : [],
    error: failure,
    timings: rotation.timings,
  };
  await appendHistoryOnce(deps.store, entry);
  await writer.commit("rolled-back", (r) => {
    delete r.rotation;
    r.lastError = { ...failure, rotationId };
  });
  deps.events({ type: "rolled-back", keyId: key.id, rotationId, reason: failure.message });
  return { keyId: key.id, action: "rolled-back", rotationId, error: failure.message };
}

/**
 * A destination whose write never landed (denied, say) still holds its old value: restoring it would
 * be one more write that may be denied again. Only when consumers cannot have seen our value: not a
 * redeploying destination that got as far as activation.
 */
async function stillHolds(run: RotationRun, destination: Destination, before: DestinationValue): Promise<boolean> {
  const status = run.writer.rotation.destinations[destination.id]?.status;
  const neverLive = status === "writing" || status === "written" || !destination.capabilities.needsRedeploy;
  if (!neverLive || !destination.capabilities.readable) return false;
  const current = await destination.read();
  if (destination.staged && (await destination.staged(contextFor(run.writer.rotation.rotationId, destination, "deploy"))).kind !== "absent") {
    return false;
  }
  if (before.kind === "absent") return current.kind === "absent";
  return before.kind === "value" && current.kind === "value" && current.value.equals(before.value);
}

async function restoreAll(run: RotationRun, touched: Destination[]): Promise<void> {
  const { writer } = run;
  const { rotationId } = writer.rotation;
  const previous = await previousValues(run);
  const unknown = touched.filter((d) => !previous.has(d.id));
  if (unknown.length > 0) {
    throw new DestinationError(
      `the old value of ${unknown.map((d) => d.describe()).join(", ")} is no longer known (lost in a crash and kept nowhere else)`,
    );
  }
  const untouched = new Set<string>();
  await settleAll(
    touched.map(async (destination) => {
      const before = previous.get(destination.id)!;
      if (await stillHolds(run, destination, before)) {
        untouched.add(destination.id);
        return;
      }
      await writer.commit("dest-restoring", (r) => {
        r.rotation!.destinations[destination.id]!.status = "restoring";
      });
      await destination.restore(before, contextFor(rotationId, destination, "rollback"));
    }),
  );
  // Every restore lands before any redeploy starts, so one redeploy per project carries them all.
  await settleAll(
    touched.map(async (destination) => {
      if (destination.capabilities.needsRedeploy && !untouched.has(destination.id)) {
        await destination.activate(contextFor(rotationId, destination, "rollback"));
      }
      await writer.commit("dest-restored", (r) => {
        r.rotation!.destinations[destination.id]!.status = "restored";
      });
    }),
  );
}
