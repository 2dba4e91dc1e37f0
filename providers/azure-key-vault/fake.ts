// A protocol-level fake of Azure Key Vault's secrets API on 127.0.0.1, for tests and the demo sandbox:
// the 401 bearer challenge, token check, set/get/list versions/update, name validation, disabled
// versions (403), soft-deleted names (409), denial (403: RBAC, access policy, firewall, Azure Policy)
// and faults (429 with Retry-After, 503, hangs). The real SecretClient talks to it over http with
// allowInsecureConnection. Runtime code: it reads no spec files and imports no test-only packages.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { denial, type DenyMode, type FakeOperation, FakeVaultState, type FakeSecretVersion, keyVaultError, MAX_TAGS, secretBundle, secretItem } from "./fake-vault.js";

export type { DenyMode, FakeOperation };

export interface AzureKeyVaultFakeOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** The bearer token the vault accepts; any other is refused with 401. */
  token?: string;
  /** Tenant named in the challenge's `authorization` URL. */
  tenantId?: string;
  /** Persist secrets here after every change (the demo sandbox survives restarts). */
  stateFile?: string;
  /** Clock of `created`/`updated` (unix seconds in answers), in milliseconds. */
  now?: () => number;
  /** Page size of version lists when the client sends no `maxresults`; the service's is 25. */
  pageSize?: number;
}

export interface FaultOptions {
  /** How many matching requests fail; default 1, `Infinity` for every one. */
  times?: number;
  /** Which operations it hits; default all. */
  operations?: FakeOperation[];
}

export interface LoggedRequest {
  method: string;
  path: string;
  operation: FakeOperation | "unknown";
  authorized: boolean;
  status: number | "hung";
}

export interface AzureKeyVaultFake {
  vaultUrl: string;
  token: string;
  tenantId: string;
  /** Adds a version holding `value`, as an operator would (returns its id); `undefined` removes the secret. */
  seed(name: string, value: string | undefined): string | undefined;
  /** What a consumer reading the latest version gets: undefined when absent, deleted or disabled. */
  latestValue(name: string): string | undefined;
  /** Every version in creation order (copies), values included. */
  versions(name: string): FakeSecretVersion[];
  /** Soft-deletes the secret, as `az keyvault secret delete` on a soft-delete vault. */
  softDelete(name: string): void;
  /** From now on refuse these operations with 403 in the given mode's words; `allow()` lifts it. */
  deny(options?: { operations?: FakeOperation[]; mode?: DenyMode }): void;
  allow(): void;
  /** 429 with `Retry-After: retryAfterSeconds` (default 0). */
  throttle(options?: FaultOptions & { retryAfterSeconds?: number }): void;
  /** 503 ServiceUnavailable, no Retry-After. */
  unavailable(options?: FaultOptions): void;
  /** Accepts the request and never answers. */
  hang(options?: FaultOptions): void;
  clearFaults(): void;
  /** Every request, without bodies (they hold values). */
  readonly requests: readonly LoggedRequest[];
  close(): Promise<void>;
}

type Fault = { kind: "throttle" | "unavailable" | "hang"; remaining: number; operations?: FakeOperation[]; retryAfterSeconds: number };

const NAME = /^[0-9a-zA-Z-]{1,127}$/;

interface Route {
  operation: FakeOperation | "unknown";
  name?: string;
  version?: string;
}

function route(method: string, path: string): Route {
  const parts = path.split("/").slice(1);
  if (parts[0] !== "secrets" || parts[1] === undefined || parts[1] === "" || parts.length > 3) return { operation: "unknown" };
  const name = decodeURIComponent(parts[1]);
  const rest = parts[2] === undefined || parts[2] === "" ? undefined : decodeURIComponent(parts[2]);
  if (method === "PUT" && parts.length === 2) return { operation: "set", name };
  if (method === "GET" && rest === "versions") return { operation: "list", name };
  if (method === "GET") return { operation: "get", name, ...(rest === undefined ? {} : { version: rest }) };
  if (method === "PATCH") return { operation: "update", name, ...(rest === undefined ? {} : { version: rest }) };
  return { operation: "unknown" };
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return Symbol.for("invalid-json");
  }
}

function stringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}

