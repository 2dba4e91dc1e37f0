// Key Vault failures mapped once onto the project's error classes, with the fix in the message:
// 401 → credential settings, 403 → the RBAC role or data action (never "not found"), 404 → a missing
// secret vs a vault URL that is not a vault, 409 → recover or purge the soft-deleted name, 429 →
// throttled with the service's hint, 5xx/network/timeouts → transient. Never carries a value.
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  NotFoundError,
  RotatorError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";

export type VaultOperation = "get" | "set" | "list" | "update";

/** The RBAC data action each call needs (Key Vault Secrets Officer has them all). */
export const DATA_ACTIONS: Record<VaultOperation, string> = {
  get: "Microsoft.KeyVault/vaults/secrets/getSecret/action",
  set: "Microsoft.KeyVault/vaults/secrets/setSecret/action",
  list: "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
  update: "Microsoft.KeyVault/vaults/secrets/update/action",
};

/** The same, for vaults still on the access-policy model. */
const POLICY_PERMISSIONS: Record<VaultOperation, string> = { get: "get", set: "set", list: "list", update: "set" };

export interface ErrorScene {
  operation: VaultOperation;
  vaultUrl: string;
  secretName: string;
  /** describeCredential(): which settings decide who we are. */
  credential: string;
  /** The value sent, if any: scrubbed from anything the service echoes. */
  value?: string | undefined;
}

interface RestErrorLike {
  name?: string;
  message: string;
  code?: string;
  statusCode?: number;
  details?: { error?: { code?: string; message?: string; innerError?: { code?: string } } };
  response?: { headers?: { get(name: string): string | undefined } };
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ESOCKETTIMEDOUT", "EPIPE", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "REQUEST_SEND_ERROR"]);
const CREDENTIAL_ERRORS = new Set(["CredentialUnavailableError", "AuthenticationError", "AuthenticationRequiredError", "AggregateAuthenticationError"]);

function isRestErrorLike(error: unknown): error is RestErrorLike {
  return error instanceof Error && (error.name === "RestError" || "statusCode" in error);
}

/** The inner code Key Vault puts under `error.innererror` (SecretDisabled, ForbiddenByRbac…). */
export function innerCode(error: unknown): string | undefined {
  return isRestErrorLike(error) ? error.details?.error?.innerError?.code : undefined;
}

export function statusOf(error: unknown): number | undefined {
  return isRestErrorLike(error) ? error.statusCode : undefined;
}

/** 404 SecretNotFound: the vault answered, and has no such secret (or version). */
export function isSecretNotFound(error: unknown): boolean {
  return isRestErrorLike(error) && error.statusCode === 404 && error.code === "SecretNotFound";
}

/** Retry-After (seconds or a date), retry-after-ms or x-ms-retry-after-ms, in ms. */
export function retryAfterMs(error: RestErrorLike): number | undefined {
  const headers = error.response?.headers;
  if (headers === undefined) return undefined;
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const ms = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(ms)) return ms;
  }
  const header = headers.get("retry-after");
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function summary(error: unknown, message: string): Error {
  const plain = new Error(message);
  plain.name = error instanceof Error ? error.name : "Error";
  if (isRestErrorLike(error)) Object.assign(plain, { code: error.code, statusCode: error.statusCode, innerCode: innerCode(error) });
  return plain;
}

function scrub(text: string, value: string | undefined): string {
  return value === undefined || value === "" ? text : text.split(value).join("[redacted]");
}

