// The `gcp-secret-manager` destination. Consumers read the secret's `latest` version, which is always
// the newest version, so write() adds a version and activate() has nothing to do. The store keeps
// every version, which gives previous() after a crash. Two things shape the rest:
// - `latest` follows the newest version even when it is disabled (access then fails), so a rollback
//   never just disables ours: it adds the previous value as a new version, then disables ours.
// - addVersion has no request id: secret-versions.ts makes it land once.
//
// read() and "absent": an access of `latest` answers NOT_FOUND both for a secret with no versions and
// for a missing secret, so on NOT_FOUND we ask for the secret. A secret with no versions, or whose
// newest version is disabled or destroyed, is `absent` (consumers get nothing); a missing secret is a
// NotFoundError, since the rotator never creates secrets.
import type { Confirmation, Destination, DestinationContext, DestinationValue } from "../../src/core/destination.js";
import { AccessDeniedError, DestinationError, NotFoundError } from "../../src/core/errors.js";
import type { ProviderContext } from "../../src/core/provider.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../../src/core/retry.js";
import { shortFingerprint, type SecretValue } from "../../src/core/secret.js";
import { buildClient, type SecretManagerClient } from "./client.js";
import { defaultId, secretResourceName, type GcpSecretManagerConfig } from "./schema.js";
import { SecretVersions, type VersionMeta } from "./secret-versions.js";

export type { GcpSecretManagerConfig } from "./schema.js";
export type { SecretManagerClient } from "./client.js";

/** How far back previous(), restore() and retire() look. */
const MAX_VERSIONS = 100;

export interface GcpSecretManagerOptions {
  /** A ready client (tests, or a caller that shares one); otherwise one is built on first use. */
  client?: SecretManagerClient;
  retry?: RetryPolicy;
}

