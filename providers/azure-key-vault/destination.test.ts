// The real SecretClient, with a stub TokenCredential, against the fake vault over HTTP (the real 401
// challenge flow): the destination contract, then this destination's own cases: tags that make a
// retried write a no-op, restore without deleting, previous() across paged and unordered version
// lists, and retire() disabling versions that hold revoked keys.
import { afterEach, describe, expect, it } from "vitest";
import type { DestinationContext } from "../../src/core/destination.js";
import { SecretValue } from "../../src/core/secret.js";
import { captureLog, recordingClock } from "../../test/support/recording.js";
import { destinationContract } from "../../test/contract/destination-contract.js";
import { startAzureKeyVaultFake, type AzureKeyVaultFake, type AzureKeyVaultFakeOptions } from "./fake.js";
import { createDestination, PREVIOUS_TAG, RESTORE_TAG, ROTATION_TAG } from "./index.js";
import { azureKeyVaultConfigSchema } from "./schema.js";

const SECRET = "mga-api-key";
const fakes: AzureKeyVaultFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** A destination on `fake` through the real SecretClient, with a stub credential that records its calls. */
function destinationFor(fake: AzureKeyVaultFake, config: Record<string, unknown> = {}) {
  const tokenRequests: Array<{ scopes: string | string[]; tenantId: string | undefined }> = [];
  const credential = {
    getToken: async (scopes: string | string[], tokenOptions?: { tenantId?: string }) => {
      tokenRequests.push({ scopes, tenantId: tokenOptions?.tenantId });
      return { token: fake.token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  const captured = captureLog();
  const parsed = azureKeyVaultConfigSchema.parse({ type: "azure-key-vault", vaultUrl: fake.vaultUrl, secretName: SECRET, ...config });
  const destination = createDestination(parsed, { clock: recordingClock(), log: captured.log }, {
    credential,
    retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    requestTimeoutMs: 2_000,
  });
  return { destination, captured, tokenRequests };
}

async function setup(options: { fake?: AzureKeyVaultFakeOptions; config?: Record<string, unknown> } = {}) {
  const fake = await startAzureKeyVaultFake(options.fake);
  fakes.push(fake);
  return { fake, ...destinationFor(fake, options.config) };
}

let rotations = 0;
function context(): DestinationContext {
  rotations += 1;
  return { rotationId: `rot-${rotations}`, token: `rot-${rotations}-azure-key-vault-token`, round: `rot-${rotations}:deploy` };
}
const key = (label: string) => `mga_sk_${label}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

destinationContract(
  "azure-key-vault",
  async () => {
    const { fake, destination } = await setup();
    return {
      destination,
      seed: async (value) => void fake.seed(SECRET, value),
      consumerValue: async () => fake.latestValue(SECRET),
      injectFailure: async (failure) => {
        if (failure === "denied") fake.deny();
        if (failure === "throttled-once") fake.throttle({ times: 1, retryAfterSeconds: 0 });
        if (failure === "transient-once") fake.unavailable({ times: 1 });
        if (failure === "transient-always") fake.unavailable({ times: Infinity });
      },
      cleanup: () => fake.close(),
    };
  },
  { supportsAbsent: true, injectsFailures: true },
);

describe("azure-key-vault: authentication", () => {
  it("answers the vault's challenge: first request bare, then a token for vault.azure.net in the challenge's tenant", async () => {
    const { fake, destination, tokenRequests } = await setup();
    fake.seed(SECRET, key("old"));

    await destination.read();
    await destination.read();

    expect(fake.requests.map((r) => [r.authorized, r.status])).toEqual([[false, 401], [true, 200], [true, 200]]);
    expect(tokenRequests[0]).toEqual({ scopes: ["https://vault.azure.net/.default"], tenantId: fake.tenantId });
  });

  it("uses a pre-issued access token from config without loading @azure/identity's credentials", async () => {
    const fake = await startAzureKeyVaultFake();
    fakes.push(fake);
    fake.seed(SECRET, "mga_sk_seeded");
    const config = azureKeyVaultConfigSchema.parse({
      type: "azure-key-vault", vaultUrl: fake.vaultUrl, secretName: SECRET, credential: { type: "access-token", token: fake.token },
    });
    const destination = createDestination(config, { clock: recordingClock(), log: captureLog().log });

    const current = await destination.read();

    expect(current).toEqual({ kind: "value", value: new SecretValue("mga_sk_seeded") });
  });

  it("makes no request and needs no credential until first used", async () => {
    const { fake } = await setup();
    const config = azureKeyVaultConfigSchema.parse({ type: "azure-key-vault", vaultUrl: fake.vaultUrl, secretName: SECRET });

    const destination = createDestination(config, { clock: recordingClock(), log: captureLog().log });

    expect(destination.id).toBe(`azure-key-vault:${new URL(fake.vaultUrl).host}/${SECRET}`);
    expect(fake.requests).toEqual([]);
  });
});

describe("azure-key-vault: writes", () => {
  it("tags the new version with the rotation's token and the version it replaced, and records no value", async () => {
    const { fake, destination, captured } = await setup();
    const oldVersion = fake.seed(SECRET, key("old"));
    const fresh = new SecretValue(key("new"));
    const ctx = context();

    await destination.write(fresh, ctx);

    const newest = fake.versions(SECRET).at(-1)!;
    expect(newest.value).toBe(fresh.reveal());
    expect(newest.tags).toEqual({ [ROTATION_TAG]: ctx.token, [PREVIOUS_TAG]: oldVersion });
    expect(captured.lines.join("\n")).not.toContain(fresh.reveal());
    expect(captured.lines.join("\n")).toContain(newest.version);
  });

  it("adds no version when the same write is retried, even from a new process", async () => {
    const { fake, destination } = await setup();
    fake.seed(SECRET, key("old"));
    const fresh = new SecretValue(key("new"));
    const ctx = context();
    await destination.write(fresh, ctx);
    const afterCrash = destinationFor(fake).destination;

    await destination.write(fresh, ctx);
    await afterCrash.write(fresh, ctx);

    expect(fake.versions(SECRET)).toHaveLength(2);
  });

  it("writes again when someone else's version landed on top of ours", async () => {
    const { fake, destination } = await setup();
    const fresh = new SecretValue(key("new"));
    const ctx = context();
    await destination.write(fresh, ctx);
    fake.seed(SECRET, key("operator"));

    await destination.write(fresh, ctx);

    expect(fake.versions(SECRET)).toHaveLength(3);
    expect(fake.latestValue(SECRET)).toBe(fresh.reveal());
  });

  it("keeps the content type and the operator's tags on the new version", async () => {
    const { fake, destination } = await setup();
    fake.seed(SECRET, key("old"));
    await destination.write(new SecretValue(key("first")), context());
    const tagged = fake.versions(SECRET).at(-1)!;
    await fetch(`${fake.vaultUrl}/secrets/${SECRET}/${tagged.version}?api-version=2025-07-01`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" },
      body: JSON.stringify({ contentType: "text/plain", tags: { ...tagged.tags, owner: "payments" } }),
    });

    await destination.write(new SecretValue(key("second")), context());

    const newest = fake.versions(SECRET).at(-1)!;
    expect(newest.contentType).toBe("text/plain");
    expect(newest.tags?.owner).toBe("payments");
  });
});

describe("azure-key-vault: restore and previous", () => {
  it("restores a value as a new version, once, and never deletes the secret", async () => {
    const { fake, destination } = await setup();
    const old = key("old");
    fake.seed(SECRET, old);
    const ctx = context();
    await destination.write(new SecretValue(key("new")), ctx);

    await destination.restore({ kind: "value", value: new SecretValue(old) }, ctx);
    await destination.restore({ kind: "value", value: new SecretValue(old) }, ctx);

    expect(fake.versions(SECRET).map((v) => v.value)).toEqual([old, expect.any(String), old]);
    expect(fake.versions(SECRET).at(-1)!.tags?.[RESTORE_TAG]).toBe(ctx.token);
    expect(fake.requests.some((r) => r.method === "DELETE")).toBe(false);
  });

  it("restores 'absent' by disabling this rotation's versions: consumers find no value, as before", async () => {
    const { fake, destination } = await setup();
    const ctx = context();
    await destination.write(new SecretValue(key("new")), ctx);

    await destination.restore({ kind: "absent" }, ctx);

    expect(fake.versions(SECRET).map((v) => v.enabled)).toEqual([false]);
    expect(fake.latestValue(SECRET)).toBeUndefined();
    expect(await destination.read()).toEqual({ kind: "absent" });
    expect(await destination.previous(ctx)).toEqual({ kind: "absent" });
  });

  it("finds the previous value among many versions listed by id across pages, with equal timestamps", async () => {
    const { fake, destination } = await setup({ fake: { pageSize: 2, now: () => Date.UTC(2030, 0, 1) } });
    for (let i = 0; i < 6; i++) fake.seed(SECRET, key(`older${i}`));
    const old = key("old");
    fake.seed(SECRET, old);
    const ctx = context();
    await destination.write(new SecretValue(key("new")), ctx);
    fake.seed(SECRET, key("later"));

    const previous = await destination.previous(ctx);

    expect(previous).toEqual({ kind: "value", value: new SecretValue(old) });
    expect(fake.requests.filter((r) => r.operation === "list" && r.authorized).length).toBeGreaterThan(1);
  });

  it("falls back to the newest enabled version before ours when the recorded one was disabled", async () => {
    const { fake, destination } = await setup({ config: { disablePreviousVersion: true } });
    const older = key("older");
    fake.seed(SECRET, older);
    const revoked = key("revoked");
    fake.seed(SECRET, revoked);
    const ctx = context();
    await destination.write(new SecretValue(key("new")), ctx);
    await destination.retire([new SecretValue(revoked).fingerprint], ctx);

    const previous = await destination.previous(ctx);

    expect(previous).toEqual({ kind: "value", value: new SecretValue(older) });
  });

  it("says the current value is the previous one when this rotation wrote nothing", async () => {
    const { fake, destination } = await setup();
    const old = key("old");
    fake.seed(SECRET, old);

    expect(await destination.previous(context())).toEqual({ kind: "value", value: new SecretValue(old) });
  });
});

describe("azure-key-vault: retire", () => {
  it("does nothing unless disablePreviousVersion is set", async () => {
    const { fake, destination } = await setup();
    const old = key("old");
    fake.seed(SECRET, old);
    const ctx = context();
    await destination.write(new SecretValue(key("new")), ctx);

    await destination.retire([new SecretValue(old).fingerprint], ctx);

    expect(fake.versions(SECRET).map((v) => v.enabled)).toEqual([true, true]);
    expect(fake.requests.some((r) => r.operation === "update")).toBe(false);
  });

  it("disables the enabled versions holding a revoked key, never the newest one", async () => {
    const { fake, destination } = await setup({ config: { disablePreviousVersion: true } });
    const kept = key("kept");
    const revoked = key("revoked");
    fake.seed(SECRET, kept);
    fake.seed(SECRET, revoked);
    fake.seed(SECRET, revoked);
    const ctx = context();
    const fresh = new SecretValue(key("new"));
    await destination.write(fresh, ctx);

    await destination.retire([new SecretValue(revoked).fingerprint, fresh.fingerprint], ctx);

    expect(fake.versions(SECRET).map((v) => v.enabled)).toEqual([true, false, false, true]);
    expect(fake.latestValue(SECRET)).toBe(fresh.reveal());
  });
});
