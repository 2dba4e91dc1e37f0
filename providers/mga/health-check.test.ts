// The issuer's health check against the fake: the call per permission, the marked message, the
// propagation retries of a brand-new key, and what fails verification.
import { afterEach, describe, expect, it } from "vitest";
import { VerificationError } from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { captureLog, recordingClock } from "../../test/support/recording.js";
import { startFakeMga, type FakeMga, type FakeMgaOptions } from "./fake.js";
import { createMgaIssuer, mgaIssuerConfigSchema, type PropagationPolicy } from "./index.js";

const fakes: FakeMga[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function setup(options: FakeMgaOptions = {}, propagation?: PropagationPolicy) {
  const clock = recordingClock();
  const fake = await startFakeMga({ clock, ...options });
  fakes.push(fake);
  const admin = fake.seedKey({ name: "Rotator admin", permission: "admin" });
  const config = mgaIssuerConfigSchema.parse({ type: "mga", baseUrl: fake.url, adminKey: admin.secret });
  const issuer = createMgaIssuer(config, { clock, log: captureLog().log, ...(propagation ? { propagation } : {}) });
  return { clock, fake, issuer };
}

describe("mga issuer: health check per permission", () => {
  it("a write key sends a message marked as a health check", async () => {
    const { fake, issuer } = await setup();
    const key = await issuer.create("Server · w", "write");

    await issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "write" });

    expect(fake.messages()).toEqual([
      expect.objectContaining({
        botId: "bot_demo",
        keyId: key.id,
        message: "key-rotator health check",
        metadata: { source: "key-rotator", healthCheck: true },
      }),
    ]);
    expect(fake.requests.at(-1)).toMatchObject({ endpoint: "sendMessage", status: 200, keyId: key.id });
  });

  it("an admin key sends the configured message", async () => {
    const { fake, issuer } = await setup();
    const key = await issuer.create("Server · a", "admin");

    await issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "admin", message: "ping from rotator" });

    expect(fake.messages().map((message) => message.message)).toEqual(["ping from rotator"]);
  });

  it("a read key lists conversations and sends no message", async () => {
    const { fake, issuer } = await setup();
    const key = await issuer.create("Server · r", "read");

    await issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "read" });

    expect(fake.messages()).toEqual([]);
    expect(fake.requests.at(-1)).toMatchObject({ endpoint: "listConversations", status: 200, keyId: key.id });
  });

  it("a key without the permission its check needs fails at once (403)", async () => {
    const { fake, issuer } = await setup();
    const readKey = await issuer.create("Server · r2", "read");

    const error = await issuer
      .healthCheck(readKey.secret, { botId: "bot_demo", permission: "write" })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(VerificationError);
    expect((error as Error).message).toContain("lacks the write permission");
    expect(fake.requests.filter((request) => request.endpoint === "sendMessage")).toHaveLength(1);
  });

  it("an unknown bot fails verification naming keys[].verify.botId", async () => {
    const { issuer } = await setup();
    const key = await issuer.create("Server · b", "write");

    const error = await issuer
      .healthCheck(key.secret, { botId: "bot_nope", permission: "write" })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(VerificationError);
    expect((error as Error).message).toContain('keys[].verify.botId ("bot_nope")');
  });

  it("a 200 without the documented answer does not verify the key", async () => {
    const { fake, issuer } = await setup();
    const key = await issuer.create("Server · m", "write");
    fake.fault("sendMessage", { status: 200, body: { success: true, data: {} } });

    const check = issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "write" });

    await expect(check).rejects.toThrow(VerificationError);
  });
});

describe("mga issuer: propagation of a new key", () => {
  it("retries a new key's 401 with growing waits, then passes", async () => {
    const { clock, fake, issuer } = await setup({ newKeyUnauthorizedCalls: 2 });
    const key = await issuer.create("Server · n1", "write");

    await issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "write" });

    expect(clock.sleeps).toEqual([1_000, 2_000]);
    expect(fake.requests.filter((r) => r.endpoint === "sendMessage").map((r) => r.status)).toEqual([401, 401, 200]);
  });

  it("gives up with a VerificationError after the configured tries", async () => {
    const { clock, fake, issuer } = await setup({ newKeyUnauthorizedCalls: 10 });
    const key = await issuer.create("Server · n2", "write");

    const error = await issuer
      .healthCheck(key.secret, { botId: "bot_demo", permission: "write" })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(VerificationError);
    expect((error as Error).message).toContain("with 401 (UNAUTHORIZED: Invalid API key), 4 time(s)");
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(fake.requests.filter((r) => r.endpoint === "sendMessage")).toHaveLength(4);
  });

  it("takes its propagation policy from the context", async () => {
    const { clock, issuer } = await setup({ newKeyUnauthorizedCalls: 10 }, { attempts: 2, baseDelayMs: 50 });
    const key = await issuer.create("Server · n3", "read");

    const check = issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "read" });

    await expect(check).rejects.toThrow(VerificationError);
    expect(clock.sleeps).toEqual([50]);
  });

  it("a value MGA never issued fails verification", async () => {
    const { issuer } = await setup();

    const check = issuer.healthCheck(new SecretValue("mga_sk_never0000000000000000000000000000000000"), {
      botId: "bot_demo",
      permission: "write",
    });

    await expect(check).rejects.toThrow(/invalid or revoked, or has not propagated yet/);
  });
});
