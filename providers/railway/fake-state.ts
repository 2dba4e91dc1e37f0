// State of the fake Railway API (see fake.ts): one project and environment with shared and service
// variables, and deployments. A deployment captures its service's rendered variables when it is
// created and moves INITIALIZING → BUILDING → DEPLOYING → SUCCESS over configurable times (or fails,
// waits for approval, or hangs), computed from the clock, so a fake clock drives it exactly.
// What a service serves is its latest SUCCESS deployment, as on Railway.
import { randomUUID } from "node:crypto";

export type DeploymentOutcome = "SUCCESS" | "FAILED" | "CRASHED" | "NEEDS_APPROVAL" | "WAITING" | "hang";
export type DeploymentTrigger = "api" | "variable-change" | "seed";

export interface DeploymentPhasesMs {
  initializing: number;
  building: number;
  deploying: number;
}

export const DEFAULT_PHASES_MS: DeploymentPhasesMs = { initializing: 100, building: 300, deploying: 200 };

interface FakeDeployment {
  id: string;
  serviceId: string;
  createdAt: number;
  phases: DeploymentPhasesMs;
  outcome: DeploymentOutcome;
  trigger: DeploymentTrigger;
  cancelled: boolean;
  /** Rendered at creation: what this deployment serves. Never exposed by the control API's lists. */
  variables: Record<string, string>;
}

/** A deployment as the control API shows it: no variables. */
export interface DeploymentView {
  id: string;
  serviceId: string;
  status: string;
  trigger: DeploymentTrigger;
  createdAt: string;
}

export class FakeRailwayError extends Error {}

const SHARED_REFERENCE = /\$\{\{\s*shared\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export class RailwayFakeState {
  readonly shared = new Map<string, string>();
  readonly services = new Map<string, Map<string, string>>();
  readonly #deployments: FakeDeployment[] = [];
  readonly #nextOutcomes: DeploymentOutcome[] = [];

  constructor(
    readonly projectId: string,
    readonly environmentId: string,
    serviceIds: string[],
    readonly phases: DeploymentPhasesMs,
    readonly now: () => number,
  ) {
    for (const id of serviceIds) this.addService(id);
  }

  addService(serviceId: string): void {
    if (!this.services.has(serviceId)) this.services.set(serviceId, new Map());
  }

  /** The variables of a service, or the shared ones; an unknown service is an API error. */
  scope(serviceId: string | undefined): Map<string, string> {
    if (serviceId === undefined) return this.shared;
    const scope = this.services.get(serviceId);
    if (!scope) throw new FakeRailwayError("Service not found");
    return scope;
  }

  /** Railway renders `${{shared.X}}` references; an unknown reference renders empty. */
  render(value: string): string {
    return value.replace(SHARED_REFERENCE, (_match, name: string) => this.shared.get(name) ?? "");
  }

  variables(serviceId: string | undefined, unrendered: boolean): Record<string, string> {
    const entries = [...this.scope(serviceId)];
    return Object.fromEntries(unrendered ? entries : entries.map(([name, value]) => [name, this.render(value)]));
  }

  /** Sets (or with `undefined` deletes) a variable; returns the services whose deployments it changes. */
  setVariable(serviceId: string | undefined, name: string, value: string | undefined): string[] {
    const scope = this.scope(serviceId);
    if (value === undefined) scope.delete(name);
    else scope.set(name, value);
    if (serviceId !== undefined) return [serviceId];
    return [...this.services].filter(([, vars]) => [...vars.values()].some((v) => references(v, name))).map(([id]) => id);
  }

  failNext(outcome: DeploymentOutcome): void {
    this.#nextOutcomes.push(outcome);
  }

  deploy(serviceId: string, trigger: DeploymentTrigger): string {
    const variables = this.variables(serviceId, false);
    const seeded = trigger === "seed";
    const outcome = seeded ? "SUCCESS" : (this.#nextOutcomes.shift() ?? "SUCCESS");
    const phases = seeded ? { initializing: 0, building: 0, deploying: 0 } : { ...this.phases };
    const deployment = { id: randomUUID(), serviceId, createdAt: this.now(), phases, outcome, trigger, cancelled: false, variables };
    this.#deployments.push(deployment);
    return deployment.id;
  }

  cancel(id: string): void {
    const deployment = this.#find(id);
    const status = this.status(deployment);
    if (!["SUCCESS", "FAILED", "CRASHED", "REMOVED"].includes(status)) deployment.cancelled = true;
  }

  deployment(id: string): { id: string; status: string; serviceId: string; environmentId: string; projectId: string } {
    const deployment = this.#find(id);
    return { id, status: this.status(deployment), serviceId: deployment.serviceId, environmentId: this.environmentId, projectId: this.projectId };
  }

  list(): DeploymentView[] {
    return this.#deployments.map((d) => ({
      id: d.id,
      serviceId: d.serviceId,
      status: this.status(d),
      trigger: d.trigger,
      createdAt: new Date(d.createdAt).toISOString(),
    }));
  }

  /** What the service serves: its latest deployment that reached SUCCESS. */
  live(serviceId: string): Record<string, string> | undefined {
    const live = this.#deployments.filter((d) => d.serviceId === serviceId && this.#rawStatus(d) === "SUCCESS").at(-1);
    return live?.variables;
  }

  status(deployment: FakeDeployment): string {
    const raw = this.#rawStatus(deployment);
    if (raw !== "SUCCESS") return raw;
    const later = this.#deployments.slice(this.#deployments.indexOf(deployment) + 1);
    const superseded = later.some((d) => d.serviceId === deployment.serviceId && this.#rawStatus(d) === "SUCCESS");
    return superseded ? "REMOVED" : "SUCCESS";
  }

  #rawStatus(d: FakeDeployment): string {
    if (d.cancelled) return "REMOVED";
    if (d.outcome === "NEEDS_APPROVAL" || d.outcome === "WAITING") return d.outcome;
    const elapsed = this.now() - d.createdAt;
    const built = d.phases.initializing + d.phases.building;
    if (elapsed < d.phases.initializing) return "INITIALIZING";
    if (elapsed < built) return "BUILDING";
    if (d.outcome === "FAILED") return "FAILED";
    if (elapsed < built + d.phases.deploying || d.outcome === "hang") return "DEPLOYING";
    return d.outcome === "CRASHED" ? "CRASHED" : "SUCCESS";
  }

  #find(id: string): FakeDeployment {
    const deployment = this.#deployments.find((d) => d.id === id);
    if (!deployment) throw new FakeRailwayError("Deployment not found");
    return deployment;
  }
}

function references(value: string, name: string): boolean {
  return [...value.matchAll(SHARED_REFERENCE)].some((match) => match[1] === name);
}
