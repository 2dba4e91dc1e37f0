// read / write / confirm / restore and the error mapping of the vercel destination, against the fake.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  NotFoundError,
} from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { specProblemsOf } from "./spec-check.js";
import { mgaKey, roundContext, startTestbed, type VercelTestbed } from "./test-support.js";

let testbed: VercelTestbed;
const used: string[] = [];

function key(label: string): string {
  const value = mgaKey(label);
  used.push(value);
  return value;
}

beforeEach(async () => {
  testbed = await startTestbed();
});

afterEach(async () => {
  const requests = testbed.fake.requests();
  await testbed.close();
  expect(specProblemsOf(requests)).toEqual([]);
  const leaks = testbed.lines.filter((line) => used.some((value) => line.includes(value)));
  expect(leaks).toEqual([]);
  used.length = 0;
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail("expected a failure"),
    (error: unknown) => error as Error,
  );
}

describe("vercel records", () => {
  it("edits an existing multi-target record whole and adds one record per missing target", async () => {
    const { fake } = testbed;
    fake.seedEnv("MGA_API_KEY", key("old"), ["production", "preview"]);
    const destination = testbed.destination({ targets: ["production", "preview", "development"], redeploy: false });
    const fresh = new SecretValue(key("new"));

    await destination.write(fresh, roundContext());

    expect(fake.envRecords("MGA_API_KEY").map((record) => record.target)).toEqual([["production", "preview"], ["development"]]);
    for (const target of ["production", "preview", "development"] as const) expect(fake.envValue("MGA_API_KEY", target)).toBe(fresh.reveal());
    expect(fake.requests().filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.route}`)).toEqual(["PATCH env.edit", "POST env.create"]);
    expect(await destination.read()).toEqual({ kind: "value", value: fresh });
  });

  it("refuses, before writing anything, a record that also covers a target it does not manage", async () => {
    const { fake } = testbed;
    const old = key("old");
    fake.seedEnv("MGA_API_KEY", old, ["production", "preview"]);
    const destination = testbed.destination({ targets: ["production"] });

    const error = await failure(destination.write(new SecretValue(key("new")), roundContext()));

    expect(error).toBeInstanceOf(DestinationError);
    expect(error.message).toContain("also covers preview, which `targets` does not list");
    expect(fake.envValue("MGA_API_KEY", "production")).toBe(old);
  });

  it("refuses to read targets that hold different values, naming fingerprints only", async () => {
    const { fake } = testbed;
    fake.seedEnv("MGA_API_KEY", key("a"), ["production"]);
    fake.seedEnv("MGA_API_KEY", key("b"), ["preview"]);
    const destination = testbed.destination({ targets: ["production", "preview"] });

    const error = await failure(destination.read());

    expect(error).toBeInstanceOf(DestinationError);
    expect(error.message).toMatch(/production sha256:[0-9a-f]{12}, preview sha256:[0-9a-f]{12}/);
    expect(used.some((value) => error.message.includes(value))).toBe(false);
  });

  it("reads absent when the variable does not exist, and restores to absent by deleting what it created", async () => {
    const { fake } = testbed;
    const destination = testbed.destination({ targets: ["production", "preview"] });
    const ctx = roundContext();
    const before = await destination.read();
    await destination.write(new SecretValue(key("new")), ctx);
    await destination.activate(ctx);

    await destination.restore(before, roundContext("rollback"));

    expect(before).toEqual({ kind: "absent" });
    expect(fake.envRecords("MGA_API_KEY")).toEqual([]);
    expect(fake.liveValue("MGA_API_KEY")).toBeUndefined();
  });

  it("fails on failed[] in a 201 answer with the failure codes, never the value", async () => {
    const { fake } = testbed;
    const destination = testbed.destination({ targets: ["production", "preview"] });
    const fresh = new SecretValue(key("new"));
    fake.rejectNextEnvWrites("ENV_QUOTA_EXCEEDED");

    const error = await failure(destination.write(fresh, roundContext()));

    expect(fake.requests().find((r) => r.route === "env.create")?.status).toBe(201);
    expect(error).toBeInstanceOf(DestinationError);
    expect(error.message).toContain("ENV_QUOTA_EXCEEDED [production]");
    expect(error.message).not.toContain(fresh.reveal());
  });
});

describe("vercel sensitive variables", () => {
  it("writes sensitive records that are never read back: read and confirm say unreadable", async () => {
    const { fake } = testbed;
    fake.seedEnv("MGA_API_KEY", key("old"), ["production"], "sensitive");
    const destination = testbed.destination({ envType: "sensitive" });
    const fresh = new SecretValue(key("new"));
    const ctx = roundContext();

    const before = await destination.read();
    await destination.write(fresh, ctx);
    await destination.activate(ctx);

    expect(destination.capabilities.readable).toBe(false);
    expect(before).toEqual({ kind: "unreadable" });
    expect(await destination.confirm(fresh.fingerprint, ctx)).toBe("unreadable");
    expect(fake.envRecords("MGA_API_KEY")).toEqual([expect.objectContaining({ type: "sensitive" })]);
    expect(fake.liveValue("MGA_API_KEY")).toBe(fresh.reveal());
  });

  it("restores the value the engine passes, and refuses an unreadable snapshot", async () => {
    const { fake } = testbed;
    const old = key("old");
    fake.seedEnv("MGA_API_KEY", old, ["production"], "sensitive");
    fake.deploy();
    const destination = testbed.destination({ envType: "sensitive" });
    const ctx = roundContext();
    await destination.write(new SecretValue(key("new")), ctx);
    await destination.activate(ctx);

    const refused = await failure(destination.restore({ kind: "unreadable" }, roundContext("rollback")));
    await destination.restore({ kind: "value", value: new SecretValue(old) }, roundContext("rollback"));

    expect(refused).toBeInstanceOf(DestinationError);
    expect(refused.message).toContain("write-only (sensitive)");
    expect(fake.envValue("MGA_API_KEY", "production")).toBe(old);
    expect(fake.liveValue("MGA_API_KEY")).toBe(old);
  });

  it("tells an encrypted destination that meets a sensitive record to say envType: sensitive", async () => {
    testbed.fake.seedEnv("MGA_API_KEY", key("old"), ["production"], "sensitive");

    const error = await failure(testbed.destination().read());

    expect(error.message).toContain("set `envType: sensitive`");
  });
});

describe("vercel errors", () => {
  it("maps 401 to AuthenticationError naming `token`", async () => {
    const destination = testbed.destination({ token: "wrong-token" });

    const error = await failure(destination.read());

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("check `token`");
    expect(error.message).not.toContain("wrong-token");
  });

  it("maps a 403 on a team to AccessDeniedError naming `token` and `teamId`", async () => {
    const destination = testbed.destination({ teamId: "team_other" });

    const error = await failure(destination.write(new SecretValue(key("new")), roundContext()));

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error.message).toContain("check `token`");
    expect(error.message).toContain('`teamId` "team_other"');
  });

  it("maps a 403 that flags an invalid token to AuthenticationError", async () => {
    testbed.fake.fault("env.list", { status: 403, body: { error: { code: "forbidden", message: "Not authorized", invalidToken: true } } });

    const error = await failure(testbed.destination().read());

    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it("maps an unknown project, or a team project asked for without teamId, to NotFoundError naming both fields", async () => {
    const unknown = await failure(testbed.destination({ project: "prj_missing" }).read());
    const noTeam = await failure(testbed.destination({ teamId: undefined }).read());

    for (const error of [unknown, noTeam]) {
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toContain("check `project`");
      expect(error.message).toContain("`teamId`");
    }
  });

  it.each([
    ["x-ratelimit-reset", 5_000, 6_000],
    ["retry-after", 5_000, 5_000],
    ["body", 5_000, 5_000],
  ] as const)("waits as long as a 429 says through %s, then carries on", async (via, min, max) => {
    const { fake, clock } = testbed;
    const destination = testbed.destination({ redeploy: false });
    const fresh = new SecretValue(key("new"));
    fake.throttle("env.list", { times: 1, resetSeconds: 5, via });

    await destination.write(fresh, roundContext());

    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(min);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(max);
    expect(fake.envValue("MGA_API_KEY", "production")).toBe(fresh.reveal());
  });

  it("surfaces a 429 whose wait is longer than the retry policy accepts", async () => {
    testbed.fake.throttle("env.list", { times: 1, resetSeconds: 3_600 });

    const error = await failure(testbed.destination().read());

    expect(error).toMatchObject({ name: "ThrottledError", retryable: true });
  });
});
