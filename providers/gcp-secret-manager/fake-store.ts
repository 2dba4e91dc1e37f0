// State and rules of the fake Secret Manager (see fake.ts): secrets, their numbered versions, states
// and etags, with the service's answers to misuse. Like the service, names in answers carry the
// project number even when the request named the project id. Holds key values: sandbox use only.
import { randomBytes } from "node:crypto";
import { crc32c } from "./crc32c.js";

export type VersionState = "ENABLED" | "DISABLED" | "DESTROYED";
export const STATE_NUMBERS: Record<VersionState, number> = { ENABLED: 1, DISABLED: 2, DESTROYED: 3 };

export interface FakeVersion {
  number: number;
  state: VersionState;
  data: Buffer;
  createTime: Date;
  etag: string;
  clientSpecifiedPayloadChecksum: boolean;
}

export interface FakeSecret {
  /** `secret` or `location/secret`. */
  key: string;
  createTime: Date;
  etag: string;
  versions: FakeVersion[];
}

/** A failure the way Google APIs report it: HTTP status, canonical status name, message. */
export class GoogleApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SecretRef {
  project: string;
  location: string | undefined;
  secret: string;
}

const MAX_PAYLOAD_BYTES = 65_536;
const newEtag = () => `"${randomBytes(7).toString("hex")}"`;

export class FakeSecretStore {
  readonly secrets = new Map<string, FakeSecret>();
  #clock = 0;

  constructor(
    readonly projectId: string,
    readonly projectNumber: string,
  ) {}

  /** Strictly increasing times, so "newest first" is never a tie. */
  now(): Date {
    this.#clock = Math.max(Date.now(), this.#clock + 1);
    return new Date(this.#clock);
  }

  keyOf(ref: SecretRef): string {
    return ref.location ? `${ref.location}/${ref.secret}` : ref.secret;
  }

  secretName(ref: Pick<SecretRef, "location" | "secret">): string {
    const location = ref.location ? `/locations/${ref.location}` : "";
    return `projects/${this.projectNumber}${location}/secrets/${ref.secret}`;
  }

  createSecret(ref: Pick<SecretRef, "location" | "secret">): FakeSecret {
    const key = this.keyOf({ ...ref, project: this.projectId });
    const existing = this.secrets.get(key);
    if (existing) return existing;
    const secret: FakeSecret = { key, createTime: this.now(), etag: newEtag(), versions: [] };
    this.secrets.set(key, secret);
    return secret;
  }

  /** The secret, or NOT_FOUND worded as the service words it for `purpose`. */
  secret(ref: SecretRef, purpose: "secret" | "access" = "secret"): FakeSecret {
    const found = ref.project === this.projectId || ref.project === this.projectNumber ? this.secrets.get(this.keyOf(ref)) : undefined;
    if (found) return found;
    const name = `projects/${ref.project}${ref.location ? `/locations/${ref.location}` : ""}/secrets/${ref.secret}`;
    const suffix = purpose === "access" ? " or has no versions" : "";
    throw new GoogleApiError(404, "NOT_FOUND", `Secret [${name}] not found${suffix}.`);
  }

  /** `latest` is the newest version whatever its state, as in the service. */
  version(ref: SecretRef, id: string): { secret: FakeSecret; version: FakeVersion } {
    const secret = this.secret(ref, id === "latest" ? "access" : "secret");
    const version = id === "latest" ? secret.versions.at(-1) : /^[1-9][0-9]*$/.test(id) ? secret.versions[Number(id) - 1] : undefined;
    if (!version) {
      if (id !== "latest" && !/^[1-9][0-9]*$/.test(id)) throw new GoogleApiError(400, "INVALID_ARGUMENT", `Invalid secret version id [${id}].`);
      throw new GoogleApiError(404, "NOT_FOUND", `Secret Version [${this.secretName(ref)}/versions/${id}] not found.`);
    }
    return { secret, version };
  }

  addVersion(ref: SecretRef, data: Buffer, checksum: string | undefined): FakeVersion {
    const secret = this.secret(ref);
    if (data.length > MAX_PAYLOAD_BYTES) {
      throw new GoogleApiError(400, "INVALID_ARGUMENT", `Secret Version payload data exceeds the ${MAX_PAYLOAD_BYTES} byte limit.`);
    }
    if (checksum !== undefined && checksum !== String(crc32c(data))) {
      throw new GoogleApiError(400, "INVALID_ARGUMENT", "Checksum mismatch.");
    }
    const version: FakeVersion = {
      number: secret.versions.length + 1,
      state: "ENABLED",
      data,
      createTime: this.now(),
      etag: newEtag(),
      clientSpecifiedPayloadChecksum: checksum !== undefined,
    };
    secret.versions.push(version);
    return version;
  }

  access(ref: SecretRef, id: string): FakeVersion {
    const { version } = this.version(ref, id);
    if (version.state !== "ENABLED") {
      throw new GoogleApiError(400, "FAILED_PRECONDITION", `Secret Version [${this.secretName(ref)}/versions/${version.number}] is in ${version.state} state.`);
    }
    return version;
  }

  setState(ref: SecretRef, id: string, state: "ENABLED" | "DISABLED", etag: string | undefined): FakeVersion {
    const { version } = this.version(ref, id);
    if (etag !== undefined && etag !== "" && etag !== version.etag) {
      throw new GoogleApiError(409, "ABORTED", "The etag provided in the request does not match the current etag of the resource.");
    }
    if (version.state === "DESTROYED") {
      throw new GoogleApiError(400, "FAILED_PRECONDITION", `Secret Version [${this.secretName(ref)}/versions/${version.number}] is in DESTROYED state.`);
    }
    if (version.state !== state) {
      version.state = state;
      version.etag = newEtag();
    }
    return version;
  }

  /** Newest first; `filter` supports `state:X` / `state=X`, as much as the rotator needs. */
  listVersions(ref: SecretRef, filter: string, pageSize: number, offset: number): { page: FakeVersion[]; next: number | undefined; total: number } {
    const secret = this.secret(ref);
    const match = /^\s*state\s*[:=]\s*(ENABLED|DISABLED|DESTROYED)\s*$/i.exec(filter);
    if (filter.trim() !== "" && !match) throw new GoogleApiError(400, "INVALID_ARGUMENT", `Invalid filter: ${filter}`);
    const wanted = match?.[1]?.toUpperCase();
    const all = [...secret.versions].reverse().filter((v) => wanted === undefined || v.state === wanted);
    const size = pageSize <= 0 ? 25_000 : Math.min(pageSize, 25_000);
    const page = all.slice(offset, offset + size);
    return { page, next: offset + size < all.length ? offset + size : undefined, total: all.length };
  }
}
