// One rotation of one managed key in this process: the journal writer plus what lives only in
// memory (the snapshots of the old values and the new key's value), and small shared helpers.
import { createHash, randomBytes } from "node:crypto";
import type { DestinationContext, DestinationValue, Destination } from "./destination.js";
import type { EngineDeps } from "./engine.js";
import { RotatorError } from "./errors.js";
import type { FailureNote, Phase } from "./journal.js";
import type { JournalWriter } from "./journal-writer.js";
import type { ManagedKey } from "./managed-key.js";
import type { SecretValue } from "./secret.js";

export interface RotationRun {
  deps: EngineDeps;
  key: ManagedKey;
  /** Config path of the key, e.g. `keys[0]`, for messages. */
  keyPath: string;
  writer: JournalWriter;
  /** What each destination held before we wrote; memory only, lost in a crash. */
  snapshots: Map<string, DestinationValue>;
  /** The new key's value; memory only, recovered from a destination after a crash. */
  newSecret?: SecretValue;
  /** Whether the key's lock was taken over by another run (then nothing more is saved). */
  lease: { lost: boolean };
}

export function newRotationId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  return `rot-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Name of a new key at the issuer: carries the rotation id, so a crashed run can find it. */
export function issuedKeyName(key: ManagedKey, rotationId: string): string {
  return `${key.name} · ${rotationId}`;
}

/** A UUID-shaped token from rotation id and destination: the same on every retry of one write. */
export function tokenFor(rotationId: string, destinationId: string): string {
  const hex = createHash("sha256").update(`${rotationId}\n${destinationId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function contextFor(rotationId: string, destination: Destination, round: string): DestinationContext {
  return { rotationId, token: tokenFor(rotationId, destination.id), round: `${rotationId}:${round}` };
}

export function failureNote(error: unknown, phase: Phase | string, at: Date): FailureNote {
  const code = error instanceof RotatorError ? error.code : "UNEXPECTED";
  const message = error instanceof Error ? error.message : String(error);
  return { at: at.toISOString(), phase, code, message };
}

/** Runs every task to the end (no write is left half-done behind our back), then throws the first failure. */
export async function settleAll(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) throw failed[0]!.reason;
}

export async function timed<T>(run: RotationRun, phase: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    const ms = Date.now() - started;
    const rotation = run.writer.record.rotation;
    if (rotation) {
      rotation.timings[phase as keyof typeof rotation.timings] = ms + (rotation.timings[phase as keyof typeof rotation.timings] ?? 0);
      run.deps.events({ type: "phase", keyId: run.key.id, rotationId: rotation.rotationId, phase, ms });
    }
  }
}
