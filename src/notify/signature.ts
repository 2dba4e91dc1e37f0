// Webhook signatures, the scheme MGA uses for its own webhooks under our header name: "sha256=" and
// the hex HMAC-SHA256 of the raw body. Receivers verify with verifySignature (or the few lines in the
// README) before trusting a body.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-key-rotator-signature";
export const TIMESTAMP_HEADER = "x-key-rotator-timestamp";

export function signatureOf(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Whether `header` is the signature of exactly these bytes; constant time. */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signatureOf(secret, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
