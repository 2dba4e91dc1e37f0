// The `mga` issuer: mints, lists, revokes and health-checks MyGPTAssistants API keys through the
// key-management contract of reference/mga-api.md (assumed, every path from `issuer.paths`) and the
// documented chat endpoints. Transport, retries and pacing live in http.ts; error mapping in
// responses.ts. A key's value is revealed only into an Authorization header.
import type { Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";
import { RotatorError, TransientError, VerificationError } from "../../src/core/errors.js";
import type { HealthCheck, IssuedKey, Issuer, IssuerKey, Permission } from "../../src/core/issuer.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../../src/core/retry.js";
import { SecretValue } from "../../src/core/secret.js";
import { fillPath, type MgaEndpoint } from "./endpoints.js";
import { MgaHttp, type MgaRequest, type MgaResponse } from "./http.js";
import {
  BAD_RESPONSE,
  adminFailure,
  healthCheckFailure,
  isSuccess,
  parseData,
  revokeNotFound,
} from "./responses.js";
import {
  conversationPageSchema,
  createdKeySchema,
  keyPageSchema,
  messageReplySchema,
  revokedKeySchema,
  type MgaIssuerConfig,
} from "./schema.js";

export { mgaIssuerConfigSchema, type MgaIssuerConfig } from "./schema.js";

/** How long a brand-new key may answer 401 to its health check (propagation): tries, growing delay. */
export interface PropagationPolicy {
  /** Total tries of the health check while it answers 401, including the first. */
  attempts: number;
  /** Wait after the first 401; doubled after each further one. */
  baseDelayMs: number;
}

export const DEFAULT_PROPAGATION: PropagationPolicy = { attempts: 4, baseDelayMs: 1_000 };
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_HEALTH_CHECK_MESSAGE = "key-rotator health check";

export interface MgaIssuerContext {
  clock: Clock;
  log: Logger;
  /** Retries of 429, 5xx, network errors and timeouts (default DEFAULT_RETRY). */
  retry?: RetryPolicy;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  propagation?: PropagationPolicy;
  /** Jitter source of the backoff (tests). */
  random?: () => number;
}

/** Clock skew tolerated between us and MGA when telling keys this create may have minted from older ones. */
const SWEEP_SKEW_MS = 10 * 60_000;

export function createMgaIssuer(config: MgaIssuerConfig, context: MgaIssuerContext): Issuer {
  const { clock } = context;
  const { paths } = config;
  const log = "issuer" in context.log.bindings() ? context.log : context.log.child({ issuer: "mga" });
  const adminKey = new SecretValue(config.adminKey);
  const propagation = context.propagation ?? DEFAULT_PROPAGATION;
  const http = new MgaHttp({
    baseUrl: config.baseUrl,
    clock,
    log,
    retry: context.retry ?? DEFAULT_RETRY,
    timeoutMs: context.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: context.fetch ?? globalThis.fetch,
    ...(context.random ? { random: context.random } : {}),
  });

  async function admin(endpoint: MgaEndpoint, request: Omit<MgaRequest, "endpoint" | "key">) {
    return http.send({ ...request, endpoint, key: adminKey });
  }

  async function list(): Promise<IssuerKey[]> {
    const keys: IssuerKey[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const response = await admin("listKeys", { path: fillPath(paths.listKeys), ...(cursor ? { query: { cursor } } : {}) });
      if (!isSuccess(response)) throw adminFailure(response, "listKeys", adminKey);
      const page = parseData(response, keyPageSchema, [adminKey]);
      for (const key of page.keys) keys.push({ ...key, lastUsedAt: key.lastUsedAt ?? null, revokedAt: key.revokedAt ?? null });
      if (!page.nextCursor) return keys;
      if (seen.has(page.nextCursor)) {
        throw new RotatorError(BAD_RESPONSE, `MGA returned an earlier page's cursor on ${response.what}: pagination never ends`);
      }
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  async function revoke(id: string): Promise<"revoked" | "already-revoked"> {
    const response = await admin("revokeKey", { path: fillPath(paths.revokeKey, { id }) });
    if (response.status === 404) {
      // A wrong issuer.paths.revokeKey also answers 404: believe it only if MGA no longer lists the key as active.
      const listed = (await list()).find((key) => key.id === id);
      if (listed && listed.revokedAt === null) throw revokeNotFound(response, id, adminKey);
      log.info({ keyId: id }, "MGA key already revoked (404)");
      return "already-revoked";
    }
    if (!isSuccess(response)) throw adminFailure(response, "revokeKey", adminKey);
    parseData(response, revokedKeySchema, [adminKey]);
    log.info({ keyId: id }, "revoked MGA key");
    return "revoked";
  }

  /**
   * Revokes the keys of this name that a create attempt whose answer was lost may have minted: nobody
   * holds their values, so they could only be orphans. Names carry the rotation id; only keys created
   * since this create began (less clock skew) are touched. Best effort: a failure is logged.
   */
  async function sweepLostKeys(name: string, keepId: string | undefined, startedAt: number): Promise<void> {
    try {
      const lost = (await list()).filter(
        (key) =>
          key.name === name &&
          key.id !== keepId &&
          key.revokedAt === null &&
          Date.parse(key.createdAt) >= startedAt - SWEEP_SKEW_MS,
      );
      for (const key of lost) {
        await revoke(key.id);
        log.warn({ keyId: key.id, prefix: key.prefix }, "revoked a key minted by a create attempt whose answer was lost");
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error({ name, error: message }, `could not check for keys a failed create attempt may have minted: ${message}`);
    }
  }

  async function create(name: string, permission: Permission): Promise<IssuedKey> {
    const startedAt = clock.now().getTime();
    let valueLost = false; // MGA may have minted a key whose value we never saw
    let created: IssuedKey | undefined;
    try {
      const response = await admin("createKey", {
        path: fillPath(paths.createKey),
        body: { name, permission },
        onAttemptError: (error) => {
          if (error instanceof TransientError) valueLost = true; // a 5xx or a lost answer: maybe minted
        },
      });
      if (!isSuccess(response)) throw adminFailure(response, "createKey", adminKey);
      let data;
      try {
        data = parseData(response, createdKeySchema, [adminKey, ...secretIn(response)]);
      } catch (error) {
        valueLost = true;
        throw error;
      }
      created = { id: data.id, name: data.name, prefix: data.prefix, createdAt: data.createdAt, secret: new SecretValue(data.key) };
      log.info({ keyId: created.id, prefix: created.prefix, permission }, "created MGA key");
      return created;
    } finally {
      if (valueLost) await sweepLostKeys(name, created?.id, startedAt);
    }
  }

  async function findBySecret(secret: SecretValue): Promise<IssuerKey | undefined> {
    const prefix = secret.prefix(12);
    const matches = (await list()).filter((key) => key.revokedAt === null && key.prefix === prefix);
    if (matches.length > 1) {
      throw new RotatorError(
        "MGA_AMBIGUOUS_PREFIX",
        `${matches.length} active MGA keys share the prefix ${prefix} (${matches.map((key) => key.id).join(", ")}): ` +
          "set keys[].currentKeyId to the id of the key in use",
      );
    }
    return matches[0];
  }

  async function healthCheck(secret: SecretValue, check: HealthCheck): Promise<void> {
    const endpoint: MgaEndpoint = check.permission === "read" ? "listConversations" : "sendMessage";
    const request = {
      endpoint,
      key: secret,
      path: fillPath(paths[endpoint], { botId: check.botId }),
      ...(endpoint === "sendMessage"
        ? {
            body: {
              message: check.message ?? DEFAULT_HEALTH_CHECK_MESSAGE,
              metadata: { source: "key-rotator", healthCheck: true },
            },
          }
        : {}),
    };
    for (let attempt = 1; ; attempt++) {
      const response = await http.send(request);
      if (isSuccess(response)) return acceptHealthCheck(response, endpoint, secret, check);
      if (response.status !== 401 || attempt >= propagation.attempts) {
        throw healthCheckFailure(response, endpoint, secret, check, attempt);
      }
      const delayMs = propagation.baseDelayMs * 2 ** (attempt - 1);
      log.info({ prefix: secret.prefix(), attempt, delayMs }, "new key not accepted yet (401): waiting for propagation");
      await clock.sleep(delayMs);
    }
  }

  function acceptHealthCheck(response: MgaResponse, endpoint: MgaEndpoint, secret: SecretValue, check: HealthCheck) {
    try {
      parseData(response, endpoint === "sendMessage" ? messageReplySchema : conversationPageSchema, [secret]);
    } catch (error) {
      throw new VerificationError(`health check of ${secret.prefix()}… got no proper answer: ${(error as Error).message}`, {
        cause: error,
      });
    }
    log.info({ prefix: secret.prefix(), botId: check.botId, endpoint }, "MGA key passed its health check");
  }

  return { create, revoke, list, findBySecret, healthCheck };
}

/** The `key` of a create answer, when there is one, so a message about a malformed answer can redact it. */
function secretIn(response: MgaResponse): SecretValue[] {
  const data = (response.json as { data?: { key?: unknown } } | undefined)?.data;
  return typeof data?.key === "string" && data.key.length > 0 ? [new SecretValue(data.key)] : [];
}
