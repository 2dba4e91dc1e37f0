// A protocol-level fake of GCP Secret Manager v1 on 127.0.0.1: the REST surface the official client's
// fallback transport uses (`/v1/projects/p/secrets/s:addVersion?$alt=json;enum-encoding=int`, …), with
// bearer auth, Google error bodies ({error:{code,message,status}}), numeric enums when asked, etags,
// filters and pagination, plus fault injection and a request log (no bodies: they hold values).
// The tests and `key-rotator demo` both use it, so it imports nothing test-only and reads no files.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32c } from "./crc32c.js";
import { FakeSecretStore, GoogleApiError, STATE_NUMBERS, type FakeVersion, type SecretRef } from "./fake-store.js";

export type FakeMethod = "addVersion" | "access" | "getVersion" | "listVersions" | "disable" | "enable" | "getSecret";

export type FakeFault =
  | { kind: "status"; httpStatus: number; status: string; message?: string; retryAfterSeconds?: number; afterCommit?: boolean }
  /** Never answers. */
  | { kind: "hang"; afterCommit?: boolean }
  /** An access answered with a payload that does not match its CRC32C (damaged on the way). */
  | { kind: "corrupt"; afterCommit?: undefined };
// `afterCommit`: the work is done first, then the failure is answered (a reply lost on the way back).

export const FAULTS = {
  throttled: { kind: "status", httpStatus: 429, status: "RESOURCE_EXHAUSTED", message: "Quota exceeded for quota metric 'Access requests'." },
  unavailable: { kind: "status", httpStatus: 503, status: "UNAVAILABLE", message: "The service is currently unavailable." },
  deadline: { kind: "status", httpStatus: 504, status: "DEADLINE_EXCEEDED", message: "Deadline exceeded." },
  denied: { kind: "status", httpStatus: 403, status: "PERMISSION_DENIED", message: "Permission denied on resource (or it may not exist)." },
  unauthenticated: { kind: "status", httpStatus: 401, status: "UNAUTHENTICATED", message: "Request had invalid authentication credentials." },
  hang: { kind: "hang" },
  hangAfterCommit: { kind: "hang", afterCommit: true },
  corrupt: { kind: "corrupt" },
} as const satisfies Record<string, FakeFault>;

export interface FakeRequest {
  method: string;
  /** Path without the query, e.g. /v1/projects/demo-project/secrets/mga-api-key:addVersion */
  path: string;
  query: string;
  operation: FakeMethod | undefined;
  /** HTTP status answered, or "hang". */
  outcome: number | "hang";
  /** The etag sent with a disable or enable (etags are not secret). */
  etag?: string;
}

export interface GcpSecretManagerFakeOptions {
  project?: string;
  projectNumber?: string;
  /** The secret the control methods act on by default; created at start. */
  secret?: string;
  /** The bearer token to require; any non-empty token when unset. */
  token?: string;
  port?: number;
}

