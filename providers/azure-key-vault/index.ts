// The `azure-key-vault` destination: the key lives in one secret; every write adds a version and the
// newest version is what consumers read. Key Vault has no idempotency token, so each version we write
// carries tags: the rotation's token and the id of the version it replaced. A retried write finds its
// own tag on the newest version and does nothing; previous() follows the recorded id. Nothing secret
// is tagged or logged. We never DELETE the secret (soft delete would block its name, 409).
import type { KeyVaultSecret, SecretClient, SecretClientOptions, SecretProperties } from "@azure/keyvault-secrets";
import type { Confirmation, Destination, DestinationCapabilities, DestinationContext, DestinationValue } from "../../src/core/destination.js";
import { DestinationError } from "../../src/core/errors.js";
import type { ProviderContext } from "../../src/core/provider.js";
import { withRetry, type RetryPolicy } from "../../src/core/retry.js";
import { fingerprintOf, SecretValue, shortFingerprint } from "../../src/core/secret.js";
import { createCredential, describeCredential, type KeyVaultCredential } from "./credential.js";
import { innerCode, isSecretNotFound, mapKeyVaultError, statusOf, type VaultOperation } from "./errors.js";
import { defaultId, isLoopbackHttp, type AzureKeyVaultConfig } from "./schema.js";

/** On a version we wrote: the rotation's deterministic token. */
export const ROTATION_TAG = "key-rotator-rotation";
/** On a version we wrote: the id of the version that was newest before it, or "none". */
export const PREVIOUS_TAG = "key-rotator-previous-version";
/** On a version a rollback wrote: the rotation's token. */
export const RESTORE_TAG = "key-rotator-restore";
const NO_PREVIOUS = "none";
const OUR_TAGS = [ROTATION_TAG, PREVIOUS_TAG, RESTORE_TAG];

/** Our bounded retries on top of the SDK's own (3 tries, Retry-After honoured). */
export const AZURE_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000, maxHintMs: 60_000 };
const REQUEST_TIMEOUT_MS = 30_000;

/** The SecretClient calls this destination makes; tests may pass a ready client. */
export type VaultClient = Pick<SecretClient, "getSecret" | "setSecret" | "listPropertiesOfSecretVersions" | "updateSecretProperties">;

export interface AzureKeyVaultOverrides {
  client?: VaultClient;
  /** Used instead of the configured credential (tests: a stub that returns the fake's token). */
  credential?: KeyVaultCredential;
  /** The SDK's own retry options (its defaults wait 1 s, 2 s, 4 s). */
  retryOptions?: SecretClientOptions["retryOptions"];
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
}

type Latest = { kind: "value"; secret: KeyVaultSecret } | { kind: "absent" };

const CAPABILITIES: DestinationCapabilities = { readable: true, versioned: true, needsRedeploy: false, idempotencyToken: true };

/** A Destination whose optional previous() and retire() are always there. */
export type AzureKeyVaultDestination = Destination & Required<Pick<Destination, "previous" | "retire">>;

export function createDestination(config: AzureKeyVaultConfig, context: ProviderContext, overrides: AzureKeyVaultOverrides = {}): AzureKeyVaultDestination {
  return new KeyVaultSecretDestination(config, context, overrides);
}

class KeyVaultSecretDestination implements AzureKeyVaultDestination {
  readonly id: string;
  readonly type = "azure-key-vault";
  readonly capabilities = CAPABILITIES;
  readonly #config: AzureKeyVaultConfig;
  readonly #context: ProviderContext;
  readonly #overrides: AzureKeyVaultOverrides;
  readonly #log: ProviderContext["log"];
  readonly #requestOptions: { timeout: number };
  #client: Promise<VaultClient> | undefined;

  constructor(config: AzureKeyVaultConfig, context: ProviderContext, overrides: AzureKeyVaultOverrides) {
    this.#config = config;
    this.#context = context;
    this.#overrides = overrides;
    this.id = config.id ?? defaultId(config);
    this.#log = context.log.child({ destination: this.id });
    this.#requestOptions = { timeout: overrides.requestTimeoutMs ?? REQUEST_TIMEOUT_MS };
  }

  describe(): string {
    return `Azure Key Vault ${new URL(this.#config.vaultUrl).host} secret ${this.#config.secretName}`;
  }

  async read(): Promise<DestinationValue> {
    const latest = await this.#retrying(() => this.#latest());
    return latest.kind === "value" ? { kind: "value", value: new SecretValue(latest.secret.value ?? "") } : { kind: "absent" };
  }

