// A protocol-level fake of Railway's public GraphQL API on 127.0.0.1: one POST endpoint, documents
// parsed, validated and executed by graphql-js against the slice of the schema in fake-schema.ts.
// Like Railway it answers "Not Authorized" and other errors with HTTP 200 and `errors`. Faults can
// be injected (429 with rate-limit headers, 500, Cloudflare's HTML 403, dropped connections,
// GraphQL-level rate limits). It keeps no request variables in its logs: they carry key values.
// Used by the tests and by `key-rotator demo`, so it never reads the spec files at runtime.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { execute, type GraphQLSchema, Kind, type OperationDefinitionNode, parse, validate } from "graphql";
import { buildFakeSchema, fakeRootValue } from "./fake-schema.js";
import {
  DEFAULT_PHASES_MS,
  type DeploymentOutcome,
  type DeploymentPhasesMs,
  type DeploymentView,
  RailwayFakeState,
} from "./fake-state.js";
import type { RailwayTokenType } from "./schema.js";

export type { DeploymentOutcome, DeploymentView } from "./fake-state.js";

export const FAKE_PATH = "/graphql/v2";

export interface RailwayFakeOptions {
  projectId?: string;
  environmentId?: string;
  services?: string[];
  /** Accepted token per token type; defaults below. */
  tokens?: Partial<Record<RailwayTokenType, string>>;
  phasesMs?: Partial<DeploymentPhasesMs>;
  /** variableDelete deploys the affected services (default true; see fake-schema.ts). */
  deployOnDelete?: boolean;
  /** Milliseconds since the epoch; share a fake clock with the adapter to drive deployments. */
  now?: () => number;
}

export type RailwayFault =
  | { kind: "http-429"; retryAfterSeconds?: number; resetInSeconds?: number }
  | { kind: "graphql-rate-limit"; retryAfterSeconds?: number }
  | { kind: "http-500" }
  | { kind: "cloudflare-403" }
  | { kind: "not-authorized" }
  | { kind: "drop-connection" };

export interface FakeRequest {
  operationName: string | undefined;
  /** Root fields of the operation, e.g. ["variableUpsert"]. */
  fields: string[];
  /** Names only: the values may be keys. */
  variableNames: string[];
  auth: RailwayTokenType | "none";
  status: number;
  fault?: RailwayFault["kind"];
}

export interface RailwayFake {
  apiUrl: string;
  projectId: string;
  environmentId: string;
  tokens: Record<RailwayTokenType, string>;
  /** Every GraphQL document received, in order. */
  readonly documents: readonly string[];
  readonly requests: readonly FakeRequest[];
  close(): Promise<void>;
  addService(serviceId: string): void;
  /** Out-of-band change, as an operator would make it; `deploy` (default true) makes it live at once. */
  seedVariable(name: string, value: string | undefined, options?: { serviceId?: string; deploy?: boolean }): void;
  /** The stored (unrendered) value. */
  variableValue(name: string, serviceId?: string): string | undefined;
  /** What the service's latest SUCCESS deployment serves (rendered at its creation). */
  liveValue(serviceId: string, name: string): string | undefined;
  deployments(): DeploymentView[];
  failNextDeployment(outcome: Exclude<DeploymentOutcome, "SUCCESS">): void;
  /** The next `times` requests (optionally only those touching `field`) fail this way. */
  injectFault(fault: RailwayFault, times?: number, field?: string): void;
  clearFaults(): void;
}

const DEFAULT_TOKENS: Record<RailwayTokenType, string> = {
  account: "fake-railway-account-token",
  team: "fake-railway-team-token",
  project: "fake-railway-project-token",
};

const CLOUDFLARE_403 =
  "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>" +
  "<body><h1>Sorry, you have been blocked</h1><p>Cloudflare Ray ID: 0000000000000000</p></body></html>";

interface ActiveFault {
  fault: RailwayFault;
  remaining: number;
  field: string | undefined;
}

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

function authOf(request: IncomingMessage, tokens: Record<RailwayTokenType, string>): RailwayTokenType | "none" {
  const header = (name: string) => request.headers[name.toLowerCase()];
  if (header("authorization") === `Bearer ${tokens.account}`) return "account";
  if (header("team-access-token") === tokens.team) return "team";
  if (header("project-access-token") === tokens.project) return "project";
  return "none";
}

