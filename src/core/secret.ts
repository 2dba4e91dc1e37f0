// A key's value, wrapped so it cannot leak by accident: printing, logging, JSON-serialising or
// inspecting a SecretValue shows only its fingerprint. The raw value is reachable only through
// reveal(), which marks every place that hands it to an API.
import { createHash } from "node:crypto";
import { inspect } from "node:util";

/** SHA-256 of a key's value, hex. Safe to store and log; proves a value without revealing it. */
export function fingerprintOf(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** Short form of a fingerprint for human output. */
export function shortFingerprint(fingerprint: string): string {
  return `sha256:${fingerprint.slice(0, 12)}`;
}

export class SecretValue {
  readonly #value: string;
  readonly fingerprint: string;

  constructor(value: string) {
    this.#value = value;
    this.fingerprint = fingerprintOf(value);
  }

  /** The raw value, for the one call that must send or write it. */
  reveal(): string {
    return this.#value;
  }

  /** The first `n` characters, as MGA shows a key's prefix (12 by the contract). */
  prefix(n = 12): string {
    return this.#value.slice(0, n);
  }

  equals(other: SecretValue): boolean {
    return other.fingerprint === this.fingerprint;
  }

  toString(): string {
    return `[secret ${shortFingerprint(this.fingerprint)}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
