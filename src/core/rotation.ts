// Advancing one managed key as far as it can go now: start a rotation when due (create → deploy →
// verify), resume one in flight from its journal, revoke the old keys once grace is over, or roll
// back. The caller holds the key's lock.
import { deployAll, verifyNewKey } from "./deploy.js";
import { beforeMark, discover } from "./discover.js";
import type { EngineDeps, RunOptions } from "./engine.js";
import { FailpointError, LockHeldError, StateConflictError } from "./errors.js";
import type { HistoryEntry, RotationReason } from "./journal.js";
import { PHASES } from "./journal.js";
import { JournalWriter } from "./journal-writer.js";
import { isDue, nextDueAt, type ManagedKey } from "./managed-key.js";
import { appendHistoryOnce, type KeyOutcome } from "./outcome.js";
import { nothingLanded, recoverNewValue, sweepOrphans } from "./recover.js";
import { oldKeysStillInUse } from "./revoke-guard.js";
import { rollBack } from "./rollback.js";
import { failureNote, issuedKeyName, newRotationId, timed, type RotationRun } from "./run.js";

/** Errors after which this run must stop at once and leave the journal to the next run. */
function mustStop(error: unknown): boolean {
  return error instanceof StateConflictError || error instanceof LockHeldError || error instanceof FailpointError;
}

export async function advanceKey(
  deps: EngineDeps,
  key: ManagedKey,
  keyPath: string,
  options: RunOptions,
  lease: { lost: boolean } = { lost: false },
): Promise<KeyOutcome> {
  const stored = await deps.store.load(key.id);
  const run: RotationRun = {
    deps,
    key,
    keyPath,
    writer: new JournalWriter(deps.store, key.id, stored, deps.failpoints, lease),
    snapshots: new Map(),
    lease,
  };
  if (run.writer.record.rotation) return resume(run, options);
  const now = deps.clock.now();
  if (!options.force && !options.emergency && !isDue(key, run.writer.record, now)) {
    return { keyId: key.id, action: "not-due", nextDueAt: nextDueAt(key, run.writer.record)!.toISOString() };
  }
  return begin(run, reasonFor(run, options));
}

function reasonFor(run: RotationRun, options: RunOptions): RotationReason {
  if (options.emergency) return "emergency";
  if (!run.writer.record.lastRotatedAt) return "never-rotated";
  return isDue(run.key, run.writer.record, run.deps.clock.now()) ? "due" : "forced";
}

async function begin(run: RotationRun, reason: RotationReason): Promise<KeyOutcome> {
  const { deps, key, writer } = run;
  const discovery = await discover(key, deps.issuer, run.keyPath);
  for (const warning of discovery.warnings) deps.log.warn({ keyId: key.id }, warning);
  if (discovery.problems.length > 0) {
    const error = discovery.problems.join("; ");
    await writer.commit("refused", (r) => {
      r.lastError = { at: deps.clock.now().toISOString(), phase: "discover", code: "KEY_IN_USE_UNKNOWN", message: error, rotationId: "" };
    });
    return { keyId: key.id, action: "failed", error, code: "KEY_IN_USE_UNKNOWN", phase: "discover" };
  }

  const now = deps.clock.now();
  const rotationId = newRotationId(now);
  run.snapshots = discovery.snapshots;
  await writer.commit("creating", (r) => {
    r.rotation = {
      rotationId,
      reason,
      emergency: reason === "emergency",
      phase: PHASES.creating,
      startedAt: now.toISOString(),
      oldKeys: discovery.oldKeys,
      destinations: Object.fromEntries(
        key.destinations.map((d) => {
          const before = discovery.snapshots.get(d.id)!;
          const sealed = before.kind === "value" && deps.sealer ? deps.sealer.seal(before.value, `${rotationId}\n${d.id}`) : undefined;
          return [d.id, { status: "pending" as const, before: beforeMark(before), ...(sealed ? { sealed } : {}) }];
        }),
      ),
      revoked: [],
      timings: {},
    };
  });
  deps.events({ type: "started", keyId: key.id, rotationId, reason });
  deps.log.info({ keyId: key.id, rotationId, reason, oldKeys: discovery.oldKeys.map((k) => k.id) }, "rotation started");

  let issued;
  try {
    issued = await timed(run, "create", () => deps.issuer.create(issuedKeyName(key, rotationId), key.permission));
  } catch (error) {
    if (mustStop(error)) throw error;
    // The key may exist even though the call failed (a timeout): the rollback sweeps by name.
    return rollBack(run, failureNote(error, PHASES.creating, deps.clock.now()), "failed");
  }
  run.newSecret = issued.secret;
  await writer.commit("created", (r) => {
    r.rotation!.phase = PHASES.created;
    r.rotation!.newKey = { id: issued.id, prefix: issued.prefix, fingerprint: issued.secret.fingerprint };
  });
  return deployAndVerify(run);
}

