// Making a written value live on Vercel: redeploy the current production deployment and wait until
// the new one is READY and holds the production aliases. Env changes reach only new deployments.
//
// One deployment per round: several `vercel` destinations of one project (several keys, or one key
// per target) activate in the same round, and the first to ask creates the deployment while the
// others await the same promise. The sharing lives in module scope, keyed by API URL, team, project
// and round. Each project also counts the writes this process made to it, so a deployment created
// before a write does not count for that write (a later activate deploys again, after the earlier
// one has finished, so the newest env is the one left live), and a write already carried by a live
// deployment needs no other (restore() deploys, then the engine's activate of the round is a no-op).
// A deployment waits for writes to the project still under way, so restores run in parallel share
// one. A process that has written nothing (a run resuming after a crash) deploys once per round.
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../../src/core/clock.js";
import { DestinationError } from "../../src/core/errors.js";
import type { VercelClient } from "./client.js";
import { deploymentListSchema, deploymentSchema, type Deployment } from "./schema.js";

interface SharedDeployment {
  /** Writes made to the project before this deployment was created: those it carries. */
  writes: number;
  done: Promise<void>;
}

interface ProjectActivity {
  /** Completed writes. */
  writes: number;
  /** Writes carried by a deployment that reached READY. */
  liveWrites: number;
  /** Writes under way, and who waits for there to be none. */
  pending: number;
  idle: (() => void)[];
  rounds: Map<string, SharedDeployment>;
}

const MAX_ROUNDS_KEPT = 50;
const activity = new Map<string, ProjectActivity>();

export function projectKey(apiUrl: string, teamId: string | undefined, project: string): string {
  return JSON.stringify([apiUrl.replace(/\/+$/, ""), teamId ?? "", project]);
}

function activityOf(key: string): ProjectActivity {
  let found = activity.get(key);
  if (!found) {
    found = { writes: 0, liveWrites: 0, pending: 0, idle: [], rounds: new Map() };
    activity.set(key, found);
  }
  return found;
}

/**
 * Marks a write to the project as under way; the function returned marks it done (succeeded or not:
 * a failed write may have changed some targets) and answers its number, for activateOnce().
 */
export function beginWrite(key: string): () => number {
  const project = activityOf(key);
  project.pending += 1;
  return () => {
    project.pending -= 1;
    project.writes += 1;
    if (project.pending === 0) for (const wake of project.idle.splice(0)) wake();
    return project.writes;
  };
}

/** Writes that overlap (restores run in parallel) all land before a deployment is made for them. */
async function writesSettled(project: ProjectActivity): Promise<void> {
  while (project.pending > 0) await new Promise<void>((resolve) => project.idle.push(resolve));
}

/**
 * Makes sure a deployment carrying write number `write` (undefined: unknown) is live, creating one
 * with `deploy` unless one of this round already carries it.
 */
export async function activateOnce(key: string, round: string, write: number | undefined, deploy: () => Promise<void>) {
  const project = activityOf(key);
  const carries = (shared: SharedDeployment | undefined) =>
    shared !== undefined && (write === undefined || shared.writes >= write);
  if (write !== undefined && project.liveWrites >= write) return;
  let shared = project.rounds.get(round);
  if (carries(shared)) return shared!.done;
  if (shared) await shared.done.catch(() => undefined);
  await writesSettled(project);
  if (write !== undefined && project.liveWrites >= write) return;
  shared = project.rounds.get(round);
  if (carries(shared)) return shared!.done;

  const writes = project.writes;
  const done = deploy().then(
    () => {
      project.liveWrites = Math.max(project.liveWrites, writes);
    },
    (error: unknown) => {
      if (project.rounds.get(round)?.done === done) project.rounds.delete(round);
      throw error;
    },
  );
  project.rounds.delete(round);
  project.rounds.set(round, { writes, done });
  for (const old of project.rounds.keys()) {
    if (project.rounds.size <= MAX_ROUNDS_KEPT) break;
    project.rounds.delete(old);
  }
  return done;
}

