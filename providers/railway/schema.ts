// Config of the `railway` destination (one variable of one Railway environment, service-scoped or
// shared), and the zod shapes of the GraphQL responses the adapter reads. Loaded eagerly by the
// registry, so it imports nothing but zod and the duration pattern.
import { z } from "zod";
import { DURATION_PATTERN } from "../../src/config/duration.js";

export const DEFAULT_RAILWAY_API_URL = "https://backboard.railway.com/graphql/v2";

export const RAILWAY_TOKEN_TYPES = ["account", "team", "project"] as const;
export type RailwayTokenType = (typeof RAILWAY_TOKEN_TYPES)[number];

const duration = z.string().regex(DURATION_PATTERN, 'a duration such as "5s", "15m", "1h"');
const railwayId = z.string().min(1);

export const railwayConfigSchema = z
  .object({
    type: z.literal("railway").describe("A Railway service or shared variable"),
    id: z
      .string()
      .min(1)
      .optional()
      .describe("Unique id of this destination within the key; default railway:<projectId>/<environmentId>/<serviceId|shared>#<variable>"),
    projectId: railwayId.describe("Railway project id (Project settings, or `railway status --json`)"),
    environmentId: railwayId.describe("Railway environment id, e.g. of `production`"),
    serviceId: railwayId
      .optional()
      .describe("Service whose variable holds the key; leave out for a shared (environment-wide) variable"),
    redeployServices: z
      .array(railwayId)
      .min(1)
      .optional()
      .describe(
        "Services to redeploy so they serve the new value; default [serviceId]. Required for a shared variable " +
          "when redeploy is true: list every service that references it with ${{shared.<variable>}}",
      ),
    variable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name: letters, digits and _, not starting with a digit")
      .describe("Name of the variable that holds the key, e.g. MGA_API_KEY"),
    token: z.string().min(1).describe('Railway API token; use "${RAILWAY_TOKEN}", never the token itself'),
    tokenType: z
      .enum(RAILWAY_TOKEN_TYPES)
      .default("account")
      .describe(
        "Kind of token: account (Authorization: Bearer), team (Team-Access-Token) or project (Project-Access-Token, " +
          "scoped to one environment: the least privilege)",
      ),
    redeploy: z
      .boolean()
      .default(true)
      .describe("Deploy the services and wait for SUCCESS after a write: on Railway a new value reaches the app only through a new deployment"),
    apiUrl: z.url().default(DEFAULT_RAILWAY_API_URL).describe("Railway GraphQL endpoint (tests and proxies override it)"),
    deploymentTimeout: duration
      .default("15m")
      .describe("How long to wait for a deployment to reach SUCCESS before failing the rotation"),
    pollInterval: duration.default("5s").describe("Time between two polls of a deployment's status"),
  })
  .strict()
  .superRefine((config, issues) => {
    if (/^0+(ms|s|m|h|d)$/.test(config.pollInterval)) {
      issues.addIssue({ code: "custom", path: ["pollInterval"], message: 'must be longer than 0, e.g. "5s"' });
    }
    if (config.redeploy && config.serviceId === undefined && config.redeployServices === undefined) {
      issues.addIssue({
        code: "custom",
        path: ["redeployServices"],
        message:
          "required for a shared variable (no serviceId) when redeploy is true: list the services that reference " +
          "it, or set redeploy: false",
      });
    }
  })
  .describe("A Railway variable; written with skipDeploys, then the services are redeployed and awaited");

export type RailwayConfig = z.infer<typeof railwayConfigSchema>;

export function defaultId(config: Pick<RailwayConfig, "projectId" | "environmentId" | "serviceId" | "variable">): string {
  return `railway:${config.projectId}/${config.environmentId}/${config.serviceId ?? "shared"}#${config.variable}`;
}

/** The services a write must be deployed to; empty when redeploy is off. */
export function servicesToRedeploy(config: RailwayConfig): string[] {
  if (!config.redeploy) return [];
  return config.redeployServices ?? (config.serviceId === undefined ? [] : [config.serviceId]);
}

// Responses: only the fields the adapter reads.

/** `EnvironmentVariables` scalar: a JSON map of name to value. */
export const variablesDataSchema = z.object({
  variables: z.record(z.string(), z.string().nullable()),
});
export const variableUpsertDataSchema = z.object({ variableUpsert: z.boolean() });
export const variableDeleteDataSchema = z.object({ variableDelete: z.boolean() });
export const deployDataSchema = z.object({ serviceInstanceDeployV2: z.string().min(1) });
export const deploymentCancelDataSchema = z.object({ deploymentCancel: z.boolean() });
export const deploymentDataSchema = z.object({
  deployment: z.object({ id: z.string(), status: z.string() }),
});

/** The GraphQL response envelope: `errors` may come with HTTP 200 and with partial `data`. */
export const graphqlEnvelopeSchema = z.object({
  data: z.unknown().optional(),
  errors: z
    .array(
      z.looseObject({
        message: z.string().default(""),
        extensions: z.looseObject({ code: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