export function mapKeyVaultError(error: unknown, scene: ErrorScene): RotatorError {
  if (error instanceof RotatorError) return error;
  const where = `Key Vault ${new URL(scene.vaultUrl).host}, secret ${scene.secretName} (${scene.operation})`;
  const raw = error instanceof Error ? error.message : String(error);
  const said = scrub(raw.split("\r\n")[0] ?? raw, scene.value);
  // The SDK's error keeps the request, whose body holds the value: the cause is a summary instead.
  const options = { cause: summary(error, scrub(raw, scene.value)) };

  if (error instanceof Error && error.name === "AbortError") {
    return new TransientError(`${where}: no answer before the request timeout`, options);
  }
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
    return new AuthenticationError(`${where}: could not get a token from ${scene.credential}: ${said}`, options);
  }
  if (raw.includes("disableChallengeResourceVerification")) {
    return new DestinationError(
      `${where}: the vault's challenge names a resource outside the vault's domain; if this vault sits behind a custom domain or proxy, set disableChallengeResourceVerification: true`,
      options,
    );
  }
  if (!isRestErrorLike(error)) {
    return new RotatorError("UNEXPECTED", `${where}: ${said}`, options);
  }

  const status = error.statusCode;
  const inner = innerCode(error);
  if (status === undefined) {
    if (error.code === "ENOTFOUND") {
      return new NotFoundError(`${where}: the vault host does not resolve; check vaultUrl (a deleted vault's name stops resolving)`, options);
    }
    if (error.code !== undefined && NETWORK_CODES.has(error.code)) return new TransientError(`${where}: network error ${error.code}`, options);
    return new TransientError(`${where}: ${said}`, options);
  }
  if (status === 401) {
    return new AuthenticationError(`${where}: the vault refused our token (401 after the challenge); check ${scene.credential}: ${said}`, options);
  }
  if (status === 403) {
    if (inner === "SecretDisabled") {
      return new DestinationError(`${where}: the version asked for is disabled; re-enable it or write a new version`, options);
    }
    if (inner === "ForbiddenByFirewall") {
      return new AccessDeniedError(`${where}: the vault's firewall refused this client address; allow it in the vault's Networking settings or use a private endpoint: ${said}`, { ...options, permission: "network access" });
    }
    if (inner === "ForbiddenByPolicy") {
      return new AccessDeniedError(`${where}: an Azure Policy assignment refused the request (for example one that requires an expiration date): ${said}`, { ...options, permission: "Azure Policy" });
    }
    const permission = DATA_ACTIONS[scene.operation];
    const fix =
      inner === "AccessDenied"
        ? `add an access policy with secret permissions get, list, set for this identity (or move the vault to Azure RBAC)`
        : `assign the role "Key Vault Secrets Officer" scoped to the secret (…/vaults/<vault>/secrets/${scene.secretName}), or a custom role with the data actions ${Object.values(DATA_ACTIONS).join(", ")}`;
    return new AccessDeniedError(
      `${where}: access denied (needs ${permission}; access policy: secrets ${POLICY_PERMISSIONS[scene.operation]}); ${fix}. Service said: ${said}`,
      { ...options, permission },
    );
  }
  if (status === 404) {
    if (error.code === "SecretNotFound") return new NotFoundError(`${where}: no such secret (or version) in the vault`, options);
    return new NotFoundError(`${where}: the host answered 404 without a Key Vault error: is vaultUrl the vault's URI (https://<vault>.vault.azure.net)?`, options);
  }
  if (status === 409) {
    if (inner === "ObjectIsBeingRecovered") return new TransientError(`${where}: the secret is being recovered; retry shortly`, options);
    if (inner !== "ObjectIsDeletedButRecoverable" && !raw.includes("deleted but recoverable")) {
      return new DestinationError(`${where}: conflict (409): ${said}`, options);
    }
    return new DestinationError(
      `${where}: the secret name is soft-deleted and cannot be reused until it is recovered or purged: ` +
        `recover it (az keyvault secret recover --vault-name <vault> --name ${scene.secretName}) to keep its history, ` +
        `or purge it (az keyvault secret purge --vault-name <vault> --name ${scene.secretName}; needs the purge permission and no purge protection)`,
      options,
    );
  }
  if (status === 429) {
    const hint = retryAfterMs(error);
    return new ThrottledError(`${where}: throttled by the vault (4,000 secret transactions per 10 s per vault)`, {
      ...options,
      ...(hint === undefined ? {} : { retryAfterMs: hint }),
    });
  }
  if (status === 408 || status >= 500) return new TransientError(`${where}: the service answered ${status}: ${said}`, options);
  return new DestinationError(`${where}: the service refused the request (${status} ${error.code ?? ""}): ${said}`, options);
}
