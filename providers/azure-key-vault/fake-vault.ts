// State of the fake Key Vault (see fake.ts): secrets with their versions and soft-deleted names, and
// the JSON bodies the service answers with (SecretBundle, SecretItem, KeyVaultError in secrets.json).
// Optionally persisted to a JSON file after every change (temporary file + rename), for the demo
// sandbox; that file holds values, so it is a sandbox file, never a real one.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const RECOVERY_LEVEL = "Recoverable+Purgeable";
export const RECOVERABLE_DAYS = 90;
/** The service keeps at most 15 tags on an object. */
export const MAX_TAGS = 15;

export type FakeOperation = "get" | "set" | "list" | "update";
export type DenyMode = "rbac" | "access-policy" | "firewall" | "policy";

const DATA_ACTION: Record<FakeOperation, string> = {
  get: "getSecret/action",
  set: "setSecret/action",
  list: "readMetadata/action",
  update: "update/action",
};
const POLICY_PERMISSION: Record<FakeOperation, string> = { get: "get", set: "set", list: "list", update: "set" };

export interface FakeSecretVersion {
  /** 32 lowercase hex digits, as the service mints them. */
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  nbf?: number;
  exp?: number;
  /** Unix seconds: versions written within one second tie, as in the service. */
  created: number;
  updated: number;
}

interface FakeSecret {
  name: string;
  /** In creation order; the last one is the "latest" that GET without a version returns. */
  versions: FakeSecretVersion[];
  /** Soft-deleted: GET answers 404, PUT answers 409 until recovered or purged. */
  deletedOn?: number;
}

export interface NewVersion {
  value: string;
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  enabled?: boolean | undefined;
  nbf?: number | undefined;
  exp?: number | undefined;
}

export interface VersionPatch {
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  enabled?: boolean | undefined;
  nbf?: number | undefined;
  exp?: number | undefined;
}

export class FakeVaultState {
  readonly #secrets = new Map<string, FakeSecret>();
  readonly #now: () => number;
  readonly #file: string | undefined;

