// Human and machine output of the CLI. Results go to stdout (text, or JSON with --json); logs go to
// stderr as JSON lines. Nothing printed here can hold a key's value: only ids, prefixes, fingerprints.
import type { HistoryEntry, KeyRef } from "../core/journal.js";
import type { KeyOutcome } from "../core/outcome.js";
import type { KeyPlan, KeyStatus } from "../core/plan.js";
import { shortFingerprint } from "../core/secret.js";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function keyLabel(ref: KeyRef | undefined): string {
  if (!ref) return "-";
  return `${ref.id} (${ref.prefix}…${ref.fingerprint ? `, ${shortFingerprint(ref.fingerprint)}` : ""})`;
}

export function formatOutcome(outcome: KeyOutcome): string {
  switch (outcome.action) {
    case "not-due":
      return `${outcome.keyId}: not due until ${outcome.nextDueAt}`;
    case "succeeded":
      return `${outcome.keyId}: rotated (${outcome.rotationId}); active key ${keyLabel(outcome.newKey)}; revoked ${outcome.revoked.join(", ") || "nothing"}`;
    case "awaiting-grace":
      return `${outcome.keyId}: new key verified (${outcome.rotationId}); old key is revoked after ${outcome.revokeAt} by the next run`;
    case "revoke-postponed":
      return `${outcome.keyId}: new key in place (${outcome.rotationId}); ${outcome.error}`;
    case "rolled-back":
      return `${outcome.keyId}: FAILED and rolled back (${outcome.rotationId}); the old key is still in place: ${outcome.error}`;
    case "failed":
      return `${outcome.keyId}: FAILED${outcome.rotationId ? ` (${outcome.rotationId}; the next run resumes it)` : ""}: ${outcome.error}`;
    case "locked":
      return `${outcome.keyId}: skipped, ${outcome.error}`;
  }
}

export function formatPlan(plan: KeyPlan): string {
  const lines = [`${plan.keyId}: ${plan.action} (${plan.why})`];
  if (plan.oldKeys.length > 0) lines.push(`  replaces: ${plan.oldKeys.map(keyLabel).join(", ")}`);
  for (const warning of plan.warnings) lines.push(`  note: ${warning}`);
  for (const problem of plan.problems) lines.push(`  problem: ${problem}`);
  return lines.join("\n");
}

export function formatStatus(status: KeyStatus): string {
  const lines = [
    `${status.keyId}`,
    `  active key:    ${keyLabel(status.activeKey)}`,
    `  last rotation: ${status.lastRotatedAt ?? "never (by key-rotator)"}`,
    `  next due:      ${status.nextDueAt}`,
    `  phase:         ${status.phase}${status.rotationId ? ` (${status.rotationId})` : ""}`,
  ];
  if (status.lastError) lines.push(`  last error:    ${status.lastError.at} ${status.lastError.code}: ${status.lastError.message}`);
  return lines.join("\n");
}

export function formatHistory(entry: HistoryEntry): string {
  const revoked = entry.revoked.length > 0 ? `; revoked ${entry.revoked.join(", ")}` : "";
  const error = entry.error ? `; ${entry.error.code}: ${entry.error.message}` : "";
  return `${entry.finishedAt} ${entry.keyId} ${entry.rotationId} ${entry.outcome} (${entry.reason}); new ${keyLabel(entry.newKey)}; old ${entry.oldKeys.map(keyLabel).join(", ") || "-"}${revoked}${error}`;
}
