// The destination boundary: a place a key's value is written for consumers to read. The engine
// decides from `capabilities`, never from a destination's type.
import type { SecretValue } from "./secret.js";

export interface DestinationCapabilities {
  /** read() can return the value (false for write-only values such as Vercel `sensitive`). */
  readonly readable: boolean;
  /** The store keeps earlier versions, so previous() can recover the value before ours. */
  readonly versioned: boolean;
  /** activate() redeploys and waits: consumers see the value only after it. */
  readonly needsRedeploy: boolean;
  /** write() with the same token is a no-op, so a retry after a crash cannot duplicate it. */
  readonly idempotencyToken: boolean;
}

/** What a destination holds. `absent`: no such variable/secret yet. */
export type DestinationValue =
  | { kind: "value"; value: SecretValue }
  | { kind: "absent" }
  | { kind: "unreadable" };

export interface DestinationContext {
  rotationId: string;
  /** Deterministic from rotation id + destination id: the same on a retry after a crash. */
  token: string;
  /**
   * The same for every destination in one deploy (or rollback) round of one rotation: destinations on
   * one platform project use it to share a single redeploy. The engine writes every destination
   * before it activates any, so one shared redeploy carries every change.
   */
  round: string;
}

export type Confirmation = "confirmed" | "mismatch" | "unreadable";

export interface Destination {
  /** Unique within a managed key; from config `id`, else derived from type and location. */
  readonly id: string;
  readonly type: string;
  readonly capabilities: DestinationCapabilities;
  /** Human label, no secrets: `.env file app/.env (MGA_API_KEY)`. */
  describe(): string;
  read(): Promise<DestinationValue>;
  write(value: SecretValue, context: DestinationContext): Promise<void>;
  /** Make consumers see the written value (redeploy and wait); a no-op for stores read on demand. */
  activate(context: DestinationContext): Promise<void>;
  /** Read back and compare fingerprints, where the platform allows it. */
  confirm(fingerprint: string, context: DestinationContext): Promise<Confirmation>;
  /** Put back what was there before this rotation wrote (then activate again where needed). */
  restore(previous: DestinationValue, context: DestinationContext): Promise<void>;
  /**
   * What this rotation wrote under `context.token`, whether or not consumers see it yet (AWS: the
   * version staged as AWSPENDING before activate). For recovery after a crash; destinations whose
   * writes are live at once need not implement it (read() is used).
   */
  staged?(context: DestinationContext): Promise<DestinationValue>;
  /** Versioned stores: the value current before this rotation's write, for recovery after a crash. */
  previous?(context: DestinationContext): Promise<DestinationValue>;
  /** After the old key is revoked: tidy up what held it (disable old versions) where configured. */
  retire?(revokedFingerprints: string[], context: DestinationContext): Promise<void>;
}
