// What advancing one managed key came to, for exit codes, Lambda summaries and metrics.
import type { HistoryEntry, KeyRef } from "./journal.js";
import type { StateStore } from "./state-store.js";

export type KeyOutcome =
  | { keyId: string; action: "not-due"; nextDueAt: string }
  | { keyId: string; action: "succeeded"; rotationId: string; newKey: KeyRef; revoked: string[] }
  | { keyId: string; action: "awaiting-grace"; rotationId: string; revokeAt: string }
  | { keyId: string; action: "revoke-postponed"; rotationId: string; error: string }
  | { keyId: string; action: "rolled-back"; rotationId: string; error: string }
  | { keyId: string; action: "failed"; rotationId?: string; error: string; code?: string; phase?: string }
  | { keyId: string; action: "locked"; error: string };

/** Exit code of a run: 1 if any rotation failed, else 3 if a key was locked by another run, else 0. */
export function exitCodeOf(outcomes: KeyOutcome[]): 0 | 1 | 3 {
  if (outcomes.some((o) => o.action === "failed" || o.action === "rolled-back")) return 1;
  if (outcomes.some((o) => o.action === "locked")) return 3;
  return 0;
}

/** History is appended once per rotation, even when a crash makes the last step run twice. */
export async function appendHistoryOnce(store: StateStore, entry: HistoryEntry): Promise<void> {
  const existing = await store.listHistory(entry.keyId);
  if (existing.some((e) => e.rotationId === entry.rotationId && e.outcome === entry.outcome)) return;
  await store.appendHistory(entry);
}
