// Railway part: the GraphQL fake on 127.0.0.1 with one service whose live deployment serves the key
// in use. A consumer is the running service: it sees the variables of its latest SUCCESS deployment,
// not the stored variable, so the rotation must deploy and wait. Phases take a few hundred ms.
// The fake runs graphql-js, a dev dependency: it is imported only when the sandbox starts.
import type { RailwayFake, RailwayFakeOptions } from "../../../providers/railway/fake.js";
import type { PartWith, SandboxPartInput } from "./types.js";

export const RAILWAY_SANDBOX = { service: "svc-api", otherService: "svc-worker", variable: "MGA_API_KEY" } as const;

export interface RailwayPartOptions {
  /** Deployment phases of the fake (default initializing 150 ms, building 400 ms, deploying 200 ms). */
  phasesMs?: RailwayFakeOptions["phasesMs"];
  /**
   * `service` (default): the key is a variable of svc-api. `shared`: the key is a shared variable that
   * svc-api and svc-worker reference as `${{shared.MGA_API_KEY}}`; both are redeployed.
   */
  scope?: "service" | "shared";
  config?: Record<string, unknown>;
}

export async function startRailwayPart(input: SandboxPartInput, options: RailwayPartOptions = {}): Promise<PartWith<RailwayFake>> {
  const { startRailwayFake } = await import("../../../providers/railway/fake.js");
  const { service, otherService, variable } = RAILWAY_SANDBOX;
  const clock = input.clock;
  const fake = await startRailwayFake({
    services: [service, otherService],
    phasesMs: { initializing: 150, building: 400, deploying: 200, ...options.phasesMs },
    ...(clock ? { now: () => clock.now().getTime() } : {}),
  });
  const shared = options.scope === "shared";
  if (shared) {
    fake.seedVariable(variable, input.currentKey, { deploy: false });
    for (const id of [service, otherService]) fake.seedVariable(variable, `\${{shared.${variable}}}`, { serviceId: id });
  } else {
    fake.seedVariable(variable, input.currentKey, { serviceId: service });
  }
  return {
    type: "railway",
    label: `Railway ${shared ? `shared ${variable} via ${service}` : `${service} ${variable}`} (live deployment)`,
    fake,
    destination: {
      type: "railway",
      projectId: fake.projectId,
      environmentId: fake.environmentId,
      ...(shared ? { redeployServices: [service, otherService] } : { serviceId: service }),
      variable,
      token: "${SANDBOX_RAILWAY_TOKEN}",
      tokenType: "project",
      apiUrl: fake.apiUrl,
      deploymentTimeout: "30s",
      pollInterval: "150ms",
      ...options.config,
    },
    env: { SANDBOX_RAILWAY_TOKEN: fake.tokens.project },
    consumerValue: async () => fake.liveValue(service, variable),
    close: () => fake.close(),
  };
}