export async function startAzureKeyVaultFake(options: AzureKeyVaultFakeOptions = {}): Promise<AzureKeyVaultFake> {
  const token = options.token ?? "fake-key-vault-token";
  const tenantId = options.tenantId ?? "00000000-0000-0000-0000-0000000000aa";
  const pageSize = options.pageSize ?? 25;
  const state = new FakeVaultState(options.now ?? Date.now, options.stateFile);
  const requests: LoggedRequest[] = [];
  let faults: Fault[] = [];
  let denied: { operations: FakeOperation[] | undefined; mode: DenyMode } | undefined;
  let vaultUrl = "";

  const challenge = `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`;

  function send(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): number {
    response.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-cache",
      "x-ms-request-id": randomUUID(),
      "x-ms-keyvault-service-version": "1.9.0.0",
      "x-ms-keyvault-region": "local",
      ...headers,
    });
    response.end(body === undefined ? undefined : JSON.stringify(body));
    return status;
  }

  function takeFault(operation: FakeOperation | "unknown"): Fault | undefined {
    const fault = faults.find((f) => f.remaining > 0 && (f.operations === undefined || (operation !== "unknown" && f.operations.includes(operation))));
    if (fault !== undefined) fault.remaining -= 1;
    faults = faults.filter((f) => f.remaining > 0);
    return fault;
  }

  async function serve(request: IncomingMessage, response: ServerResponse, url: URL, found: Route, log: LoggedRequest): Promise<number | "hung"> {
    if (!url.searchParams.get("api-version")) return send(response, 400, keyVaultError("BadParameter", "The 'api-version' query parameter is missing."));
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      request.resume();
      return send(response, 401, keyVaultError("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."), { "www-authenticate": challenge });
    }
    if (authorization !== `Bearer ${token}`) {
      request.resume();
      return send(response, 401, keyVaultError("Unauthorized", "AKV10032: Invalid token: the bearer token is not accepted by this vault."), {
        "www-authenticate": `${challenge}, error="invalid_token"`,
      });
    }
    log.authorized = true;
    const body = await readBody(request);
    const { operation, name, version } = found;
    if (operation === "unknown" || name === undefined) return send(response, 404, keyVaultError("NotFound", `No route for ${request.method} ${url.pathname}.`));
    const fault = takeFault(operation);
    if (fault?.kind === "hang") return "hung";
    if (fault?.kind === "throttle") {
      return send(response, 429, keyVaultError("Throttled", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"), {
        "retry-after": String(fault.retryAfterSeconds),
      });
    }
    if (fault?.kind === "unavailable") return send(response, 503, keyVaultError("ServiceUnavailable", "The service is temporarily unavailable."));
    if (!NAME.test(name)) return send(response, 400, keyVaultError("BadParameter", `The request URI contains an invalid name: ${name}`));
    if (denied !== undefined && (denied.operations === undefined || denied.operations.includes(operation))) {
      return send(response, 403, denial(denied.mode, operation, vaultUrl, name));
    }
    const stored = state.storedName(name);
    const notFound = () =>
      send(response, 404, keyVaultError("SecretNotFound", `A secret with (name/id) ${name}${version ? `/${version}` : ""} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`));

    if (operation === "set") {
      if (typeof body !== "object" || body === null || typeof (body as { value?: unknown }).value !== "string") {
        return send(response, 400, keyVaultError("BadParameter", "Property 'value' is required and must be a string."));
      }
      const input = body as { value: string; contentType?: unknown; tags?: unknown; attributes?: { enabled?: unknown; nbf?: unknown; exp?: unknown } };
      if (input.tags !== undefined && (!stringRecord(input.tags) || Object.keys(input.tags).length > MAX_TAGS)) {
        return send(response, 400, keyVaultError("BadParameter", `Tags must be string pairs, at most ${MAX_TAGS}.`));
      }
      if (state.isDeleted(name)) {
        return send(response, 409, keyVaultError("Conflict", `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`, "ObjectIsDeletedButRecoverable"));
      }
      const created = state.addVersion(name, {
        value: input.value,
        contentType: typeof input.contentType === "string" ? input.contentType : undefined,
        tags: input.tags as Record<string, string> | undefined,
        enabled: typeof input.attributes?.enabled === "boolean" ? input.attributes.enabled : undefined,
        nbf: typeof input.attributes?.nbf === "number" ? input.attributes.nbf : undefined,
        exp: typeof input.attributes?.exp === "number" ? input.attributes.exp : undefined,
      });
      return send(response, 200, secretBundle(vaultUrl, state.storedName(name), created));
    }

    if (operation === "list") {
      const all = state.versionsOf(name);
      if (all === undefined) return notFound();
      const requested = url.searchParams.get("maxresults");
      const size = requested === null ? pageSize : Number(requested);
      if (!Number.isInteger(size) || size < 1 || size > 25) return send(response, 400, keyVaultError("BadParameter", "maxresults must be between 1 and 25."));
      const skip = Number(Buffer.from(url.searchParams.get("$skiptoken") ?? "MA", "base64url").toString("utf8")) || 0;
      // The service lists versions by id, not by age: clients must sort by `created` themselves.
      const sorted = [...all].sort((a, b) => a.version.localeCompare(b.version));
      const page = sorted.slice(skip, skip + size);
      const next = skip + size < sorted.length ? skip + size : undefined;
      // The last page has no nextLink (the swagger's string type has no null).
      const nextLink =
        next === undefined
          ? undefined
          : `${vaultUrl}/secrets/${stored}/versions?api-version=${url.searchParams.get("api-version")}&$skiptoken=${Buffer.from(String(next)).toString("base64url")}${requested === null ? "" : `&maxresults=${size}`}`;
      return send(response, 200, { value: page.map((v) => secretItem(vaultUrl, stored, v)), ...(nextLink === undefined ? {} : { nextLink }) });
    }

    const target = version === undefined ? state.latest(name) : state.version(name, version);
    if (target === undefined) return notFound();
    if (operation === "get") {
      if (!target.enabled) return send(response, 403, keyVaultError("Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled"));
      return send(response, 200, secretBundle(vaultUrl, stored, target));
    }
    const patch = (typeof body === "object" && body !== null ? body : {}) as { contentType?: unknown; tags?: unknown; attributes?: { enabled?: unknown; nbf?: unknown; exp?: unknown } };
    if (patch.tags !== undefined && (!stringRecord(patch.tags) || Object.keys(patch.tags).length > MAX_TAGS)) {
      return send(response, 400, keyVaultError("BadParameter", `Tags must be string pairs, at most ${MAX_TAGS}.`));
    }
    const updated = state.update(target, {
      enabled: typeof patch.attributes?.enabled === "boolean" ? patch.attributes.enabled : undefined,
      contentType: typeof patch.contentType === "string" ? patch.contentType : undefined,
      tags: patch.tags as Record<string, string> | undefined,
      nbf: typeof patch.attributes?.nbf === "number" ? patch.attributes.nbf : undefined,
      exp: typeof patch.attributes?.exp === "number" ? patch.attributes.exp : undefined,
    });
    return send(response, 200, secretBundle(vaultUrl, stored, updated, false));
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const found = route(request.method ?? "GET", url.pathname);
    const log: LoggedRequest = { method: request.method ?? "GET", path: url.pathname, operation: found.operation, authorized: false, status: 500 };
    requests.push(log);
    serve(request, response, url, found, log).then(
      (status) => (log.status = status),
      (error: unknown) => (log.status = send(response, 500, keyVaultError("InternalError", error instanceof Error ? error.message : "fake failure"))),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  vaultUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addFault = (kind: Fault["kind"], fault: FaultOptions & { retryAfterSeconds?: number } = {}) => {
    faults.push({ kind, remaining: fault.times ?? 1, retryAfterSeconds: fault.retryAfterSeconds ?? 0, ...(fault.operations ? { operations: fault.operations } : {}) });
  };

  return {
    vaultUrl,
    token,
    tenantId,
    seed(name, value) {
      if (value === undefined) return void state.purge(name);
      return state.addVersion(name, { value }).version;
    },
    latestValue(name) {
      const latest = state.latest(name);
      return latest?.enabled ? latest.value : undefined;
    },
    versions: (name) => (state.versionsOf(name) ?? []).map((v) => ({ ...v, ...(v.tags ? { tags: { ...v.tags } } : {}) })),
    softDelete: (name) => state.softDelete(name),
    deny(deny = {}) {
      denied = { operations: deny.operations, mode: deny.mode ?? "rbac" };
    },
    allow() {
      denied = undefined;
    },
    throttle: (fault) => addFault("throttle", fault),
    unavailable: (fault) => addFault("unavailable", fault),
    hang: (fault) => addFault("hang", fault),
    clearFaults() {
      faults = [];
    },
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
