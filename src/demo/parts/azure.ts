// Azure Key Vault part: the secrets API fake over http on 127.0.0.1 (with the bearer challenge), the
// secret's newest version holding the key in use, and an access token read from the environment (so
// the sandbox never loads @azure/identity).
import type { AzureKeyVaultFake } from "../../../providers/azure-key-vault/fake.js";
import type { PartWith, SandboxPartInput } from "./types.js";

const TOKEN = "sandbox-key-vault-token";
export const AZURE_SANDBOX_SECRET = "mga-api-key";

export interface AzurePartOptions {
  config?: Record<string, unknown>;
}

export async function startAzurePart(input: SandboxPartInput, options: AzurePartOptions = {}): Promise<PartWith<AzureKeyVaultFake>> {
  const { startAzureKeyVaultFake } = await import("../../../providers/azure-key-vault/fake.js");
  const fake = await startAzureKeyVaultFake({ token: TOKEN });
  fake.seed(AZURE_SANDBOX_SECRET, input.currentKey);
  return {
    type: "azure-key-vault",
    label: `Azure Key Vault secret ${AZURE_SANDBOX_SECRET} (newest version)`,
    fake,
    destination: {
      type: "azure-key-vault",
      vaultUrl: fake.vaultUrl,
      secretName: AZURE_SANDBOX_SECRET,
      credential: { type: "access-token", token: "${SANDBOX_AZURE_ACCESS_TOKEN}" },
      ...options.config,
    },
    env: { SANDBOX_AZURE_ACCESS_TOKEN: TOKEN },
    consumerValue: async () => fake.latestValue(AZURE_SANDBOX_SECRET),
    close: () => fake.close(),
  };
}
