// Error normalisation: gRPC codes (gRPC transport, and REST bodies the SDK decodes) and HTTP statuses
// (REST transport, GaxiosError) land on the same classes; the vendor error, which carries the
// request and so the value, never survives as a cause.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  NotFoundError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";
import { GcpStatusError, toRotatorError } from "./errors.js";

const NAME = "projects/p/secrets/s";
const body = (code: number, status: string) => JSON.stringify({ error: { code, message: `service says ${status}`, status } });
/** What the REST transport throws: a GaxiosError, its code the HTTP status, its config the request. */
const gaxios = (code: number, status: string, extra: object = {}) =>
  Object.assign(new Error(body(code, status)), { code, status: code, config: { body: '{"payload":{"data":"c2VjcmV0LXZhbHVl"}}' }, ...extra });
const grpc = (code: number) => Object.assign(new Error(`${code} grpc failure`), { code });

describe("gcp-secret-manager error mapping", () => {
  it.each([
    ["HTTP 404", gaxios(404, "NOT_FOUND"), NotFoundError],
    ["gRPC 5", grpc(5), NotFoundError],
    ["HTTP 403", gaxios(403, "PERMISSION_DENIED"), AccessDeniedError],
    ["gRPC 7", grpc(7), AccessDeniedError],
    ["HTTP 401", gaxios(401, "UNAUTHENTICATED"), AuthenticationError],
    ["gRPC 16", grpc(16), AuthenticationError],
    ["HTTP 429", gaxios(429, "RESOURCE_EXHAUSTED"), ThrottledError],
    ["gRPC 8", grpc(8), ThrottledError],
    ["HTTP 503", gaxios(503, "UNAVAILABLE"), TransientError],
    ["gRPC 14", grpc(14), TransientError],
    ["HTTP 504", gaxios(504, "DEADLINE_EXCEEDED"), TransientError],
    ["gRPC 4", grpc(4), TransientError],
    ["HTTP 502 without a body", Object.assign(new Error("Bad Gateway"), { code: 502 }), TransientError],
    ["a reset socket", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), TransientError],
    ["our deadline", Object.assign(new Error("The operation was aborted."), { error: { name: "AbortError" } }), TransientError],
    ["no ADC", new Error("Could not load the default credentials. Browse to …"), AuthenticationError],
    ["HTTP 400 FAILED_PRECONDITION", gaxios(400, "FAILED_PRECONDITION"), GcpStatusError],
    ["gRPC 3", grpc(3), DestinationError],
  ])("maps %s", (_label, error, expected) => {
    const mapped = toRotatorError(error, "access", NAME);

    expect(mapped).toBeInstanceOf(expected);
    expect(mapped.retryable).toBe(expected === TransientError || expected === ThrottledError);
  });

  it("names the operation's permission and role on access denied", () => {
    const mapped = toRotatorError(gaxios(403, "PERMISSION_DENIED"), "disable", `${NAME}/versions/1`) as AccessDeniedError;

    expect(mapped.permission).toBe("secretmanager.versions.disable");
    expect(mapped.message).toBe(
      "GCP Secret Manager disable on projects/p/secrets/s/versions/1 failed: PERMISSION_DENIED (HTTP 403): service says PERMISSION_DENIED: " +
        "the caller lacks secretmanager.versions.disable; grant roles/secretmanager.secretVersionManager on the secret",
    );
  });

  it("keeps Retry-After as the wait hint", () => {
    const error = gaxios(429, "RESOURCE_EXHAUSTED", { response: { headers: new Headers({ "retry-after": "3" }) } });

    expect((toRotatorError(error, "addVersion", NAME) as ThrottledError).retryAfterMs).toBe(3000);
  });

  it("keeps only status and message of the vendor error, never its request", () => {
    const mapped = toRotatorError(gaxios(503, "UNAVAILABLE"), "addVersion", NAME);

    expect(inspect(mapped, { depth: 10 })).not.toContain("c2VjcmV0LXZhbHVl");
    expect(mapped.cause).toMatchObject({ message: "service says UNAVAILABLE", status: "UNAVAILABLE", httpStatus: 503 });
  });
});
