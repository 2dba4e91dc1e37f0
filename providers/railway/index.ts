// The `railway` destination: one variable of a Railway environment, on a service or shared. Writes
// use variableUpsert with skipDeploys, then activate() deploys each affected service once per round
// and waits for the deployment to be live: on Railway a new value reaches the app only that way.
// Values are read unrendered, so a `${{shared.X}}` reference is restored as a reference.
import { parseDuration } from "../../src/config/duration.js";
import type {
  Confirmation,
  Destination,
  DestinationCapabilities,
  DestinationContext,
  DestinationValue,
} from "../../src/core/destination.js";
import { DestinationError } from "../../src/core/errors.js";
import type { ProviderContext } from "../../src/core/provider.js";
import { SecretValue, shortFingerprint } from "../../src/core/secret.js";
import { RailwayClient } from "./client.js";
import { deployOnce, noteWrite, type ServiceTarget } from "./deployments.js";
import { deleteVariable, readVariables, upsertVariable } from "./documents.js";
import { defaultId, type RailwayConfig, servicesToRedeploy } from "./schema.js";

export { railwayConfigSchema, defaultId } from "./schema.js";
export type { RailwayConfig } from "./schema.js";

export function createDestination(config: RailwayConfig, context: ProviderContext): Destination {
  const id = config.id ?? defaultId(config);
  const log = context.log.child({ destination: id });
  const scope = {
    projectId: config.projectId,
    environmentId: config.environmentId,
    ...(config.serviceId === undefined ? {} : { serviceId: config.serviceId }),
  };
  const targets: ServiceTarget[] = servicesToRedeploy(config).map((serviceId) => ({
    apiUrl: config.apiUrl,
    environmentId: config.environmentId,
    serviceId,
  }));
  const timing = { timeoutMs: parseDuration(config.deploymentTimeout), pollIntervalMs: parseDuration(config.pollInterval) };
  let client: RailwayClient | undefined;
  const api = () =>
    (client ??= new RailwayClient({
      apiUrl: config.apiUrl,
      token: config.token,
      tokenType: config.tokenType,
      clock: context.clock,
      log,
    }));

  const capabilities: DestinationCapabilities = {
    readable: true,
    versioned: false,
    needsRedeploy: config.redeploy,
    idempotencyToken: false,
  };

  async function read(): Promise<DestinationValue> {
    const { variables } = await api().request(readVariables, scope);
    const value = variables[config.variable];
    return typeof value === "string" ? { kind: "value", value: new SecretValue(value) } : { kind: "absent" };
  }

  async function upsert(value: SecretValue): Promise<void> {
    const raw = value.reveal();
    let accepted: boolean;
    try {
      ({ variableUpsert: accepted } = await api().request(upsertVariable, { ...scope, name: config.variable, value: raw }, { sensitive: [raw] }));
    } finally {
      // Even after a failure: the upsert may have landed, so the next activation must deploy again.
      for (const target of targets) noteWrite(target);
    }
    if (!accepted) throw new DestinationError(`Railway did not accept the upsert of ${describe()}`);
  }

  async function activate(ctx: DestinationContext): Promise<void> {
    if (!config.redeploy) return;
    const options = { client: api(), clock: context.clock, log, ...timing };
    const results = await Promise.allSettled(targets.map((target) => deployOnce(target, ctx.round, options)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  function describe(): string {
    const where = config.serviceId === undefined ? "shared" : `service ${config.serviceId}`;
    return `Railway variable ${config.variable} (project ${config.projectId}, environment ${config.environmentId}, ${where})`;
  }

  return {
    id,
    type: "railway",
    capabilities,
    describe,
    read,

    async write(value) {
      await upsert(value);
      log.info({ fingerprint: shortFingerprint(value.fingerprint) }, "railway variable written (skipDeploys)");
    },

    activate,

    async confirm(fingerprint): Promise<Confirmation> {
      const current = await read();
      return current.kind === "value" && current.value.fingerprint === fingerprint ? "confirmed" : "mismatch";
    },

    // Restores and redeploys at once, so consumers serve the old value when restore() returns; the
    // engine's following activate() in the same round joins that deployment instead of making another.
    async restore(previous, ctx) {
      if (previous.kind === "unreadable") {
        throw new DestinationError(`${describe()}: cannot restore a value that was never read`);
      }
      if (previous.kind === "value") {
        await upsert(previous.value);
      } else if ((await read()).kind !== "absent") {
        const { variableDelete } = await api().request(deleteVariable, { ...scope, name: config.variable });
        for (const target of targets) noteWrite(target);
        if (!variableDelete) throw new DestinationError(`Railway did not accept the deletion of ${describe()}`);
      }
      log.info({ restored: previous.kind }, "railway variable restored");
      await activate(ctx);
    },
  };
}