async function deployAndVerify(run: RotationRun): Promise<KeyOutcome> {
  const { deps, writer } = run;
  try {
    if (writer.rotation.phase !== PHASES.deployed) await deployAll(run);
    await verifyNewKey(run, writer.rotation.emergency);
  } catch (error) {
    if (mustStop(error)) throw error;
    return rollBack(run, failureNote(error, writer.rotation.phase, deps.clock.now()));
  }
  return afterVerify(run);
}

async function afterVerify(run: RotationRun, emergency = false): Promise<KeyOutcome> {
  const rotation = run.writer.rotation;
  const now = run.deps.clock.now();
  if (!emergency && rotation.revokeAt && Date.parse(rotation.revokeAt) > now.getTime()) {
    run.deps.events({ type: "awaiting-grace", keyId: run.key.id, rotationId: rotation.rotationId, revokeAt: rotation.revokeAt });
    return { keyId: run.key.id, action: "awaiting-grace", rotationId: rotation.rotationId, revokeAt: rotation.revokeAt };
  }
  const busy = emergency ? [] : await oldKeysStillInUse(run);
  if (busy.length > 0) {
    const note = `revoke postponed: ${busy.join("; ")}; some consumer the config does not list still uses it`;
    run.deps.log.warn({ keyId: run.key.id, rotationId: rotation.rotationId }, note);
    await run.writer.commit("revoke-postponed", (r) => {
      r.lastError = { at: now.toISOString(), phase: rotation.phase, code: "OLD_KEY_IN_USE", message: note, rotationId: rotation.rotationId };
    });
    return { keyId: run.key.id, action: "revoke-postponed", rotationId: rotation.rotationId, error: note };
  }
  return revokeOldKeys(run);
}

async function revokeOldKeys(run: RotationRun): Promise<KeyOutcome> {
  const { deps, key, writer } = run;
  const rotation = writer.rotation;
  if (rotation.phase !== PHASES.revoking) {
    await writer.commit("revoking", (r) => {
      r.rotation!.phase = PHASES.revoking;
    });
  }
  const pending = rotation.oldKeys.filter((k) => k.id !== rotation.newKey?.id && !rotation.revoked.includes(k.id));
  await timed(run, "revoke", async () => {
    for (const old of pending) {
      await deps.issuer.revoke(old.id);
      await writer.commit("revoked-one", (r) => {
        r.rotation!.revoked.push(old.id);
      });
      deps.events({ type: "revoked", keyId: key.id, rotationId: rotation.rotationId, revokedKeyId: old.id });
    }
  });
  await retireOldValues(run);
  return finish(run);
}

/** Optional tidying (disable old versions); a failure here is logged, never undoes a good rotation. */
async function retireOldValues(run: RotationRun): Promise<void> {
  const { rotationId, oldKeys } = run.writer.rotation;
  const fingerprints = oldKeys.flatMap((k) => (k.fingerprint ? [k.fingerprint] : []));
  for (const destination of run.key.destinations) {
    if (!destination.retire || fingerprints.length === 0) continue;
    try {
      await destination.retire(fingerprints, { rotationId, token: rotationId, round: `${rotationId}:retire` });
    } catch (error) {
      run.deps.log.warn({ keyId: run.key.id, destination: destination.id, err: String(error) }, "could not retire old versions");
    }
  }
}

