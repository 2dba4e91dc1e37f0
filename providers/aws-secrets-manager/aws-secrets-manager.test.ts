// The aws-secrets-manager destination driven through the real SDK client against the fake: staging,
// promotion, read-back, rollback, JSON fields, creation, idempotent retries and failures.
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterEach, describe, expect, it } from "vitest";
import { AccessDeniedError, DestinationError, NotFoundError, ThrottledError, TransientError } from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { fastClientConfig, mgaKey, rotationContext, SECRET_ID, startHarness, type Harness } from "./test-harness.js";
import { versionIdFor } from "./index.js";

let harness: Harness | undefined;
async function start(...args: Parameters<typeof startHarness>): Promise<Harness> {
  harness = await startHarness(...args);
  return harness;
}
afterEach(async () => {
  const values = harness?.fake.versions(SECRET_ID).map((version) => version.value) ?? [];
  for (const line of harness?.logLines ?? []) for (const value of values) if (value) expect(line).not.toContain(value);
  await harness?.close();
  harness = undefined;
});

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe("aws-secrets-manager destination", () => {
  it("stages the key as AWSPENDING under a VersionId derived from the token, and consumers keep the old one", async () => {
    const { fake, destination } = await start();
    const old = mgaKey("old");
    fake.seed(SECRET_ID, old);
    const fresh = new SecretValue(mgaKey("new"));
    const ctx = rotationContext();

    await destination.write(fresh, ctx);

    expect(fake.current(SECRET_ID)).toBe(old);
    const ours = fake.versions(SECRET_ID).find((version) => version.versionId === versionIdFor(ctx.token));
    expect(ours).toMatchObject({ stages: ["AWSPENDING"], value: fresh.reveal() });
    expect(versionIdFor(ctx.token)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await destination.previous!(ctx)).toEqual({ kind: "value", value: new SecretValue(old) });
    expect(await destination.confirm(fresh.fingerprint, ctx)).toBe("mismatch");
  });

  it("promotes on activate (AWSPREVIOUS to the old version, AWSPENDING dropped), confirms, and reports the previous value", async () => {
    const { fake, destination } = await start();
    const old = mgaKey("old");
    fake.seed(SECRET_ID, old);
    const fresh = new SecretValue(mgaKey("new"));
    const ctx = rotationContext();
    await destination.write(fresh, ctx);

    await destination.activate(ctx);
    await destination.activate(ctx);

    expect(fake.current(SECRET_ID)).toBe(fresh.reveal());
    expect(fake.versions(SECRET_ID).map((version) => [version.value, version.stages])).toEqual([
      [old, ["AWSPREVIOUS"]],
      [fresh.reveal(), ["AWSCURRENT"]],
    ]);
    expect(await destination.confirm(fresh.fingerprint, ctx)).toBe("confirmed");
    expect(await destination.previous!(ctx)).toEqual({ kind: "value", value: new SecretValue(old) });
  });

  it("rolls back by moving AWSCURRENT back to the old version, without a new version", async () => {
    const { fake, destination } = await start();
    const old = mgaKey("old");
    fake.seed(SECRET_ID, old);
    const ctx = rotationContext();
    await destination.write(new SecretValue(mgaKey("new")), ctx);
    await destination.activate(ctx);

    await destination.restore({ kind: "value", value: new SecretValue(old) }, ctx);
    await destination.restore({ kind: "value", value: new SecretValue(old) }, ctx);

    expect(fake.current(SECRET_ID)).toBe(old);
    expect(fake.versions(SECRET_ID)).toHaveLength(2);
    expect(await destination.previous!(ctx)).toEqual({ kind: "value", value: new SecretValue(old) });
  });

  it("rolls back by writing the previous value anew when no version holds it", async () => {
    const { fake, destination } = await start();
    fake.seed(SECRET_ID, mgaKey("older"));
    fake.seed(SECRET_ID, mgaKey("old"));
    const snapshot = new SecretValue(mgaKey("captured"));
    const ctx = rotationContext();
    await destination.write(new SecretValue(mgaKey("new")), ctx);
    await destination.activate(ctx);

    await destination.restore({ kind: "value", value: snapshot }, ctx);
    await destination.restore({ kind: "value", value: snapshot }, ctx);

    expect(fake.current(SECRET_ID)).toBe(snapshot.reveal());
    expect(fake.versions(SECRET_ID)).toHaveLength(4);
  });

  it("restore before activate leaves the current value and drops AWSPENDING", async () => {
    const { fake, destination } = await start();
    const old = mgaKey("old");
    fake.seed(SECRET_ID, old);
    const ctx = rotationContext();
    await destination.write(new SecretValue(mgaKey("new")), ctx);

    await destination.restore({ kind: "value", value: new SecretValue(old) }, ctx);

    expect(fake.current(SECRET_ID)).toBe(old);
    expect(fake.versions(SECRET_ID).flatMap((version) => version.stages)).toEqual(["AWSCURRENT"]);
  });

  it("a retry after a crash with the same token and value is a no-op; another value under that token is refused", async () => {
    const { fake, destination } = await start();
    fake.seed(SECRET_ID, mgaKey("old"));
    const fresh = new SecretValue(mgaKey("new"));
    const ctx = rotationContext();
    await destination.write(fresh, ctx);
    await destination.activate(ctx);
    const puts = () => fake.requests.filter((request) => request.operation === "PutSecretValue").length;

    await destination.write(fresh, ctx);
    const error = await errorOf(destination.write(new SecretValue(mgaKey("other")), ctx));

    expect(puts()).toBe(1);
    expect(fake.current(SECRET_ID)).toBe(fresh.reveal());
    expect(fake.versions(SECRET_ID)).toHaveLength(2);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toMatch(/already holds another value/);
  });

  it("keeps the other fields of a JSON secret, and rolls the field back", async () => {
    const { fake, destination } = await start({ jsonField: "MGA_API_KEY" });
    const old = mgaKey("old");
    fake.seed(SECRET_ID, JSON.stringify({ DB_URL: "postgres://db", MGA_API_KEY: old, RETRIES: 3 }));
    const fresh = new SecretValue(mgaKey("new"));
    const ctx = rotationContext();

    await destination.write(fresh, ctx);
    await destination.activate(ctx);
    const after = JSON.parse(fake.current(SECRET_ID)!) as unknown;
    await destination.restore({ kind: "value", value: new SecretValue(old) }, ctx);

    expect(after).toEqual({ DB_URL: "postgres://db", MGA_API_KEY: fresh.reveal(), RETRIES: 3 });
    expect(await destination.read()).toEqual({ kind: "value", value: new SecretValue(old) });
    expect(JSON.parse(fake.current(SECRET_ID)!)).toEqual({ DB_URL: "postgres://db", MGA_API_KEY: old, RETRIES: 3 });
  });

  it("refuses a jsonField secret that is not a JSON object, without echoing it", async () => {
    const { fake, destination } = await start({ jsonField: "MGA_API_KEY" });
    const raw = mgaKey("plain");
    fake.seed(SECRET_ID, raw);

    const readError = await errorOf(destination.read());
    const writeError = await errorOf(destination.write(new SecretValue(mgaKey("new")), rotationContext()));

    for (const error of [readError, writeError]) {
      expect(error).toBeInstanceOf(DestinationError);
      expect((error as Error).message).toMatch(/not JSON/);
      expect((error as Error).message).not.toContain(raw);
    }
    expect(fake.current(SECRET_ID)).toBe(raw);
  });

  it("a missing secret is a NotFoundError naming the secret and createIfMissing; read() says absent", async () => {
    const { destination } = await start();

    const error = await errorOf(destination.write(new SecretValue(mgaKey("new")), rotationContext()));

    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(SECRET_ID);
    expect((error as Error).message).toContain("createIfMissing");
    expect(await destination.read()).toEqual({ kind: "absent" });
  });

  it("createIfMissing creates the secret; rolling back to absent throws an explaining DestinationError", async () => {
    const { fake, destination } = await start({ createIfMissing: true });
    const fresh = new SecretValue(mgaKey("new"));
    const ctx = rotationContext();

    await destination.write(fresh, ctx);
    await destination.activate(ctx);
    const previous = await destination.previous!(ctx);
    const error = await errorOf(destination.restore({ kind: "absent" }, ctx));

    expect(fake.current(SECRET_ID)).toBe(fresh.reveal());
    expect(fake.versions(SECRET_ID)[0]?.versionId).toBe(versionIdFor(ctx.token));
    expect(previous).toEqual({ kind: "absent" });
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toMatch(/delete-secret/);
    expect((error as Error).message).not.toContain(fresh.reveal());
  });

  it("a secret created without a version (as Terraform leaves it) reads absent and takes the first version", async () => {
    const { fake, destination, config } = await start();
    const client = new SecretsManagerClient({ region: config.region, endpoint: fake.endpoint, credentials: config.credentials!, ...fastClientConfig() });
    await client.send(new CreateSecretCommand({ Name: SECRET_ID }));
    const fresh = new SecretValue(mgaKey("new"));
    const ctx = rotationContext();

    const before = await destination.read();
    await destination.write(fresh, ctx);
    await destination.activate(ctx);

    expect(before).toEqual({ kind: "absent" });
    expect(fake.versions(SECRET_ID)).toEqual([expect.objectContaining({ stages: ["AWSCURRENT"], value: fresh.reveal() })]);
    expect(await destination.previous!(ctx)).toEqual({ kind: "absent" });
    expect(await errorOf(destination.restore(before, ctx))).toBeInstanceOf(DestinationError);
  });

  it("createIfMissing falls back to PutSecretValue when another run created the secret first", async () => {
    const { fake, destination } = await start({ createIfMissing: true });
    const theirs = mgaKey("theirs");
    fake.fault("PutSecretValue", { error: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret.", times: 1 });
    fake.seed(SECRET_ID, theirs);
    const fresh = new SecretValue(mgaKey("new"));
    const ctx = rotationContext();

    await destination.write(fresh, ctx);
    await destination.activate(ctx);

    expect(fake.requests.map((request) => request.operation)).toContain("CreateSecret");
    expect(fake.current(SECRET_ID)).toBe(fresh.reveal());
    expect(await destination.previous!(ctx)).toEqual({ kind: "value", value: new SecretValue(theirs) });
  });

  it("access denied is AccessDeniedError naming the IAM action, never NotFoundError, even on a missing secret", async () => {
    const { fake, destination } = await start();
    fake.deny("PutSecretValue");
    const fresh = new SecretValue(mgaKey("new"));

    const error = await errorOf(destination.write(fresh, rotationContext()));

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect((error as AccessDeniedError).permission).toBe("secretsmanager:PutSecretValue");
    expect((error as Error).message).toContain(SECRET_ID);
    expect((error as Error).message).not.toContain(fresh.reveal());
  });

  it("rides out throttling within the SDK's retries, and surfaces persistent throttling as ThrottledError", async () => {
    const { fake, destination } = await start();
    fake.seed(SECRET_ID, mgaKey("old"));
    fake.fault("PutSecretValue", { error: "ThrottlingException", message: "Rate exceeded", times: 2 });
    const ctx = rotationContext();

    await destination.write(new SecretValue(mgaKey("new")), ctx);
    fake.fault("UpdateSecretVersionStage", { error: "ThrottlingException", message: "Rate exceeded" });
    const error = await errorOf(destination.activate(ctx));

    const throttled = fake.requests.filter((request) => request.errorType === "ThrottlingException");
    expect(throttled.map((request) => request.operation)).toEqual(["PutSecretValue", "PutSecretValue", ...Array(3).fill("UpdateSecretVersionStage")]);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryable).toBe(true);
  });

  it("a 500 that persists and a hung request are TransientErrors", async () => {
    const { fake, destination } = await start();
    fake.seed(SECRET_ID, mgaKey("old"));

    fake.fault("GetSecretValue", { error: "InternalServiceError" });
    const internal = await errorOf(destination.read());
    fake.clearFaults();
    fake.fault("GetSecretValue", { hang: true });
    const hung = await errorOf(destination.read());

    expect(internal).toBeInstanceOf(TransientError);
    expect(hung).toBeInstanceOf(TransientError);
    expect((hung as Error).message).toMatch(/TimeoutError/);
  });

  it("a secret scheduled for deletion is a DestinationError, not absent", async () => {
    const { fake, destination } = await start();
    fake.seed(SECRET_ID, mgaKey("old"));
    fake.scheduleDeletion(SECRET_ID);

    const error = await errorOf(destination.read());

    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toMatch(/marked for deletion/);
  });
});
