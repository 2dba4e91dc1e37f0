// The durable shape of a managed key's state: the active key, the journal of a rotation in flight,
// and history. Only ids, prefixes and fingerprints: never a key's value (invariant 6).

/** A real key, identified without its value. */
export interface KeyRef {
  id: string;
  prefix: string;
  /** SHA-256 of the value, hex; absent when only the id is known (config `currentKeyId`). */
  fingerprint?: string;
}

export const PHASES = {
  creating: "creating",
  created: "created",
  deploying: "deploying",
  deployed: "deployed",
  verified: "verified",
  revoking: "revoking",
  rollingBack: "rolling-back",
} as const;
export type Phase = (typeof PHASES)[keyof typeof PHASES];

export const DESTINATION_STATUSES = {
  pending: "pending",
  writing: "writing",
  written: "written",
  activated: "activated",
  confirmed: "confirmed",
  restoring: "restoring",
  restored: "restored",
} as const;
export type DestinationStatus = (typeof DESTINATION_STATUSES)[keyof typeof DESTINATION_STATUSES];

export interface DestinationJournal {
  status: DestinationStatus;
  /**
   * Fingerprint of what the destination held before we wrote: a hex string, "absent", or
   * "unreadable". Lets a run after a crash recognise the old value when it finds it again.
   */
  before?: string;
  /** The old value, sealed with `state.sealKey` (AES-256-GCM), when one is configured. */
  sealed?: string;
  error?: string;
}

export type RotationReason = "due" | "forced" | "emergency" | "never-rotated";

export interface Journal {
  rotationId: string;
  reason: RotationReason;
  emergency: boolean;
  phase: Phase;
  startedAt: string;
  /** Keys in use before this rotation: revoked once the new one is verified and grace is over. */
  oldKeys: KeyRef[];
  newKey?: KeyRef;
  destinations: Record<string, DestinationJournal>;
  /** When every destination switched to the new key (the quiet-key guard compares lastUsedAt to it). */
  deployedAt?: string;
  verifiedAt?: string;
  /** Earliest moment the old keys may be revoked. */
  revokeAt?: string;
  revoked: string[];
  /** Why we are rolling back, once rolling back. */
  failure?: FailureNote;
  /** Milliseconds spent per phase, for status and the demo. */
  timings: Partial<Record<Phase | "verify" | "revoke" | "rollback", number>>;
}

export interface FailureNote {
  at: string;
  phase: string;
  code: string;
  message: string;
}

export interface KeyRecord {
  /** The key the destinations hold now, as far as the rotator knows. */
  active?: KeyRef;
  lastRotatedAt?: string;
  lastError?: FailureNote & { rotationId: string };
  /** Set while a rotation is in flight. */
  rotation?: Journal;
}

export type Outcome = "succeeded" | "rolled-back" | "failed" | "abandoned";

export interface HistoryEntry {
  keyId: string;
  rotationId: string;
  outcome: Outcome;
  reason: RotationReason;
  startedAt: string;
  finishedAt: string;
  newKey?: KeyRef;
  oldKeys: KeyRef[];
  revoked: string[];
  error?: FailureNote;
  timings: Journal["timings"];
}
