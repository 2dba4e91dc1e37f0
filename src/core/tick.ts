// A tick: the same function under the CLI, the daemon and the Lambda. For each managed key: take its
// lock (or report it locked and touch nothing), advance it as far as it can go now, release.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { EngineDeps, RunOptions } from "./engine.js";
import { asRotatorError, LockHeldError } from "./errors.js";
import { nextDueAt, type ManagedKey } from "./managed-key.js";
import type { KeyOutcome } from "./outcome.js";
import { advanceKey } from "./rotation.js";
import type { Lock, LockOwner } from "./state-store.js";

export interface TickOptions extends RunOptions {
  /** Only these managed key ids (all when empty). */
  only?: string[];
}

export function newLockOwner(): LockOwner {
  const host = hostname();
  return { id: `${host}:${process.pid}:${randomBytes(4).toString("hex")}`, host, pid: process.pid };
}

export async function tick(deps: EngineDeps, keys: ManagedKey[], options: TickOptions = {}): Promise<KeyOutcome[]> {
  const outcomes: KeyOutcome[] = [];
  for (const [index, key] of keys.entries()) {
    if (options.only?.length && !options.only.includes(key.id)) continue;
    outcomes.push(await advanceLocked(deps, key, `keys[${index}]`, options));
  }
  return outcomes;
}

async function advanceLocked(deps: EngineDeps, key: ManagedKey, keyPath: string, options: RunOptions): Promise<KeyOutcome> {
  const lock = await deps.store.acquireLock(key.id, deps.owner, deps.leaseMs);
  if (!lock) {
    deps.log.warn({ keyId: key.id }, "another run holds this key's lock; skipped");
    return { keyId: key.id, action: "locked", error: `key "${key.id}" is locked by another run` };
  }
  const lease = { lost: false };
  const heartbeat = keepAlive(deps, lock, lease);
  try {
    const outcome = await advanceKey(deps, key, keyPath, options, lease).catch(async (error: unknown): Promise<KeyOutcome> => {
      const failure = asRotatorError(error, `key "${key.id}"`);
      deps.log.error({ keyId: key.id, code: failure.code, err: failure.message }, "rotation stopped; the journal lets the next run resume");
      const phase = await recordLastError(deps, key.id, failure.code, failure.message);
      const rotationId = (await deps.store.load(key.id))?.record.rotation?.rotationId;
      return { keyId: key.id, action: "failed", ...(rotationId ? { rotationId } : {}), error: failure.message, code: failure.code, phase };
    });
    await reportTrouble(deps, key, outcome);
    return outcome;
  } finally {
    clearInterval(heartbeat);
    await lock.release().catch((error: unknown) => deps.log.warn({ keyId: key.id, err: String(error) }, "could not release lock"));
  }
}

/**
 * Renews the lease at a third of its length while a long step (a redeploy) runs. If another run took
 * the lease over, this run saves nothing more (the journal writer refuses): the other one carries on.
 */
function keepAlive(deps: EngineDeps, lock: Lock, lease: { lost: boolean }): NodeJS.Timeout {
  const timer = setInterval(() => {
    lock.renew().catch((error: unknown) => {
      if (error instanceof LockHeldError) lease.lost = true;
      deps.log.error({ keyId: lock.keyId, err: String(error) }, "could not renew the key's lock");
    });
  }, Math.max(500, Math.floor(deps.leaseMs / 3)));
  timer.unref();
  return timer;
}

/** Returns the phase the rotation stopped at. */
async function recordLastError(deps: EngineDeps, keyId: string, code: string, message: string): Promise<string> {
  let phase = "start";
  try {
    const stored = await deps.store.load(keyId);
    const record = { ...(stored?.record ?? {}) };
    phase = record.rotation?.phase ?? phase;
    record.lastError = { at: deps.clock.now().toISOString(), phase, code, message, rotationId: record.rotation?.rotationId ?? "" };
    await deps.store.save(keyId, record, stored?.version ?? 0);
  } catch (error) {
    deps.log.warn({ keyId, err: String(error) }, "could not record the error in the state store");
  }
  return phase;
}

/**
 * Tells what went wrong for a key this turn (notifiers listen): a failure, and "overdue" when a failed
 * or rolled-back run leaves a key past its due date with the old key still in place.
 */
async function reportTrouble(deps: EngineDeps, key: ManagedKey, outcome: KeyOutcome): Promise<void> {
  if (outcome.action !== "failed" && outcome.action !== "rolled-back") return;
  const rotationId = outcome.rotationId ?? "";
  if (outcome.action === "failed") {
    deps.events({ type: "failed", keyId: key.id, rotationId, reason: outcome.error, ...(outcome.code ? { code: outcome.code } : {}), ...(outcome.phase ? { phase: outcome.phase } : {}) });
  }
  const record = (await deps.store.load(key.id).catch(() => undefined))?.record;
  const due = nextDueAt(key, record);
  const replaced = record?.rotation?.phase === "verified" || record?.rotation?.phase === "revoking";
  if (due && due.getTime() <= deps.clock.now().getTime() && !replaced) {
    deps.events({
      type: "overdue",
      keyId: key.id,
      rotationId,
      reason: outcome.error,
      dueAt: due.toISOString(),
      ...(record?.lastRotatedAt ? { lastRotatedAt: record.lastRotatedAt } : {}),
    });
  }
}
