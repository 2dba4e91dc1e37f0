/**
 * A protocol-level fake of the MGA API on 127.0.0.1, for tests and the `key-rotator demo` sandbox.
 * The real `mga` issuer talks to it over HTTP exactly as it talks to MGA.
 *
 * What it models:
 * - The key-management contract of reference/mga-api.md (an ASSUMED contract; MGA does not publish
 *   it): `POST /keys` (201, the secret shown once, prefix = its first 12 characters), `GET /keys`
 *   paginated with `?cursor=` / `nextCursor`, `DELETE /keys/{id}` (404 when unknown or already
 *   revoked). Revoked keys really stop working. Secrets are `mga_sk_` + 40 base62 characters, with
 *   12-character prefixes unique among the fake's keys.
 * - The documented chat endpoints used as health checks: `POST /chat/{botId}/message` (write+, body
 *   validated, `metadata` recorded) and `GET /chat/{botId}/conversations` (read+).
 * - Bearer auth: 401 for a missing, unknown or revoked key; 403 when the key's permission is too low
 *   (admin ⊃ write ⊃ read); `lastUsedAt` set on every authenticated use, 403s included.
 * - Rate limits: `X-RateLimit-Limit/-Remaining/-Reset` (unix seconds) on every response; fixed
 *   windows per class shared by the whole account (chat 100/min, data 1000/hour by default); 429
 *   with `Retry-After` (seconds) and the error envelope.
 * - Propagation: a key created through the API answers 401 to its first `newKeyUnauthorizedCalls`
 *   chat calls.
 * - Faults by endpoint: status, latency, hang, dropped response, malformed body.
 *
 * What it assumes (not documented by MGA): the error codes in the envelope (UNAUTHORIZED, FORBIDDEN,
 * RATE_LIMITED, …), the cursor format (opaque), account-wide rate windows, and that unknown bots
 * answer 404. Bots: `bots` (default `["bot_demo"]`), or any id with `anyBot: true`.
 * Conversations are listed in one page. Streaming and webhooks are not modelled.
 *
 * Secrets never reach its log or its request log (method, path, endpoint, status, key id only).
 * With `stateFile`, state (secrets included: a sandbox file) survives a restart; rate windows do not.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Permission } from "../../src/core/issuer.js";
import { MGA_ENDPOINTS, MGA_ENDPOINT_NAMES, type MgaEndpoint } from "./endpoints.js";
import { FaultTable, RateLimiter, type FaultSpec, type RateLimitOptions } from "./fake-limits.js";
import { FakeMgaStore, type FakeMessage } from "./fake-store.js";
import { errorReply, handleEndpoint, type Reply } from "./fake-handlers.js";
import { mgaPathsSchema, type MgaPaths } from "./schema.js";

export type { FaultSpec, RateLimitOptions, RateWindow } from "./fake-limits.js";
export type { FakeMessage } from "./fake-store.js";

export interface FakeMgaOptions {
  /** Prefix of every path; `url` ends with it. Default `/api/v1`. */
  basePath?: string;
  /** Serve the endpoints at other paths (same shape as `issuer.paths`). */
  paths?: Partial<MgaPaths>;
  /** Bots that exist (default `["bot_demo"]`); other ids answer 404 unless `anyBot`. */
  bots?: string[];
  anyBot?: boolean;
  /** Keys per page of `GET /keys` (default 50). */
  pageSize?: number;
  /** Chat calls a key created through the API answers 401 before it works (default 0). */
  newKeyUnauthorizedCalls?: number;
  rateLimits?: RateLimitOptions;
  /** Time of timestamps and rate windows (default the system clock); share a test's fake clock. */
  clock?: { now(): Date };
  /** JSON file to load state from at start and save it to after every change. */
  stateFile?: string;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  log?: Logger;
}

export interface FakeRequest {
  method: string;
  /** URL path, without the query. */
  path: string;
  endpoint: MgaEndpoint | undefined;
  /** null while unanswered, and for a hang or a dropped response. */
  status: number | null;
  /** The authenticated key, if any. */
  keyId: string | undefined;
}

