// How Key Vault failures surface, through the real SecretClient against the fake: each maps to the
// project's error class with the fix in its words (role, credential settings, recover/purge), 403 is
// never "not found", throttling honours Retry-After, and no message or log line holds the value.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  NotFoundError,
  type RotatorError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { captureLog, recordingClock } from "../../test/support/recording.js";
import { startAzureKeyVaultFake } from "./fake.js";
import { mapKeyVaultError } from "./errors.js";
import { createDestination } from "./index.js";
import { azureKeyVaultConfigSchema, type AzureKeyVaultConfig } from "./schema.js";

const SECRET = "mga-api-key";
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function setup(config: Partial<AzureKeyVaultConfig> = {}, token?: string) {
  const fake = await startAzureKeyVaultFake();
  closers.push(() => fake.close());
  const clock = recordingClock();
  const captured = captureLog();
  const parsed = { ...azureKeyVaultConfigSchema.parse({ type: "azure-key-vault", vaultUrl: fake.vaultUrl, secretName: SECRET }), ...config };
  const credential = { getToken: async () => ({ token: token ?? fake.token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const destination = createDestination(parsed, { clock, log: captured.log }, {
    credential,
    retryOptions: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    requestTimeoutMs: 1_000,
  });
  return { fake, destination, clock, captured };
}

const ctx = { rotationId: "rot-f", token: "rot-f-token", round: "rot-f:deploy" };
const fresh = new SecretValue("mga_sk_new_value_that_must_never_leak_0123456789");
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as RotatorError);

describe("azure-key-vault: not found vs denied", () => {
  it("reads a missing secret as absent, and a write creates it", async () => {
    const { fake, destination } = await setup();

    expect(await destination.read()).toEqual({ kind: "absent" });
    await destination.write(fresh, ctx);

    expect(fake.latestValue(SECRET)).toBe(fresh.reveal());
  });

  it("never reads 403 as absent: RBAC denial names the role and the data action", async () => {
    const { fake, destination } = await setup();
    fake.deny({ operations: ["get"] });

    const error = await failure(destination.read());

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error?.message).toContain("Key Vault Secrets Officer");
    expect(error?.message).toContain("Microsoft.KeyVault/vaults/secrets/setSecret/action");
    expect((error as AccessDeniedError).permission).toBe("Microsoft.KeyVault/vaults/secrets/getSecret/action");
    expect(error?.retryable).toBe(false);
  });

  it("names access-policy permissions on a vault without RBAC, the firewall, and Azure Policy, each when it is the cause", async () => {
    const { fake, destination } = await setup();
    fake.deny({ mode: "access-policy", operations: ["set"] });
    const policy = await failure(destination.write(fresh, ctx));
    fake.deny({ mode: "firewall" });
    const firewall = await failure(destination.read());
    fake.deny({ mode: "policy", operations: ["set"] });
    const policyAssignment = await failure(destination.write(fresh, ctx));

    expect(policy).toBeInstanceOf(AccessDeniedError);
    expect(policy?.message).toContain("access policy with secret permissions get, list, set");
    expect(firewall).toBeInstanceOf(AccessDeniedError);
    expect(firewall?.message).toContain("firewall");
    expect(policyAssignment).toBeInstanceOf(AccessDeniedError);
    expect(policyAssignment?.message).toContain("Azure Policy");
  });

  it("tells a host that is not a Key Vault (404 without a vault error) from a missing secret", async () => {
    const server = createServer((_request, response) => response.writeHead(404, { "content-type": "text/html" }).end("<h1>Not Found</h1>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { destination } = await setup({ vaultUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });

    const error = await failure(destination.read());

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error?.message).toContain("is vaultUrl the vault's URI");
  });

  it("treats a vault that does not answer at all as transient", async () => {
    const { fake, destination } = await setup();
    await fake.close();

    const error = await failure(destination.read());

    expect(error).toBeInstanceOf(TransientError);
  });
});

describe("azure-key-vault: authentication and conflicts", () => {
  it("maps a token the vault refuses after the challenge to AuthenticationError naming the credential settings", async () => {
    const { destination } = await setup({ credential: { type: "client-secret", tenantId: "contoso.onmicrosoft.com", clientId: "app-1", clientSecret: "s3cret-client" } }, "expired-token");

    const error = await failure(destination.read());

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error?.message).toContain("tenantId contoso.onmicrosoft.com, clientId app-1");
    expect(error?.message).not.toContain("s3cret-client");
  });

  it("maps a soft-deleted name (409) to DestinationError that says how to recover or purge it", async () => {
    const { fake, destination } = await setup();
    fake.seed(SECRET, "mga_sk_old");
    fake.softDelete(SECRET);

    const error = await failure(destination.write(fresh, ctx));

    expect(error).toBeInstanceOf(DestinationError);
    expect(error?.message).toContain(`az keyvault secret recover --vault-name <vault> --name ${SECRET}`);
    expect(error?.message).toContain("purge");
    expect(error?.message).not.toContain(fresh.reveal());
  });

  it("rejects a name the service refuses (400 BadParameter) without retrying", async () => {
    const { fake, destination } = await setup({ secretName: "MGA_API_KEY" });

    const error = await failure(destination.write(fresh, ctx));

    expect(error).toBeInstanceOf(DestinationError);
    expect(error?.message).toContain("invalid name");
    expect(fake.requests.filter((r) => r.authorized)).toHaveLength(1);
  });
});

describe("azure-key-vault: errors before any answer", () => {
  it("maps a credential that cannot produce a token to AuthenticationError, without retrying", async () => {
    const fake = await startAzureKeyVaultFake();
    closers.push(() => fake.close());
    const config = azureKeyVaultConfigSchema.parse({ type: "azure-key-vault", vaultUrl: fake.vaultUrl, secretName: SECRET });
    const unavailable = Object.assign(new Error("EnvironmentCredential is unavailable. No underlying credential could be used."), { name: "CredentialUnavailableError" });
    const credential = { getToken: async () => Promise.reject(unavailable) };
    const destination = createDestination(config, { clock: recordingClock(), log: captureLog().log }, { credential });

    const error = await failure(destination.read());

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error?.message).toContain("DefaultAzureCredential (environment AZURE_TENANT_ID");
    expect(fake.requests).toHaveLength(1);
  });

  it("maps a vault host that does not resolve to NotFoundError, and a reset connection to TransientError", () => {
    const scene = { operation: "get" as const, vaultUrl: "https://gone.vault.azure.net", secretName: SECRET, credential: "test" };
    const sendError = (code: string) => Object.assign(new Error(`getaddrinfo ${code} gone.vault.azure.net`), { name: "RestError", code, statusCode: undefined });

    expect(mapKeyVaultError(sendError("ENOTFOUND"), scene)).toBeInstanceOf(NotFoundError);
    expect(mapKeyVaultError(sendError("ECONNRESET"), scene)).toBeInstanceOf(TransientError);
  });
});

