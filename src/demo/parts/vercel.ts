// Vercel part: the REST fake on 127.0.0.1 with one team project whose production deployment serves
// the key in use. A consumer is the app: it sees the value of the LIVE production deployment, not the
// project's variable, so the rotation must redeploy and wait. Deployments here take a few hundred
// milliseconds per phase, so the demo stays fast but visibly waits for the redeploy.
import type { DeploymentTimings, VercelFake } from "../../../providers/vercel/fake.js";
import type { PartWith, SandboxPartInput } from "./types.js";

const TOKEN = "sandbox-vercel-token";
export const VERCEL_SANDBOX = { teamId: "team_sandbox", project: { id: "prj_sandbox", name: "sandbox-app" }, key: "MGA_API_KEY" } as const;

export interface VercelPartOptions {
  envType?: "encrypted" | "sensitive";
  targets?: Array<"production" | "preview" | "development">;
  /** The fake's deployment phases (default queued 200 ms, building 400 ms, alias 150 ms). */
  timings?: Partial<DeploymentTimings>;
  /** Extra fields of the destination's config entry (deploymentTimeout, pollInterval, …). */
  config?: Record<string, unknown>;
}

export async function startVercelPart(input: SandboxPartInput, options: VercelPartOptions = {}): Promise<PartWith<VercelFake>> {
  const { startVercelFake } = await import("../../../providers/vercel/fake.js");
  const envType = options.envType ?? "encrypted";
  const targets = options.targets ?? ["production", "preview"];
  const fake = await startVercelFake({
    token: TOKEN,
    teamId: VERCEL_SANDBOX.teamId,
    project: { ...VERCEL_SANDBOX.project },
    timings: { queuedMs: 200, buildingMs: 400, aliasMs: 150, ...options.timings },
    ...(input.clock ? { clock: input.clock } : {}),
  });
  fake.seedEnv(VERCEL_SANDBOX.key, input.currentKey, targets, envType);
  fake.deploy(); // production serves the key in use (the project's first deployment predates the variable)
  return {
    type: "vercel",
    label: `Vercel ${VERCEL_SANDBOX.project.name} ${VERCEL_SANDBOX.key}${envType === "sensitive" ? " (sensitive)" : ""} (live production deployment)`,
    fake,
    destination: {
      type: "vercel",
      project: VERCEL_SANDBOX.project.id,
      teamId: VERCEL_SANDBOX.teamId,
      key: VERCEL_SANDBOX.key,
      targets,
      envType,
      token: "${SANDBOX_VERCEL_TOKEN}",
      apiUrl: fake.apiUrl,
      deploymentTimeout: "30s",
      pollInterval: "150ms",
      ...options.config,
    },
    env: { SANDBOX_VERCEL_TOKEN: TOKEN },
    consumerValue: async () => fake.liveValue(VERCEL_SANDBOX.key),
    close: () => fake.close(),
  };
}