  async write(value: SecretValue, context: DestinationContext): Promise<void> {
    await this.#retrying(async () => {
      const latest = await this.#latest();
      if (latest.kind === "value" && ours(latest.secret.properties, context) && fingerprintOf(latest.secret.value ?? "") === value.fingerprint) {
        this.#log.info({ rotationId: context.rotationId, version: latest.secret.properties.version }, "newest version already holds this rotation's value; not writing again");
        return;
      }
      const carried = latest.kind === "value" ? carry(latest.secret.properties) : {};
      const previous = latest.kind === "value" ? (latest.secret.properties.version ?? NO_PREVIOUS) : NO_PREVIOUS;
      const written = await this.#call("set", (client) =>
        client.setSecret(this.#config.secretName, value.reveal(), {
          ...carried,
          tags: { ...carried.tags, [ROTATION_TAG]: context.token, [PREVIOUS_TAG]: previous },
          requestOptions: this.#requestOptions,
        }), value.reveal());
      this.#log.info({ rotationId: context.rotationId, version: written.properties.version, fingerprint: shortFingerprint(value.fingerprint) }, "wrote a new version");
    });
  }

  /** Consumers read the newest version on demand: nothing to redeploy. */
  async activate(): Promise<void> {}

  async confirm(fingerprint: string): Promise<Confirmation> {
    const current = await this.read();
    return current.kind === "value" && current.value.fingerprint === fingerprint ? "confirmed" : "mismatch";
  }

  /**
   * A value: written again as the newest version (skipped if it already is). Absent: the versions this
   * rotation wrote are disabled, so a consumer finds no enabled latest version, as before; the secret
   * is never deleted, because a soft-deleted name cannot be written again until purged.
   */
  async restore(previous: DestinationValue, context: DestinationContext): Promise<void> {
    if (previous.kind === "unreadable") throw new DestinationError(`${this.describe()}: cannot restore a snapshot that was not read`);
    if (previous.kind === "absent") return this.#retrying(() => this.#disableOurs(context));
    await this.#retrying(async () => {
      const latest = await this.#latest();
      if (latest.kind === "value" && fingerprintOf(latest.secret.value ?? "") === previous.value.fingerprint) return;
      const carried = latest.kind === "value" ? carry(latest.secret.properties) : {};
      const written = await this.#call("set", (client) =>
        client.setSecret(this.#config.secretName, previous.value.reveal(), {
          ...carried,
          tags: { ...carried.tags, [RESTORE_TAG]: context.token },
          requestOptions: this.#requestOptions,
        }), previous.value.reveal());
      this.#log.info({ rotationId: context.rotationId, version: written.properties.version, fingerprint: shortFingerprint(previous.value.fingerprint) }, "restored the previous value as a new version");
    });
  }

  /** The version our first write replaced (recorded in its tag), else the newest enabled one before it. */
  async previous(context: DestinationContext): Promise<DestinationValue> {
    const versions = await this.#retrying(() => this.#versions());
    const first = versions.find((version) => ours(version, context));
    if (first === undefined) return this.read();
    const recorded = first.tags?.[PREVIOUS_TAG];
    if (recorded === NO_PREVIOUS) return { kind: "absent" };
    // Timestamps are whole seconds, so the recorded id beats ordering; ordering is the fallback.
    const before =
      versions.find((version) => version.version === recorded && version.enabled !== false) ??
      versions.filter((version) => version !== first && version.enabled !== false && !ours(version, context) && !restoredBy(version, context) && time(version) <= time(first)).at(-1);
    const version = before?.version;
    if (version === undefined) return { kind: "absent" };
    const secret = await this.#retrying(() => this.#call("get", (client) => client.getSecret(this.#config.secretName, { version, requestOptions: this.#requestOptions })));
    return { kind: "value", value: new SecretValue(secret.value ?? "") };
  }

  /** With disablePreviousVersion: disable enabled versions holding a revoked key, never the newest. */
  async retire(revokedFingerprints: string[], context: DestinationContext): Promise<void> {
    if (!this.#config.disablePreviousVersion) return;
    const revoked = new Set(revokedFingerprints);
    await this.#retrying(async () => {
      const latest = await this.#latest();
      const newest = latest.kind === "value" ? latest.secret.properties.version : undefined;
      if (latest.kind === "value" && revoked.has(fingerprintOf(latest.secret.value ?? ""))) {
        this.#log.warn({ rotationId: context.rotationId, version: newest }, "the newest version holds a revoked key; left enabled, consumers need a valid one written");
      }
      for (const version of await this.#versions()) {
        if (version.enabled === false || version.version === undefined || version.version === newest) continue;
        const held = await this.#valueOf(version.version);
        if (held === undefined || !revoked.has(fingerprintOf(held))) continue;
        await this.#disable(version.version);
        this.#log.info({ rotationId: context.rotationId, version: version.version, fingerprint: shortFingerprint(fingerprintOf(held)) }, "disabled a version holding a revoked key");
      }
    });
  }

  async #disableOurs(context: DestinationContext): Promise<void> {
    for (const version of await this.#versions()) {
      if (!ours(version, context) || version.enabled === false || version.version === undefined) continue;
      await this.#disable(version.version);
      this.#log.info({ rotationId: context.rotationId, version: version.version }, "disabled this rotation's version: the secret had no value before");
    }
  }

  async #disable(version: string): Promise<void> {
    await this.#call("update", (client) =>
      client.updateSecretProperties(this.#config.secretName, version, { enabled: false, requestOptions: this.#requestOptions }));
  }

  /** The value of one version; undefined when it got disabled meanwhile. */
  async #valueOf(version: string): Promise<string | undefined> {
    const client = await this.#clientOnce();
    try {
      return (await client.getSecret(this.#config.secretName, { version, requestOptions: this.#requestOptions })).value;
    } catch (error) {
      if (statusOf(error) === 403 && innerCode(error) === "SecretDisabled") return undefined;
      throw this.#map(error, "get");
    }
  }

  /** The newest version. A missing secret (404 SecretNotFound) and a disabled newest version are both "absent". */
  async #latest(): Promise<Latest> {
    const client = await this.#clientOnce();
    try {
      return { kind: "value", secret: await client.getSecret(this.#config.secretName, { requestOptions: this.#requestOptions }) };
    } catch (error) {
      if (isSecretNotFound(error)) return { kind: "absent" };
      if (statusOf(error) === 403 && innerCode(error) === "SecretDisabled") return { kind: "absent" };
      throw this.#map(error, "get");
    }
  }

  /** Every version's metadata (no values), oldest first: the service lists them by id, not by age. */
  async #versions(): Promise<SecretProperties[]> {
    const client = await this.#clientOnce();
    const all: SecretProperties[] = [];
    try {
      for await (const version of client.listPropertiesOfSecretVersions(this.#config.secretName, { requestOptions: this.#requestOptions })) all.push(version);
    } catch (error) {
      if (isSecretNotFound(error)) return [];
      throw this.#map(error, "list");
    }
    return all.sort((a, b) => time(a) - time(b));
  }

  async #call<T>(operation: VaultOperation, run: (client: VaultClient) => Promise<T>, value?: string): Promise<T> {
    const client = await this.#clientOnce();
    try {
      return await run(client);
    } catch (error) {
      throw this.#map(error, operation, value);
    }
  }

  #map(error: unknown, operation: VaultOperation, value?: string) {
    const { vaultUrl, secretName } = this.#config;
    return mapKeyVaultError(error, { operation, vaultUrl, secretName, credential: describeCredential(this.#config), value });
  }

  #retrying<T>(operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, this.#overrides.retry ?? AZURE_RETRY, {
      clock: this.#context.clock,
      onRetry: ({ attempt, delayMs, error }) => this.#log.warn({ attempt, delayMs, code: error.code }, `retrying Key Vault: ${error.message}`),
    });
  }

  /** Built on first use: constructing the destination needs no credentials and loads no SDK. */
  #clientOnce(): Promise<VaultClient> {
    this.#client ??= this.#build().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  async #build(): Promise<VaultClient> {
    if (this.#overrides.client !== undefined) return this.#overrides.client;
    const [{ SecretClient }, credential] = await Promise.all([
      import("@azure/keyvault-secrets"),
      this.#overrides.credential ?? createCredential(this.#config),
    ]);
    // A local fake speaks http on 127.0.0.1, and its challenge cannot name a 127.0.0.1 resource.
    const local = isLoopbackHttp(this.#config.vaultUrl);
    return new SecretClient(this.#config.vaultUrl, credential, {
      allowInsecureConnection: local,
      disableChallengeResourceVerification: this.#config.disableChallengeResourceVerification || local,
      userAgentOptions: { userAgentPrefix: "key-rotator" },
      ...(this.#overrides.retryOptions === undefined ? {} : { retryOptions: this.#overrides.retryOptions }),
    });
  }
}

function ours(version: SecretProperties, context: DestinationContext): boolean {
  return version.tags?.[ROTATION_TAG] === context.token;
}

function restoredBy(version: SecretProperties, context: DestinationContext): boolean {
  return version.tags?.[RESTORE_TAG] === context.token;
}

function time(version: SecretProperties): number {
  return version.createdOn?.getTime() ?? 0;
}

/** What a new version keeps from the one it replaces: content type and the operator's tags. */
function carry(properties: SecretProperties): { contentType?: string; tags?: Record<string, string> } {
  const tags = Object.fromEntries(Object.entries(properties.tags ?? {}).filter(([name]) => !OUR_TAGS.includes(name)));
  return { ...(properties.contentType === undefined ? {} : { contentType: properties.contentType }), tags };
}
