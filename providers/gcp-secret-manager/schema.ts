// Config of the `gcp-secret-manager` destination: one secret in GCP Secret Manager, whose `latest`
// version consumers read. Also where the endpoint text is parsed, so a bad `apiEndpoint` fails at
// config load with the path of the field. Must not import the SDK (the registry loads this eagerly).
import { z } from "zod";
import { DURATION_PATTERN } from "../../src/config/duration.js";

export const DEFAULT_API_HOST = "secretmanager.googleapis.com";

const credentialsSchema = z
  .discriminatedUnion("type", [
    z
      .object({ type: z.literal("application-default") })
      .strict()
      .describe("Application default credentials: GOOGLE_APPLICATION_CREDENTIALS, gcloud, or the metadata server"),
    z
      .object({
        type: z.literal("access-token"),
        token: z.string().min(1).describe('A pre-issued OAuth 2.0 access token; use "${GCP_ACCESS_TOKEN}"'),
      })
      .strict()
      .describe("A pre-issued OAuth access token, used as is and never refreshed (also what the local sandbox uses)"),
    z
      .object({
        type: z.literal("service-account-file"),
        keyFile: z.string().min(1).describe("Path of a service account JSON key file"),
      })
      .strict()
      .describe("A service account key file (prefer workload identity or ADC where you can)"),
  ])
  .describe("How to authenticate");

export interface ApiEndpoint {
  protocol: "http" | "https";
  host: string;
  port: number;
}

/**
 * `http://127.0.0.1:8085`, `https://secretmanager.europe-west1.rep.googleapis.com`, or a bare
 * `host[:port]` (https). Undefined when the text is not one of those.
 */
export function parseApiEndpoint(text: string): ApiEndpoint | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  const protocol = url.protocol === "http:" ? "http" : url.protocol === "https:" ? "https" : undefined;
  if (!protocol || url.hostname === "" || url.username || url.password || url.search || url.hash) return undefined;
  if (url.pathname !== "/" && url.pathname !== "") return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { protocol, host, port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443 };
}

export const gcpSecretManagerConfigSchema = z
  .object({
    type: z.literal("gcp-secret-manager").describe("A secret in GCP Secret Manager"),
    id: z
      .string()
      .min(1)
      .optional()
      .describe("Unique id of this destination within the key; default gcp-secret-manager:<project>/<secret>"),
    project: z
      .string()
      .regex(/^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[0-9]+$/, "a GCP project id (my-project) or number")
      .describe("Project id (or number) that owns the secret"),
    secret: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, "a secret id: up to 255 letters, digits, '_' and '-'")
      .describe("Secret id (not the full resource name), e.g. mga-api-key; the secret must exist"),
    location: z
      .string()
      .regex(/^[a-z][a-z0-9-]*[0-9]$/, "a GCP region such as europe-west1")
      .optional()
      .describe("Region of a regional secret (projects/*/locations/*/secrets/*); omit for a global secret"),
    apiEndpoint: z
      .string()
      .refine((text) => parseApiEndpoint(text) !== undefined, {
        message: "expected http(s)://host[:port] or host[:port], with no path",
      })
      .optional()
      .describe(
        "API endpoint: default secretmanager.googleapis.com, or secretmanager.<location>.rep.googleapis.com " +
          "with `location`; http://127.0.0.1:8085 for a local fake or a proxy",
      ),
    disablePrevious: z
      .boolean()
      .default(false)
      .describe("After the old key is revoked, disable (never destroy) the versions holding it; needs versions.disable"),
    timeout: z
      .string()
      .regex(DURATION_PATTERN, 'expected a duration such as "30s"')
      .default("30s")
      .describe("Deadline of each API request; a request that takes longer is aborted and retried"),
    credentials: credentialsSchema.optional().describe("How to authenticate; default: application default credentials"),
  })
  .strict()
  .describe("A secret in GCP Secret Manager; each rotation adds a version, consumers read `latest`");

export type GcpSecretManagerConfig = z.infer<typeof gcpSecretManagerConfigSchema>;
export type GcpCredentialsConfig = z.infer<typeof credentialsSchema>;

export function defaultId(config: Pick<GcpSecretManagerConfig, "project" | "secret" | "location">): string {
  const location = config.location ? `locations/${config.location}/` : "";
  return `gcp-secret-manager:${config.project}/${location}${config.secret}`;
}

/** `projects/p/secrets/s` or `projects/p/locations/l/secrets/s`. */
export function secretResourceName(config: Pick<GcpSecretManagerConfig, "project" | "secret" | "location">): string {
  const location = config.location ? `/locations/${config.location}` : "";
  return `projects/${config.project}${location}/secrets/${config.secret}`;
}

/** The endpoint the client talks to: the configured one, the regional one, or the global one. */
export function apiEndpointOf(config: Pick<GcpSecretManagerConfig, "apiEndpoint" | "location">): ApiEndpoint {
  if (config.apiEndpoint) return parseApiEndpoint(config.apiEndpoint)!;
  const host = config.location ? `secretmanager.${config.location}.rep.googleapis.com` : DEFAULT_API_HOST;
  return { protocol: "https", host, port: 443 };
}