export interface GcpSecretManagerFake {
  /** `http://127.0.0.1:<port>`: the destination's `apiEndpoint`. */
  apiEndpoint: string;
  project: string;
  projectNumber: string;
  secret: string;
  store: FakeSecretStore;
  requests: FakeRequest[];
  /** Puts a value in place as a new version (creating the secret); `undefined` disables every version. */
  seed(value: string | undefined, secret?: string): void;
  /** What a consumer reading `latest` gets: undefined when it is disabled or there is none. */
  latestValue(secret?: string): string | undefined;
  versions(secret?: string): { number: number; state: string; value: string; etag: string }[];
  createSecret(secret: string): void;
  deleteSecret(secret: string): void;
  /** The next `times` calls of `method` fail with `fault`. */
  failNext(method: FakeMethod | "*", fault: FakeFault, times?: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const SECRET = "^/v1/projects/([^/]+)(?:/locations/([^/]+))?/secrets/([^/:]+)";
const ROUTES: { method: string; pattern: RegExp; operation: FakeMethod }[] = [
  { method: "POST", pattern: new RegExp(`${SECRET}:addVersion$`), operation: "addVersion" },
  { method: "GET", pattern: new RegExp(`${SECRET}/versions/([^/:]+):access$`), operation: "access" },
  { method: "POST", pattern: new RegExp(`${SECRET}/versions/([^/:]+):disable$`), operation: "disable" },
  { method: "POST", pattern: new RegExp(`${SECRET}/versions/([^/:]+):enable$`), operation: "enable" },
  { method: "GET", pattern: new RegExp(`${SECRET}/versions/([^/:]+)$`), operation: "getVersion" },
  { method: "GET", pattern: new RegExp(`${SECRET}/versions$`), operation: "listVersions" },
  { method: "GET", pattern: new RegExp(`${SECRET}$`), operation: "getSecret" },
];

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseJson(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new GoogleApiError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
}

function decodeCursor(token: string): number {
  const parsed = /^o:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!parsed) throw new GoogleApiError(400, "INVALID_ARGUMENT", "Invalid page token.");
  return Number(parsed[1]);
}

export async function startGcpSecretManagerFake(options: GcpSecretManagerFakeOptions = {}): Promise<GcpSecretManagerFake> {
  const project = options.project ?? "demo-project";
  const projectNumber = options.projectNumber ?? "123456789012";
  const defaultSecret = options.secret ?? "mga-api-key";
  const store = new FakeSecretStore(project, projectNumber);
  store.createSecret({ location: undefined, secret: defaultSecret });
  const requests: FakeRequest[] = [];
  const faults: { method: FakeMethod | "*"; fault: FakeFault; left: number }[] = [];

  const refOf = (secret: string): SecretRef => ({ project, location: undefined, secret });

  function versionJson(ref: SecretRef, version: FakeVersion, numericEnums: boolean): Record<string, unknown> {
    return {
      name: `${store.secretName(ref)}/versions/${version.number}`,
      createTime: version.createTime.toISOString(),
      state: numericEnums ? STATE_NUMBERS[version.state] : version.state,
      replicationStatus: { automatic: {} },
      etag: version.etag,
      clientSpecifiedPayloadChecksum: version.clientSpecifiedPayloadChecksum,
    };
  }

  function takeFault(operation: FakeMethod): FakeFault | undefined {
    const index = faults.findIndex((f) => f.method === operation || f.method === "*");
    if (index < 0) return undefined;
    const entry = faults[index]!;
    entry.left -= 1;
    if (entry.left <= 0) faults.splice(index, 1);
    return entry.fault;
  }

  async function perform(operation: FakeMethod, match: RegExpExecArray, url: URL, body: string): Promise<unknown> {
    const ref: SecretRef = { project: match[1]!, location: match[2], secret: match[3]! };
    const versionId = match[4] ?? "";
    const numericEnums = (url.searchParams.get("$alt") ?? "").includes("enum-encoding=int");
    switch (operation) {
      case "addVersion": {
        const payload = parseJson(body).payload as { data?: unknown; dataCrc32c?: unknown } | undefined;
        if (typeof payload?.data !== "string") throw new GoogleApiError(400, "INVALID_ARGUMENT", "Secret Version payload is required.");
        const checksum = payload.dataCrc32c === undefined ? undefined : String(payload.dataCrc32c);
        return versionJson(ref, store.addVersion(ref, Buffer.from(payload.data, "base64"), checksum), numericEnums);
      }
      case "access": {
        const version = store.access(ref, versionId);
        const data = version.data;
        return {
          name: `${store.secretName(ref)}/versions/${version.number}`,
          payload: { data: data.toString("base64"), dataCrc32c: String(crc32c(data)) },
        };
      }
      case "getVersion":
        return versionJson(ref, store.version(ref, versionId).version, numericEnums);
      case "disable":
      case "enable": {
        const etag = parseJson(body).etag;
        const state = operation === "disable" ? "DISABLED" : "ENABLED";
        return versionJson(ref, store.setState(ref, versionId, state, typeof etag === "string" ? etag : undefined), numericEnums);
      }
      case "listVersions": {
        const token = url.searchParams.get("pageToken") ?? "";
        const offset = token === "" ? 0 : decodeCursor(token);
        const pageSize = Number(url.searchParams.get("pageSize") ?? "0") || 0;
        const { page, next, total } = store.listVersions(ref, url.searchParams.get("filter") ?? "", pageSize, offset);
        return {
          ...(page.length > 0 ? { versions: page.map((v) => versionJson(ref, v, numericEnums)) } : {}),
          ...(next === undefined ? {} : { nextPageToken: Buffer.from(`o:${next}`).toString("base64url") }),
          totalSize: total,
        };
      }
      case "getSecret": {
        const secret = store.secret(ref);
        return { name: store.secretName(ref), replication: { automatic: {} }, createTime: secret.createTime.toISOString(), etag: secret.etag };
      }
    }
  }

  function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
    response.end(JSON.stringify(body));
  }

