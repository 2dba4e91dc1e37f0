// Config of the `aws-secrets-manager` destination: one secret (or one field of a JSON secret) in AWS
// Secrets Manager. Loaded eagerly by the registry, so it must not import the AWS SDK.
import { z } from "zod";

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const REGION = /^[a-z]{2,}(-[a-z]+)+-\d+$/;

export const awsCredentialsSchema = z
  .object({
    accessKeyId: z.string().min(1).describe("Access key id, e.g. \"${AWS_ACCESS_KEY_ID}\""),
    secretAccessKey: z.string().min(1).describe("Secret access key; read it from the environment: \"${AWS_SECRET_ACCESS_KEY}\""),
    sessionToken: z.string().min(1).optional().describe("Session token of temporary credentials"),
  })
  .strict()
  .describe("Explicit credentials; leave out to use the AWS default chain (env, profile, SSO, IAM role)");

export const awsSecretsManagerConfigSchema = z
  .object({
    type: z.literal("aws-secrets-manager"),
    id: z
      .string()
      .min(1)
      .optional()
      .describe("Unique id of this destination within the key; default aws-secrets-manager:<region>/<secretId>[#<jsonField>]"),
    region: z.string().regex(REGION, "an AWS region such as us-east-1").describe("AWS region of the secret, e.g. us-east-1"),
    secretId: z
      .string()
      .min(1)
      .max(2048)
      .describe("Name or full ARN of the secret, e.g. prod/mga-api-key"),
    jsonField: z
      .string()
      .min(1)
      .optional()
      .describe("The secret is a JSON object: write the key to this field and keep every other field"),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("Secrets Manager endpoint override (VPC endpoint, proxy, local fake); default the regional AWS endpoint"),
    createIfMissing: z
      .boolean()
      .default(false)
      .describe("Create the secret when it does not exist (needs secretsmanager:CreateSecret); default false: a missing secret is an error"),
    credentials: awsCredentialsSchema.optional(),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.createIfMissing && !SECRET_NAME.test(config.secretId)) {
      context.addIssue({
        code: "custom",
        path: ["secretId"],
        message: "createIfMissing needs a secret name (letters, digits and /_+=.@-), not an ARN",
      });
    }
  })
  .describe("A secret in AWS Secrets Manager: staged as AWSPENDING, then promoted to AWSCURRENT");

export type AwsSecretsManagerConfig = z.infer<typeof awsSecretsManagerConfigSchema>;

/** Stable id when the config gives none: region, secret and field, no secrets. */
export function defaultId(config: Pick<AwsSecretsManagerConfig, "region" | "secretId" | "jsonField">): string {
  return `aws-secrets-manager:${config.region}/${config.secretId}${config.jsonField ? `#${config.jsonField}` : ""}`;
}
