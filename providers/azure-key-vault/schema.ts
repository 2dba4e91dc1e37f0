// Config of the `azure-key-vault` destination: one secret in one vault, and the credential that
// reaches it. Loaded eagerly by the registry, so it must not import the Azure SDKs.
import { z } from "zod";

/** Key Vault's own rule for object names (no flags: the JSON Schema `pattern` carries none). */
export const SECRET_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A vault URL served over plain http on this machine: a local fake (tests, the demo sandbox). */
export function isLoopbackHttp(vaultUrl: string): boolean {
  const url = new URL(vaultUrl);
  return url.protocol === "http:" && (LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith("127."));
}

const defaultCredentialSchema = z
  .object({ type: z.literal("default").describe("DefaultAzureCredential") })
  .strict()
  .describe(
    "DefaultAzureCredential: environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET…), workload identity, managed identity, then developer logins (Azure CLI, azd, PowerShell)",
  );

const clientSecretCredentialSchema = z
  .object({
    type: z.literal("client-secret").describe("A service principal with a client secret"),
    tenantId: z.string().min(1).describe("Entra ID tenant (directory) id or domain"),
    clientId: z.string().min(1).describe("Application (client) id of the service principal"),
    clientSecret: z.string().min(1).describe('Client secret; use "${AZURE_CLIENT_SECRET}", never a literal'),
  })
  .strict()
  .describe("ClientSecretCredential: a service principal (works on Lambda and anywhere outside Azure)");

const managedIdentityCredentialSchema = z
  .object({
    type: z.literal("managed-identity").describe("The managed identity of the Azure host"),
    clientId: z
      .string()
      .min(1)
      .optional()
      .describe("Client id of a user-assigned managed identity; omit for the system-assigned one"),
  })
  .strict()
  .describe("ManagedIdentityCredential only, skipping DefaultAzureCredential's other sources");

const accessTokenCredentialSchema = z
  .object({
    type: z.literal("access-token").describe("A pre-issued bearer token"),
    token: z.string().min(1).describe('Bearer token for https://vault.azure.net; use "${VAR}". Not refreshed'),
  })
  .strict()
  .describe("A token issued elsewhere (the local sandbox, or short jobs fed by `az account get-access-token`)");

export const azureCredentialSchema = z
  .discriminatedUnion("type", [
    defaultCredentialSchema,
    clientSecretCredentialSchema,
    managedIdentityCredentialSchema,
    accessTokenCredentialSchema,
  ])
  .describe("How to authenticate to Entra ID; default DefaultAzureCredential");

export const azureKeyVaultConfigSchema = z
  .object({
    type: z.literal("azure-key-vault").describe("An Azure Key Vault secret"),
    id: z
      .string()
      .min(1)
      .optional()
      .describe("Unique id of this destination within the key; default azure-key-vault:<vault host>/<secretName>"),
    vaultUrl: z
      .url()
      .refine((text) => new URL(text).protocol === "https:" || isLoopbackHttp(text), {
        message: "expected https://<vault>.vault.azure.net (plain http only for a local fake on 127.0.0.1)",
      })
      .refine((text) => ["", "/"].includes(new URL(text).pathname), {
        message: "expected the vault's URI with no path, e.g. https://my-vault.vault.azure.net",
      })
      .describe("The vault's URI, e.g. https://my-vault.vault.azure.net (the portal's Vault URI)"),
    secretName: z
      .string()
      .regex(SECRET_NAME_PATTERN, "1-127 letters, digits and dashes; underscores are not allowed (use MGA-API-KEY, not MGA_API_KEY)")
      .describe("Name of the secret; every write adds a version, and the newest enabled one is what consumers read"),
    disablePreviousVersion: z
      .boolean()
      .default(false)
      .describe("After the old key is revoked, disable the versions that still hold it (they can be re-enabled)"),
    credential: azureCredentialSchema
      .optional()
      .describe("How to authenticate to Entra ID: default, client-secret, managed-identity or access-token; default DefaultAzureCredential"),
    authorityHost: z
      .url()
      .optional()
      .describe("Entra ID authority for sovereign clouds, e.g. https://login.microsoftonline.us or https://login.chinacloudapi.cn"),
    disableChallengeResourceVerification: z
      .boolean()
      .default(false)
      .describe("Skip the check that the challenge's resource matches the vault's domain (custom domains, private proxies)"),
  })
  .strict()
  .describe("A secret in Azure Key Vault; each rotation adds a version, rollback adds the old value back");

export type AzureKeyVaultConfig = z.infer<typeof azureKeyVaultConfigSchema>;
export type AzureCredentialConfig = z.infer<typeof azureCredentialSchema>;

/** Stable id when the config gives none: vault host and secret name, no secrets. */
export function defaultId(config: Pick<AzureKeyVaultConfig, "vaultUrl" | "secretName">): string {
  return `azure-key-vault:${new URL(config.vaultUrl).host}/${config.secretName}`;
}
