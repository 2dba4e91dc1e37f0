// The `aws-secrets-manager` destination. Two-phase: write() stages the key as a new version labelled
// AWSPENDING (its VersionId derived from the rotation's token, so a retry after a crash is a no-op),
// activate() moves AWSCURRENT to it, which is the switch, since consumers read AWSCURRENT. Rollback
// moves AWSCURRENT back to the version that held the previous value, or writes that value anew.
//
// A secret that held no value before (missing, or created without a version) cannot go back to "no
// value": deleting is not safe (the name stays reserved for the recovery window, and consumers would
// see a deleted secret), so restore() to "absent" of a whole secret throws a DestinationError that
// says what to do. With jsonField, "absent"
// is a missing field, and restore() removes the field again.
import { createHash } from "node:crypto";
import type { Confirmation, Destination, DestinationContext, DestinationValue } from "../../src/core/destination.js";
import { DestinationError, NotFoundError, TransientError } from "../../src/core/errors.js";
import type { ProviderContext } from "../../src/core/provider.js";
import { SecretValue, shortFingerprint } from "../../src/core/secret.js";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, holderOf, SecretsManagerApi, type ClientOptions, type StoredVersion } from "./api.js";
import { getField, withField } from "./json-field.js";
import { defaultId, type AwsSecretsManagerConfig } from "./schema.js";

export type { AwsSecretsManagerConfig } from "./schema.js";
export type { ClientOptions as AwsSecretsManagerOptions } from "./api.js";

