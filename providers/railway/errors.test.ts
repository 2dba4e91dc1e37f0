// How the Railway client maps what the API answers: GraphQL `errors` with HTTP 200, token types and
// their headers, rate limits and their wait hints, 5xx, Cloudflare's HTML 403, dropped connections.
import { z } from "zod";
import { afterEach, describe, expect, it } from "vitest";
import { AccessDeniedError, DestinationError, ThrottledError, TransientError } from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { RailwayClient, waitHintMs } from "./client.js";
import type { GraphqlDocument } from "./documents.js";
import { capturingLogger, key, type RailwaySetup, roundContext, SERVICE, setupRailway, VARIABLE } from "./test-support.js";

let setup: RailwaySetup | undefined;
async function start(...args: Parameters<typeof setupRailway>): Promise<RailwaySetup> {
  setup = await setupRailway(...args);
  return setup;
}
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as Error);
const calls = (s: RailwaySetup, field: string) => s.fake.requests.filter((r) => r.fields.includes(field));

describe("railway client errors", () => {
  it.each(["account", "team", "project"] as const)("authenticates a %s token with its own header", async (tokenType) => {
    const s = await start();
    const destination = s.another({ tokenType, token: s.fake.tokens[tokenType] });

    await destination.write(new SecretValue(key("new")), roundContext());

    expect(s.fake.requests.map((r) => r.auth)).toEqual([tokenType]);
  });

  it("maps \"Not Authorized\" with HTTP 200 to AccessDeniedError naming token and tokenType, without retrying", async () => {
    const s = await start({ token: "not-the-token" });

    const error = await failure(s.destination.write(new SecretValue(key("new")), roundContext()));

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error?.message).toContain('"Not Authorized"');
    expect(error?.message).toMatch(/`token` and `tokenType` \(tokenType account sends the Authorization header/);
    expect(s.fake.requests.map((r) => r.status)).toEqual([200]);
  });

  it("denies a project token sent with tokenType account", async () => {
    const s = await start();
    const destination = s.another({ token: s.fake.tokens.project });

    await expect(destination.read()).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("maps other GraphQL errors to DestinationError, not to access denied or not found, and does not retry", async () => {
    const s = await start({ projectId: "prj-someone-else" });

    const error = await failure(s.destination.read());

    expect(error).toBeInstanceOf(DestinationError);
    expect(error?.message).toContain('"Project not found"');
    expect(s.fake.requests).toHaveLength(1);
  });

  it("surfaces the fake's rejection of an unknown field (HTTP 200) as a DestinationError", async () => {
    const s = await start();
    const client = new RailwayClient({ ...s.config, clock: s.clock, log: capturingLogger().log });
    const typo: GraphqlDocument<object, unknown> = { operationName: "Typo", query: "query Typo { variablez }", data: z.unknown() };

    const error = await failure(client.request(typo, {}));

    expect(error).toBeInstanceOf(DestinationError);
    expect(error?.message).toContain('Cannot query field \\"variablez\\" on type \\"Query\\"');
  });

  it("redacts the value when an error message echoes it", async () => {
    const s = await start();
    const client = new RailwayClient({ ...s.config, clock: s.clock, log: capturingLogger().log });
    const secret = key("echoed");
    const wrongType: GraphqlDocument<{ value: string }, unknown> = {
      operationName: "WrongType",
      query: 'query WrongType($value: Boolean) { variables(projectId: "p", environmentId: "e", unrendered: $value) }',
      data: z.unknown(),
    };

    const error = await failure(client.request(wrongType, { value: secret }, { sensitive: [secret] }));

    expect(error?.message).toContain('got invalid value \\"[redacted]\\"');
    expect(error?.message).not.toContain(secret);
  });

  it("honours Retry-After on a 429", async () => {
    const s = await start();
    s.fake.injectFault({ kind: "http-429", retryAfterSeconds: 7 });

    await s.destination.write(new SecretValue(key("new")), roundContext());

    expect(s.clock.sleeps).toEqual([7000]);
    expect(calls(s, "variableUpsert").map((r) => r.status)).toEqual([429, 200]);
  });

  it("honours X-RateLimit-Reset when a 429 has no Retry-After", async () => {
    const s = await start();
    s.fake.injectFault({ kind: "http-429", resetInSeconds: 12 });

    await s.destination.write(new SecretValue(key("new")), roundContext());

    expect(s.clock.sleeps).toEqual([12_000]);
  });

  it("treats a rate-limit message in GraphQL errors with HTTP 200 as throttling", async () => {
    const s = await start();
    s.fake.injectFault({ kind: "graphql-rate-limit", retryAfterSeconds: 3 });

    await s.destination.write(new SecretValue(key("new")), roundContext());

    expect(s.clock.sleeps).toEqual([3000]);
  });

  it("does not sleep through a wait hint longer than the retry policy allows", async () => {
    const s = await start();
    s.fake.injectFault({ kind: "http-429", retryAfterSeconds: 600 });

    const error = await failure(s.destination.write(new SecretValue(key("new")), roundContext()));

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(600_000);
    expect(s.clock.sleeps).toEqual([]);
  });

  it("retries Cloudflare's HTML 403 as transient, and never calls it access denied", async () => {
    const s = await start();
    s.fake.injectFault({ kind: "cloudflare-403" });
    await s.destination.write(new SecretValue(key("new")), roundContext());
    s.fake.injectFault({ kind: "cloudflare-403" }, Infinity);

    const error = await failure(s.destination.read());

    expect(error).toBeInstanceOf(TransientError);
    expect(error?.message).toContain("Cloudflare");
    expect(calls(s, "variables")).toHaveLength(5);
  });

  it("rides out a 500 and a dropped connection while polling a deployment", async () => {
    const s = await start();
    const fresh = new SecretValue(key("new"));
    const ctx = roundContext();
    await s.destination.write(fresh, ctx);
    s.fake.injectFault({ kind: "http-500" }, 1, "deployment");
    s.fake.injectFault({ kind: "drop-connection" }, 1, "deployment");

    await s.destination.activate(ctx);

    expect(calls(s, "deployment").map((r) => r.fault)).toEqual(expect.arrayContaining(["http-500", "drop-connection"]));
    expect(s.fake.liveValue(SERVICE, VARIABLE)).toBe(fresh.reveal());
  });
});

describe("waitHintMs", () => {
  const now = new Date("2026-11-01T03:00:00Z");
  const hint = (headers: Record<string, string>) => waitHintMs(new Headers(headers), now);

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(hint({ "retry-after": "7" })).toBe(7000);
    expect(hint({ "retry-after": "Sun, 01 Nov 2026 03:00:30 GMT" })).toBe(30_000);
  });

  it("reads X-RateLimit-Reset as seconds from now, epoch seconds, epoch milliseconds or a date", () => {
    expect(hint({ "x-ratelimit-reset": "12" })).toBe(12_000);
    expect(hint({ "x-ratelimit-reset": String(now.getTime() / 1000 + 40) })).toBe(40_000);
    expect(hint({ "x-ratelimit-reset": String(now.getTime() + 5000) })).toBe(5000);
    expect(hint({ "x-ratelimit-reset": "2026-11-01T03:01:00Z" })).toBe(60_000);
  });

  it("prefers Retry-After, and gives nothing without either header", () => {
    expect(hint({ "retry-after": "2", "x-ratelimit-reset": "50" })).toBe(2000);
    expect(hint({})).toBeUndefined();
  });
});
