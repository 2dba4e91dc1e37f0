// The Entra ID credential a vault client authenticates with, built from config on first use.
// @azure/identity is heavy (msal: ~50 MB installed, the slowest import here), so it is imported only
// for the credential types that need it; a pre-issued token needs nothing but this file.
import type { SecretClient } from "@azure/keyvault-secrets";
import type { AzureKeyVaultConfig } from "./schema.js";

/** core-auth's TokenCredential, as SecretClient takes it. */
export type KeyVaultCredential = ConstructorParameters<typeof SecretClient>[1];

/** Lifetime we claim for a pre-issued token; the client asks again after it, and gets the same one. */
const STATIC_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export function staticTokenCredential(token: string): KeyVaultCredential {
  return {
    getToken: async () => ({ token, expiresOnTimestamp: Date.now() + STATIC_TOKEN_LIFETIME_MS, tokenType: "Bearer" }),
  };
}

/** Words for errors: which settings decide who we are, without their values. */
export function describeCredential(config: Pick<AzureKeyVaultConfig, "credential" | "authorityHost">): string {
  const authority = config.authorityHost === undefined ? "" : `, authorityHost ${config.authorityHost}`;
  const credential = config.credential ?? { type: "default" as const };
  switch (credential.type) {
    case "default":
      return `DefaultAzureCredential (environment AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE, managed identity, az login${authority})`;
    case "client-secret":
      return `client-secret credential (tenantId ${credential.tenantId}, clientId ${credential.clientId}, clientSecret${authority})`;
    case "managed-identity":
      return `managed identity (${credential.clientId === undefined ? "system-assigned" : `clientId ${credential.clientId}`})`;
    case "access-token":
      return "access-token credential (credential.token: is it expired, or issued for another tenant or resource than https://vault.azure.net?)";
  }
}

export async function createCredential(config: Pick<AzureKeyVaultConfig, "credential" | "authorityHost">): Promise<KeyVaultCredential> {
  const credential = config.credential ?? { type: "default" as const };
  if (credential.type === "access-token") return staticTokenCredential(credential.token);
  const identity = await import("@azure/identity");
  const authority = config.authorityHost === undefined ? {} : { authorityHost: config.authorityHost };
  switch (credential.type) {
    case "default":
      return new identity.DefaultAzureCredential(authority);
    case "client-secret":
      return new identity.ClientSecretCredential(credential.tenantId, credential.clientId, credential.clientSecret, authority);
    case "managed-identity":
      return credential.clientId === undefined
        ? new identity.ManagedIdentityCredential()
        : new identity.ManagedIdentityCredential({ clientId: credential.clientId });
  }
}
