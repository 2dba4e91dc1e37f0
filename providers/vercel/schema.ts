// Config of the `vercel` destination (one project environment variable, one record per target), and
// the zod shapes of the REST responses the adapter reads: only the fields it needs, unknown fields
// ignored, so a new field or state on Vercel's side cannot fail a rotation. Loaded eagerly by the
// registry: it imports nothing but zod and the duration pattern.
import { z } from "zod";
import { DURATION_PATTERN } from "../../src/config/duration.js";

export const DEFAULT_VERCEL_API_URL = "https://api.vercel.com";

export const VERCEL_TARGETS = ["production", "preview", "development"] as const;
export type VercelTarget = (typeof VERCEL_TARGETS)[number];

/** `type` of the env record; named `envType` because `type` is the destination discriminator. */
export const VERCEL_ENV_TYPES = ["encrypted", "sensitive"] as const;
export type VercelEnvType = (typeof VERCEL_ENV_TYPES)[number];

const duration = z.string().regex(DURATION_PATTERN, 'a duration such as "5s", "15m", "1h"');

export const vercelConfigSchema = z
  .object({
    type: z.literal("vercel"),
    id: z
      .string()
      .min(1)
      .optional()
      .describe("Unique id of this destination within the key; default vercel:<project>#<key>"),
    project: z.string().min(1).describe("Vercel project id (prj_…) or name"),
    teamId: z
      .string()
      .min(1)
      .optional()
      .describe("Team that owns the project (team_…); required for team projects, leave out for a personal account"),
    key: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name: letters, digits and _, not starting with a digit")
      .describe("Name of the environment variable that holds the key, e.g. MGA_API_KEY"),
    targets: z
      .array(z.enum(VERCEL_TARGETS))
      .min(1)
      .refine((targets) => new Set(targets).size === targets.length, "each target at most once")
      .describe("Environments whose value is rotated: production, preview, development"),
    envType: z
      .enum(VERCEL_ENV_TYPES)
      .default("encrypted")
      .describe(
        "Vercel env type: encrypted (readable back, so confirmed) or sensitive (write-only: never read back; " +
          "not allowed for development)",
      ),
    token: z.string().min(1).describe('Vercel access token scoped to the team; use "${VERCEL_TOKEN}", never the token itself'),
    redeploy: z
      .boolean()
      .default(true)
      .describe("Redeploy production and wait until it is live after a write: a new value reaches the app only through a new deployment"),
    apiUrl: z.url().default(DEFAULT_VERCEL_API_URL).describe("Vercel REST API base URL (tests and proxies override it)"),
    deploymentTimeout: duration
      .default("15m")
      .describe("How long to wait for the redeploy to be READY and aliased before failing the rotation"),
    pollInterval: duration.default("5s").describe("Time between two polls of the deployment's state"),
  })
  .strict()
  .superRefine((config, issues) => {
    if (config.envType === "sensitive" && config.targets.includes("development")) {
      issues.addIssue({
        code: "custom",
        path: ["targets"],
        message: "Vercel does not allow sensitive variables for development: drop development or use envType: encrypted",
      });
    }
    if (config.redeploy && !config.targets.includes("production")) {
      issues.addIssue({
        code: "custom",
        path: ["redeploy"],
        message: "the redeploy is of production, which is not among targets: add production, or set redeploy: false",
      });
    }
  })
  .describe("A Vercel project environment variable; written per target, then production is redeployed and awaited");

export type VercelConfig = z.infer<typeof vercelConfigSchema>;

export function defaultId(config: Pick<VercelConfig, "project" | "key">): string {
  return `vercel:${config.project}#${config.key}`;
}

// Responses: only the fields the adapter reads.

const targetField = z.union([z.array(z.string()), z.string()]).optional();

export const envRecordSchema = z.object({
  id: z.string(),
  key: z.string(),
  type: z.string(),
  target: targetField,
  value: z.string().optional(),
  decrypted: z.boolean().optional(),
  gitBranch: z.string().nullish(),
  customEnvironmentIds: z.array(z.string()).optional(),
});
export type EnvRecord = z.infer<typeof envRecordSchema>;

/** `GET /v10/projects/{p}/env`: `{envs}` (with or without pagination), or one record on its own. */
export const envListSchema = z.union([
  z.object({ envs: z.array(envRecordSchema) }),
  envRecordSchema.transform((record) => ({ envs: [record] })),
]);

/** `POST /v10/projects/{p}/env`. `failed[].error.value` is deliberately not read: it may echo the value. */
export const envCreateResponseSchema = z.object({
  created: z.unknown().optional(),
  failed: z
    .array(
      z.object({
        error: z.object({
          code: z.string(),
          message: z.string().optional(),
          key: z.string().optional(),
          target: targetField,
        }),
      }),
    )
    .default([]),
});

export const deploymentListSchema = z.object({
  deployments: z.array(
    z.object({
      uid: z.string(),
      name: z.string(),
      projectId: z.string().optional(),
      url: z.string().optional(),
    }),
  ),
});
export type DeploymentSummary = z.infer<typeof deploymentListSchema>["deployments"][number];

/** `POST /v13/deployments` and `GET /v13/deployments/{id}`: `readyState` kept open (new states wait). */
export const deploymentSchema = z.object({
  id: z.string(),
  readyState: z.string(),
  aliasAssigned: z.union([z.boolean(), z.number()]).nullish(),
  aliasError: z.object({ code: z.string() }).nullish(),
  errorCode: z.string().nullish(),
  url: z.string().optional(),
  inspectorUrl: z.string().nullish(),
});
export type Deployment = z.infer<typeof deploymentSchema>;

/** Vercel's error envelope; `invalidToken` marks a 403 that is really a rejected token. */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string().default("unknown"),
    message: z.string().default(""),
    invalidToken: z.boolean().optional(),
    limit: z.object({ reset: z.number().optional(), resetMs: z.number().optional() }).optional(),
  }),
  limit: z.object({ reset: z.number().optional(), resetMs: z.number().optional() }).optional(),
});
