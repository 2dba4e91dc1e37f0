// Error mapping edge cases with aws-sdk-client-mock: what each SDK failure becomes, that the value
// never appears in a message, and the exact commands the destination sends.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  NotFoundError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { mapAwsError } from "./errors.js";
import { createAwsSecretsManagerDestination, versionIdFor } from "./index.js";
import { awsSecretsManagerConfigSchema } from "./schema.js";

const mock = mockClient(SecretsManagerClient);
afterEach(() => mock.reset());

function serviceError(name: string, status: number, message = `${name} happened`, fault: "client" | "server" = "client") {
  return new SecretsManagerServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message });
}

function destination(overrides: Record<string, unknown> = {}) {
  const config = awsSecretsManagerConfigSchema.parse({ type: "aws-secrets-manager", region: "eu-west-1", secretId: "app/key", ...overrides });
  const client = new SecretsManagerClient({ region: "eu-west-1" });
  return createAwsSecretsManagerDestination(config, { clock: systemClock, log: pino({ level: "silent" }) }, { client });
}

const ctx = { rotationId: "rot-1", token: "rot-1:aws-secrets-manager:app/key", round: "rot-1:deploy" };
const call = { operation: "PutSecretValue", secretId: "app/key", region: "eu-west-1" };
const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe("mapAwsError", () => {
  it.each([
    ["ResourceNotFoundException", serviceError("ResourceNotFoundException", 400), NotFoundError],
    ["AccessDeniedException", serviceError("AccessDeniedException", 400), AccessDeniedError],
    ["a bare 403", serviceError("Forbidden", 403), AccessDeniedError],
    ["DecryptionFailure", serviceError("DecryptionFailure", 400), AccessDeniedError],
    ["UnrecognizedClientException", serviceError("UnrecognizedClientException", 400), AuthenticationError],
    ["ExpiredTokenException", serviceError("ExpiredTokenException", 400), AuthenticationError],
    ["CredentialsProviderError", Object.assign(new Error("Could not load credentials"), { name: "CredentialsProviderError" }), AuthenticationError],
    ["ThrottlingException", serviceError("ThrottlingException", 400, "Rate exceeded"), ThrottledError],
    ["LimitExceededException on the request rate", serviceError("LimitExceededException", 400, "Rate exceeded"), ThrottledError],
    ["a bare 429", serviceError("TooManyRequests", 429), ThrottledError],
    ["InternalServiceError", serviceError("InternalServiceError", 500, "oops", "server"), TransientError],
    ["a 503 of unknown type", serviceError("Unknown", 503, "Service Unavailable", "server"), TransientError],
    ["TimeoutError", Object.assign(new Error("socket timed out"), { name: "TimeoutError" }), TransientError],
    ["ECONNREFUSED", Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" }), TransientError],
    ["LimitExceededException on the version quota", serviceError("LimitExceededException", 400, "You have exceeded the maximum number of versions"), DestinationError],
    ["InvalidRequestException", serviceError("InvalidRequestException", 400), DestinationError],
    ["an unknown error", new TypeError("boom"), DestinationError],
  ])("%s", (_label, error, expected) => {
    const mapped = mapAwsError(error, call);

    expect(mapped).toBeInstanceOf(expected);
    expect(mapped.cause).toBe(error);
    expect(mapped.message).toContain("PutSecretValue on secret app/key (eu-west-1)");
  });

  it("names the missing IAM action, and the KMS one for a crypto failure", () => {
    const denied = mapAwsError(serviceError("AccessDeniedException", 400), { ...call, operation: "UpdateSecretVersionStage" });
    const kms = mapAwsError(serviceError("EncryptionFailure", 400), call);

    expect((denied as AccessDeniedError).permission).toBe("secretsmanager:UpdateSecretVersionStage");
    expect(denied.message).toMatch(/needs secretsmanager:UpdateSecretVersionStage on the secret's ARN/);
    expect((kms as AccessDeniedError).permission).toBe("kms:GenerateDataKey");
  });

  it("redacts the value should a service message ever echo it", () => {
    const value = "mga_sk_0123456789abcdefghij";

    const mapped = mapAwsError(serviceError("InvalidParameterException", 400, `bad SecretString ${value}`), { ...call, redact: [value] });

    expect(mapped.message).not.toContain(value);
    expect(mapped.message).toContain("[redacted]");
  });

  it("retryable only where retrying can help", () => {
    expect(mapAwsError(serviceError("ThrottlingException", 400), call).retryable).toBe(true);
    expect(mapAwsError(serviceError("InternalServiceError", 500, "x", "server"), call).retryable).toBe(true);
    expect(mapAwsError(serviceError("AccessDeniedException", 400), call).retryable).toBe(false);
    expect(mapAwsError(serviceError("ResourceNotFoundException", 400), call).retryable).toBe(false);
  });
});

describe("aws-secrets-manager destination with a mocked client", () => {
  it("sends nothing when constructed", () => {
    destination();

    expect(mock.calls()).toHaveLength(0);
  });

  it("stages with PutSecretValue: AWSPENDING and the derived ClientRequestToken", async () => {
    mock.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "no such version", $metadata: {} }));
    mock.on(PutSecretValueCommand).resolves({ VersionId: versionIdFor(ctx.token) });

    await destination().write(new SecretValue("mga_sk_new"), ctx);

    expect(mock.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: "app/key",
      SecretString: "mga_sk_new",
      ClientRequestToken: versionIdFor(ctx.token),
      VersionStages: ["AWSPENDING"],
    });
  });

  it("a missing secret reads as absent, but denied reads are AccessDeniedError", async () => {
    mock
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "missing", $metadata: {} }))
      .rejects(serviceError("AccessDeniedException", 400));
    const target = destination();

    expect(await target.read()).toEqual({ kind: "absent" });
    const error = await errorOf(target.read());

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).permission).toBe("secretsmanager:GetSecretValue");
  });

  it("a denied DescribeSecret fails activate with the DescribeSecret permission", async () => {
    mock.on(DescribeSecretCommand).rejects(serviceError("AccessDeniedException", 400));

    const error = await errorOf(destination().activate(ctx));

    expect((error as AccessDeniedError).permission).toBe("secretsmanager:DescribeSecret");
  });

  it("a SecretBinary secret and a non-string JSON field are DestinationErrors", async () => {
    mock
      .on(GetSecretValueCommand)
      .resolvesOnce({ VersionId: "v".repeat(32), SecretBinary: new Uint8Array([1]) })
      .resolves({ VersionId: "v".repeat(32), SecretString: JSON.stringify({ KEY: 42 }) });

    const binary = await errorOf(destination().read());
    const numeric = await errorOf(destination({ jsonField: "KEY" }).read());

    expect(binary).toBeInstanceOf(DestinationError);
    expect((binary as Error).message).toMatch(/SecretBinary/);
    expect((numeric as Error).message).toMatch(/field "KEY" holds a number/);
  });
});
