// Logs are JSON lines (pino) on stderr, written synchronously so a line is never lost when a run is
// killed. Secrets cannot reach them: key values travel as SecretValue (which serialises to its
// fingerprint), and config fields that hold credentials are redacted by path as a second guard.
import pino, { type Logger } from "pino";

export const REDACTED_PATHS = [
  "adminKey",
  "*.adminKey",
  "token",
  "*.token",
  "clientSecret",
  "*.clientSecret",
  "secretAccessKey",
  "*.secretAccessKey",
  "authorization",
  "*.authorization",
  "headers.authorization",
];

export function createLogger(level: string = process.env.KEY_ROTATOR_LOG_LEVEL ?? "info"): Logger {
  return pino(
    { name: "key-rotator", level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" }, base: { pid: process.pid } },
    pino.destination({ fd: 2, sync: true }),
  );
}
