// The `azure-key-vault` config: names as Key Vault allows them, https vault URIs (http only on
// loopback), the credential variants, defaults, and the default id.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { azureKeyVaultConfigSchema, defaultId, isLoopbackHttp } from "./schema.js";

const base = { type: "azure-key-vault", vaultUrl: "https://my-vault.vault.azure.net", secretName: "mga-api-key" };
const issues = (input: Record<string, unknown>) =>
  azureKeyVaultConfigSchema.safeParse({ ...base, ...input }).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) ?? [];

describe("azure-key-vault config", () => {
  it("applies defaults: DefaultAzureCredential, no version disabling, challenge verification on", () => {
    const config = azureKeyVaultConfigSchema.parse(base);

    expect(config).toEqual({ ...base, disablePreviousVersion: false, disableChallengeResourceVerification: false });
  });

  it("refuses underscores in the secret name and says so", () => {
    expect(issues({ secretName: "MGA_API_KEY" })).toEqual([
      "secretName: 1-127 letters, digits and dashes; underscores are not allowed (use MGA-API-KEY, not MGA_API_KEY)",
    ]);
    expect(issues({ secretName: "a".repeat(128) })).toHaveLength(1);
    expect(issues({ secretName: "a".repeat(127) })).toEqual([]);
  });

  it("wants an https vault URI with no path; plain http only on loopback", () => {
    expect(issues({ vaultUrl: "http://my-vault.vault.azure.net" })[0]).toContain("plain http only for a local fake");
    expect(issues({ vaultUrl: "https://my-vault.vault.azure.net/secrets/x" })[0]).toContain("no path");
    expect(issues({ vaultUrl: "http://127.0.0.1:8443" })).toEqual([]);
    expect(isLoopbackHttp("http://localhost:1")).toBe(true);
    expect(isLoopbackHttp("https://127.0.0.1:1")).toBe(false);
  });

  it("accepts each credential type and refuses unknown fields", () => {
    const credentials = [
      { type: "default" },
      { type: "client-secret", tenantId: "t", clientId: "c", clientSecret: "s" },
      { type: "managed-identity", clientId: "c" },
      { type: "access-token", token: "eyJ" },
    ];

    expect(credentials.flatMap((credential) => issues({ credential }))).toEqual([]);
    expect(issues({ credential: { type: "client-secret", tenantId: "t", clientId: "c" } })).toEqual(["credential.clientSecret: Invalid input: expected string, received undefined"]);
    expect(issues({ region: "westeurope" })[0]).toContain("region");
  });

  it("derives the default id from the vault host and the secret name", () => {
    expect(defaultId(azureKeyVaultConfigSchema.parse(base))).toBe("azure-key-vault:my-vault.vault.azure.net/mga-api-key");
    expect(defaultId({ vaultUrl: "http://127.0.0.1:4000", secretName: "k" })).toBe("azure-key-vault:127.0.0.1:4000/k");
  });

  it("describes every field, for the generated JSON Schema", () => {
    const schema = z.toJSONSchema(azureKeyVaultConfigSchema, { io: "input" }) as { properties: Record<string, { description?: string }> };

    const undescribed = Object.entries(schema.properties).filter(([, field]) => field.description === undefined);

    expect(undescribed).toEqual([]);
    expect(JSON.stringify(schema)).toContain('"pattern":"^[0-9a-zA-Z-]{1,127}$"');
  });
});