export function createDestination(
  config: GcpSecretManagerConfig,
  context: ProviderContext,
  options: GcpSecretManagerOptions = {},
): Destination {
  const id = config.id ?? defaultId(config);
  const log = context.log.child({ destination: id });
  const secret = secretResourceName(config);
  const label = `GCP Secret Manager secret ${secret}`;

  let client: Promise<SecretManagerClient> | undefined;
  const getClient = (): Promise<SecretManagerClient> => {
    client ??= (options.client ? Promise.resolve(options.client) : buildClient(config, log)).catch((error: unknown) => {
      client = undefined; // a failed setup (no credentials yet) is tried again on the next call
      throw error;
    });
    return client;
  };
  const versions = new SecretVersions({ secret, client: getClient, retry: options.retry ?? DEFAULT_RETRY, clock: context.clock, log });

  async function read(): Promise<DestinationValue> {
    const latest = await versions.access("latest");
    if (latest.kind === "value") return { kind: "value", value: latest.value };
    if (latest.kind === "not-found" && !(await versions.secretExists())) {
      throw new NotFoundError(`${label} does not exist: create it first (the rotator never creates secrets)`);
    }
    return { kind: "absent" };
  }

  /** Disables the versions, oldest first, so an interrupted run leaves the newest ones to find again. */
  async function disableAll(found: VersionMeta[]): Promise<void> {
    for (const version of [...found].reverse()) await versions.disable(version);
    if (found.length > 0) log.info({ versions: found.map((v) => v.number) }, "disabled secret versions");
  }

  /** Restore to "nothing": disable the enabled versions above the newest one that is not enabled. */
  async function disableNewestEnabled(): Promise<void> {
    const ours: VersionMeta[] = [];
    for await (const version of versions.list({ enabledOnly: false, limit: MAX_VERSIONS })) {
      if (!version.enabled) break;
      ours.push(version);
    }
    await disableAll(ours);
  }

  /**
   * After the previous value went back on top: disable the enabled versions between it and the
   * version that held it before (what this rotation wrote). Without that older version to anchor on,
   * nothing is disabled: they might not be ours.
   */
  async function disableBetween(previous: SecretValue): Promise<void> {
    const between: VersionMeta[] = [];
    let passedTop = false;
    for await (const version of versions.list({ enabledOnly: true, limit: MAX_VERSIONS })) {
      const held = await versions.access(version.number);
      if (held.kind !== "value") continue;
      const isPrevious = held.value.equals(previous);
      if (!passedTop && isPrevious) continue;
      passedTop = true;
      if (isPrevious) return disableAll(between);
      between.push(version);
    }
    if (between.length > 0) log.warn({ versions: between.map((v) => v.number) }, "restored, but left newer versions enabled: no older version holds the previous value");
  }

  return {
    id,
    type: "gcp-secret-manager",
    capabilities: { readable: true, versioned: true, needsRedeploy: false, idempotencyToken: false },
    describe: () => label,
    read,

    async write(value: SecretValue, ctx: DestinationContext): Promise<void> {
      const latest = await versions.access("latest");
      if (latest.kind === "value" && latest.value.equals(value)) {
        log.info({ rotationId: ctx.rotationId, version: latest.number }, "the newest version already holds the value");
        return;
      }
      const number = await versions.add(value);
      log.info({ rotationId: ctx.rotationId, version: number, fingerprint: shortFingerprint(value.fingerprint) }, "added a secret version");
    },

    async activate(): Promise<void> {
      // Consumers read `latest`, which is the version write() added.
    },

    async confirm(fingerprint: string): Promise<Confirmation> {
      const current = await read();
      return current.kind === "value" && current.value.fingerprint === fingerprint ? "confirmed" : "mismatch";
    },

    /** The newest enabled version before the newest one that holds another value; `absent` if none. */
    async previous(): Promise<DestinationValue> {
      const latest = await versions.access("latest");
      if (latest.kind !== "value") return { kind: "absent" };
      const oldest = Math.max(1, latest.number - MAX_VERSIONS);
      for (let number = latest.number - 1; number >= oldest; number--) {
        const held = await versions.access(number);
        if (held.kind === "value" && !held.value.equals(latest.value)) return { kind: "value", value: held.value };
      }
      if (oldest > 1) throw new DestinationError(`${label}: no other value in the newest ${MAX_VERSIONS} versions`);
      return { kind: "absent" };
    },

    async restore(previous: DestinationValue, ctx: DestinationContext): Promise<void> {
      if (previous.kind === "unreadable") throw new DestinationError(`${label}: cannot restore a value that was never read`);
      if (previous.kind === "absent") {
        await disableNewestEnabled();
        log.info({ rotationId: ctx.rotationId }, "restored to no value: the newest versions are disabled");
        return;
      }
      const latest = await versions.access("latest");
      if (!(latest.kind === "value" && latest.value.equals(previous.value))) await versions.add(previous.value);
      log.info({ rotationId: ctx.rotationId, fingerprint: shortFingerprint(previous.value.fingerprint) }, "restored the previous value as the newest version");
      try {
        await disableBetween(previous.value);
      } catch (error) {
        // Consumers already read the previous value; the versions left enabled hold a key about to be revoked.
        const hint = error instanceof AccessDeniedError ? " (grant roles/secretmanager.secretVersionManager to tidy up)" : "";
        log.warn({ rotationId: ctx.rotationId, err: (error as Error).message }, `could not disable the rolled-back versions${hint}`);
      }
    },

    async retire(revokedFingerprints: string[], ctx: DestinationContext): Promise<void> {
      if (!config.disablePrevious || revokedFingerprints.length === 0) return;
      const revoked = new Set(revokedFingerprints);
      const latest = await versions.access("latest");
      const retired: VersionMeta[] = [];
      for await (const version of versions.list({ enabledOnly: true, limit: MAX_VERSIONS })) {
        const held = await versions.access(version.number);
        if (held.kind !== "value" || !revoked.has(held.value.fingerprint)) continue;
        if (latest.kind === "value" && latest.number === version.number) {
          log.warn({ version: version.number }, "the newest version holds a revoked key: left enabled, consumers read it");
          continue;
        }
        retired.push(version);
      }
      await disableAll(retired);
      log.info({ rotationId: ctx.rotationId, disabled: retired.length }, "retired the versions holding revoked keys");
    },
  };
}
