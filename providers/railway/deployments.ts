// Activation on Railway: deploy a service (serviceInstanceDeployV2 returns the deployment id) and poll
// that deployment until it is live. One deployment per service per round: destinations that share a
// service (several variables, or a shared variable) join the round's deployment, kept in module scope.
// A write after a round's deployment was created makes the next activation deploy again, because a
// Railway deployment carries the variables as they were when it was created.
import type { Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";
import { DestinationError } from "../../src/core/errors.js";
import type { RailwayClient } from "./client.js";
import { cancelDeployment, deploymentStatus, deployService } from "./documents.js";

export const LIVE_STATUSES: readonly string[] = ["SUCCESS", "SLEEPING"];
export const FAILED_STATUSES: readonly string[] = ["FAILED", "CRASHED", "REMOVED", "REMOVING", "SKIPPED"];
export const NEEDS_PERSON_STATUSES: readonly string[] = ["NEEDS_APPROVAL", "WAITING"];

export interface ServiceTarget {
  apiUrl: string;
  environmentId: string;
  serviceId: string;
}

export interface DeployOptions {
  client: RailwayClient;
  clock: Clock;
  log: Logger;
  timeoutMs: number;
  pollIntervalMs: number;
}

interface RoundEntry {
  /** Writes to the service seen when this deployment started. */
  generation: number;
  promise: Promise<void>;
}

const MAX_REMEMBERED_ROUNDS = 500;
const rounds = new Map<string, RoundEntry>();
const generations = new Map<string, number>();

function serviceKey(target: ServiceTarget): string {
  return JSON.stringify([target.apiUrl, target.environmentId, target.serviceId]);
}

/** Records a write that the service's next deployment must carry. */
export function noteWrite(target: ServiceTarget): void {
  const key = serviceKey(target);
  generations.set(key, (generations.get(key) ?? 0) + 1);
}

/** Deploys the service and waits, unless this round already has a deployment carrying every write. */
export function deployOnce(target: ServiceTarget, round: string, options: DeployOptions): Promise<void> {
  const service = serviceKey(target);
  const key = JSON.stringify([service, round]);
  const generation = generations.get(service) ?? 0;
  const existing = rounds.get(key);
  if (existing && existing.generation === generation) {
    options.log.debug({ serviceId: target.serviceId, round }, "joining this round's railway deployment");
    return existing.promise;
  }
  const entry: RoundEntry = { generation, promise: deployAndWait(target, options) };
  rounds.delete(key);
  rounds.set(key, entry);
  // A failed round is forgotten, so that activating again really tries again.
  entry.promise.catch(() => {
    if (rounds.get(key) === entry) rounds.delete(key);
  });
  while (rounds.size > MAX_REMEMBERED_ROUNDS) rounds.delete(rounds.keys().next().value!);
  return entry.promise;
}

export async function deployAndWait(target: ServiceTarget, options: DeployOptions): Promise<void> {
  const { client, clock, log } = options;
  const started = clock.now().getTime();
  const { serviceInstanceDeployV2: id } = await client.request(deployService, {
    environmentId: target.environmentId,
    serviceId: target.serviceId,
  });
  log.info({ serviceId: target.serviceId, deploymentId: id }, "railway deployment started");
  const deadline = started + options.timeoutMs;
  for (;;) {
    const { deployment } = await client.request(deploymentStatus, { id });
    const status = deployment.status;
    const where = `Railway deployment ${id} of service ${target.serviceId}`;
    if (LIVE_STATUSES.includes(status)) {
      log.info({ serviceId: target.serviceId, deploymentId: id, status, ms: clock.now().getTime() - started }, "railway deployment live");
      return;
    }
    if (FAILED_STATUSES.includes(status)) {
      throw new DestinationError(`${where} ended ${status}; the service keeps serving its previous deployment`);
    }
    if (NEEDS_PERSON_STATUSES.includes(status)) {
      // Cancelled, not left pending: the rotation now rolls back and revokes the key this deployment
      // carries, so approving it later would put a revoked key live.
      await cancelQuietly(id, options);
      throw new DestinationError(
        `${where} is ${status}: it waits for a person (deployment approval or wait-for-CI). The rotator ` +
          `cancelled it, since the rollback revokes the key it carries; turn off approval for this service ` +
          `or approve the next rotation's deployment promptly. The previous deployment keeps serving`,
      );
    }
    const now = clock.now().getTime();
    if (now >= deadline) {
      await cancelQuietly(id, options);
      throw new DestinationError(
        `${where} was not live after ${Math.round(options.timeoutMs / 1000)}s (last status ${status}); ` +
          `asked Railway to cancel it; the previous deployment keeps serving`,
      );
    }
    await clock.sleep(Math.min(options.pollIntervalMs, deadline - now));
  }
}

async function cancelQuietly(id: string, { client, log }: DeployOptions): Promise<void> {
  try {
    await client.request(cancelDeployment, { id });
  } catch (error) {
    log.warn({ deploymentId: id, code: (error as { code?: string }).code }, "could not cancel a railway deployment that cannot go live");
  }
}
