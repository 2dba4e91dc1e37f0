// State of the Vercel fake (fake.ts): projects, their env records and their deployments. A deployment
// snapshots the production env when it is created and moves QUEUED → BUILDING → its outcome by the
// clock (computed when asked, so a fake clock drives it with no timers). The production deployment
// serving traffic is the READY one whose aliases were assigned last.
import { randomBytes } from "node:crypto";

export type FakeEnvType = "plain" | "encrypted" | "sensitive";
export type FakeTarget = "production" | "preview" | "development";
export type DeploymentOutcome = "READY" | "ERROR" | "CANCELED" | "BLOCKED" | "hang";

export interface FakeEnvRecord {
  id: string;
  key: string;
  value: string;
  type: FakeEnvType;
  target: FakeTarget[];
  createdAt: number;
  updatedAt: number;
}

export interface FakeProject {
  id: string;
  name: string;
  /** Team that owns the project; undefined for a personal account. */
  teamId: string | undefined;
  env: FakeEnvRecord[];
}

export interface FakeDeployment {
  id: string;
  projectId: string;
  name: string;
  createdAt: number;
  queuedMs: number;
  buildingMs: number;
  aliasMs: number;
  outcome: DeploymentOutcome;
  /** Redeployed from. */
  sourceId: string | undefined;
  /** Production env at creation (sensitive values included: deployments can read them). */
  env: Record<string, string>;
  deleted: boolean;
}

export interface DeploymentTimings {
  queuedMs: number;
  buildingMs: number;
  /** From READY to the production aliases being assigned. */
  aliasMs: number;
}

export function fakeId(prefix: string): string {
  return `${prefix}${randomBytes(9).toString("base64url")}`;
}

/** The state a deployment is in at `now`. */
export function stateAt(deployment: FakeDeployment, now: number): string {
  if (deployment.deleted) return "DELETED";
  const age = now - deployment.createdAt;
  if (age < deployment.queuedMs) return "QUEUED";
  if (deployment.outcome === "hang" || age < deployment.queuedMs + deployment.buildingMs) return "BUILDING";
  return deployment.outcome;
}

function aliasedAt(deployment: FakeDeployment): number {
  return deployment.createdAt + deployment.queuedMs + deployment.buildingMs + deployment.aliasMs;
}

export function aliasAssignedAt(deployment: FakeDeployment, now: number): boolean {
  return stateAt(deployment, now) === "READY" && now >= aliasedAt(deployment);
}

export class FakeVercelState {
  readonly projects: FakeProject[] = [];
  readonly deployments: FakeDeployment[] = [];
  timings: DeploymentTimings;
  /** Outcomes of the next deployments created through the API, first first. */
  readonly nextOutcomes: DeploymentOutcome[] = [];
  /** The reading of the spec text: a redeploy keeps the env of the deployment it copies. */
  redeployInheritsEnv: boolean;

  constructor(timings: DeploymentTimings, redeployInheritsEnv: boolean) {
    this.timings = timings;
    this.redeployInheritsEnv = redeployInheritsEnv;
  }

  /** By id or name. */
  project(idOrName: string): FakeProject | undefined {
    return this.projects.find((project) => project.id === idOrName || project.name === idOrName);
  }

  addProject(project: { id: string; name: string; teamId: string | undefined }): FakeProject {
    const existing = this.project(project.id);
    if (existing) return existing;
    const created: FakeProject = { ...project, env: [] };
    this.projects.push(created);
    return created;
  }

  /** Sets `key` for exactly `targets` (one record), replacing the key's records in those targets. */
  putEnv(project: FakeProject, key: string, value: string, targets: FakeTarget[], type: FakeEnvType, now: number): FakeEnvRecord {
    project.env = project.env.flatMap((record) => {
      if (record.key !== key) return [record];
      const rest = record.target.filter((target) => !targets.includes(target));
      return rest.length === 0 ? [] : [{ ...record, target: rest }];
    });
    const record: FakeEnvRecord = { id: fakeId(""), key, value, type, target: [...targets], createdAt: now, updatedAt: now };
    project.env.push(record);
    return record;
  }

  envValue(project: FakeProject, key: string, target: FakeTarget): string | undefined {
    return project.env.find((record) => record.key === key && record.target.includes(target))?.value;
  }

  productionEnv(project: FakeProject): Record<string, string> {
    const env: Record<string, string> = {};
    for (const record of project.env) if (record.target.includes("production")) env[record.key] = record.value;
    return env;
  }

  createDeployment(project: FakeProject, now: number, options: { sourceId?: string; instant?: boolean } = {}): FakeDeployment {
    const source = options.sourceId === undefined ? undefined : this.deployment(options.sourceId);
    const timings = options.instant ? { queuedMs: 0, buildingMs: 0, aliasMs: 0 } : this.timings;
    const deployment: FakeDeployment = {
      id: fakeId("dpl_"),
      projectId: project.id,
      name: project.name,
      createdAt: now,
      ...timings,
      outcome: options.instant ? "READY" : (this.nextOutcomes.shift() ?? "READY"),
      sourceId: options.sourceId,
      env: this.redeployInheritsEnv && source ? { ...source.env } : this.productionEnv(project),
      deleted: false,
    };
    this.deployments.push(deployment);
    return deployment;
  }

  deployment(idOrUrl: string): FakeDeployment | undefined {
    return this.deployments.find((deployment) => deployment.id === idOrUrl || urlOf(deployment) === idOrUrl);
  }

  /** The production deployment serving traffic: READY and aliased, the most recently aliased. */
  live(project: FakeProject, now: number): FakeDeployment | undefined {
    return this.deployments
      .filter((deployment) => deployment.projectId === project.id && aliasAssignedAt(deployment, now))
      .reduce<FakeDeployment | undefined>((live, deployment) => (!live || aliasedAt(deployment) >= aliasedAt(live) ? deployment : live), undefined);
  }
}

export function urlOf(deployment: FakeDeployment): string {
  return `${deployment.name}-${deployment.id.slice(4, 13).toLowerCase()}.vercel.app`;
}
