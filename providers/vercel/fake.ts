/**
 * A protocol-level fake of the Vercel REST API on 127.0.0.1, for tests and the `key-rotator demo`
 * sandbox. The real `vercel` destination talks to it over HTTP exactly as it talks to Vercel.
 *
 * What it models: bearer-token auth (401 for a missing or wrong token) and `teamId` (403 for a team
 * the token is not in, 404 for a team project asked for without it); env records of type plain /
 * encrypted / sensitive with upsert and `failed[]` on 201, sensitive values never returned;
 * deployments that move QUEUED → BUILDING → READY (or ERROR / CANCELED / BLOCKED, or hang in
 * BUILDING) by the clock, each snapshotting the production env when created; the live production
 * deployment is the READY one aliased last. Faults per route: any status n times, 429 with
 * `X-RateLimit-*` / `Retry-After` / a body `limit`. Not modelled: see README ("What the fake does
 * not model"). Values never reach its request log.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  aliasAssignedAt,
  FakeVercelState,
  stateAt,
  type DeploymentOutcome,
  type DeploymentTimings,
  type FakeEnvType,
  type FakeProject,
  type FakeTarget,
} from "./fake-state.js";
import * as routes from "./fake-routes.js";
import { errorReply, type Reply, type RouteInput } from "./fake-routes.js";

export type { DeploymentOutcome, DeploymentTimings, FakeEnvType, FakeTarget } from "./fake-state.js";

export const FAKE_ROUTES = [
  "env.list",
  "env.create",
  "env.get",
  "env.edit",
  "env.delete",
  "deployments.list",
  "deployments.create",
  "deployments.get",
  "deployments.delete",
] as const;
export type FakeRoute = (typeof FAKE_ROUTES)[number];

export interface VercelFakeOptions {
  /** The one valid token (default "vercel-fake-token"). */
  token?: string;
  /** The token's team, owner of the default project; null for a personal account (default "team_fake"). */
  teamId?: string | null;
  /** Project created at start with one READY production deployment; null for none. */
  project?: { id: string; name: string } | null;
  /** Default: queued 300 ms, building 1500 ms, alias 100 ms. */
  timings?: Partial<DeploymentTimings>;
  /** Model the spec text's reading: a redeploy keeps the env of the deployment it copies. */
  redeployInheritsEnv?: boolean;
  clock?: { now(): Date };
  port?: number;
}

export interface FaultSpec {
  status: number;
  /** How many requests it hits (default 1; Infinity: until cleared). */
  times?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ThrottleSpec {
  times?: number;
  /** Seconds until the window resets (default 2). */
  resetSeconds?: number;
  /** Where the wait is said: rate-limit headers (default), `Retry-After`, or only the body's `limit`. */
  via?: "x-ratelimit-reset" | "retry-after" | "body";
}

export interface FakeRequest {
  method: string;
  path: string;
  route: FakeRoute | undefined;
  query: Record<string, string>;
  /** JSON body with every `value` replaced by "[redacted]". */
  body: unknown;
  status: number;
}

export interface DeploymentInfo {
  id: string;
  projectId: string;
  state: string;
  aliasAssigned: boolean;
  sourceId: string | undefined;
  createdAt: number;
}

function redactValues(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redactValues);
  if (typeof body !== "object" || body === null) return body;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, k === "value" && typeof v === "string" ? "[redacted]" : v]));
}

function match(method: string, path: string): { route: FakeRoute; params: string[] } | undefined {
  const table: [string, RegExp, FakeRoute][] = [
    ["GET", /^\/v10\/projects\/([^/]+)\/env$/, "env.list"],
    ["POST", /^\/v10\/projects\/([^/]+)\/env$/, "env.create"],
    ["GET", /^\/v1\/projects\/([^/]+)\/env\/([^/]+)$/, "env.get"],
    ["PATCH", /^\/v9\/projects\/([^/]+)\/env\/([^/]+)$/, "env.edit"],
    ["DELETE", /^\/v9\/projects\/([^/]+)\/env\/([^/]+)$/, "env.delete"],
    ["GET", /^\/v6\/deployments$/, "deployments.list"],
    ["POST", /^\/v13\/deployments$/, "deployments.create"],
    ["GET", /^\/v13\/deployments\/([^/]+)$/, "deployments.get"],
    ["DELETE", /^\/v13\/deployments\/([^/]+)$/, "deployments.delete"],
  ];
  for (const [m, pattern, route] of table) {
    const found = m === method ? pattern.exec(path) : null;
    if (found) return { route, params: found.slice(1).map(decodeURIComponent) };
  }
  return undefined;
}

