// What an AWS SDK v3 error says, read once for every AWS client we drive (Secrets Manager, DynamoDB):
// its name, network code, HTTP status and message, and which of the project's error kinds it is.
// Each caller still words the message (naming its own operation, resource and IAM action).

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ThrottledException",
  "ProvisionedThroughputExceededException",
]);

const AUTHENTICATION = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "IncompleteSignatureException",
  "InvalidClientTokenId",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "ExpiredToken",
  "ExpiredTokenException",
  "CredentialsProviderError",
]);

const TRANSIENT = new Set([
  "InternalServiceError",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

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

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export type AwsErrorKind = "not-found" | "denied" | "authentication" | "throttled" | "transient" | "other";

export interface AwsErrorFacts {
  name: string;
  /** A network error code (ECONNRESET…), when the request never got an answer. */
  code: string | undefined;
  status: number | undefined;
  message: string;
  kind: AwsErrorKind;
}

export function awsErrorName(error: unknown): string | undefined {
  const name = typeof error === "object" && error !== null ? (error as SdkErrorShape).name : undefined;
  return typeof name === "string" ? name : undefined;
}

/** `isThrottling` lets a service add its own wording (Secrets Manager's rate LimitExceededException). */
export function readAwsError(error: unknown, isThrottling: (name: string, message: string) => boolean = () => false): AwsErrorFacts {
  const shape = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const name = awsErrorName(error) ?? "Error";
  const code = typeof shape.code === "string" ? shape.code : undefined;
  const status = typeof shape.$metadata?.httpStatusCode === "number" ? shape.$metadata.httpStatusCode : undefined;
  const message = typeof shape.message === "string" ? shape.message : String(error);
  const facts = { name, code, status, message };
  if (name === "ResourceNotFoundException") return { ...facts, kind: "not-found" };
  if (name === "AccessDeniedException" || status === 403) return { ...facts, kind: "denied" };
  if (AUTHENTICATION.has(name)) return { ...facts, kind: "authentication" };
  if (THROTTLING.has(name) || status === 429 || isThrottling(name, message)) return { ...facts, kind: "throttled" };
  const serverFault = shape.$fault === "server" || (status !== undefined && status >= 500);
  if (TRANSIENT.has(name) || serverFault || (code !== undefined && NETWORK_CODES.has(code))) return { ...facts, kind: "transient" };
  return { ...facts, kind: "other" };
}
