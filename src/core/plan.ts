// What `run` would do now, and where each key stands: read-only views over the state store, the
// destinations and the issuer's key list. Nothing here writes anywhere.
import { discover } from "./discover.js";
import type { EngineDeps } from "./engine.js";
import type { FailureNote, KeyRef, Phase } from "./journal.js";
import { isDue, nextDueAt, type ManagedKey } from "./managed-key.js";

export type PlannedAction = "rotate" | "resume" | "revoke-when-grace-ends" | "revoke" | "nothing" | "cannot-rotate";

export interface KeyPlan {
  keyId: string;
  action: PlannedAction;
  why: string;
  nextDueAt?: string;
  phase?: Phase;
  rotationId?: string;
  oldKeys: KeyRef[];
  warnings: string[];
  problems: string[];
}

export async function planKey(deps: Pick<EngineDeps, "store" | "issuer" | "clock">, key: ManagedKey, keyPath: string): Promise<KeyPlan> {
  const record = (await deps.store.load(key.id))?.record;
  const now = deps.clock.now();
  const base = { keyId: key.id, oldKeys: [] as KeyRef[], warnings: [] as string[], problems: [] as string[] };
  const rotation = record?.rotation;
  if (rotation) {
    const inGrace = rotation.phase === "verified" && rotation.revokeAt && Date.parse(rotation.revokeAt) > now.getTime();
    const action: PlannedAction = inGrace ? "revoke-when-grace-ends" : rotation.phase === "verified" ? "revoke" : "resume";
    const why = inGrace ? `verified; old key revoked after ${rotation.revokeAt}` : `rotation ${rotation.rotationId} is in flight at ${rotation.phase}`;
    return { ...base, action, why, phase: rotation.phase, rotationId: rotation.rotationId, oldKeys: rotation.oldKeys };
  }
  const due = nextDueAt(key, record);
  if (!isDue(key, record, now)) {
    return { ...base, action: "nothing", why: `not due until ${due!.toISOString()}`, nextDueAt: due!.toISOString() };
  }
  const discovery = await discover(key, deps.issuer, keyPath);
  const why = due ? `due since ${due.toISOString()}` : "never rotated by key-rotator: due now";
  return {
    ...base,
    action: discovery.problems.length > 0 ? "cannot-rotate" : "rotate",
    why,
    oldKeys: discovery.oldKeys,
    warnings: discovery.warnings,
    problems: discovery.problems,
  };
}

export interface KeyStatus {
  keyId: string;
  activeKey?: KeyRef;
  lastRotatedAt?: string;
  nextDueAt: string;
  phase: Phase | "idle";
  rotationId?: string;
  lastError?: FailureNote & { rotationId: string };
}

export async function statusOf(deps: Pick<EngineDeps, "store" | "clock">, key: ManagedKey): Promise<KeyStatus> {
  const record = (await deps.store.load(key.id))?.record;
  const due = nextDueAt(key, record) ?? deps.clock.now();
  return {
    keyId: key.id,
    ...(record?.active ? { activeKey: record.active } : {}),
    ...(record?.lastRotatedAt ? { lastRotatedAt: record.lastRotatedAt } : {}),
    nextDueAt: due.toISOString(),
    phase: record?.rotation?.phase ?? "idle",
    ...(record?.rotation ? { rotationId: record.rotation.rotationId } : {}),
    ...(record?.lastError ? { lastError: record.lastError } : {}),
  };
}
