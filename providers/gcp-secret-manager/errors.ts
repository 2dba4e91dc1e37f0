// Maps what the Secret Manager client throws onto the project's error classes, once, at this edge.
// The REST transport surfaces a GaxiosError whose `code` is the HTTP status (or a socket error code
// such as ECONNRESET); the gRPC transport and the REST decoder surface a GoogleError with a gRPC code.
// Both are handled. The vendor error is never kept as `cause`: a GaxiosError carries its request,
// and the request of addVersion carries the value (base64). Only code, status and message survive.
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  NotFoundError,
  RotatorError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";

export const OPERATIONS = {
  addVersion: { permission: "secretmanager.versions.add", role: "roles/secretmanager.secretVersionAdder" },
  access: { permission: "secretmanager.versions.access", role: "roles/secretmanager.secretAccessor" },
  listVersions: { permission: "secretmanager.versions.list", role: "roles/secretmanager.secretVersionManager" },
  getVersion: { permission: "secretmanager.versions.get", role: "roles/secretmanager.secretVersionManager" },
  disable: { permission: "secretmanager.versions.disable", role: "roles/secretmanager.secretVersionManager" },
  getSecret: { permission: "secretmanager.secrets.get", role: "roles/secretmanager.viewer" },
} as const;
export type Operation = keyof typeof OPERATIONS;

/** gRPC status names by code; REST bodies carry the name in `error.status`. */
const GRPC_STATUS = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
  "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
] as const;

const HTTP_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
  409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
  502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
};

const RETRYABLE = new Set(["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "CANCELLED", "UNKNOWN"]);

/** A failure the service reported with a status the engine has no class for (FAILED_PRECONDITION, ABORTED…). */
export class GcpStatusError extends DestinationError {
  override name = "GcpStatusError";
  constructor(
    readonly status: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface VendorFailure {
  /** gRPC status name, e.g. NOT_FOUND; "NETWORK" for socket failures, "TIMEOUT" for our deadline. */
  status: string;
  httpStatus: number | undefined;
  message: string;
  retryAfterMs: number | undefined;
}

function bodyOf(message: string): { status?: unknown; message?: unknown; code?: unknown } | undefined {
  if (!message.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(message) as { error?: { status?: unknown; message?: unknown; code?: unknown } };
    return parsed.error;
  } catch {
    return undefined;
  }
}

function retryAfterOf(error: { response?: { headers?: unknown } }): number | undefined {
  const headers = error.response?.headers as { get?: (name: string) => string | null } | undefined;
  const value = typeof headers?.get === "function" ? headers.get("retry-after") : null;
  const seconds = value === null ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function describeVendorError(error: unknown): VendorFailure {
  const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as {
    name?: string;
    code?: unknown;
    message?: string;
    error?: { name?: string };
    cause?: { name?: string };
    response?: { headers?: unknown };
  };
  const rawMessage = typeof e.message === "string" ? e.message : String(error);
  const retryAfterMs = retryAfterOf(e);
  const aborted = [e.name, e.error?.name, e.cause?.name].includes("AbortError");
  if (aborted || /operation was aborted/i.test(rawMessage)) {
    return { status: "TIMEOUT", httpStatus: undefined, message: "request timed out", retryAfterMs };
  }
  if (typeof e.code === "string" && /^E[A-Z_]+$/.test(e.code)) {
    return { status: "NETWORK", httpStatus: undefined, message: `${e.code}: ${rawMessage}`, retryAfterMs };
  }
  const body = bodyOf(rawMessage);
  const message = typeof body?.message === "string" ? body.message : rawMessage;
  if (typeof e.code === "number" && e.code >= 100) {
    const named = typeof body?.status === "string" ? body.status : HTTP_STATUS[e.code] ?? (e.code >= 500 ? "UNAVAILABLE" : "UNKNOWN");
    return { status: named, httpStatus: e.code, message, retryAfterMs };
  }
  if (typeof e.code === "number" && GRPC_STATUS[e.code] !== undefined) {
    return { status: GRPC_STATUS[e.code]!, httpStatus: undefined, message, retryAfterMs };
  }
  if (/default credentials|could not refresh access token|invalid_grant/i.test(rawMessage)) {
    return { status: "UNAUTHENTICATED", httpStatus: undefined, message: rawMessage, retryAfterMs };
  }
  return { status: "UNKNOWN_ERROR", httpStatus: undefined, message: rawMessage, retryAfterMs };
}

/** The project's error for a failed call `operation` on `resource` (a secret or version name). */
export function toRotatorError(error: unknown, operation: Operation, resource: string): RotatorError {
  if (error instanceof RotatorError) return error;
  const failure = describeVendorError(error);
  const cause = Object.assign(new Error(failure.message), { status: failure.status, httpStatus: failure.httpStatus });
  const code = failure.httpStatus === undefined ? failure.status : `${failure.status} (HTTP ${failure.httpStatus})`;
  const text = `GCP Secret Manager ${operation} on ${resource} failed: ${code}: ${failure.message}`;
  const { permission, role } = OPERATIONS[operation];
  switch (failure.status) {
    case "NOT_FOUND":
      return new NotFoundError(`${text}${operation === "addVersion" ? " (the secret must exist: the rotator never creates it)" : ""}`, { cause });
    case "PERMISSION_DENIED":
      return new AccessDeniedError(`${text}: the caller lacks ${permission}; grant ${role} on the secret`, { cause, permission });
    case "UNAUTHENTICATED":
      return new AuthenticationError(`${text}: check the credentials (expired token, or no application default credentials)`, { cause });
    case "RESOURCE_EXHAUSTED":
      return new ThrottledError(text, { cause, ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }) });
    case "TIMEOUT":
    case "NETWORK":
      return new TransientError(text, { cause });
    default:
      if (RETRYABLE.has(failure.status)) return new TransientError(text, { cause });
      return new GcpStatusError(failure.status, text, { cause });
  }
}

/** True for the service's "this version is disabled or destroyed" answer to an access. */
export function isNotEnabled(error: unknown): boolean {
  return error instanceof GcpStatusError && error.status === "FAILED_PRECONDITION";
}

/** True for an etag that no longer matches (ABORTED per AIP-154; FAILED_PRECONDITION in older services). */
export function isEtagConflict(error: unknown): boolean {
  return error instanceof GcpStatusError && (error.status === "ABORTED" || error.status === "FAILED_PRECONDITION");
}
