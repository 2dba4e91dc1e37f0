// Sealing old values into the journal. Destinations that keep no history (.env files, Vercel,
// Railway) lose the old value the moment the new one is written; after a crash, or for `rollback`
// run later, the journal must bring it back. It does so only encrypted (AES-256-GCM, key from the
// operator's `state.sealKey`), so no key value is ever stored readable (invariant 6).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { SecretValue } from "./secret.js";

export interface Sealer {
  seal(value: SecretValue, context: string): string;
  /** Undefined when the text was sealed with another key or for another context. */
  unseal(sealed: string, context: string): SecretValue | undefined;
}

/** `sealKey` must be long and random (32+ characters, e.g. `openssl rand -base64 32`). */
export function createSealer(sealKey: string): Sealer {
  const key = createHash("sha256").update(`key-rotator seal v1\n${sealKey}`).digest();
  return {
    seal(value, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(value.reveal(), "utf8"), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    unseal(sealed, context) {
      if (!sealed.startsWith("v1.")) return undefined;
      const raw = Buffer.from(sealed.slice(3), "base64");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(raw.subarray(12, 28));
        return new SecretValue(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"));
      } catch {
        return undefined;
      }
    },
  };
}
