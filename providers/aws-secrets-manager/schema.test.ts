// The destination's config: defaults, strictness, cross-field rules, the default id, and that it
// fits the config union and JSON Schema generation the way the registry uses it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { awsSecretsManagerConfigSchema, defaultId } from "./schema.js";

const base = { type: "aws-secrets-manager", region: "us-east-1", secretId: "prod/mga-api-key" };
const issues = (input: unknown) =>
  awsSecretsManagerConfigSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) ?? [];

describe("aws-secrets-manager config", () => {
  it("defaults createIfMissing to false and keeps the rest", () => {
    const config = awsSecretsManagerConfigSchema.parse({ ...base, jsonField: "MGA_API_KEY", endpoint: "http://127.0.0.1:4566" });

    expect(config).toEqual({ ...base, jsonField: "MGA_API_KEY", endpoint: "http://127.0.0.1:4566", createIfMissing: false });
  });

  it("derives the default id from region, secret and field", () => {
    expect(defaultId(awsSecretsManagerConfigSchema.parse(base))).toBe("aws-secrets-manager:us-east-1/prod/mga-api-key");
    expect(defaultId({ ...base, jsonField: "KEY" })).toBe("aws-secrets-manager:us-east-1/prod/mga-api-key#KEY");
  });

  it("rejects unknown fields, bad regions and endpoints, and incomplete credentials", () => {
    expect(issues({ ...base, secretName: "x" })).toEqual([': Unrecognized key: "secretName"']);
    expect(issues({ ...base, region: "US East" })).toEqual(["region: an AWS region such as us-east-1"]);
    expect(issues({ ...base, endpoint: "ftp://example.com" })).toHaveLength(1);
    expect(issues({ ...base, credentials: { accessKeyId: "AKIA0000" } })).toEqual([
      "credentials.secretAccessKey: Invalid input: expected string, received undefined",
    ]);
  });

  it("createIfMissing needs a secret name, not an ARN", () => {
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/mga-api-key-AbCdEf";

    expect(issues({ ...base, secretId: arn })).toEqual([]);
    expect(issues({ ...base, secretId: arn, createIfMissing: true })).toEqual([
      "secretId: createIfMissing needs a secret name (letters, digits and /_+=.@-), not an ARN",
    ]);
  });

  it("joins a discriminated union of destinations and generates a JSON Schema with descriptions", () => {
    const union = z.discriminatedUnion("type", [awsSecretsManagerConfigSchema, z.object({ type: z.literal("other") })]);

    const jsonSchema = z.toJSONSchema(awsSecretsManagerConfigSchema, { io: "input" }) as { properties: Record<string, { description?: string }> };

    expect(union.parse(base)).toMatchObject({ type: "aws-secrets-manager" });
    for (const [name, property] of Object.entries(jsonSchema.properties)) {
      if (name !== "type") expect(property.description, name).toBeTruthy();
    }
  });

  it("schema.ts does not load the AWS SDK (the registry imports it eagerly)", () => {
    const source = readFileSync(new URL("./schema.ts", import.meta.url), "utf8");

    expect(source).not.toMatch(/from\s+["']@aws-sdk/);
  });
});