export async function startVercelFake(options: VercelFakeOptions = {}) {
  const token = options.token ?? "vercel-fake-token";
  const teamId = options.teamId === undefined ? "team_fake" : (options.teamId ?? undefined);
  const clock = options.clock ?? { now: () => new Date() };
  const now = () => clock.now().getTime();
  const state = new FakeVercelState(
    { queuedMs: 300, buildingMs: 1500, aliasMs: 100, ...options.timings },
    options.redeployInheritsEnv ?? false,
  );
  const faults = new Map<FakeRoute | "*", FaultSpec[]>();
  const rejections: string[] = [];
  const log: FakeRequest[] = [];

  function takeFault(route: FakeRoute | undefined): FaultSpec | undefined {
    for (const key of [route, "*"] as const) {
      const queue = key === undefined ? undefined : faults.get(key);
      const fault = queue?.[0];
      if (!fault) continue;
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) queue!.shift();
      return fault;
    }
    return undefined;
  }

  function access(teamQuery: string | null) {
    return (idOrName: string | undefined): FakeProject | Reply => {
      if (teamQuery !== null && teamQuery !== teamId) {
        return errorReply(403, "forbidden", "Not authorized: you do not have access to this team");
      }
      const project = idOrName === undefined ? undefined : state.project(idOrName);
      if (!project || project.teamId !== (teamQuery ?? undefined)) return errorReply(404, "not_found", "Project not found");
      return project;
    };
  }

  function handle(method: string, url: URL, body: unknown, authorization: string | undefined): Reply {
    const found = match(method, url.pathname);
    const fault = takeFault(found?.route);
    if (fault) {
      return { status: fault.status, body: fault.body ?? { error: { code: "fault", message: "injected fault" } }, headers: fault.headers ?? {} };
    }
    if (authorization !== `Bearer ${token}`) return errorReply(401, "unauthorized", "The request is not authorized");
    if (!found) return errorReply(404, "not_found", "The requested path was not found");
    const input: RouteInput = {
      state,
      now: now(),
      query: url.searchParams,
      body,
      access: access(url.searchParams.get("teamId")),
      takeRejection: () => rejections.shift(),
    };
    const [a = "", b = ""] = found.params;
    switch (found.route) {
      case "env.list": return routes.listEnv(input, a);
      case "env.create": return routes.createEnv(input, a);
      case "env.get": return routes.getEnv(input, a, b);
      case "env.edit": return routes.editEnv(input, a, b);
      case "env.delete": return routes.deleteEnv(input, a, b);
      case "deployments.list": return routes.listDeployments(input);
      case "deployments.create": return routes.createDeployment(input);
      case "deployments.get": return routes.getDeployment(input, a, false);
      case "deployments.delete": return routes.getDeployment(input, a, true);
    }
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const method = request.method ?? "GET";
    let body: unknown;
    let reply: Reply;
    try {
      body = text === "" ? undefined : (JSON.parse(text) as unknown);
      reply = handle(method, url, body, request.headers.authorization);
    } catch {
      reply = errorReply(400, "bad_request", "Invalid JSON body");
    }
    const route = match(method, url.pathname)?.route;
    const query = Object.fromEntries(url.searchParams);
    log.push({ method, path: url.pathname, route, query, body: redactValues(body), status: reply.status });
    response.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...reply.headers });
    response.end(JSON.stringify(reply.body));
  }

  const server = createServer((request, response) => {
    serve(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  function projectOf(idOrName?: string): FakeProject {
    const project = idOrName === undefined ? state.projects[0] : state.project(idOrName);
    if (!project) throw new Error(`fake Vercel: no project ${idOrName ?? "(none seeded)"}`);
    return project;
  }

  const control = {
    apiUrl: `http://127.0.0.1:${port}`,
    token,
    teamId,
    /** Adds a project (owned by the fake's team unless `teamId` says otherwise) with a READY production deployment. */
    seedProject(project: { id: string; name: string; teamId?: string | null; deployed?: boolean }) {
      const owner = project.teamId === undefined ? teamId : (project.teamId ?? undefined);
      const created = state.addProject({ id: project.id, name: project.name, teamId: owner });
      if (project.deployed ?? true) state.createDeployment(created, now(), { instant: true });
      return created.id;
    },
    /** One record of `key` for exactly `targets`, as an operator would set it in the dashboard. */
    seedEnv(key: string, value: string, targets: FakeTarget[], type: FakeEnvType = "encrypted", project?: string) {
      return state.putEnv(projectOf(project), key, value, targets, type, now()).id;
    },
    removeEnv(key: string, project?: string) {
      const found = projectOf(project);
      found.env = found.env.filter((record) => record.key !== key);
    },
    /** An out-of-band production deployment, READY and live at once (a git push). */
    deploy(project?: string): string {
      return state.createDeployment(projectOf(project), now(), { instant: true }).id;
    },
    envValue: (key: string, target: FakeTarget, project?: string) => state.envValue(projectOf(project), key, target),
    /** The key's records, without values. */
    envRecords: (key: string, project?: string) =>
      projectOf(project).env.filter((record) => record.key === key).map(({ id, type, target }) => ({ id, type, target: [...target] })),
    /** What the live production deployment serves for `key`. */
    liveValue: (key: string, project?: string) => state.live(projectOf(project), now())?.env[key],
    deployments: (project?: string): DeploymentInfo[] =>
      state.deployments
        .filter((deployment) => project === undefined || deployment.projectId === projectOf(project).id)
        .map((d) => ({
          id: d.id,
          projectId: d.projectId,
          state: stateAt(d, now()),
          aliasAssigned: aliasAssignedAt(d, now()),
          sourceId: d.sourceId,
          createdAt: d.createdAt,
        })),
    failNextDeployment(outcome: Exclude<DeploymentOutcome, "READY"> | "hang") {
      state.nextOutcomes.push(outcome);
    },
    setTimings(timings: Partial<DeploymentTimings>) {
      state.timings = { ...state.timings, ...timings };
    },
    fault(route: FakeRoute | "*", fault: FaultSpec) {
      faults.set(route, [...(faults.get(route) ?? []), { ...fault }]);
    },
    throttle(route: FakeRoute | "*", spec: ThrottleSpec = {}) {
      const resetSeconds = spec.resetSeconds ?? 2;
      const resetMs = now() + resetSeconds * 1000;
      const reset = Math.ceil(resetMs / 1000);
      const via = spec.via ?? "x-ratelimit-reset";
      const headers: Record<string, string> = {
        "x-ratelimit-reset": { "x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
        "retry-after": { "retry-after": String(resetSeconds) },
        body: {},
      }[via];
      const limit = { remaining: 0, reset, resetMs, total: 100 };
      const body = { error: { code: "rate_limited", message: "Rate limit exceeded", limit } };
      control.fault(route, { status: 429, times: spec.times ?? 1, headers, body });
    },
    clearFaults: () => faults.clear(),
    /** The next `times` env records created through the API land in `failed[]` with `code` (201 still). */
    rejectNextEnvWrites(code: string, times = 1) {
      for (let i = 0; i < times; i++) rejections.push(code);
    },
    requests: (): FakeRequest[] => [...log],
    clearRequests: () => void log.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  if (options.project !== null) control.seedProject(options.project ?? { id: "prj_fake", name: "fake-app" });
  return control;
}

export type VercelFake = Awaited<ReturnType<typeof startVercelFake>>;