describe("azure-key-vault: throttling and transient failures", () => {
  it("waits as long as Retry-After says, inside the SDK, then succeeds", async () => {
    const { fake, destination } = await setup();
    fake.throttle({ times: 1, retryAfterSeconds: 1 });
    const started = Date.now();

    await destination.write(fresh, ctx);

    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(1);
    expect(fake.latestValue(SECRET)).toBe(fresh.reveal());
  });

  it("gives up on lasting throttling with ThrottledError carrying the hint, after a bounded number of tries", async () => {
    const { fake, destination, clock } = await setup();
    fake.throttle({ times: Infinity, retryAfterSeconds: 0 });

    const error = await failure(destination.write(fresh, ctx));

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(0);
    expect(clock.sleeps).toEqual([0, 0]);
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(6); // 3 of ours × (1 + 1 SDK retry)
  });

  it("times out a hung request as TransientError, then succeeds on retry", async () => {
    const { fake, destination } = await setup();
    fake.hang({ times: 1 });

    await destination.write(fresh, ctx);

    expect(fake.requests.some((r) => r.status === "hung")).toBe(true);
    expect(fake.latestValue(SECRET)).toBe(fresh.reveal());
  });

  it("keeps the value out of every error and log line, whatever fails", async () => {
    const { fake, destination, captured } = await setup();
    const messages: string[] = [];
    for (const inject of [() => fake.unavailable({ times: Infinity }), () => fake.deny(), () => fake.throttle({ times: Infinity })]) {
      fake.clearFaults();
      fake.allow();
      inject();
      const error = await failure(destination.write(fresh, ctx));
      messages.push(String(error), JSON.stringify(error), String((error as Error).cause));
    }

    expect(messages.join("\n")).not.toContain(fresh.reveal());
    expect(captured.lines.join("\n")).not.toContain(fresh.reveal());
  });
});
