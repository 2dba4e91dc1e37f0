// The records of one variable in one Vercel project: read them, write a value to each configured
// target, remove them. A record is key + a set of targets; records that exist are edited by id (a
// multi-target record stays whole, never split), and missing targets get one new record each via an
// upsert, whose `failed[]` is checked even on 201. A record that also covers a target this
// destination does not manage is refused before anything is written: rotating it would change an
// environment nobody configured.
import { z } from "zod";
import type { DestinationValue } from "../../src/core/destination.js";
import { DestinationError } from "../../src/core/errors.js";
import { SecretValue, shortFingerprint } from "../../src/core/secret.js";
import { projectPath, redact, type VercelClient } from "./client.js";
import {
  envCreateResponseSchema,
  envListSchema,
  envRecordSchema,
  type EnvRecord,
  type VercelEnvType,
  type VercelTarget,
} from "./schema.js";

export interface EnvScope {
  project: string;
  key: string;
  targets: readonly VercelTarget[];
  envType: VercelEnvType;
}

function targetsOf(record: EnvRecord): string[] {
  if (record.target === undefined) return [];
  return Array.isArray(record.target) ? record.target : [record.target];
}

export class ProjectEnv {
  readonly #client: VercelClient;
  readonly #scope: EnvScope;
  readonly #label: string;

  constructor(client: VercelClient, scope: EnvScope) {
    this.#client = client;
    this.#scope = scope;
    this.#label = `${scope.key} of project "${scope.project}"`;
  }

  /** The records of the key that cover any configured target (branch-specific and custom-environment ones aside). */
  async records(decrypt: boolean): Promise<EnvRecord[]> {
    const { project, key, targets } = this.#scope;
    const list = await this.#client.call({
      method: "GET",
      path: projectPath("v10", project),
      query: decrypt ? { decrypt: "true" } : {},
      schema: envListSchema,
      what: `list the environment variables of project "${project}"`,
    });
    const mine = (list?.envs ?? []).filter(
      (record) =>
        record.key === key &&
        !record.gitBranch &&
        (record.customEnvironmentIds ?? []).length === 0 &&
        targetsOf(record).some((target) => (targets as readonly string[]).includes(target)),
    );
    for (const record of mine) {
      const extra = targetsOf(record).filter((target) => !(targets as readonly string[]).includes(target));
      if (extra.length > 0) {
        throw new DestinationError(
          `${this.#label}: record ${record.id} also covers ${extra.join(", ")}, which \`targets\` does not list; ` +
            `add ${extra.join(", ")} to targets, or split the record in the Vercel dashboard`,
        );
      }
    }
    return mine;
  }

  async read(): Promise<DestinationValue> {
    const records = await this.records(this.#scope.envType !== "sensitive");
    if (records.length === 0) return { kind: "absent" };
    if (this.#scope.envType === "sensitive") return { kind: "unreadable" };
    const byTarget = new Map<string, SecretValue>();
    for (const record of records) {
      if (record.type === "sensitive") {
        throw new DestinationError(`${this.#label}: record ${record.id} is sensitive (write-only): set \`envType: sensitive\``);
      }
      const value = await this.#valueOf(record);
      for (const target of targetsOf(record)) byTarget.set(target, value);
    }
    const distinct = new Map([...byTarget.values()].map((value) => [value.fingerprint, value]));
    if (distinct.size > 1) {
      const detail = [...byTarget].map(([target, value]) => `${target} ${shortFingerprint(value.fingerprint)}`).join(", ");
      throw new DestinationError(
        `${this.#label}: the targets hold different values (${detail}); one rotation would collapse them into one: ` +
          "make them equal, or configure one destination per target",
      );
    }
    return { kind: "value", value: [...distinct.values()][0]! };
  }

  async #valueOf(record: EnvRecord): Promise<SecretValue> {
    if (record.decrypted === true || record.type === "plain") {
      if (record.value !== undefined) return new SecretValue(record.value);
    }
    const one = await this.#client.call({
      method: "GET",
      path: `/v1/projects/${encodeURIComponent(this.#scope.project)}/env/${encodeURIComponent(record.id)}`,
      schema: envRecordSchema,
      what: `read ${this.#label} (record ${record.id})`,
      allowNotFound: true,
    });
    if (one?.value === undefined || (one.type !== "plain" && one.decrypted !== true)) {
      throw new DestinationError(`${this.#label}: Vercel did not return the decrypted value of record ${record.id}`);
    }
    return new SecretValue(one.value);
  }

  /** Puts `value` in every configured target; returns when Vercel has accepted every record. */
  async write(value: SecretValue): Promise<void> {
    const { project, key, targets, envType } = this.#scope;
    const records = await this.records(false);
    if (envType === "encrypted") {
      const sensitive = records.find((record) => record.type === "sensitive");
      if (sensitive) {
        throw new DestinationError(`${this.#label}: record ${sensitive.id} is sensitive (write-only): set \`envType: sensitive\``);
      }
    }
    for (const record of records) {
      await this.#client.call({
        method: "PATCH",
        path: `/v9/projects/${encodeURIComponent(project)}/env/${encodeURIComponent(record.id)}`,
        body: { value: value.reveal(), ...(record.type === envType ? {} : { type: envType }) },
        schema: z.unknown(),
        what: `update ${this.#label} (record ${record.id}, ${targetsOf(record).join(", ")})`,
        secrets: [value],
      });
    }
    const covered = new Set(records.flatMap(targetsOf));
    const missing = targets.filter((target) => !covered.has(target));
    if (missing.length === 0) return;
    const answer = await this.#client.call({
      method: "POST",
      path: projectPath("v10", project),
      query: { upsert: "true" },
      body: missing.map((target) => ({ key, value: value.reveal(), type: envType, target: [target] })),
      schema: envCreateResponseSchema,
      what: `create ${this.#label} for ${missing.join(", ")}`,
      secrets: [value],
    });
    const failed = answer?.failed ?? [];
    if (failed.length > 0) {
      const reasons = failed.map(({ error }) => {
        const where = error.target === undefined ? "" : ` [${[error.target].flat().join(", ")}]`;
        return `${error.code}${where}${error.message ? `: ${redact(error.message, [value]).slice(0, 160)}` : ""}`;
      });
      throw new DestinationError(`Vercel did not accept ${this.#label} (failed: ${reasons.join("; ")})`);
    }
  }

  /** Deletes every record of the key in the configured targets (restore to "absent"). */
  async remove(): Promise<void> {
    const { project } = this.#scope;
    for (const record of await this.records(false)) {
      await this.#client.call({
        method: "DELETE",
        path: `/v9/projects/${encodeURIComponent(project)}/env/${encodeURIComponent(record.id)}`,
        schema: z.unknown(),
        what: `delete ${this.#label} (record ${record.id})`,
        allowNotFound: true,
      });
    }
  }
}
