// What a rotation reports as it goes: the demo prints these, notifiers and metrics build on them.
// Only ids, prefixes and fingerprints: never a key's value.
export type RotationEvent =
  | { type: "phase"; keyId: string; rotationId: string; phase: string; ms: number; detail?: string }
  | { type: "started"; keyId: string; rotationId: string; reason: string }
  | { type: "succeeded"; keyId: string; rotationId: string; newKeyId: string }
  | { type: "rolled-back"; keyId: string; rotationId: string; reason: string }
  | { type: "failed"; keyId: string; rotationId: string; reason: string; code?: string; phase?: string }
  /** A failed or rolled-back run of a key already past its due date: consumers still hold the old key. */
  | { type: "overdue"; keyId: string; rotationId: string; reason: string; dueAt: string; lastRotatedAt?: string }
  | { type: "revoked"; keyId: string; rotationId: string; revokedKeyId: string }
  | { type: "awaiting-grace"; keyId: string; rotationId: string; revokeAt: string };

export type EventSink = (event: RotationEvent) => void;