async function finish(run: RotationRun): Promise<KeyOutcome> {
  const { deps, key, writer } = run;
  const rotation = writer.rotation;
  const newKey = rotation.newKey!;
  await sweepOrphans(run, newKey.id);
  const finishedAt = deps.clock.now().toISOString();
  const entry: HistoryEntry = {
    keyId: key.id,
    rotationId: rotation.rotationId,
    outcome: "succeeded",
    reason: rotation.reason,
    startedAt: rotation.startedAt,
    finishedAt,
    newKey,
    oldKeys: rotation.oldKeys,
    revoked: rotation.revoked,
    timings: rotation.timings,
  };
  await appendHistoryOnce(deps.store, entry);
  await writer.commit("done", (r) => {
    r.active = newKey;
    r.lastRotatedAt = rotation.verifiedAt ?? finishedAt;
    delete r.rotation;
    delete r.lastError;
  });
  deps.events({ type: "succeeded", keyId: key.id, rotationId: rotation.rotationId, newKeyId: newKey.id });
  return { keyId: key.id, action: "succeeded", rotationId: rotation.rotationId, newKey, revoked: entry.revoked };
}

/** Continues a rotation found in the journal, from the point it reached (DESIGN.md "Crash recovery"). */
async function resume(run: RotationRun, options: RunOptions): Promise<KeyOutcome> {
  const { deps, key, writer } = run;
  const rotation = writer.rotation;
  deps.log.info({ keyId: key.id, rotationId: rotation.rotationId, phase: rotation.phase }, "resuming rotation");
  switch (rotation.phase) {
    case PHASES.creating:
    case PHASES.created:
    case PHASES.deploying:
    case PHASES.deployed: {
      const nothingWritten = Object.values(rotation.destinations).every((d) => d.status === "pending");
      if (!rotation.newKey || nothingWritten) return restart(run, options);
      run.newSecret = await recoverNewValue(run);
      if (run.newSecret) return deployAndVerify(run);
      if (await nothingLanded(run)) return restart(run, options);
      const lost = new Error("the new key's value was lost in a crash before any destination confirmed it");
      return rollBack(run, failureNote(lost, rotation.phase, deps.clock.now()));
    }
    case PHASES.verified:
      return afterVerify(run, options.emergency);
    case PHASES.revoking:
      return revokeOldKeys(run);
    case PHASES.rollingBack:
      return rollBack(run, rotation.failure ?? failureNote(new Error("rollback resumed"), rotation.phase, deps.clock.now()));
  }
}

/** Nothing reached a destination: revoke whatever this rotation created and begin again if still due. */
async function restart(run: RotationRun, options: RunOptions): Promise<KeyOutcome> {
  const { deps, key, writer } = run;
  const rotation = writer.rotation;
  await sweepOrphans(run);
  const entry: HistoryEntry = {
    keyId: key.id,
    rotationId: rotation.rotationId,
    outcome: "abandoned",
    reason: rotation.reason,
    startedAt: rotation.startedAt,
    finishedAt: deps.clock.now().toISOString(),
    oldKeys: rotation.oldKeys,
    revoked: rotation.newKey ? [rotation.newKey.id] : [],
    error: { at: deps.clock.now().toISOString(), phase: rotation.phase, code: "INTERRUPTED", message: "interrupted before any destination was written; restarted" },
    timings: rotation.timings,
  };
  await appendHistoryOnce(deps.store, entry);
  await writer.commit("abandoned", (r) => {
    delete r.rotation;
  });
  const again = { ...options, force: options.force || rotation.reason === "forced", emergency: options.emergency || rotation.emergency };
  return advanceKey(deps, key, run.keyPath, again, run.lease);
}
