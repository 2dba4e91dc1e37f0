// Every provider the config can name, by `type`. Adding a destination touches its folder and one
// entry here; test/registry.test.ts fails when a provider folder is missing from this map. Schemas
// load eagerly (they are small); each module, and so its SDK, loads only when a config uses it.
import type { DestinationEntry } from "./core/provider.js";
import { defaultId as awsDefaultId, awsSecretsManagerConfigSchema } from "../providers/aws-secrets-manager/schema.js";
import { defaultId as azureDefaultId, azureKeyVaultConfigSchema } from "../providers/azure-key-vault/schema.js";
import { dotenvConfigSchema } from "../providers/dotenv/schema.js";
import { defaultId as gcpDefaultId, gcpSecretManagerConfigSchema } from "../providers/gcp-secret-manager/schema.js";
import { defaultId as railwayDefaultId, railwayConfigSchema } from "../providers/railway/schema.js";
import { defaultId as vercelDefaultId, vercelConfigSchema } from "../providers/vercel/schema.js";

export const destinationRegistry = {
  dotenv: {
    schema: dotenvConfigSchema,
    defaultId: (config) => `dotenv:${config.path}#${config.variable}`,
    load: () => import("../providers/dotenv/index.js"),
  } satisfies DestinationEntry<typeof dotenvConfigSchema>,
  "aws-secrets-manager": {
    schema: awsSecretsManagerConfigSchema,
    defaultId: awsDefaultId,
    load: () => import("../providers/aws-secrets-manager/index.js"),
  } satisfies DestinationEntry<typeof awsSecretsManagerConfigSchema>,
  "gcp-secret-manager": {
    schema: gcpSecretManagerConfigSchema,
    defaultId: gcpDefaultId,
    load: () => import("../providers/gcp-secret-manager/index.js"),
  } satisfies DestinationEntry<typeof gcpSecretManagerConfigSchema>,
  "azure-key-vault": {
    schema: azureKeyVaultConfigSchema,
    defaultId: azureDefaultId,
    load: () => import("../providers/azure-key-vault/index.js"),
  } satisfies DestinationEntry<typeof azureKeyVaultConfigSchema>,
  vercel: {
    schema: vercelConfigSchema,
    defaultId: vercelDefaultId,
    load: () => import("../providers/vercel/index.js"),
  } satisfies DestinationEntry<typeof vercelConfigSchema>,
  railway: {
    schema: railwayConfigSchema,
    defaultId: railwayDefaultId,
    load: () => import("../providers/railway/index.js"),
  } satisfies DestinationEntry<typeof railwayConfigSchema>,
} as const;

export type DestinationType = keyof typeof destinationRegistry;
