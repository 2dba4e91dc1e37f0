// The project's error classes: one base with a stable `code`, a `cause`, and whether retrying can
// help. Providers map vendor errors onto these once, at their edge; the engine decides from the class
// (retry, roll back, or stop and ask a person), never from vendor specifics.

export interface RotatorErrorOptions {
  cause?: unknown;
  retryable?: boolean;
}

export class RotatorError extends Error {
  override name = "RotatorError";
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: RotatorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** The config file is wrong. `issues` are "path: problem" lines, all of them at once. */
export class ConfigError extends RotatorError {
  override name = "ConfigError";
  readonly issues: string[];
  constructor(issues: string[], options?: RotatorErrorOptions) {
    super("CONFIG_INVALID", `invalid config:\n  ${issues.join("\n  ")}`, options);
    this.issues = issues;
  }
}

/** Another run holds the lock of a managed key. */
export class LockHeldError extends RotatorError {
  override name = "LockHeldError";
  constructor(keyId: string, holder?: string) {
    super("LOCK_HELD", `key "${keyId}" is locked by another run${holder ? ` (${holder})` : ""}`);
  }
}

/** The state record changed under us (compare-and-set lost). */
export class StateConflictError extends RotatorError {
  override name = "StateConflictError";
  constructor(keyId: string, options?: RotatorErrorOptions) {
    super("STATE_CONFLICT", `state of key "${keyId}" was changed by another run`, options);
  }
}

export class NotFoundError extends RotatorError {
  override name = "NotFoundError";
  constructor(message: string, options?: RotatorErrorOptions) {
    super("NOT_FOUND", message, options);
  }
}

/** Credentials work but lack a permission. Needs a person; never treated as "not found". */
export class AccessDeniedError extends RotatorError {
  override name = "AccessDeniedError";
  readonly permission: string | undefined;
  constructor(message: string, options: RotatorErrorOptions & { permission?: string } = {}) {
    super("ACCESS_DENIED", message, options);
    this.permission = options.permission;
  }
}

/** Credentials are missing or rejected. */
export class AuthenticationError extends RotatorError {
  override name = "AuthenticationError";
  constructor(message: string, options?: RotatorErrorOptions) {
    super("UNAUTHENTICATED", message, options);
  }
}

/** Rate limited; `retryAfterMs` is the service's hint when it gave one. */
export class ThrottledError extends RotatorError {
  override name = "ThrottledError";
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: RotatorErrorOptions & { retryAfterMs?: number } = {}) {
    super("THROTTLED", message, { ...options, retryable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A failure that may pass: 5xx, network errors, timeouts. */
export class TransientError extends RotatorError {
  override name = "TransientError";
  constructor(message: string, options?: RotatorErrorOptions) {
    super("TRANSIENT", message, { ...options, retryable: true });
  }
}

/** The new key did not pass its health check, or a destination did not confirm it. */
export class VerificationError extends RotatorError {
  override name = "VerificationError";
  constructor(message: string, options?: RotatorErrorOptions) {
    super("VERIFICATION_FAILED", message, options);
  }
}

/** A destination cannot do what was asked (wrong state, invalid input); needs a person. */
export class DestinationError extends RotatorError {
  override name = "DestinationError";
  constructor(message: string, options?: RotatorErrorOptions) {
    super("DESTINATION_FAILED", message, options);
  }
}

/** A failpoint fired (tests only: KEY_ROTATOR_FAILPOINT). */
export class FailpointError extends RotatorError {
  override name = "FailpointError";
  constructor(point: string) {
    super("FAILPOINT", `failpoint ${point}`);
  }
}

/** Wraps anything that is not already a RotatorError, once. */
export function asRotatorError(error: unknown, context: string): RotatorError {
  if (error instanceof RotatorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RotatorError("UNEXPECTED", `${context}: ${message}`, { cause: error });
}