export interface RedeployOptions {
  client: VercelClient;
  project: string;
  clock: Clock;
  log: Logger;
  timeoutMs: number;
  pollMs: number;
}

const TERMINAL = new Set(["ERROR", "CANCELED", "BLOCKED", "DELETED"]);

/** Redeploys production from its current READY deployment and waits until the new one is live. */
export async function redeployProduction(options: RedeployOptions): Promise<void> {
  const { client, project, clock, log, timeoutMs, pollMs } = options;
  const list = await client.call({
    method: "GET",
    path: "/v6/deployments",
    query: { projectId: project, target: "production", state: "READY", limit: "1" },
    schema: deploymentListSchema,
    what: `find the production deployment of project "${project}"`,
  });
  const current = list?.deployments[0];
  if (!current) {
    throw new DestinationError(
      `project "${project}" has no READY production deployment to redeploy: deploy it once (git push, ` +
        "or `vercel deploy --prod`), or set `redeploy: false`",
    );
  }
  const created = await client.call({
    method: "POST",
    path: "/v13/deployments",
    query: { forceNew: "1" },
    body: { name: current.name, project: current.projectId ?? project, deploymentId: current.uid, target: "production" },
    schema: deploymentSchema,
    what: `redeploy production of project "${project}" from ${current.uid}`,
  });
  const id = created!.id;
  const started = clock.now().getTime();
  log.info({ deploymentId: id, from: current.uid }, "redeploying production for the new value");

  let latest: Deployment = created!;
  for (;;) {
    if (latest.readyState === "READY" && latest.aliasAssigned) {
      log.info({ deploymentId: id, ms: clock.now().getTime() - started }, "production deployment is live");
      return;
    }
    const aliasFailed = latest.aliasError ? ` (alias ${latest.aliasError.code})` : "";
    if (TERMINAL.has(latest.readyState) || aliasFailed) {
      throw new DestinationError(
        `Vercel deployment ${id} of project "${project}" ended ${latest.readyState}${latest.errorCode ? ` (${latest.errorCode})` : ""}` +
          `${aliasFailed}: production still serves the previous deployment and value; see ${latest.inspectorUrl ?? "the Vercel dashboard"}`,
      );
    }
    const left = started + timeoutMs - clock.now().getTime();
    if (left <= 0) throw await timedOut(options, id, latest);
    await clock.sleep(Math.min(pollMs, left));
    const polled = await client.call({
      method: "GET",
      path: `/v13/deployments/${encodeURIComponent(id)}`,
      schema: deploymentSchema,
      what: `check deployment ${id} of project "${project}"`,
      allowNotFound: true,
    });
    latest = polled ?? { id, readyState: "DELETED" };
    log.debug({ deploymentId: id, readyState: latest.readyState, aliasAssigned: latest.aliasAssigned }, "deployment state");
  }
}

/**
 * A deployment that is not live in time is deleted, best effort: left alone it could still go live
 * after the rollback, serving a key the rollback revokes.
 */
async function timedOut(options: RedeployOptions, id: string, latest: Deployment): Promise<DestinationError> {
  const { client, project, timeoutMs, log } = options;
  let outcome: string;
  try {
    await client.call({
      method: "DELETE",
      path: `/v13/deployments/${encodeURIComponent(id)}`,
      schema: z.unknown(),
      what: `delete deployment ${id} of project "${project}"`,
      allowNotFound: true,
    });
    outcome = "deleted it so it cannot go live later";
  } catch (error) {
    log.warn({ deploymentId: id, code: (error as { code?: string }).code }, "could not delete the timed-out deployment");
    outcome = "could not delete it: cancel it in the Vercel dashboard so it cannot go live later";
  }
  const state = `${latest.readyState}${latest.readyState === "READY" ? ", production aliases not assigned" : ""}`;
  return new DestinationError(
    `Vercel deployment ${id} of project "${project}" was not live after ${Math.round(timeoutMs / 1000)}s (last state ${state}); ` +
      `${outcome}; check the project's deployments in the Vercel dashboard (${latest.inspectorUrl ?? `deployment ${id}`})`,
    { retryable: false },
  );
}
