// Builds the official Secret Manager client, on first use: the REST transport (`fallback: true`, the
// one our fake speaks and the only one we test), pointed at the configured endpoint, authenticated
// from config, with a per-request deadline that really aborts the socket. The SDK and the auth
// library are imported here and only here, dynamically, so loading the adapter costs nothing until a
// rotation touches this destination.
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import type { AuthClient } from "google-auth-library";
import type { Logger } from "pino";
import { parseDuration } from "../../src/config/duration.js";
import { AuthenticationError, DestinationError, RotatorError } from "../../src/core/errors.js";
import { describeVendorError } from "./errors.js";
import { apiEndpointOf, type GcpCredentialsConfig, type GcpSecretManagerConfig } from "./schema.js";

/** The calls the adapter makes; a test or a caller may pass any object with these. */
export type SecretManagerClient = Pick<
  SecretManagerServiceClient,
  "accessSecretVersion" | "addSecretVersion" | "disableSecretVersion" | "getSecret" | "getSecretVersion" | "listSecretVersions"
>;

const SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];
const LOOPBACK = /^(127\.|localhost$|::1$)/;

export async function buildClient(config: GcpSecretManagerConfig, log: Logger): Promise<SecretManagerClient> {
  const endpoint = apiEndpointOf(config);
  if (endpoint.protocol === "http" && !LOOPBACK.test(endpoint.host)) {
    log.warn({ host: endpoint.host }, "GCP Secret Manager over plain http: the access token and the key travel unencrypted");
  }
  await silenceSdkLogging(log);
  let authClient: AuthClient;
  try {
    authClient = await authClientFor(config.credentials);
  } catch (error) {
    throw setupError(error);
  }
  addDeadline(authClient, parseDuration(config.timeout));
  const { SecretManagerServiceClient } = await import("@google-cloud/secret-manager");
  const client = new SecretManagerServiceClient({
    fallback: true,
    apiEndpoint: endpoint.host,
    port: endpoint.port,
    protocol: endpoint.protocol,
    authClient,
  });
  // Initialise here, awaited: the generated methods each start initialize() without handling its
  // rejection, so a client whose setup fails must never be called.
  try {
    await client.initialize();
  } catch (error) {
    throw setupError(error);
  }
  return client;
}

async function authClientFor(credentials: GcpCredentialsConfig | undefined): Promise<AuthClient> {
  const { GoogleAuth, OAuth2Client } = await import("google-auth-library");
  switch (credentials?.type) {
    case "access-token": {
      // No expiry and no refresh token: the library sends the token as is and never tries to refresh.
      const client = new OAuth2Client();
      client.setCredentials({ access_token: credentials.token });
      return client;
    }
    case "service-account-file":
      return new GoogleAuth({ keyFilename: credentials.keyFile, scopes: SCOPES }).getClient();
    default:
      return new GoogleAuth({ scopes: SCOPES }).getClient();
  }
}

function setupError(error: unknown): RotatorError {
  if (error instanceof RotatorError) return error;
  const failure = describeVendorError(error);
  const message = `GCP Secret Manager client setup failed: ${failure.message}`;
  return failure.status === "UNAUTHENTICATED" ? new AuthenticationError(message) : new DestinationError(message);
}

/**
 * Aborts each request after `ms`. The SDK's own `timeout` call option is not applied by the REST
 * transport, and gaxios' `timeout` builds an AbortSignal.any() that Node 20 may garbage-collect
 * before it fires (observed: a hung request never ended). A plain timer holding its controller fires.
 */
function addDeadline(authClient: AuthClient, ms: number): void {
  authClient.transporter.interceptors.request.add({
    resolved: async (options) => {
      const controller = new AbortController();
      const upstream = options.signal as AbortSignal | undefined;
      if (upstream?.aborted) controller.abort(upstream.reason);
      else upstream?.addEventListener("abort", () => controller.abort(upstream.reason), { once: true });
      setTimeout(() => controller.abort(new Error(`deadline of ${ms} ms passed`)), ms).unref();
      options.signal = controller.signal;
      return options;
    },
  });
}

/**
 * The SDK logs every request and response when GOOGLE_SDK_NODE_LOGGING is set, payloads included:
 * the key's value. Invariant 6 wins over a debug switch, so SDK logging is turned off.
 */
async function silenceSdkLogging(log: Logger): Promise<void> {
  if (!process.env.GOOGLE_SDK_NODE_LOGGING) return;
  const { loggingUtils } = await import("google-gax");
  loggingUtils.setBackend(null);
  log.warn("GOOGLE_SDK_NODE_LOGGING is ignored: the Secret Manager client would log secret payloads");
}
