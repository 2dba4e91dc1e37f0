// What the MGA issuer makes of an answer: the envelope's data checked against the zod shapes, and
// every failing status mapped once onto the project's errors, with a message that names the config
// field to fix. Messages carry paths, statuses, ids and prefixes, never a key's value.
import { z } from "zod";
import {
  AccessDeniedError,
  AuthenticationError,
  NotFoundError,
  RotatorError,
  VerificationError,
} from "../../src/core/errors.js";
import type { HealthCheck } from "../../src/core/issuer.js";
import type { SecretValue } from "../../src/core/secret.js";
import type { MgaEndpoint } from "./endpoints.js";
import { redact, serverDetail, type MgaResponse } from "./http.js";
import { envelope } from "./schema.js";

const successEnvelopeSchema = envelope(z.unknown());

export const BAD_RESPONSE = "MGA_BAD_RESPONSE";

export function isSuccess(response: MgaResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === "number" ? `${text}[${part}]` : `${text}${text ? "." : ""}${String(part)}`),
    "",
  );
}

/** The envelope's `data`, checked; a clear error (never a crash, never the body) when it is not that. */
export function parseData<T extends z.ZodType>(
  response: MgaResponse,
  schema: T,
  secrets: SecretValue[],
): z.output<T> {
  const outer = successEnvelopeSchema.safeParse(response.json);
  const inner = outer.success ? schema.safeParse(outer.data.data) : undefined;
  if (inner?.success) return inner.data;
  const issues = inner ? inner.error.issues.map((issue) => ({ ...issue, path: ["data", ...issue.path] })) : outer.error?.issues;
  const problem =
    response.json === undefined
      ? "a body that is not JSON"
      : `an unexpected body (${(issues ?? [])
          .slice(0, 3)
          .map((issue) => `${formatPath(issue.path) || "body"}: ${issue.message}`)
          .join("; ")})`;
  const message = `MGA answered ${response.what} (${response.status}) with ${problem}; check issuer.baseUrl and issuer.paths`;
  return failBadResponse(redact(message, secrets));
}

function failBadResponse(message: string): never {
  throw new RotatorError(BAD_RESPONSE, message);
}

/** A failing answer to a call made with `issuer.adminKey`. */
export function adminFailure(response: MgaResponse, endpoint: MgaEndpoint, adminKey: SecretValue): RotatorError {
  const detail = serverDetail(response, [adminKey]);
  const need = "it needs an MGA key with the admin permission (key management)";
  switch (response.status) {
    case 401:
      return new AuthenticationError(
        `MGA rejected issuer.adminKey on ${response.what} with 401${detail}: the key is missing, unknown or revoked; ${need}`,
      );
    case 403:
      return new AccessDeniedError(
        `MGA refused ${response.what} with 403${detail}: the key in issuer.adminKey lacks the admin permission; ${need}`,
        { permission: "admin" },
      );
    case 404:
      return new NotFoundError(
        `MGA answered ${response.what} with 404${detail}: check issuer.baseUrl and issuer.paths.${endpoint}`,
      );
    default:
      return new RotatorError("MGA_REQUEST_REJECTED", `MGA rejected ${response.what} with ${response.status}${detail}`);
  }
}

/** A 404 to a revoke while MGA still lists the key as active: the path is wrong, not the key gone. */
export function revokeNotFound(response: MgaResponse, id: string, adminKey: SecretValue): NotFoundError {
  return new NotFoundError(
    `MGA answered ${response.what} with 404${serverDetail(response, [adminKey])}, yet lists key ${id} as active: ` +
      "check issuer.baseUrl and issuer.paths.revokeKey",
  );
}

/** A failing answer to a health check made with the key under test. */
export function healthCheckFailure(
  response: MgaResponse,
  endpoint: MgaEndpoint,
  secret: SecretValue,
  check: HealthCheck,
  tries: number,
): VerificationError {
  const detail = serverDetail(response, [secret]);
  const key = `the ${check.permission} key ${secret.prefix()}…`;
  switch (response.status) {
    case 401:
      return new VerificationError(
        `MGA rejected ${key} on ${response.what} with 401${detail}, ${tries} time(s): it is invalid or revoked, or has not propagated yet`,
      );
    case 403: {
      const needs = endpoint === "sendMessage" ? "write" : "read";
      return new VerificationError(
        `${key} lacks the ${needs} permission ${response.what} needs: MGA answered 403${detail}; check keys[].permission`,
      );
    }
    case 404:
      return new VerificationError(
        `health check ${response.what} answered 404${detail}: check keys[].verify.botId ("${check.botId}") and issuer.paths.${endpoint}`,
      );
    default:
      return new VerificationError(`health check ${response.what} failed with ${response.status}${detail}`);
  }
}
