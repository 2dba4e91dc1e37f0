// The gcp-secret-manager destination's own cases, beyond the contract: versions, rollback by adding,
// retire, missing vs empty secrets, denied, throttling and the addVersion that lands but never answers.
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { DestinationContext } from "../../src/core/destination.js";
import { AccessDeniedError, AuthenticationError, DestinationError, NotFoundError, TransientError } from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { FAULTS } from "./fake.js";
import { setup, type Setup } from "./test-support.js";

const ctx: DestinationContext = { rotationId: "rot-1", token: "rot-1-token", round: "rot-1:deploy" };
const key = (label: string) => new SecretValue(`mga_sk_${label}_${Math.random().toString(36).slice(2)}`);

let world: Setup | undefined;
async function start(...args: Parameters<typeof setup>): Promise<Setup> {
  world = await setup(...args);
  return world;
}
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const calls = (w: Setup, operation: string) => w.fake.requests.filter((r) => r.operation === operation);
const states = (w: Setup) => w.fake.versions().map((v) => `${v.number}:${v.state}`);

/** Nothing a test can see (error, its cause chain, log lines) holds the value or its base64. */
function expectNoLeak(w: Setup, value: SecretValue, error?: unknown) {
  const seen = [inspect(error, { depth: 10 }), JSON.stringify(error ?? null), ...w.lines].join("\n");
  expect(seen).not.toContain(value.reveal());
  expect(seen).not.toContain(Buffer.from(value.reveal()).toString("base64"));
}

describe("gcp-secret-manager: writing", () => {
  it("adds a version over the REST transport, with a CRC32C the service checks, and reads it back", async () => {
    const w = await start();
    w.fake.seed("mga_sk_old");
    const fresh = key("new");

    await w.destination.write(fresh, ctx);

    expect(w.fake.latestValue()).toBe(fresh.reveal());
    expect(await w.destination.read()).toEqual({ kind: "value", value: fresh });
    expect(await w.destination.confirm(fresh.fingerprint, ctx)).toBe("confirmed");
    expect(w.fake.store.secrets.get("mga-api-key")!.versions[1]!.clientSpecifiedPayloadChecksum).toBe(true);
    expect(calls(w, "addVersion")[0]).toMatchObject({
      method: "POST",
      path: "/v1/projects/demo-project/secrets/mga-api-key:addVersion",
      query: "?$alt=json%3Benum-encoding=int",
    });
  });

  it("does not add a second version when the newest already holds the value", async () => {
    const w = await start();
    const fresh = key("new");

    await w.destination.write(fresh, ctx);
    await w.destination.write(fresh, ctx);

    expect(calls(w, "addVersion")).toHaveLength(1);
  });

  it("refuses a value over 64 KiB before sending it", async () => {
    const w = await start();

    const error = await w.destination.write(new SecretValue("x".repeat(65_537)), ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DestinationError);
    expect(calls(w, "addVersion")).toHaveLength(0);
  });

  it("writes a regional secret under locations/<location>", async () => {
    const w = await start({ location: "europe-west1" });
    w.fake.store.createSecret({ location: "europe-west1", secret: "mga-api-key" });
    const fresh = key("new");

    await w.destination.write(fresh, ctx);

    expect(calls(w, "addVersion")[0]!.path).toBe("/v1/projects/demo-project/locations/europe-west1/secrets/mga-api-key:addVersion");
    expect(await w.destination.read()).toEqual({ kind: "value", value: fresh });
  });
});

