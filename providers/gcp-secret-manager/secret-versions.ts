// One secret's versions, through the Secret Manager client: every call normalised (errors.ts) and
// retried within our bounded policy (the SDK's own retries are off). addVersion is the one call that
// is not idempotent, so it gets its own care: after an ambiguous failure (a timeout, a 5xx, a broken
// socket) it first looks whether the value already landed, by fingerprint, before adding again.
import type { CallOptions } from "google-gax";
import type { Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";
import { DestinationError, NotFoundError, TransientError } from "../../src/core/errors.js";
import { withRetry, type RetryHooks, type RetryPolicy } from "../../src/core/retry.js";
import { SecretValue, shortFingerprint } from "../../src/core/secret.js";
import type { SecretManagerClient } from "./client.js";
import { crc32c } from "./crc32c.js";
import { isEtagConflict, isNotEnabled, toRotatorError, type Operation } from "./errors.js";

/** The SDK retries AccessSecretVersion for up to 10 minutes by default; one retry loop is ours. */
const CALL: CallOptions = { retry: null };
/** How many of the newest versions an ambiguous addVersion may have landed among. */
const NEWEST_FEW = 3;
const PAGE_SIZE = 50;
const MAX_PAYLOAD_BYTES = 65_536;

export type Accessed =
  | { kind: "value"; number: number; value: SecretValue }
  | { kind: "not-enabled" }
  | { kind: "not-found" };

export interface VersionMeta {
  name: string;
  number: number;
  enabled: boolean;
  etag: string | undefined;
}

export interface SecretVersionsOptions {
  /** `projects/p/secrets/s` (or with `locations/l`). */
  secret: string;
  client: () => Promise<SecretManagerClient>;
  retry: RetryPolicy;
  clock: Clock;
  log: Logger;
}

export function versionNumberOf(name: string | null | undefined): number {
  const match = /\/versions\/(\d+)$/.exec(name ?? "");
  if (!match) throw new DestinationError(`unexpected secret version name from GCP Secret Manager: ${String(name)}`);
  return Number(match[1]);
}

const isEnabled = (state: unknown): boolean => state === "ENABLED" || state === 1;

export class SecretVersions {
  readonly #options: SecretVersionsOptions;
  readonly #hooks: RetryHooks;

  constructor(options: SecretVersionsOptions) {
    this.#options = options;
    this.#hooks = {
      clock: options.clock,
      onRetry: ({ attempt, delayMs, error }) =>
        options.log.warn({ attempt, delayMs, code: error.code, err: error.message }, "GCP Secret Manager call failed; retrying"),
    };
  }

  get secret(): string {
    return this.#options.secret;
  }

  versionName(version: number | "latest"): string {
    return `${this.#options.secret}/versions/${version}`;
  }

  async #call<T>(operation: Operation, resource: string, call: (client: SecretManagerClient) => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        const client = await this.#options.client();
        try {
          return await call(client);
        } catch (error) {
          throw toRotatorError(error, operation, resource);
        }
      },
      this.#options.retry,
      this.#hooks,
    );
  }

  /** The value of a version; `latest` is the newest version, whatever its state. */
  async access(version: number | "latest"): Promise<Accessed> {
    const name = this.versionName(version);
    try {
      return await this.#call("access", name, async (c) => {
        const [response] = await c.accessSecretVersion({ name }, CALL);
        const data = response.payload?.data;
        const bytes = typeof data === "string" ? Buffer.from(data, "base64") : Buffer.from(data ?? new Uint8Array());
        const checksum = response.payload?.dataCrc32c;
        if (checksum !== null && checksum !== undefined && String(checksum) !== String(crc32c(bytes))) {
          throw new TransientError(`GCP Secret Manager access on ${name}: payload checksum mismatch`);
        }
        return { kind: "value", number: versionNumberOf(response.name), value: new SecretValue(bytes.toString("utf8")) };
      });
    } catch (error) {
      if (isNotEnabled(error)) return { kind: "not-enabled" };
      if (error instanceof NotFoundError) return { kind: "not-found" };
      throw error;
    }
  }

  /** Whether the secret itself exists (an access of `latest` says "not found" for a secret with no versions too). */
  async secretExists(): Promise<boolean> {
    const name = this.#options.secret;
    try {
      await this.#call("getSecret", name, (c) => c.getSecret({ name }, CALL));
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /** Adds `value` as the newest version, once, even when a call fails after the service stored it. */
  async add(value: SecretValue): Promise<number> {
    const data = Buffer.from(value.reveal(), "utf8");
    if (data.length > MAX_PAYLOAD_BYTES) {
      throw new DestinationError(`the value is ${data.length} bytes; GCP Secret Manager takes at most 64 KiB`);
    }
    const parent = this.#options.secret;
    let ambiguous = false;
    return withRetry(
      async () => {
        if (ambiguous) {
          const landed = await this.#landed(value);
          if (landed !== undefined) return landed;
        }
        const client = await this.#options.client();
        try {
          const [version] = await client.addSecretVersion({ parent, payload: { data, dataCrc32c: crc32c(data) } }, CALL);
          return versionNumberOf(version.name);
        } catch (error) {
          const mapped = toRotatorError(error, "addVersion", parent);
          // 429 means refused; a timeout or a 5xx may have been stored anyway.
          ambiguous ||= mapped instanceof TransientError;
          throw mapped;
        }
      },
      this.#options.retry,
      this.#hooks,
    );
  }

  /** The number of the version among the newest few that holds `value`, if one does. */
  async #landed(value: SecretValue): Promise<number | undefined> {
    const latest = await this.access("latest");
    if (latest.kind !== "value") return undefined;
    for (let number = latest.number; number > 0 && number > latest.number - NEWEST_FEW; number--) {
      const held = number === latest.number ? latest : await this.access(number);
      if (held.kind !== "value" || !held.value.equals(value)) continue;
      const fields = { version: number, fingerprint: shortFingerprint(value.fingerprint) };
      if (number === latest.number) this.#options.log.info(fields, "an interrupted addVersion had landed: not adding again");
      else this.#options.log.warn(fields, "an interrupted addVersion had landed, and a newer version was added since");
      return number;
    }
    return undefined;
  }

  /** Versions newest first (the service's order), one page at a time, at most `limit`. */
  async *list(options: { enabledOnly: boolean; limit: number }): AsyncGenerator<VersionMeta> {
    const parent = this.#options.secret;
    let pageToken: string | undefined;
    let yielded = 0;
    do {
      const request = { parent, pageSize: PAGE_SIZE, ...(options.enabledOnly ? { filter: "state:ENABLED" } : {}), ...(pageToken ? { pageToken } : {}) };
      const [versions, , response] = await this.#call("listVersions", parent, (c) =>
        c.listSecretVersions(request, { ...CALL, autoPaginate: false }),
      );
      for (const version of versions) {
        if (yielded >= options.limit) {
          throw new DestinationError(`${parent} has more than ${options.limit} versions to look through; disable old ones by hand`);
        }
        yielded++;
        yield { name: version.name!, number: versionNumberOf(version.name), enabled: isEnabled(version.state), etag: version.etag ?? undefined };
      }
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken);
  }

  /** Disables a version (never destroys), guarded by its etag; one that someone else disabled meanwhile is fine. */
  async disable(version: VersionMeta): Promise<void> {
    let etag = version.etag;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.#call("disable", version.name, (c) => c.disableSecretVersion({ name: version.name, ...(etag ? { etag } : {}) }, CALL));
        return;
      } catch (error) {
        if (!isEtagConflict(error)) throw error;
        const [fresh] = await this.#call("getVersion", version.name, (c) => c.getSecretVersion({ name: version.name }, CALL));
        if (!isEnabled(fresh.state)) return;
        etag = fresh.etag ?? undefined;
      }
    }
    throw new DestinationError(`${version.name} kept changing while the rotator tried to disable it`);
  }
}
