// activate(): the redeploy and the wait, against the fake. Deployments take virtual seconds (the
// fake and the destination share a virtual clock), so timeouts of minutes pass at once.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DestinationError } from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { specProblemsOf } from "./spec-check.js";
import { mgaKey, roundContext, startTestbed, type VercelTestbed } from "./test-support.js";

let testbed: VercelTestbed;
let old: string;

beforeEach(async () => {
  testbed = await startTestbed();
  old = mgaKey("old");
  testbed.fake.seedEnv("MGA_API_KEY", old, ["production"]);
  testbed.fake.deploy();
});

afterEach(async () => {
  const requests = testbed.fake.requests();
  await testbed.close();
  expect(specProblemsOf(requests)).toEqual([]);
});

function newDeployments(): ReturnType<VercelTestbed["fake"]["deployments"]> {
  return testbed.fake.deployments().filter((deployment) => deployment.sourceId !== undefined);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail("expected a failure"),
    (error: unknown) => error as Error,
  );
}

describe("vercel activate", () => {
  it("redeploys production from the live deployment and waits until it is READY and aliased", async () => {
    const { fake, clock } = testbed;
    const destination = testbed.destination();
    const fresh = new SecretValue(mgaKey("new"));
    const live = fake.deployments().at(-1)!;
    const ctx = roundContext();

    await destination.write(fresh, ctx);
    const beforeActivate = fake.liveValue("MGA_API_KEY");
    await destination.activate(ctx);

    expect(beforeActivate).toBe(old);
    expect(fake.liveValue("MGA_API_KEY")).toBe(fresh.reveal());
    expect(newDeployments()).toEqual([expect.objectContaining({ sourceId: live.id, state: "READY", aliasAssigned: true })]);
    expect(fake.requests().filter((r) => r.route === "deployments.get").length).toBeGreaterThanOrEqual(3);
    expect(clock.sleeps.every((ms) => ms === 2_000)).toBe(true);
    expect(await destination.confirm(fresh.fingerprint, ctx)).toBe("confirmed");
    expect(fake.requests().find((r) => r.route === "deployments.create")).toMatchObject({
      query: { forceNew: "1", teamId: "team_fake" },
      body: { name: "fake-app", project: "prj_fake", deploymentId: live.id, target: "production" },
    });
  });

  it.each(["ERROR", "CANCELED", "BLOCKED"] as const)("fails with DestinationError when the deployment ends %s, and the old value stays live", async (outcome) => {
    const { fake } = testbed;
    const destination = testbed.destination();
    const ctx = roundContext();
    await destination.write(new SecretValue(mgaKey("new")), ctx);
    fake.failNextDeployment(outcome);

    const error = await failure(destination.activate(ctx));

    const deployment = newDeployments()[0]!;
    expect(error).toBeInstanceOf(DestinationError);
    expect(error.message).toContain(`deployment ${deployment.id}`);
    expect(error.message).toContain(`ended ${outcome}`);
    expect(error.message).toContain("production still serves the previous deployment");
    expect(fake.liveValue("MGA_API_KEY")).toBe(old);
  });

  it("gives up after deploymentTimeout on a deployment that hangs, deletes it, and says where to look", async () => {
    const { fake, clock } = testbed;
    const destination = testbed.destination({ deploymentTimeout: "15m", pollInterval: "5s" });
    const ctx = roundContext();
    await destination.write(new SecretValue(mgaKey("new")), ctx);
    fake.failNextDeployment("hang");
    const started = clock.now().getTime();

    const error = await failure(destination.activate(ctx));

    const deployment = fake.deployments().find((candidate) => candidate.sourceId !== undefined)!;
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as DestinationError).retryable).toBe(false);
    expect(error.message).toContain(`deployment ${deployment.id}`);
    expect(error.message).toContain("last state BUILDING");
    expect(error.message).toContain("Vercel dashboard");
    expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(15 * 60_000);
    expect(deployment.state).toBe("DELETED");
    expect(fake.liveValue("MGA_API_KEY")).toBe(old);
  });

  it("waits for the production aliases, not only READY, and times out when they never come", async () => {
    const { fake } = testbed;
    fake.setTimings({ aliasMs: 60 * 60_000 });
    const destination = testbed.destination({ deploymentTimeout: "1m" });
    const ctx = roundContext();
    await destination.write(new SecretValue(mgaKey("new")), ctx);

    const error = await failure(destination.activate(ctx));

    expect(error.message).toContain("last state READY, production aliases not assigned");
    expect(fake.liveValue("MGA_API_KEY")).toBe(old);
  });

  it("makes one deployment for two vercel destinations of one project in one round", async () => {
    const { fake } = testbed;
    fake.seedEnv("MGA_READ_KEY", mgaKey("old-read"), ["production"]);
    const write = testbed.destination();
    const read = testbed.destination({ key: "MGA_READ_KEY" });
    const [writeKey, readKey] = [new SecretValue(mgaKey("w")), new SecretValue(mgaKey("r"))];
    const ctx = roundContext();
    await Promise.all([write.write(writeKey, ctx), read.write(readKey, ctx)]);

    await Promise.all([write.activate(ctx), read.activate(ctx)]);
    await write.activate(ctx);

    expect(newDeployments()).toHaveLength(1);
    expect(fake.liveValue("MGA_API_KEY")).toBe(writeKey.reveal());
    expect(fake.liveValue("MGA_READ_KEY")).toBe(readKey.reveal());
  });

  it("deploys again in the same round when a write came after the round's deployment was made", async () => {
    const { fake } = testbed;
    const first = testbed.destination();
    const second = testbed.destination({ key: "MGA_READ_KEY" });
    const [a, b] = [new SecretValue(mgaKey("a")), new SecretValue(mgaKey("b"))];
    const ctx = roundContext();

    await first.write(a, ctx);
    await first.activate(ctx);
    await second.write(b, ctx);
    await second.activate(ctx);

    expect(newDeployments()).toHaveLength(2);
    expect(fake.liveValue("MGA_API_KEY")).toBe(a.reveal());
    expect(fake.liveValue("MGA_READ_KEY")).toBe(b.reveal());
  });

  it("rolls two destinations back with one deployment: restores share it, the engine's activate then has nothing to do", async () => {
    const { fake } = testbed;
    const oldRead = mgaKey("old-read");
    fake.seedEnv("MGA_READ_KEY", oldRead, ["production"]);
    const [write, read] = [testbed.destination(), testbed.destination({ key: "MGA_READ_KEY" })];
    const deploy = roundContext();
    await Promise.all([write.write(new SecretValue(mgaKey("w")), deploy), read.write(new SecretValue(mgaKey("r")), deploy)]);
    await Promise.all([write.activate(deploy), read.activate(deploy)]);

    // As the engine rolls back: every restore, then every activate, all in the rollback round.
    const rollback = roundContext("rollback");
    await Promise.all([
      write.restore({ kind: "value", value: new SecretValue(old) }, rollback),
      read.restore({ kind: "value", value: new SecretValue(oldRead) }, rollback),
    ]);
    const afterRestore = [fake.liveValue("MGA_API_KEY"), fake.liveValue("MGA_READ_KEY")];
    await Promise.all([write.activate(rollback), read.activate(rollback)]);

    expect(afterRestore).toEqual([old, oldRead]);
    expect(newDeployments()).toHaveLength(2);
  });

  it("makes no deployment with redeploy: false", async () => {
    const { fake } = testbed;
    const destination = testbed.destination({ redeploy: false });
    const ctx = roundContext();

    await destination.write(new SecretValue(mgaKey("new")), ctx);
    await destination.activate(ctx);

    expect(destination.capabilities.needsRedeploy).toBe(false);
    expect(newDeployments()).toEqual([]);
    expect(fake.liveValue("MGA_API_KEY")).toBe(old);
  });

  it("says how to fix a project with no READY production deployment to redeploy", async () => {
    const { fake } = testbed;
    fake.seedProject({ id: "prj_new", name: "new-app", deployed: false });
    const destination = testbed.destination({ project: "prj_new" });
    const ctx = roundContext();
    await destination.write(new SecretValue(mgaKey("new")), ctx);

    const error = await failure(destination.activate(ctx));

    expect(error).toBeInstanceOf(DestinationError);
    expect(error.message).toContain("no READY production deployment");
    expect(error.message).toContain("redeploy: false");
  });

  // The UNCONFIRMED point (README): if a redeploy by deploymentId kept the original deployment's env,
  // activate would succeed and confirm would say "confirmed" while production serves the old key.
  // Nothing the destination can read tells them apart; the engine's revoke guard must catch it.
  it("cannot see it when a redeploy keeps the original env (the spec text's reading)", async () => {
    await testbed.close();
    testbed = await startTestbed({ redeployInheritsEnv: true });
    testbed.fake.seedEnv("MGA_API_KEY", old, ["production"]);
    testbed.fake.deploy();
    const destination = testbed.destination();
    const fresh = new SecretValue(mgaKey("new"));
    const ctx = roundContext();

    await destination.write(fresh, ctx);
    await destination.activate(ctx);

    expect(await destination.confirm(fresh.fingerprint, ctx)).toBe("confirmed");
    expect(testbed.fake.liveValue("MGA_API_KEY")).toBe(old);
  });
});
