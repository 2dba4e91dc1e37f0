// Maps what the AWS SDK throws onto the project's error classes, once, at this provider's edge. The
// SDK has already retried throttling and transient failures (standard mode) by the time an error gets
// here; what is still retryable is marked so, and the engine's own retry takes over. "Access denied"
// is never "not found". Messages name the operation, the secret and the IAM action, never a value.
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  NotFoundError,
  RotatorError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";

export interface AwsCall {
  /** The Secrets Manager operation, e.g. PutSecretValue. */
  operation: string;
  secretId: string;
  region: string;
  /** Strings that must never appear in a message (the value sent, the JSON it sits in). */
  redact?: readonly string[];
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ThrottledException",
]);

const AUTHENTICATION = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "InvalidClientTokenId",
  "MissingAuthenticationToken",
  "ExpiredToken",
  "ExpiredTokenException",
  "CredentialsProviderError",
]);

const TRANSIENT = new Set(["InternalServiceError", "InternalFailure", "ServiceUnavailable", "TimeoutError", "RequestTimeout", "RequestTimeoutException"]);

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

/** The KMS permission a Secrets Manager crypto failure most likely lacks. */
const KMS_ACTION: Record<string, string> = {
  DecryptionFailure: "kms:Decrypt",
  EncryptionFailure: "kms:GenerateDataKey",
};

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export function awsErrorName(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && typeof (error as SdkErrorShape).name === "string"
    ? ((error as SdkErrorShape).name as string)
    : undefined;
}

function redacted(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join("[redacted]");
  return result;
}

export function mapAwsError(error: unknown, call: AwsCall): RotatorError {
  if (error instanceof RotatorError) return error;
  const shape = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const name = awsErrorName(error) ?? "Error";
  const code = typeof shape.code === "string" ? shape.code : undefined;
  const status = typeof shape.$metadata?.httpStatusCode === "number" ? shape.$metadata.httpStatusCode : undefined;
  const said = redacted(typeof shape.message === "string" ? shape.message : String(error), call.redact ?? []);
  const where = `${call.operation} on secret ${call.secretId} (${call.region})`;
  const options = { cause: error };

  if (name === "ResourceNotFoundException") {
    return new NotFoundError(`${where}: not found: ${said}`, options);
  }
  if (name === "AccessDeniedException" || status === 403) {
    const permission = `secretsmanager:${call.operation}`;
    return new AccessDeniedError(
      `${where}: access denied: the rotator's AWS identity needs ${permission} on the secret's ARN (AWS said: ${said})`,
      { ...options, permission },
    );
  }
  const kms = KMS_ACTION[name];
  if (kms !== undefined) {
    return new AccessDeniedError(
      `${where}: ${name}: the rotator's AWS identity needs ${kms} on the secret's KMS key, or the key is disabled (AWS said: ${said})`,
      { ...options, permission: kms },
    );
  }
  if (AUTHENTICATION.has(name)) {
    return new AuthenticationError(`${where}: AWS credentials are missing or rejected: ${name}: ${said}`, options);
  }
  const rateLimited = name === "LimitExceededException" && /rate|throttl|too many requests/i.test(said);
  if (THROTTLING.has(name) || rateLimited || status === 429) {
    return new ThrottledError(`${where}: throttled by AWS (writes share 50 TPS per region): ${name}: ${said}`, options);
  }
  const serverFault = shape.$fault === "server" || (status !== undefined && status >= 500);
  if (TRANSIENT.has(name) || serverFault || (code !== undefined && NETWORK_CODES.has(code))) {
    return new TransientError(`${where}: ${name}${code ? ` (${code})` : ""}: ${said}`, options);
  }
  return new DestinationError(`${where} failed: ${name}: ${said}`, options);
}