function faultReply(fault: RailwayFault, nowMs: number): Reply {
  switch (fault.kind) {
    case "http-429": {
      const headers: Record<string, string> = { "X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0" };
      if (fault.retryAfterSeconds !== undefined) headers["Retry-After"] = String(fault.retryAfterSeconds);
      if (fault.resetInSeconds !== undefined) headers["X-RateLimit-Reset"] = String(Math.ceil(nowMs / 1000) + fault.resetInSeconds);
      return json({ errors: [{ message: "Too Many Requests" }] }, 429, headers);
    }
    case "graphql-rate-limit":
      return json({ data: null, errors: [{ message: "Rate limit exceeded. Please try again later." }] }, 200, {
        "Retry-After": String(fault.retryAfterSeconds ?? 1),
      });
    case "http-500":
      return json({ errors: [{ message: "Internal Server Error" }] }, 500);
    case "cloudflare-403":
      return { status: 403, body: CLOUDFLARE_403, headers: { "content-type": "text/html; charset=UTF-8" } };
    case "not-authorized":
      return json({ data: null, errors: [{ message: "Not Authorized" }] });
    case "drop-connection":
      return { status: 0, body: "" };
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startRailwayFake(options: RailwayFakeOptions = {}): Promise<RailwayFake> {
  const now = options.now ?? Date.now;
  const tokens = { ...DEFAULT_TOKENS, ...options.tokens };
  const state = new RailwayFakeState(
    options.projectId ?? "prj-fake",
    options.environmentId ?? "env-production",
    options.services ?? ["svc-api"],
    { ...DEFAULT_PHASES_MS, ...options.phasesMs },
    now,
  );
  const schema: GraphQLSchema = buildFakeSchema();
  const rootValue = fakeRootValue(state, { deployOnDelete: options.deployOnDelete ?? true });
  const documents: string[] = [];
  const requests: FakeRequest[] = [];
  let faults: ActiveFault[] = [];

  function takeFault(fields: string[]): RailwayFault | undefined {
    const active = faults.find((f) => f.remaining > 0 && (f.field === undefined || fields.includes(f.field)));
    if (!active) return undefined;
    active.remaining -= 1;
    faults = faults.filter((f) => f.remaining > 0);
    return active.fault;
  }

  async function handle(request: IncomingMessage, log: FakeRequest): Promise<Reply> {
    if (request.method !== "POST" || request.url?.split("?")[0] !== FAKE_PATH) return json({ errors: [{ message: "Not Found" }] }, 404);
    let payload: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      payload = JSON.parse(await readBody(request)) as typeof payload;
    } catch {
      return json({ errors: [{ message: "POST body is not JSON" }] }, 400);
    }
    if (typeof payload.query !== "string") return json({ errors: [{ message: "Must provide query string." }] }, 400);
    documents.push(payload.query);
    const variables = (payload.variables ?? {}) as Record<string, unknown>;
    const operationName = typeof payload.operationName === "string" ? payload.operationName : undefined;
    Object.assign(log, { operationName, variableNames: Object.keys(variables) });
    let document;
    try {
      document = parse(payload.query);
    } catch (error) {
      return json({ errors: [{ message: (error as Error).message }] });
    }
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (operationName === undefined || d.name?.value === operationName),
    );
    log.fields = operation?.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) ?? [];

    const fault = takeFault(log.fields);
    if (fault) {
      log.fault = fault.kind;
      return faultReply(fault, now());
    }
    if (log.auth === "none") return json({ data: null, errors: [{ message: "Not Authorized" }] });
    const invalid = validate(schema, document);
    if (invalid.length > 0) return json({ errors: invalid.map((e) => ({ message: e.message })) });
    const result = await execute({ schema, document, rootValue, variableValues: variables, operationName });
    const errors = result.errors?.map((e) => ({ message: e.message, path: e.path }));
    return json(errors ? { data: result.data ?? null, errors } : { data: result.data });
  }

  const server = createServer((request, response: ServerResponse) => {
    const log: FakeRequest = { operationName: undefined, fields: [], variableNames: [], auth: authOf(request, tokens), status: 0 };
    requests.push(log);
    handle(request, log)
      .catch((error: unknown) => json({ errors: [{ message: `fake failure: ${(error as Error).message}` }] }, 500))
      .then((reply) => {
        log.status = reply.status;
        if (reply.status === 0) return void response.socket?.destroy();
        response.writeHead(reply.status, reply.headers ?? {});
        response.end(reply.body);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}${FAKE_PATH}`,
    projectId: state.projectId,
    environmentId: state.environmentId,
    tokens,
    documents,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    addService: (serviceId) => state.addService(serviceId),
    seedVariable(name, value, { serviceId, deploy = true } = {}) {
      const affected = state.setVariable(serviceId, name, value);
      if (deploy) for (const id of affected) state.deploy(id, "seed");
    },
    variableValue: (name, serviceId) => state.scope(serviceId).get(name),
    liveValue: (serviceId, name) => state.live(serviceId)?.[name],
    deployments: () => state.list(),
    failNextDeployment: (outcome) => state.failNext(outcome),
    injectFault(fault, times = 1, field) {
      faults.push({ fault, remaining: times, field });
    },
    clearFaults() {
      faults = [];
    },
  };
}