/** A UUID-shaped VersionId (36 characters; the service takes 32 to 64) derived from the rotation's token. */
export function versionIdFor(token: string, purpose: "write" | "restore" = "write"): string {
  const hex = createHash("sha256").update(`key-rotator/aws-secrets-manager/${purpose}/${token}`).digest("hex");
  const variant = ((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function createDestination(config: AwsSecretsManagerConfig, context: ProviderContext): Destination {
  return createAwsSecretsManagerDestination(config, context);
}

export function createAwsSecretsManagerDestination(
  config: AwsSecretsManagerConfig,
  context: ProviderContext,
  options: ClientOptions = {},
): Destination {
  const id = config.id ?? defaultId(config);
  const log = context.log.child({ destination: id });
  const api = new SecretsManagerApi(config, options);
  const field = config.jsonField;
  const label = `AWS Secrets Manager secret ${config.secretId} in ${config.region}${field ? ` (JSON field ${field})` : ""}`;

  /** The key a version holds: the whole string, or the JSON field. */
  function keyOf(version: StoredVersion | undefined): DestinationValue {
    if (version === undefined) return { kind: "absent" };
    if (version.secretString === undefined) {
      throw new DestinationError(`${label}: version ${version.versionId} holds SecretBinary; the rotator writes SecretString only`);
    }
    const value = field ? getField(version.secretString, field, label) : version.secretString;
    return value === undefined ? { kind: "absent" } : { kind: "value", value: new SecretValue(value) };
  }

  const holds = (version: StoredVersion | undefined, value: SecretValue | undefined): boolean => {
    const key = keyOf(version);
    return value === undefined ? key.kind === "absent" : key.kind === "value" && key.value.equals(value);
  };

  const current = () => api.getVersion({ stage: AWSCURRENT });

  /**
   * Writes `value` (undefined: the field removed) as version `versionId` with `stages`. A version with
   * that id already holding the value is left as it is (a retry); one holding another value is an
   * error, since versions are immutable. A missing secret is created when the config allows it.
   */
  async function putVersion(value: SecretValue | undefined, versionId: string, stages?: string[]): Promise<"new" | "existed"> {
    const existing = await api.getVersion({ versionId });
    if (existing) {
      if (holds(existing, value)) return "existed";
      throw new DestinationError(`${label}: version ${versionId} of this rotation already holds another value; versions cannot change`);
    }
    for (let attempt = 1; attempt <= 2; attempt++) {
      const base = field ? await current() : undefined;
      if (base) keyOf(base); // refuses a SecretBinary secret rather than overwriting it with JSON
      const text = field ? withField(base?.secretString, field, value?.reveal(), label) : value?.reveal();
      if (text === undefined) throw new DestinationError(`${label}: nothing to write`);
      if ((await api.put(text, versionId, stages)) === "written") return "new";
      if (!config.createIfMissing) {
        throw new NotFoundError(
          `${label} does not exist: create it first, or set createIfMissing: true to let the rotator create it (needs secretsmanager:CreateSecret)`,
        );
      }
      if ((await api.create(text, versionId)) === "created") return "new";
      // Lost a race with another creator: go round once more, writing a version of the secret it made.
    }
    throw new TransientError(`${label}: the secret was created and removed again while the rotator wrote it`);
  }

  async function read(): Promise<DestinationValue> {
    return keyOf(await current());
  }

  async function write(value: SecretValue, ctx: DestinationContext): Promise<void> {
    const versionId = versionIdFor(ctx.token);
    const outcome = await putVersion(value, versionId, [AWSPENDING]);
    log.info({ versionId, fingerprint: shortFingerprint(value.fingerprint), outcome }, "staged the key as AWSPENDING");
  }

  async function activate(ctx: DestinationContext): Promise<void> {
    const ours = versionIdFor(ctx.token);
    const state = await api.describe();
    if (!state) throw new NotFoundError(`${label} does not exist (deleted since the write?)`);
    if (state.rotationEnabled) log.warn({}, "the secret has AWS-managed rotation enabled; it may replace the key the rotator writes");
    const labels = state.stages[ours] ?? [];
    if (!labels.includes(AWSCURRENT)) {
      if (labels.length === 0 && !(await api.getVersion({ versionId: ours }))) {
        throw new DestinationError(`${label}: nothing was written with this rotation's token; write() comes before activate()`);
      }
      await api.moveStage(AWSCURRENT, { moveTo: ours, removeFrom: holderOf(state, AWSCURRENT) });
      log.info({ versionId: ours }, "promoted the key to AWSCURRENT");
    }
    if (labels.includes(AWSPENDING)) await api.moveStage(AWSPENDING, { removeFrom: ours });
  }

  async function confirm(fingerprint: string): Promise<Confirmation> {
    const key = await read();
    return key.kind === "value" && key.value.fingerprint === fingerprint ? "confirmed" : "mismatch";
  }

  /** The version this rotation staged, promoted or not: how a run after a crash finds the new key. */
  async function staged(ctx: DestinationContext): Promise<DestinationValue> {
    return keyOf(await api.getVersion({ versionId: versionIdFor(ctx.token) }));
  }

  async function previous(ctx: DestinationContext): Promise<DestinationValue> {
    const state = await api.describe();
    if (!state) return { kind: "absent" };
    const ours = versionIdFor(ctx.token);
    // Not promoted (or already rolled back): what consumers read now is what was there before.
    if (!(state.stages[ours] ?? []).includes(AWSCURRENT)) return read();
    const before = holderOf(state, AWSPREVIOUS);
    return before ? keyOf(await api.getVersion({ versionId: before })) : { kind: "absent" };
  }

  async function restore(before: DestinationValue, ctx: DestinationContext): Promise<void> {
    if (before.kind === "unreadable") throw new DestinationError(`cannot restore ${label}: the previous value was not captured`);
    const ours = versionIdFor(ctx.token);
    const state = await api.describe();
    const restored = before.kind === "value" ? before.value : undefined;
    if (!state) {
      // The secret is gone. Nothing to undo for "absent"; a value is written back (created if allowed).
      if (restored) await putVersion(restored, versionIdFor(`${ctx.token}:${restored.fingerprint}`, "restore"));
      return;
    }
    const labels = state.stages[ours] ?? [];
    if (!labels.includes(AWSCURRENT)) {
      // Consumers never saw our value (or it was rolled back already): only drop the pending label.
      if (labels.includes(AWSPENDING)) await api.moveStage(AWSPENDING, { removeFrom: ours });
      log.info({ versionId: ours }, "our version is not current; nothing to roll back");
      return;
    }
    const previousId = holderOf(state, AWSPREVIOUS);
    if (restored && previousId && holds(await api.getVersion({ versionId: previousId }), restored)) {
      await api.moveStage(AWSCURRENT, { moveTo: previousId, removeFrom: ours });
      log.info({ versionId: previousId }, "moved AWSCURRENT back to the previous version");
      return;
    }
    if (!restored && !field) {
      throw new DestinationError(
        `${label} held no value before this rotation (the secret was missing, or had no version); Secrets Manager cannot ` +
          `go back to "no value" without deleting the secret, which the rotator does not do. It still holds the new key, which the rollback revokes. ` +
          `Delete it by hand (aws secretsmanager delete-secret --secret-id ${config.secretId} --region ${config.region}) or put a valid key in it.`,
      );
    }
    const restoreId = versionIdFor(`${ctx.token}:${restored?.fingerprint ?? "absent"}`, "restore");
    // A restore version left by an interrupted rollback exists but is not current (ours is): promote it.
    if ((await putVersion(restored, restoreId)) === "existed") await api.moveStage(AWSCURRENT, { moveTo: restoreId, removeFrom: ours });
    log.info({ versionId: restoreId }, restored ? "wrote the previous value back as AWSCURRENT" : "removed the field again");
  }

  return {
    id,
    type: "aws-secrets-manager",
    capabilities: { readable: true, versioned: true, needsRedeploy: false, idempotencyToken: true },
    describe: () => label,
    read,
    write,
    activate,
    confirm: (fingerprint) => confirm(fingerprint),
    restore,
    staged,
    previous,
  };
}