  constructor(now: () => number, file?: string) {
    this.#now = now;
    this.#file = file;
    if (file !== undefined && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, "utf8")) as { version: 1; secrets: FakeSecret[] };
      if (saved.version !== 1) throw new Error(`fake Key Vault state file ${file}: unknown version`);
      for (const secret of saved.secrets) this.#secrets.set(secret.name.toLowerCase(), secret);
    }
  }

  /** Names are case-insensitive in Key Vault. */
  #find(name: string): FakeSecret | undefined {
    return this.#secrets.get(name.toLowerCase());
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  isDeleted(name: string): boolean {
    return this.#find(name)?.deletedOn !== undefined;
  }

  /** The live (not soft-deleted) secret's versions in creation order; undefined when there is none. */
  versionsOf(name: string): FakeSecretVersion[] | undefined {
    const secret = this.#find(name);
    return secret === undefined || secret.deletedOn !== undefined ? undefined : secret.versions;
  }

  /** The name as first written (ids carry it). */
  storedName(name: string): string {
    return this.#find(name)?.name ?? name;
  }

  latest(name: string): FakeSecretVersion | undefined {
    return this.versionsOf(name)?.at(-1);
  }

  version(name: string, version: string): FakeSecretVersion | undefined {
    return this.versionsOf(name)?.find((candidate) => candidate.version === version.toLowerCase());
  }

  addVersion(name: string, input: NewVersion): FakeSecretVersion {
    let secret = this.#find(name);
    if (secret === undefined) {
      secret = { name, versions: [] };
      this.#secrets.set(name.toLowerCase(), secret);
    }
    const now = this.#seconds();
    const version: FakeSecretVersion = {
      version: randomBytes(16).toString("hex"),
      value: input.value,
      enabled: input.enabled ?? true,
      created: now,
      updated: now,
      ...(input.contentType === undefined ? {} : { contentType: input.contentType }),
      ...(input.tags === undefined ? {} : { tags: { ...input.tags } }),
      ...(input.nbf === undefined ? {} : { nbf: input.nbf }),
      ...(input.exp === undefined ? {} : { exp: input.exp }),
    };
    secret.versions.push(version);
    this.save();
    return version;
  }

  update(target: FakeSecretVersion, patch: VersionPatch): FakeSecretVersion {
    if (patch.enabled !== undefined) target.enabled = patch.enabled;
    if (patch.contentType !== undefined) target.contentType = patch.contentType;
    if (patch.tags !== undefined) target.tags = { ...patch.tags };
    if (patch.nbf !== undefined) target.nbf = patch.nbf;
    if (patch.exp !== undefined) target.exp = patch.exp;
    target.updated = this.#seconds();
    this.save();
    return target;
  }

  /** As an operator's DELETE on a soft-delete vault: every version goes, the name stays taken. */
  softDelete(name: string): void {
    const secret = this.#find(name);
    if (secret === undefined) throw new Error(`fake Key Vault: no secret ${name} to delete`);
    secret.deletedOn = this.#seconds();
    this.save();
  }

  /** Gone for good, name free again (a purge, or a secret that never existed). */
  purge(name: string): void {
    this.#secrets.delete(name.toLowerCase());
    this.save();
  }

  save(): void {
    if (this.#file === undefined) return;
    mkdirSync(dirname(this.#file), { recursive: true });
    const temporary = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ version: 1, secrets: [...this.#secrets.values()] }));
    renameSync(temporary, this.#file);
  }
}

/** `attributes` of a SecretBundle or SecretItem. */
function attributes(version: FakeSecretVersion) {
  return {
    enabled: version.enabled,
    ...(version.nbf === undefined ? {} : { nbf: version.nbf }),
    ...(version.exp === undefined ? {} : { exp: version.exp }),
    created: version.created,
    updated: version.updated,
    recoveryLevel: RECOVERY_LEVEL,
    recoverableDays: RECOVERABLE_DAYS,
  };
}

function metadata(version: FakeSecretVersion) {
  return {
    ...(version.contentType === undefined ? {} : { contentType: version.contentType }),
    ...(version.tags === undefined || Object.keys(version.tags).length === 0 ? {} : { tags: version.tags }),
  };
}

export function secretId(vaultUrl: string, name: string, version?: string): string {
  return `${vaultUrl}/secrets/${name}${version === undefined ? "" : `/${version}`}`;
}

/** SecretBundle; `withValue: false` for PATCH answers, which carry no value. */
export function secretBundle(vaultUrl: string, name: string, version: FakeSecretVersion, withValue = true) {
  return {
    ...(withValue ? { value: version.value } : {}),
    id: secretId(vaultUrl, name, version.version),
    ...metadata(version),
    attributes: attributes(version),
  };
}

/** SecretItem: a version's metadata, never its value. */
export function secretItem(vaultUrl: string, name: string, version: FakeSecretVersion) {
  return { id: secretId(vaultUrl, name, version.version), ...metadata(version), attributes: attributes(version) };
}

/** KeyVaultError. */
export function keyVaultError(code: string, message: string, innerCode?: string) {
  return { error: { code, message, ...(innerCode === undefined ? {} : { innererror: { code: innerCode } }) } };
}

/** A 403 body in the words of the denial mode: RBAC, access policy, the vault firewall, or Azure Policy. */
export function denial(mode: DenyMode, operation: FakeOperation, vaultUrl: string, name: string) {
  if (mode === "firewall") {
    return keyVaultError("Forbidden", "Client address is not authorized and caller is not a trusted service.\r\nClient address: 127.0.0.1", "ForbiddenByFirewall");
  }
  if (mode === "policy") {
    return keyVaultError("Forbidden", `Operation ${operation} on secret ${name} is denied by an Azure Policy assignment.`, "ForbiddenByPolicy");
  }
  if (mode === "access-policy") {
    return keyVaultError(
      "Forbidden",
      `The user, group or application 'appid=00000000-0000-0000-0000-000000000001' does not have secrets ${POLICY_PERMISSION[operation]} permission on key vault '${new URL(vaultUrl).host};location=local'.`,
      "AccessDenied",
    );
  }
  return keyVaultError(
    "Forbidden",
    `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nAction: 'Microsoft.KeyVault/vaults/secrets/${DATA_ACTION[operation]}'\r\nResource: '/vaults/fake/secrets/${name.toLowerCase()}'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC'`,
    "ForbiddenByRbac",
  );
}
