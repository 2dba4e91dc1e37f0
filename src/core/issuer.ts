// The issuer boundary: who mints, lists, revokes and health-checks real keys (MGA today).
import type { SecretValue } from "./secret.js";

export const PERMISSIONS = ["read", "write", "admin"] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A key as the issuer lists it: never its value. */
export interface IssuerKey {
  id: string;
  name: string;
  permission: Permission;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A key just created: the only moment its value exists outside the destinations. */
export interface IssuedKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  secret: SecretValue;
}

export interface HealthCheck {
  botId: string;
  permission: Permission;
  message?: string;
}

export interface Issuer {
  create(name: string, permission: Permission): Promise<IssuedKey>;
  /** Revokes; "already-revoked" when the issuer no longer knows the id as active (MGA: 404). */
  revoke(id: string): Promise<"revoked" | "already-revoked">;
  /** Every key, all pages. */
  list(): Promise<IssuerKey[]>;
  /** The unique non-revoked key whose prefix matches the value, if any. */
  findBySecret(secret: SecretValue): Promise<IssuerKey | undefined>;
  /** A real call with the key; throws VerificationError when the key does not work. */
  healthCheck(secret: SecretValue, check: HealthCheck): Promise<void>;
}