export interface FakeKeyView {
  id: string;
  name: string;
  permission: Permission;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface FakeMga {
  /** Base URL, `http://127.0.0.1:<port>/api/v1`. */
  readonly url: string;
  /** Stops listening and destroys every open socket, hung requests included. */
  close(): Promise<void>;
  /** Adds a key directly (the admin key, the key a destination holds now). Never 401s for propagation. */
  seedKey(input: { name: string; permission: Permission; id?: string; secret?: string }): {
    id: string;
    secret: string;
    prefix: string;
  };
  /** The secret belongs to a key that is not revoked. */
  isValid(secret: string): boolean;
  /** Every key, revoked included, without secrets. */
  keys(): FakeKeyView[];
  /** Every secret the fake ever minted or was seeded with, for leak scanners. */
  issuedSecrets(): string[];
  /** Every request so far, in arrival order. */
  readonly requests: readonly FakeRequest[];
  /** Every message sent to a bot (health checks), with its metadata. */
  messages(): readonly FakeMessage[];
  fault(endpoint: MgaEndpoint, fault: FaultSpec): void;
  clearFaults(): void;
}

interface Route {
  endpoint: MgaEndpoint;
  pattern: RegExp;
  names: string[];
}

function compileRoutes(basePath: string, paths: MgaPaths): Route[] {
  return MGA_ENDPOINT_NAMES.map((endpoint) => {
    const names: string[] = [];
    const source = (basePath + paths[endpoint])
      .split(/(\{\w+\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
        names.push(name);
        return "([^/]+)";
      })
      .join("");
    return { endpoint, pattern: new RegExp(`^${source}/?$`), names };
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function matchRoute(routes: Route[], method: string, path: string) {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (MGA_ENDPOINTS[route.endpoint].method !== method) continue;
    const params = Object.fromEntries(route.names.map((name, i) => [name, safeDecode(match[i + 1] ?? "")]));
    return { endpoint: route.endpoint, params };
  }
  return pathMatched ? "method-not-allowed" : undefined;
}

function bearer(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return match?.[1];
}

export async function startFakeMga(options: FakeMgaOptions = {}): Promise<FakeMga> {
  const clock = options.clock ?? { now: () => new Date() };
  const basePath = (options.basePath ?? "/api/v1").replace(/\/+$/, "");
  const routes = compileRoutes(basePath, mgaPathsSchema.parse(options.paths ?? {}));
  const store = new FakeMgaStore(options.stateFile);
  const limiter = new RateLimiter(options.rateLimits);
  const faults = new FaultTable();
  const requests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const handlerOptions = {
    bots: new Set(options.bots ?? ["bot_demo"]),
    anyBot: options.anyBot ?? false,
    pageSize: options.pageSize ?? 50,
    newKeyUnauthorizedCalls: options.newKeyUnauthorizedCalls ?? 0,
  };

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(request: IncomingMessage, response: ServerResponse, entry: FakeRequest): Promise<void> {
    let headers: Record<string, string | null> = {};
    const send = (reply: Reply, extra: Record<string, string | null> = {}) => {
      const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      const all: Record<string, string> = { "Content-Type": "application/json" };
      for (const [name, value] of Object.entries({ ...headers, ...extra })) if (value !== null) all[name] = value;
      entry.status = reply.status;
      response.writeHead(reply.status, all).end(body);
    };

    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const route = matchRoute(routes, request.method ?? "GET", url.pathname);
    const matched = typeof route === "object" ? route : undefined;
    // Every answer carries the rate headers; stray paths count as data calls.
    const rate = limiter.take(matched ? MGA_ENDPOINTS[matched.endpoint].rateClass : "data", clock.now().getTime());
    headers = rate.headers;
    if (route === undefined) return send(errorReply(404, `no route ${request.method} ${url.pathname}`));
    if (route === "method-not-allowed") return send(errorReply(405, `${request.method} not allowed here`));
    entry.endpoint = route.endpoint;
    const retryAfter: Record<string, string> =
      options.rateLimits?.retryAfter === false ? {} : { "Retry-After": String(rate.retryAfterSeconds) };

    const fault = faults.take(route.endpoint);
    if (fault?.hang) return; // never answered; close() destroys the socket
    if (fault?.latencyMs) await delay(fault.latencyMs);
    if (fault && (fault.status !== undefined || fault.body !== undefined)) {
      const status = fault.status ?? 200;
      const reply = fault.body !== undefined ? { status, body: fault.body } : errorReply(status, "injected fault");
      return send(reply, { ...(status === 429 ? retryAfter : {}), ...fault.headers });
    }
    if (rate.limited) return send(errorReply(429, "Rate limit exceeded, retry later"), retryAfter);

    const reply = await handleEndpoint(
      { endpoint: route.endpoint, params: route.params, query: url.searchParams, token: bearer(request), request },
      { store, now: () => clock.now().toISOString(), options: handlerOptions, onKey: (id) => (entry.keyId = id) },
    );
    if (fault?.dropResponse) {
      request.socket.destroy();
      return;
    }
    send(reply);
  }

  const server = createServer((request, response) => {
    const entry: FakeRequest = {
      method: request.method ?? "GET",
      path: new URL(request.url ?? "/", "http://127.0.0.1").pathname,
      endpoint: undefined,
      status: null,
      keyId: undefined,
    };
    requests.push(entry);
    handle(request, response, entry)
      .catch((error: unknown) => {
        if (!response.headersSent) {
          entry.status = 500;
          response.writeHead(500, { "Content-Type": "application/json" });
          response.end(JSON.stringify(errorReply(500, "fake MGA failed").body));
        }
        options.log?.error({ err: error instanceof Error ? error.message : String(error) }, "fake MGA failed");
      })
      .finally(() => {
        const { method, path, endpoint, status, keyId } = entry;
        options.log?.debug({ method, path, endpoint, status, keyId }, "fake MGA request");
      });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    seedKey(input) {
      const key = store.add({ ...input, createdAt: clock.now().toISOString() });
      return { id: key.id, secret: key.secret, prefix: key.prefix };
    },
    isValid(secret) {
      const key = store.bySecret(secret);
      return key !== undefined && key.revokedAt === null;
    },
    keys() {
      return store.keys.map(({ id, name, permission, prefix, createdAt, lastUsedAt, revokedAt }) => ({
        id,
        name,
        permission,
        prefix,
        createdAt,
        lastUsedAt,
        revokedAt,
      }));
    },
    issuedSecrets: () => [...store.minted],
    messages: () => [...store.messages],
    fault: (endpoint, fault) => faults.add(endpoint, fault),
    clearFaults: () => faults.clear(),
  };
}
