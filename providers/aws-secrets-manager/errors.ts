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
import { awsErrorName, readAwsError } from "../../src/aws/sdk-error.js";

export interface AwsCall {
  /** The Secrets Manager operation, e.g. PutSecretValue. */
  operation: string;
  secretId: string;
  region: string;
  /** Strings that must never appear in a message (the value sent, the JSON it sits in). */
  redact?: readonly string[];
}

/** The KMS permission a Secrets Manager crypto failure most likely lacks. */
const KMS_ACTION: Record<string, string> = {
  DecryptionFailure: "kms:Decrypt",
  EncryptionFailure: "kms:GenerateDataKey",
};

export { awsErrorName };

function redacted(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join("[redacted]");
  return result;
}

export function mapAwsError(error: unknown, call: AwsCall): RotatorError {
  if (error instanceof RotatorError) return error;
  const rateLimited = (name: string, message: string) => name === "LimitExceededException" && /rate|throttl|too many requests/i.test(message);
  const { name, code, message, kind } = readAwsError(error, rateLimited);
  const said = redacted(message, call.redact ?? []);
  const where = `${call.operation} on secret ${call.secretId} (${call.region})`;
  const options = { cause: error };

  if (kind === "not-found") return new NotFoundError(`${where}: not found: ${said}`, options);
  if (kind === "denied") {
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
  if (kind === "authentication") {
    return new AuthenticationError(`${where}: AWS credentials are missing or rejected: ${name}: ${said}`, options);
  }
  if (kind === "throttled") {
    return new ThrottledError(`${where}: throttled by AWS (writes share 50 TPS per region): ${name}: ${said}`, options);
  }
  if (kind === "transient") return new TransientError(`${where}: ${name}${code ? ` (${code})` : ""}: ${said}`, options);
  return new DestinationError(`${where} failed: ${name}: ${said}`, options);
}
