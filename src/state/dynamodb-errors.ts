// Maps what the DynamoDB client throws onto the project's error classes, once, at the state store's
// edge. The SDK has already retried throttling and transient failures (standard mode) by the time an
// error gets here; what is still retryable is marked so. "Access denied" is never "not found", and a
// missing table says which config field names it and how to create it. A failed condition is no
// error here: the store turns it into a conflict, a lock held, or nothing (see dynamodb-api.ts).
import {
  AccessDeniedError,
  AuthenticationError,
  RotatorError,
  ThrottledError,
  TransientError,
} from "../core/errors.js";

export interface DynamoDbCall {
  /** The DynamoDB operation, e.g. PutItem. */
  operation: string;
  table: string;
  region: string | undefined;
  /** Whether the store may create the table: its IAM actions then include CreateTable and co. */
  createTable: boolean;
}

const THROTTLING = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "TooManyRequestsException",
]);

const AUTHENTICATION = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "ExpiredTokenException",
  "CredentialsProviderError",
]);

const TRANSIENT = new Set(["InternalServerError", "ServiceUnavailable", "TimeoutError", "RequestTimeout", "RequestTimeoutException"]);

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

export function dynamoDbErrorName(error: unknown): string | undefined {
  const name = typeof error === "object" && error !== null ? (error as SdkErrorShape).name : undefined;
  return typeof name === "string" ? name : undefined;
}

export const isConditionFailed = (error: unknown): boolean => dynamoDbErrorName(error) === "ConditionalCheckFailedException";

/** Every IAM action the store uses, for messages: an operator grants them all at once. */
export function iamActions(createTable: boolean): string {
  const actions = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"];
  if (createTable) actions.push("DescribeTable", "CreateTable", "UpdateTimeToLive");
  return actions.map((action) => `dynamodb:${action}`).join(", ");
}

export function tableMissingError(call: DynamoDbCall, cause?: unknown): RotatorError {
  return new RotatorError(
    "STATE_TABLE_MISSING",
    `DynamoDB table "${call.table}" (state.table) does not exist${call.region ? ` in ${call.region}` : ""}. ` +
      `Deploy the SAM template (deploy/), which creates it, or set state.createTable: true to let the rotator ` +
      `create it (key schema pk and sk, both strings; needs dynamodb:CreateTable and dynamodb:DescribeTable)`,
    cause === undefined ? {} : { cause },
  );
}

export function mapDynamoDbError(error: unknown, call: DynamoDbCall): RotatorError {
  if (error instanceof RotatorError) return error;
  const shape = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const name = dynamoDbErrorName(error) ?? "Error";
  const code = typeof shape.code === "string" ? shape.code : undefined;
  const status = typeof shape.$metadata?.httpStatusCode === "number" ? shape.$metadata.httpStatusCode : undefined;
  const said = typeof shape.message === "string" ? shape.message : String(error);
  const where = `DynamoDB ${call.operation} on table ${call.table}${call.region ? ` (${call.region})` : ""}`;
  const options = { cause: error };

  if (name === "ResourceNotFoundException") return tableMissingError(call, error);
  if (name === "AccessDeniedException" || status === 403) {
    const permission = `dynamodb:${call.operation}`;
    return new AccessDeniedError(
      `${where}: access denied: the rotator's AWS identity needs ${permission} on the table. The state store uses ` +
        `${iamActions(call.createTable)} on arn:aws:dynamodb:<region>:<account>:table/${call.table} (AWS said: ${said})`,
      { ...options, permission },
    );
  }
  if (AUTHENTICATION.has(name)) {
    return new AuthenticationError(`${where}: AWS credentials are missing or rejected: ${name}: ${said}`, options);
  }
  if (/region is missing/i.test(said)) {
    return new RotatorError("STATE_CONFIG", `${where}: no AWS region: set state.region, or AWS_REGION in the environment`, options);
  }
  if (THROTTLING.has(name) || status === 429) {
    return new ThrottledError(`${where}: throttled by DynamoDB: ${name}: ${said}`, options);
  }
  const serverFault = shape.$fault === "server" || (status !== undefined && status >= 500);
  if (TRANSIENT.has(name) || serverFault || (code !== undefined && NETWORK_CODES.has(code))) {
    return new TransientError(`${where}: ${name}${code ? ` (${code})` : ""}: ${said}`, options);
  }
  return new RotatorError("STATE_UNAVAILABLE", `${where} failed: ${name}: ${said}`, options);
}
