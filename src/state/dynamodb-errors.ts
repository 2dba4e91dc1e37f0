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
import { awsErrorName, readAwsError } from "../aws/sdk-error.js";

export interface DynamoDbCall {
  /** The DynamoDB operation, e.g. PutItem. */
  operation: string;
  table: string;
  region: string | undefined;
  /** Whether the store may create the table: its IAM actions then include CreateTable and co. */
  createTable: boolean;
}

/** The error's name, for the few the store treats as answers (no table, table being created). */
export const dynamoDbErrorName = awsErrorName;

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
  const { name, code, message: said, kind } = readAwsError(error);
  const where = `DynamoDB ${call.operation} on table ${call.table}${call.region ? ` (${call.region})` : ""}`;
  const options = { cause: error };

  if (kind === "not-found") return tableMissingError(call, error);
  if (kind === "denied") {
    const permission = `dynamodb:${call.operation}`;
    return new AccessDeniedError(
      `${where}: access denied: the rotator's AWS identity needs ${permission} on the table. The state store uses ` +
        `${iamActions(call.createTable)} on arn:aws:dynamodb:<region>:<account>:table/${call.table} (AWS said: ${said})`,
      { ...options, permission },
    );
  }
  if (kind === "authentication") {
    return new AuthenticationError(`${where}: AWS credentials are missing or rejected: ${name}: ${said}`, options);
  }
  if (/region is missing/i.test(said)) {
    return new RotatorError("STATE_CONFIG", `${where}: no AWS region: set state.region, or AWS_REGION in the environment`, options);
  }
  if (kind === "throttled") return new ThrottledError(`${where}: throttled by DynamoDB: ${name}: ${said}`, options);
  if (kind === "transient") return new TransientError(`${where}: ${name}${code ? ` (${code})` : ""}: ${said}`, options);
  return new RotatorError("STATE_UNAVAILABLE", `${where} failed: ${name}: ${said}`, options);
}
