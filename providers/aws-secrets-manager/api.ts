// The Secrets Manager calls the destination makes, over a client built on first use: the SDK is
// loaded with a dynamic import() then, so constructing a destination needs neither the SDK nor
// credentials. Each call maps its failure once (errors.ts); conditions the destination handles
// (a missing version, a name already taken) come back as values instead.
import type * as SecretsManagerSdk from "@aws-sdk/client-secrets-manager";
import type { SecretsManagerClient, SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import type { AwsSecretsManagerConfig } from "./schema.js";
import { awsErrorName, mapAwsError } from "./errors.js";

export const AWSCURRENT = "AWSCURRENT";
export const AWSPREVIOUS = "AWSPREVIOUS";
export const AWSPENDING = "AWSPENDING";

type Sdk = typeof SecretsManagerSdk;
let sdk: Promise<Sdk> | undefined;
const loadSdk = () => (sdk ??= import("@aws-sdk/client-secrets-manager"));

/** Hung connections fail and are retried instead of stalling a rotation. */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 20_000, throwOnRequestTimeout: true };

export interface ClientOptions {
  /** A ready client (tests, or a caller sharing one); otherwise one is built on first use. */
  client?: SecretsManagerClient;
  /** Merged over the config of the client built here (tests: fast retries, short timeouts). */
  clientConfig?: SecretsManagerClientConfig;
}

export interface StoredVersion {
  versionId: string;
  /** Undefined when the version holds SecretBinary. */
  secretString: string | undefined;
  stages: string[];
}

export interface SecretState {
  /** Version id → staging labels, labelled versions only. */
  stages: Record<string, string[]>;
  rotationEnabled: boolean;
}

export function holderOf(state: SecretState, stage: string): string | undefined {
  return Object.entries(state.stages).find(([, labels]) => labels.includes(stage))?.[0];
}

export class SecretsManagerApi {
  #client: Promise<SecretsManagerClient> | undefined;

  constructor(
    private readonly config: AwsSecretsManagerConfig,
    private readonly options: ClientOptions,
  ) {}

  #buildClient(): Promise<SecretsManagerClient> {
    const { client, clientConfig } = this.options;
    if (client) return Promise.resolve(client);
    return loadSdk().then(
      (module) =>
        new module.SecretsManagerClient({
          region: this.config.region,
          ...(this.config.endpoint ? { endpoint: this.config.endpoint } : {}),
          ...(this.config.credentials ? { credentials: this.config.credentials } : {}),
          retryMode: "standard",
          requestHandler: REQUEST_HANDLER,
          ...clientConfig,
        }),
    );
  }

  async #send<T>(operation: string, call: (module: Sdk, client: SecretsManagerClient) => Promise<T>, redact: string[] = []): Promise<T> {
    try {
      const module = await loadSdk();
      this.#client ??= this.#buildClient();
      return await call(module, await this.#client);
    } catch (error) {
      throw mapAwsError(error, { operation, secretId: this.config.secretId, region: this.config.region, redact });
    }
  }

  #notFound(error: unknown): boolean {
    return awsErrorName((error as { cause?: unknown }).cause) === "ResourceNotFoundException";
  }

  /** One version by id or label; undefined when it (or the secret) does not exist. */
  async getVersion(selector: { versionId: string } | { stage: string }): Promise<StoredVersion | undefined> {
    const input = {
      SecretId: this.config.secretId,
      ...("versionId" in selector ? { VersionId: selector.versionId } : { VersionStage: selector.stage }),
    };
    try {
      const output = await this.#send("GetSecretValue", (m, c) => c.send(new m.GetSecretValueCommand(input)));
      return { versionId: output.VersionId ?? "", secretString: output.SecretString, stages: output.VersionStages ?? [] };
    } catch (error) {
      if (this.#notFound(error)) return undefined;
      throw error;
    }
  }

  /** The secret's labelled versions; undefined when the secret does not exist. */
  async describe(): Promise<SecretState | undefined> {
    const input = { SecretId: this.config.secretId };
    try {
      const output = await this.#send("DescribeSecret", (m, c) => c.send(new m.DescribeSecretCommand(input)));
      return { stages: output.VersionIdsToStages ?? {}, rotationEnabled: output.RotationEnabled === true };
    } catch (error) {
      if (this.#notFound(error)) return undefined;
      throw error;
    }
  }

  /** A new version with `stages` (default: AWSCURRENT, AWSPREVIOUS moving to the old one). */
  async put(secretString: string, versionId: string, stages?: string[]): Promise<"written" | "missing"> {
    const input = {
      SecretId: this.config.secretId,
      SecretString: secretString,
      ClientRequestToken: versionId,
      ...(stages ? { VersionStages: stages } : {}),
    };
    try {
      await this.#send("PutSecretValue", (m, c) => c.send(new m.PutSecretValueCommand(input)), [secretString]);
      return "written";
    } catch (error) {
      if (this.#notFound(error)) return "missing";
      throw error;
    }
  }

  /** Creates the secret with this first version (always AWSCURRENT); "exists" when another run won a race. */
  async create(secretString: string, versionId: string): Promise<"created" | "exists"> {
    const input = {
      Name: this.config.secretId,
      SecretString: secretString,
      ClientRequestToken: versionId,
      Description: "MGA API key, managed by key-rotator",
    };
    try {
      await this.#send("CreateSecret", (m, c) => c.send(new m.CreateSecretCommand(input)), [secretString]);
      return "created";
    } catch (error) {
      if (awsErrorName((error as { cause?: unknown }).cause) === "ResourceExistsException") return "exists";
      throw error;
    }
  }

  /** Moves `stage` to `moveTo` (off `removeFrom`), or only removes it when `moveTo` is absent. */
  async moveStage(stage: string, versions: { moveTo?: string; removeFrom?: string }): Promise<void> {
    const input = {
      SecretId: this.config.secretId,
      VersionStage: stage,
      ...(versions.moveTo ? { MoveToVersionId: versions.moveTo } : {}),
      ...(versions.removeFrom ? { RemoveFromVersionId: versions.removeFrom } : {}),
    };
    await this.#send("UpdateSecretVersionStage", (m, c) => c.send(new m.UpdateSecretVersionStageCommand(input)));
  }
}
