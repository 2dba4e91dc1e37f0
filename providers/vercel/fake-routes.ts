// Request handlers of the Vercel fake (fake.ts), one per endpoint, over FakeVercelState. Shapes follow
// the public OpenAPI spec (field names, `failed[]` beside `created` on 201, `{error:{code,message}}`);
// the error codes the fake picks where Vercel documents none are listed in README.
import {
  aliasAssignedAt,
  stateAt,
  urlOf,
  type FakeDeployment,
  type FakeEnvRecord,
  type FakeEnvType,
  type FakeProject,
  type FakeTarget,
  type FakeVercelState,
} from "./fake-state.js";

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouteInput {
  state: FakeVercelState;
  now: number;
  query: URLSearchParams;
  body: unknown;
  /** Resolves a project by id or name for the caller's token and `teamId`: a project or the error reply. */
  access(idOrName: string | undefined): FakeProject | Reply;
  /** Env writes to refuse through `failed[]` (control.rejectNextEnvWrites). */
  takeRejection(): string | undefined;
}

export function errorReply(status: number, code: string, message: string): Reply {
  return { status, body: { error: { code, message } } };
}

const TARGETS = ["production", "preview", "development"];
const TYPES = ["plain", "encrypted", "sensitive"];
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EDITABLE = new Set(["key", "target", "gitBranch", "type", "value", "customEnvironmentIds", "comment"]);
/** Body fields `POST /v13/deployments` declares (additionalProperties: false in the spec). */
const DEPLOY_FIELDS = new Set([
  "customEnvironmentSlugOrId",
  "deploymentId",
  "files",
  "gitMetadata",
  "gitSource",
  "meta",
  "monorepoManager",
  "name",
  "project",
  "projectSettings",
  "target",
  "withLatestCommit",
]);

function isProject(value: FakeProject | Reply): value is FakeProject {
  return "env" in value;
}

/** A record as the API shows it: sensitive values never, encrypted ones only when decrypted. */
export function envView(record: FakeEnvRecord, decrypt: boolean) {
  const readable = record.type === "plain" || (record.type === "encrypted" && decrypt);
  const value = record.type === "sensitive" ? "" : readable ? record.value : `enc:${record.id}:${record.updatedAt}`;
  return {
    id: record.id,
    key: record.key,
    type: record.type,
    target: record.target,
    value,
    decrypted: record.type !== "plain" && readable,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    configurationId: null,
  };
}

export function listEnv(input: RouteInput, idOrName: string): Reply {
  const project = input.access(idOrName);
  if (!isProject(project)) return project;
  const decrypt = input.query.get("decrypt") === "true";
  return { status: 200, body: { envs: project.env.map((record) => envView(record, decrypt)) } };
}

export function getEnv(input: RouteInput, idOrName: string, id: string): Reply {
  const project = input.access(idOrName);
  if (!isProject(project)) return project;
  const record = project.env.find((candidate) => candidate.id === id);
  return record ? { status: 200, body: envView(record, true) } : errorReply(404, "not_found", "Environment variable not found");
}

type Failure = { error: Record<string, unknown> };

function validateItem(item: unknown): { ok: { key: string; value: string; type: FakeEnvType; target: FakeTarget[] } } | Failure {
  const raw = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
  const key = typeof raw.key === "string" ? raw.key : "";
  const fail = (code: string, message: string, extra: Record<string, unknown> = {}): Failure => ({ error: { code, message, key, ...extra } });
  if (!KEY.test(key)) return fail("invalid_key", "The name of the environment variable is invalid");
  if (typeof raw.value !== "string") return fail("invalid_value", "The value must be a string");
  if (typeof raw.type !== "string" || !TYPES.includes(raw.type)) return fail("invalid_type", `Type must be one of ${TYPES.join(", ")}`);
  const target = raw.target;
  if (!Array.isArray(target) || target.length === 0 || !target.every((t) => TARGETS.includes(t as string))) {
    return fail("invalid_target", "target must be a non-empty array of production, preview, development");
  }
  if (raw.type === "sensitive" && target.includes("development")) {
    return fail("invalid_target", "Sensitive environment variables cannot target development", { target });
  }
  return { ok: { key, value: raw.value, type: raw.type as FakeEnvType, target: target as FakeTarget[] } };
}

export function createEnv(input: RouteInput, idOrName: string): Reply {
  const project = input.access(idOrName);
  if (!isProject(project)) return project;
  const items = Array.isArray(input.body) ? input.body : [input.body];
  if (items.length === 0 || items.some((item) => typeof item !== "object" || item === null)) {
    return errorReply(400, "bad_request", "Invalid request body");
  }
  const upsert = input.query.get("upsert") === "true";
  const created: unknown[] = [];
  const failed: Failure[] = [];
  for (const item of items) {
    const checked = validateItem(item);
    if ("error" in checked) {
      failed.push(checked);
      continue;
    }
    const { key, value, type, target } = checked.ok;
    const rejection = input.takeRejection();
    if (rejection) {
      // The spec lets failed[].error carry `value`: echo it, so clients are tested on not leaking it.
      failed.push({ error: { code: rejection, message: `The variable ${key} could not be created`, key, target, value } });
      continue;
    }
    const same = (a: string[], b: string[]) => a.length === b.length && a.every((t) => b.includes(t));
    const existing = project.env.filter((record) => record.key === key && record.target.some((t) => target.includes(t)));
    const exact = existing.length === 1 && same(existing[0]!.target, target) ? existing[0] : undefined;
    if (exact && upsert) {
      Object.assign(exact, { value, type, updatedAt: input.now });
      created.push(envView(exact, false));
    } else if (existing.length > 0) {
      const code = exact ? "ENV_ALREADY_EXISTS" : "ENV_CONFLICT";
      failed.push({ error: { code, message: `A variable with the name ${key} already exists for the target`, key, target } });
    } else {
      created.push(envView(input.state.putEnv(project, key, value, target, type, input.now), false));
    }
  }
  return { status: 201, body: { created: Array.isArray(input.body) ? created : (created[0] ?? []), failed } };
}

