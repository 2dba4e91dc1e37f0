// AWS Secrets Manager part: the awsJson1_1 fake on 127.0.0.1, one secret holding the key in use, and
// explicit dummy credentials read from the environment (the fake checks no signature; explicit
// credentials keep the SDK off the default chain: no profile, no instance metadata).
import type { AwsSecretsManagerFake } from "../../../providers/aws-secrets-manager/fake.js";
import type { PartWith, SandboxPartInput } from "./types.js";

export const AWS_SANDBOX = { region: "us-east-1", secretId: "sandbox/mga-api-key" } as const;

export interface AwsPartOptions {
  secretId?: string;
  /** Extra fields of the destination's config entry. */
  config?: Record<string, unknown>;
}

export async function startAwsPart(input: SandboxPartInput, options: AwsPartOptions = {}): Promise<PartWith<AwsSecretsManagerFake>> {
  const { startAwsSecretsManagerFake } = await import("../../../providers/aws-secrets-manager/fake.js");
  const secretId = options.secretId ?? AWS_SANDBOX.secretId;
  const fake = await startAwsSecretsManagerFake({ region: AWS_SANDBOX.region });
  fake.seed(secretId, input.currentKey);
  return {
    type: "aws-secrets-manager",
    label: `AWS Secrets Manager ${secretId} (AWSCURRENT)`,
    fake,
    destination: {
      type: "aws-secrets-manager",
      region: AWS_SANDBOX.region,
      secretId,
      endpoint: fake.endpoint,
      credentials: { accessKeyId: "${SANDBOX_AWS_ACCESS_KEY_ID}", secretAccessKey: "${SANDBOX_AWS_SECRET_ACCESS_KEY}" },
      ...options.config,
    },
    env: {
      SANDBOX_AWS_ACCESS_KEY_ID: "AKIASANDBOX000000000",
      SANDBOX_AWS_SECRET_ACCESS_KEY: "sandbox-dummy-secret-access-key",
      // The SDK's notice that releases after January 2027 need Node 22 says nothing about the sandbox.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    consumerValue: async () => fake.current(secretId),
    close: () => fake.close(),
  };
}
