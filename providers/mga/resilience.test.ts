// The issuer under trouble, against the fake: 429 hints honoured, pacing by X-RateLimit-*, 5xx and
// hangs retried within bounds, a lost create answer leaving no orphan, and no key value in any log
// line or error message.
import { afterEach, describe, expect, it } from "vitest";
import { ThrottledError, TransientError, type RotatorError } from "../../src/core/errors.js";
import type { RetryPolicy } from "../../src/core/retry.js";
import { captureLog, recordingClock } from "../../test/support/recording.js";
import { startFakeMga, type FakeMga, type FakeMgaOptions } from "./fake.js";
import { createMgaIssuer, mgaIssuerConfigSchema } from "./index.js";

const RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxHintMs: 120_000 };
const fakes: FakeMga[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** The clock starts at 00:00:10, so a 60 s window resets in 50 s. */
async function setup(options: FakeMgaOptions = {}, timeoutMs = 2_000) {
  const clock = recordingClock(new Date("2030-01-01T00:00:10.000Z"));
  const fake = await startFakeMga({ clock, ...options });
  fakes.push(fake);
  const admin = fake.seedKey({ name: "Rotator admin", permission: "admin" });
  const captured = captureLog();
  const config = mgaIssuerConfigSchema.parse({ type: "mga", baseUrl: fake.url, adminKey: admin.secret });
  const issuer = createMgaIssuer(config, { clock, log: captured.log, retry: RETRY, timeoutMs, random: () => 1 });
  const listWithAdmin = () => fetch(`${fake.url}/keys`, { headers: { Authorization: `Bearer ${admin.secret}` } });
  return { clock, fake, admin, captured, issuer, listWithAdmin };
}

const statusesOf = (fake: FakeMga, endpoint: string) =>
  fake.requests.filter((request) => request.endpoint === endpoint).map((request) => request.status);

describe("mga issuer: rate limits", () => {
  it("honours Retry-After on a 429", async () => {
    const { clock, fake, issuer, listWithAdmin } = await setup({ rateLimits: { data: { limit: 1, windowMs: 60_000 } } });
    await listWithAdmin(); // another client uses up the window

    const keys = await issuer.list();

    expect(keys).toHaveLength(1);
    expect(clock.sleeps).toEqual([50_000]);
    expect(statusesOf(fake, "listKeys")).toEqual([200, 429, 200]);
  });

  it("falls back to X-RateLimit-Reset when a 429 has no Retry-After", async () => {
    const limits = { data: { limit: 1, windowMs: 60_000 }, retryAfter: false };
    const { clock, fake, issuer, listWithAdmin } = await setup({ rateLimits: limits });
    await listWithAdmin();
    const throttled = await listWithAdmin();

    await issuer.list();

    expect([throttled.status, throttled.headers.get("retry-after")]).toEqual([429, null]);
    expect(clock.sleeps).toEqual([50_000]);
    expect(statusesOf(fake, "listKeys")).toEqual([200, 429, 429, 200]);
  });

  it("prefers Retry-After to X-RateLimit-Reset", async () => {
    const { clock, fake, issuer } = await setup(); // the data window resets in 3590 s
    fake.fault("createKey", { status: 429, times: 1, headers: { "Retry-After": "7" } });

    await issuer.create("Server · s", "write");

    expect(clock.sleeps).toEqual([7_000]);
  });

  it("reads a Retry-After given as an HTTP date", async () => {
    const { clock, fake, issuer } = await setup();
    const at = new Date(clock.now().getTime() + 30_000).toUTCString();
    fake.fault("createKey", { status: 429, times: 1, headers: { "Retry-After": at } });

    await issuer.create("Server · d", "write");

    expect(clock.sleeps).toEqual([30_000]);
  });

  it("surfaces a 429 whose wait is beyond maxHintMs instead of sleeping on it", async () => {
    const { clock, issuer, listWithAdmin } = await setup({ rateLimits: { data: { limit: 1, windowMs: 3_600_000 } } });
    await listWithAdmin();

    const error = await issuer.list().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(3_590_000);
    expect(clock.sleeps).toEqual([]);
  });

  it("paces itself: waits for the reset when a window is used up, instead of drawing a 429", async () => {
    const { clock, fake, issuer } = await setup({ rateLimits: { data: { limit: 2, windowMs: 60_000 } } });

    await issuer.list();
    await issuer.list();
    await issuer.list();

    expect(statusesOf(fake, "listKeys")).toEqual([200, 200, 200]);
    expect(clock.sleeps).toEqual([50_000]);
  });
});

describe("mga issuer: failures that may pass", () => {
  it("retries 5xx with backoff, then succeeds", async () => {
    const { clock, fake, issuer } = await setup();
    fake.fault("revokeKey", { status: 503, times: 2 });
    const key = fake.seedKey({ name: "Old", permission: "write" });

    const outcome = await issuer.revoke(key.id);

    expect(outcome).toBe("revoked");
    expect(statusesOf(fake, "revokeKey")).toEqual([503, 503, 200]);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it("gives up on 5xx after the bounded attempts with a TransientError", async () => {
    const { fake, issuer } = await setup();
    fake.fault("listKeys", { status: 500 });

    const error = await issuer.list().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe("MGA answered GET /api/v1/keys with 500 (INTERNAL_ERROR: injected fault)");
    expect(statusesOf(fake, "listKeys")).toEqual([500, 500, 500]);
  });

  it("times out a hung request and retries it", async () => {
    const { fake, issuer, captured } = await setup({}, 150);
    fake.fault("listKeys", { hang: true, times: 1 });

    const keys = await issuer.list();

    expect(keys).toHaveLength(1);
    expect(statusesOf(fake, "listKeys")).toEqual([null, 200]);
    expect(captured.lines.some((line) => line.includes("MGA did not answer GET /api/v1/keys within 150 ms"))).toBe(true);
  });

  it("maps a refused connection to a TransientError", async () => {
    const { fake, issuer } = await setup();
    await fake.close();

    const error = await issuer.list().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/^MGA request GET \/api\/v1\/keys failed: fetch failed \(ECONNREFUSED/);
  });

  it("a create whose answer was lost is retried, and the key it minted unseen is revoked", async () => {
    const { fake, issuer } = await setup();
    fake.fault("createKey", { dropResponse: true, times: 1 });

    const key = await issuer.create("Server · lost", "write");

    const named = fake.keys().filter((listed) => listed.name === "Server · lost");
    expect(named).toHaveLength(2);
    expect(named.filter((listed) => listed.revokedAt === null).map((listed) => listed.id)).toEqual([key.id]);
    expect(fake.isValid(key.secret.reveal())).toBe(true);
  });

  it("a create that fails after its answers were lost still leaves no orphan", async () => {
    const { fake, issuer } = await setup();
    fake.fault("createKey", { dropResponse: true });

    const error = await issuer.create("Server · gone", "write").catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransientError);
    expect(fake.keys().filter((listed) => listed.name === "Server · gone")).toHaveLength(3);
    expect(fake.keys().filter((listed) => listed.name === "Server · gone" && listed.revokedAt === null)).toEqual([]);
  });
});

describe("mga issuer: key values stay secret", () => {
  it("no key value appears in any log line or error message", async () => {
    const { clock, fake, admin, captured, issuer, listWithAdmin } = await setup({
      newKeyUnauthorizedCalls: 1,
      pageSize: 1,
      rateLimits: { data: { limit: 3, windowMs: 60_000 } },
    });
    const errors: unknown[] = [];
    const keep = (promise: Promise<unknown>) => promise.catch((error: unknown) => errors.push(error));

    const key = await issuer.create("Server · leak", "write");
    await issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "write" });
    await issuer.findBySecret(key.secret);
    await listWithAdmin();
    fake.fault("revokeKey", { status: 502, times: 1 });
    await issuer.revoke(key.id);
    await keep(issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "write" }));
    fake.fault("listKeys", { status: 200, body: { success: true, data: { keys: [{ key: admin.secret }] } } });
    await keep(issuer.list());
    const stranger = createMgaIssuer(
      mgaIssuerConfigSchema.parse({ type: "mga", baseUrl: fake.url, adminKey: "mga_sk_unknownAdmin000000000000000000000000" }),
      { clock, log: captured.log },
    );
    await keep(stranger.create("Server · x", "write"));

    const secrets = [...fake.issuedSecrets(), "mga_sk_unknownAdmin000000000000000000000000"];
    const texts = [...captured.lines, ...errors.map((error) => `${(error as Error).message} ${String(error)}`)];
    expect(errors.map((error) => (error as RotatorError).code)).toEqual([
      "VERIFICATION_FAILED",
      "MGA_BAD_RESPONSE",
      "UNAUTHENTICATED",
    ]);
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    expect(texts.filter((text) => secrets.some((secret) => text.includes(secret)))).toEqual([]);
    expect(captured.records()).toContainEqual(
      expect.objectContaining({ method: "POST", path: "/api/v1/keys", status: 201, durationMs: expect.any(Number) }),
    );
  });
});
