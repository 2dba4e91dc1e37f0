// GCP Secret Manager part: the v1 REST fake on 127.0.0.1 (bearer auth), the secret's `latest`
// version holding the key in use, and a pre-issued access token read from the environment.
import type { GcpSecretManagerFake } from "../../../providers/gcp-secret-manager/fake.js";
import type { PartWith, SandboxPartInput } from "./types.js";

const TOKEN = "ya29.sandbox-access-token";

export interface GcpPartOptions {
  config?: Record<string, unknown>;
}

export async function startGcpPart(input: SandboxPartInput, options: GcpPartOptions = {}): Promise<PartWith<GcpSecretManagerFake>> {
  const { startGcpSecretManagerFake } = await import("../../../providers/gcp-secret-manager/fake.js");
  const fake = await startGcpSecretManagerFake({ project: "sandbox-project", secret: "mga-api-key", token: TOKEN });
  fake.seed(input.currentKey);
  return {
    type: "gcp-secret-manager",
    label: `GCP Secret Manager ${fake.project}/${fake.secret} (latest)`,
    fake,
    destination: {
      type: "gcp-secret-manager",
      project: fake.project,
      secret: fake.secret,
      apiEndpoint: fake.apiEndpoint,
      credentials: { type: "access-token", token: "${SANDBOX_GCP_ACCESS_TOKEN}" },
      timeout: "5s",
      ...options.config,
    },
    env: { SANDBOX_GCP_ACCESS_TOKEN: TOKEN },
    consumerValue: async () => fake.latestValue(),
    close: () => fake.close(),
  };
}