export function editEnv(input: RouteInput, idOrName: string, id: string): Reply {
  const project = input.access(idOrName);
  if (!isProject(project)) return project;
  const record = project.env.find((candidate) => candidate.id === id);
  if (!record) return errorReply(404, "not_found", "Environment variable not found");
  const body = (typeof input.body === "object" && input.body !== null ? input.body : {}) as Record<string, unknown>;
  const unknown = Object.keys(body).filter((field) => !EDITABLE.has(field));
  if (unknown.length > 0) return errorReply(400, "bad_request", `Unknown fields: ${unknown.join(", ")}`);
  const type = body.type ?? record.type;
  if (typeof type !== "string" || !TYPES.includes(type)) return errorReply(400, "invalid_type", `Type must be one of ${TYPES.join(", ")}`);
  if (body.value !== undefined && typeof body.value !== "string") return errorReply(400, "invalid_value", "The value must be a string");
  if (type === "sensitive" && record.target.includes("development")) {
    return errorReply(400, "invalid_target", "Sensitive environment variables cannot target development");
  }
  if (record.type === "sensitive" && type !== "sensitive") {
    return errorReply(400, "invalid_type", "A sensitive environment variable cannot change its type");
  }
  Object.assign(record, { type, value: (body.value as string | undefined) ?? record.value, updatedAt: input.now });
  return { status: 200, body: envView(record, false) };
}

export function deleteEnv(input: RouteInput, idOrName: string, id: string): Reply {
  const project = input.access(idOrName);
  if (!isProject(project)) return project;
  const record = project.env.find((candidate) => candidate.id === id);
  if (!record) return errorReply(404, "not_found", "Environment variable not found");
  project.env = project.env.filter((candidate) => candidate !== record);
  return { status: 200, body: envView(record, false) };
}

export function deploymentView(deployment: FakeDeployment, now: number) {
  const readyState = stateAt(deployment, now);
  return {
    id: deployment.id,
    uid: deployment.id,
    name: deployment.name,
    projectId: deployment.projectId,
    url: urlOf(deployment),
    inspectorUrl: `https://vercel.com/fake/${deployment.name}/${deployment.id}`,
    createdAt: deployment.createdAt,
    created: deployment.createdAt,
    buildingAt: deployment.createdAt + deployment.queuedMs,
    readyState,
    state: readyState,
    status: readyState,
    aliasAssigned: aliasAssignedAt(deployment, now),
    aliasError: null,
    target: "production",
    type: "LAMBDAS",
    creator: { uid: "usr_fake" },
    ...(readyState === "ERROR" ? { errorCode: "BUILD_FAILED", errorMessage: "Command \"npm run build\" exited with 1" } : {}),
  };
}

export function listDeployments(input: RouteInput): Reply {
  const project = input.access(input.query.get("projectId") ?? undefined);
  if (!isProject(project)) return project;
  const states = input.query.get("state")?.split(",");
  const target = input.query.get("target");
  const limit = Number(input.query.get("limit") ?? 20);
  const deployments = input.state.deployments
    .filter((deployment) => deployment.projectId === project.id && !deployment.deleted)
    .filter(() => target === null || target === "production")
    .filter((deployment) => !states || states.includes(stateAt(deployment, input.now)))
    .map((deployment, index) => ({ deployment, index }))
    .sort((a, b) => b.deployment.createdAt - a.deployment.createdAt || b.index - a.index)
    .map(({ deployment }) => deployment)
    .slice(0, limit)
    .map((deployment) => deploymentView(deployment, input.now));
  return { status: 200, body: { deployments, pagination: { count: deployments.length, next: null, prev: null } } };
}

export function createDeployment(input: RouteInput): Reply {
  const body = (typeof input.body === "object" && input.body !== null ? input.body : {}) as Record<string, unknown>;
  const unknown = Object.keys(body).filter((field) => !DEPLOY_FIELDS.has(field));
  if (unknown.length > 0) return errorReply(400, "bad_request", `Invalid request: should NOT have additional property ${unknown[0]}`);
  if (typeof body.name !== "string") return errorReply(400, "bad_request", "Invalid request: missing required property name");
  const project = input.access(typeof body.project === "string" ? body.project : body.name);
  if (!isProject(project)) return project;
  const source = typeof body.deploymentId === "string" ? input.state.deployment(body.deploymentId) : undefined;
  if (!source || source.deleted || source.projectId !== project.id) {
    return errorReply(404, "not_found", "The deployment to redeploy was not found (the fake supports redeploys only)");
  }
  if (body.target !== "production") return errorReply(400, "bad_request", "The fake supports production redeploys only");
  const deployment = input.state.createDeployment(project, input.now, { sourceId: source.id });
  return { status: 200, body: deploymentView(deployment, input.now) };
}

export function getDeployment(input: RouteInput, idOrUrl: string, remove: boolean): Reply {
  const deployment = input.state.deployment(idOrUrl);
  if (!deployment || deployment.deleted) return errorReply(404, "not_found", "Deployment not found");
  const project = input.access(deployment.projectId);
  if (!isProject(project)) return project;
  if (!remove) return { status: 200, body: deploymentView(deployment, input.now) };
  deployment.deleted = true;
  return { status: 200, body: { uid: deployment.id, state: "DELETED" } };
}