describe("gcp-secret-manager: an addVersion without an answer", () => {
  const SHORT = { timeout: "1s" };

  it("is not added twice when the service stored it and never answered", async () => {
    const w = await start(SHORT);
    w.fake.seed("mga_sk_old");
    w.fake.failNext("addVersion", FAULTS.hangAfterCommit);
    const fresh = key("new");

    await w.destination.write(fresh, ctx);

    expect(w.fake.versions().map((v) => v.value)).toEqual(["mga_sk_old", fresh.reveal()]);
    expect(calls(w, "addVersion").map((r) => r.outcome)).toEqual(["hang"]);
    expect(w.lines.join("\n")).toContain("had landed");
    expectNoLeak(w, fresh);
  });

  it("is not added twice when a 504 came back after the service stored it", async () => {
    const w = await start();
    w.fake.failNext("addVersion", { ...FAULTS.deadline, afterCommit: true });
    const fresh = key("new");

    await w.destination.write(fresh, ctx);

    expect(w.fake.versions()).toHaveLength(1);
    expect(calls(w, "addVersion")).toHaveLength(1);
  });

  it("is added again when the 503 came before anything was stored", async () => {
    const w = await start();
    w.fake.failNext("addVersion", FAULTS.unavailable);
    const fresh = key("new");

    await w.destination.write(fresh, ctx);

    expect(w.fake.versions().map((v) => v.value)).toEqual([fresh.reveal()]);
    expect(calls(w, "addVersion").map((r) => r.outcome)).toEqual([503, 200]);
  });

  it("gives up with a retryable error when the service never answers, without the value in it", async () => {
    const w = await start(SHORT);
    w.fake.failNext("addVersion", FAULTS.hang, Infinity);
    const fresh = key("new");

    const error = await w.destination.write(fresh, ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(calls(w, "addVersion")).toHaveLength(4);
    expectNoLeak(w, fresh, error);
  });
});

describe("gcp-secret-manager: rollback and recovery", () => {
  it("restores by adding the previous value as the newest version, then disables ours", async () => {
    const w = await start();
    w.fake.seed("mga_sk_older");
    w.fake.seed("mga_sk_old");
    await w.destination.write(key("new"), ctx);

    await w.destination.restore({ kind: "value", value: new SecretValue("mga_sk_old") }, ctx);

    expect(w.fake.latestValue()).toBe("mga_sk_old");
    expect(states(w)).toEqual(["1:ENABLED", "2:ENABLED", "3:DISABLED", "4:ENABLED"]);
    expect(calls(w, "disable").every((r) => r.etag !== undefined)).toBe(true);
  });

  it("still restores when it may not disable versions, and says so", async () => {
    const w = await start();
    w.fake.seed("mga_sk_old");
    await w.destination.write(key("new"), ctx);
    w.fake.failNext("disable", FAULTS.denied, Infinity);

    await w.destination.restore({ kind: "value", value: new SecretValue("mga_sk_old") }, ctx);

    expect(w.fake.latestValue()).toBe("mga_sk_old");
    expect(w.lines.join("\n")).toContain("roles/secretmanager.secretVersionManager");
  });

  it("finds the value before ours, skipping disabled versions", async () => {
    const w = await start();
    w.fake.seed("mga_sk_old");
    w.fake.seed("mga_sk_disabled");
    w.fake.store.setState({ project: "demo-project", location: undefined, secret: "mga-api-key" }, "2", "DISABLED", undefined);
    await w.destination.write(key("new"), ctx);

    const previous = await w.destination.previous!(ctx);

    expect(previous).toEqual({ kind: "value", value: new SecretValue("mga_sk_old") });
  });

  it("tells a secret with no versions (absent) from a missing one (NotFoundError)", async () => {
    const w = await start({ secret: "empty" });
    w.fake.createSecret("empty");

    expect(await w.destination.read()).toEqual({ kind: "absent" });
    w.fake.deleteSecret("empty");
    await expect(w.destination.read()).rejects.toBeInstanceOf(NotFoundError);
  });

  it("reports a secret that does not exist as NotFoundError naming it, on write", async () => {
    const w = await start({ secret: "no-such-secret" });

    const error = await w.destination.write(key("new"), ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain("projects/demo-project/secrets/no-such-secret");
  });
});

describe("gcp-secret-manager: retire (disablePrevious)", () => {
  it("disables the versions holding revoked keys, across pages, with etags, never the newest", async () => {
    const w = await start({ disablePrevious: true });
    for (let i = 0; i < 55; i++) w.fake.seed("mga_sk_revoked");
    const live = key("live");
    await w.destination.write(live, ctx);

    await w.destination.retire!([new SecretValue("mga_sk_revoked").fingerprint, live.fingerprint], ctx);

    expect(w.fake.versions().filter((v) => v.state === "DISABLED")).toHaveLength(55);
    expect(w.fake.latestValue()).toBe(live.reveal());
    expect(calls(w, "listVersions").some((r) => r.query.includes("pageToken="))).toBe(true);
    expect(calls(w, "disable").every((r) => r.etag?.startsWith('"'))).toBe(true);
  });

  it("re-reads a version whose etag changed, and disables it with the new one", async () => {
    const w = await start({ disablePrevious: true });
    w.fake.seed("mga_sk_revoked");
    await w.destination.write(key("live"), ctx);
    w.fake.failNext("disable", { kind: "status", httpStatus: 409, status: "ABORTED", message: "etag mismatch" });

    await w.destination.retire!([new SecretValue("mga_sk_revoked").fingerprint], ctx);

    expect(states(w)).toEqual(["1:DISABLED", "2:ENABLED"]);
    expect(w.fake.requests.map((r) => r.operation).filter((o) => o === "disable" || o === "getVersion")).toEqual(["disable", "getVersion", "disable"]);
  });

  it("does nothing unless disablePrevious is set", async () => {
    const w = await start();
    w.fake.seed("mga_sk_revoked");
    await w.destination.write(key("live"), ctx);

    await w.destination.retire!([new SecretValue("mga_sk_revoked").fingerprint], ctx);

    expect(states(w)).toEqual(["1:ENABLED", "2:ENABLED"]);
  });
});

describe("gcp-secret-manager: failures", () => {
  it.each([
    ["addVersion", "write", "roles/secretmanager.secretVersionAdder", "secretmanager.versions.add"],
    ["access", "read", "roles/secretmanager.secretAccessor", "secretmanager.versions.access"],
  ] as const)("maps a denied %s to AccessDeniedError naming %s's role, never to not-found", async (method, _op, role, permission) => {
    const w = await start();
    w.fake.seed("mga_sk_old");
    w.fake.failNext(method, FAULTS.denied, Infinity);
    const fresh = key("new");

    const error = await (method === "access" ? w.destination.read() : w.destination.write(fresh, ctx)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).permission).toBe(permission);
    expect((error as Error).message).toContain(role);
    expectNoLeak(w, fresh, error);
  });

  it("does not take an empty secret for a missing one when it may not look at the secret", async () => {
    const w = await start({ secret: "empty" });
    w.fake.createSecret("empty");
    w.fake.failNext("getSecret", FAULTS.denied, Infinity);

    await expect(w.destination.read()).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("maps a rejected token to AuthenticationError at once", async () => {
    const w = await start({ credentials: { type: "access-token", token: "expired" } });

    await expect(w.destination.read()).rejects.toBeInstanceOf(AuthenticationError);
    expect(w.fake.requests).toHaveLength(1);
  });

  it("rides out throttling, waiting as long as Retry-After says, with no retries of the SDK's own", async () => {
    const w = await start();
    w.fake.seed("mga_sk_old");
    w.fake.failNext("access", { ...FAULTS.throttled, retryAfterSeconds: 2 }, 2);

    expect(await w.destination.read()).toEqual({ kind: "value", value: new SecretValue("mga_sk_old") });
    expect(calls(w, "access").map((r) => r.outcome)).toEqual([429, 429, 200]);
    expect(w.clock.sleeps).toEqual([2000, 2000]);
  });

  it("reads again a payload that does not match its CRC32C", async () => {
    const w = await start();
    w.fake.seed("mga_sk_old");
    w.fake.failNext("access", FAULTS.corrupt);

    expect(await w.destination.read()).toEqual({ kind: "value", value: new SecretValue("mga_sk_old") });
    expect(calls(w, "access")).toHaveLength(2);
  });

  it("maps a refused connection to a retryable TransientError", async () => {
    const w = await start();
    await w.fake.close();

    const error = await w.destination.read().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(w.clock.sleeps).toHaveLength(3);
  });
});
