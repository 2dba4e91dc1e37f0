// The `vercel` destination: one environment variable of one Vercel project, in the configured targets.
// On Vercel a new env value reaches the app only through a new deployment, so activate() redeploys
// production and waits until the new deployment is READY and aliased (redeploy.ts), sharing one
// deployment among every vercel destination of the project in the same round. `sensitive` values are
// write-only: read() says "unreadable" when they exist, and restore() writes back the value the
// engine captured elsewhere. restore() also redeploys, so consumers see the old value when it returns
// (the destination contract asks it; a rollback stays safe without the engine's activate); the
// engine's activate() of the rollback round then finds the write already live and does nothing.
import type { Confirmation, Destination, DestinationContext, DestinationValue } from "../../src/core/destination.js";
import { DestinationError } from "../../src/core/errors.js";
import type { ProviderContext } from "../../src/core/provider.js";
import { shortFingerprint, type SecretValue } from "../../src/core/secret.js";
import { parseDuration } from "../../src/config/duration.js";
import { VercelClient } from "./client.js";
import { ProjectEnv } from "./env.js";
import { activateOnce, beginWrite, projectKey, redeployProduction } from "./redeploy.js";
import { defaultId, type VercelConfig } from "./schema.js";

export type { VercelConfig } from "./schema.js";

export function createDestination(config: VercelConfig, context: ProviderContext): Destination {
  const { project, teamId, key, targets, envType, redeploy } = config;
  const id = config.id ?? defaultId(config);
  const log = context.log.child({ destination: id });
  const label = `Vercel project ${project}${teamId ? ` (team ${teamId})` : ""} env ${key} [${targets.join(", ")}]`;
  const timeoutMs = parseDuration(config.deploymentTimeout);
  const pollMs = Math.max(1, parseDuration(config.pollInterval));
  const sharedKey = projectKey(config.apiUrl, teamId, project);

  // Made on first use, so constructing the destination needs no network and no valid token.
  let client: VercelClient | undefined;
  let env: ProjectEnv | undefined;
  function records(): ProjectEnv {
    client ??= new VercelClient({ apiUrl: config.apiUrl, token: config.token, teamId, project, clock: context.clock, log });
    env ??= new ProjectEnv(client, { project, key, targets, envType });
    return env;
  }

  /** Number of this destination's last completed write in the project's count (redeploy.ts). */
  let lastWrite: number | undefined;

  async function write(value: SecretValue): Promise<void> {
    const done = beginWrite(sharedKey);
    try {
      await records().write(value);
    } finally {
      // Even a failed write may have changed some targets: a later activate must deploy again.
      lastWrite = done();
    }
    log.info({ key, targets, fingerprint: shortFingerprint(value.fingerprint) }, "wrote Vercel environment variable");
  }

  async function activate(ctx: DestinationContext): Promise<void> {
    if (!redeploy) return;
    await activateOnce(sharedKey, ctx.round, lastWrite, () =>
      redeployProduction({ client: client!, project, clock: context.clock, log, timeoutMs, pollMs }),
    );
  }

  return {
    id,
    type: "vercel",
    capabilities: {
      readable: envType !== "sensitive",
      versioned: false,
      needsRedeploy: redeploy,
      idempotencyToken: false,
    },
    describe: () => label,
    read: () => records().read(),
    write: (value: SecretValue, _context: DestinationContext) => write(value),
    activate: async (ctx: DestinationContext) => {
      records();
      await activate(ctx);
    },
    async confirm(fingerprint: string): Promise<Confirmation> {
      if (envType === "sensitive") return "unreadable";
      const current = await records().read();
      return current.kind === "value" && current.value.fingerprint === fingerprint ? "confirmed" : "mismatch";
    },
    async restore(previous: DestinationValue, ctx: DestinationContext): Promise<void> {
      if (previous.kind === "unreadable") {
        throw new DestinationError(
          `cannot restore ${label}: the previous value is write-only (sensitive) and was not passed in; ` +
            "set it in the Vercel dashboard to the key still valid at MGA, then redeploy",
        );
      }
      if (previous.kind === "value") {
        await write(previous.value);
      } else {
        const done = beginWrite(sharedKey);
        try {
          await records().remove();
        } finally {
          lastWrite = done();
        }
        log.info({ key, targets }, "removed Vercel environment variable");
      }
      await activate(ctx);
    },
  };
}