  function sendError(response: ServerResponse, error: GoogleApiError, headers?: Record<string, string>): void {
    send(response, error.httpStatus, { error: { code: error.httpStatus, message: error.message, status: error.status } }, headers);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const route = ROUTES.find((r) => r.method === request.method && r.pattern.test(url.pathname));
    const entry: FakeRequest = { method: request.method ?? "", path: url.pathname, query: url.search, operation: route?.operation, outcome: 200 };
    requests.push(entry);
    const body = await readBody(request);
    const fail = (error: GoogleApiError, headers?: Record<string, string>) => {
      entry.outcome = error.httpStatus;
      sendError(response, error, headers);
    };
    if (!route) return fail(new GoogleApiError(404, "NOT_FOUND", `Method not found: ${request.method} ${url.pathname}`));
    const auth = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
    if (!auth || (options.token !== undefined && auth[1] !== options.token)) {
      return fail(new GoogleApiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token."));
    }
    if (route.operation === "disable" || route.operation === "enable") {
      const etag = (() => {
        try {
          return parseJson(body).etag;
        } catch {
          return undefined; // perform() answers the bad body
        }
      })();
      if (typeof etag === "string") entry.etag = etag;
    }
    const fault = takeFault(route.operation);
    const match = route.pattern.exec(url.pathname)!;
    if (fault?.afterCommit) await perform(route.operation, match, url, body).catch(() => undefined);
    if (fault?.kind === "status") {
      const headers = fault.retryAfterSeconds === undefined ? undefined : { "retry-after": String(fault.retryAfterSeconds) };
      return fail(new GoogleApiError(fault.httpStatus, fault.status, fault.message ?? fault.status), headers);
    }
    if (fault?.kind === "hang") {
      entry.outcome = "hang";
      return; // the connection stays open until the client gives up or the fake closes
    }
    try {
      const answer = await perform(route.operation, match, url, body);
      if (fault?.kind === "corrupt" && route.operation === "access") {
        const payload = (answer as { payload: { data: string } }).payload;
        payload.data = Buffer.from(`${Buffer.from(payload.data, "base64").toString("utf8")}~`).toString("base64");
      }
      send(response, 200, answer);
    } catch (error) {
      if (error instanceof GoogleApiError) return fail(error);
      fail(new GoogleApiError(500, "INTERNAL", "Internal error encountered."));
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) sendError(response, new GoogleApiError(500, "INTERNAL", "Internal error encountered."));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    apiEndpoint: `http://127.0.0.1:${port}`,
    project,
    projectNumber,
    secret: defaultSecret,
    store,
    requests,
    seed(value, secret = defaultSecret) {
      const ref = refOf(secret);
      store.createSecret(ref);
      if (value !== undefined) store.addVersion(ref, Buffer.from(value, "utf8"), undefined);
      else for (const version of store.secret(ref).versions) if (version.state === "ENABLED") store.setState(ref, String(version.number), "DISABLED", undefined);
    },
    latestValue(secret = defaultSecret) {
      const latest = store.secrets.get(secret)?.versions.at(-1);
      return latest?.state === "ENABLED" ? latest.data.toString("utf8") : undefined;
    },
    versions(secret = defaultSecret) {
      return (store.secrets.get(secret)?.versions ?? []).map((v) => ({ number: v.number, state: v.state, value: v.data.toString("utf8"), etag: v.etag }));
    },
    createSecret(secret) {
      store.createSecret({ location: undefined, secret });
    },
    deleteSecret(secret) {
      store.secrets.delete(secret);
    },
    failNext(method, fault, times = 1) {
      faults.push({ method, fault, left: times });
    },
    clearFaults() {
      faults.length = 0;
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // hung requests included
      });
      return closing;
    },
  };
}
