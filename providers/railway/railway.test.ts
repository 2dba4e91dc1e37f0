// The Railway adapter against the fake: write with skipDeploys, one deployment per round, waiting for
// it, deployment failures, `${{ }}` references, shared variables.
import { afterEach, describe, expect, it } from "vitest";
import { DestinationError } from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { upsertVariable } from "./documents.js";
import { key, OTHER_SERVICE, type RailwaySetup, roundContext, SERVICE, setupRailway, VARIABLE } from "./test-support.js";

let setup: RailwaySetup | undefined;
async function start(...args: Parameters<typeof setupRailway>): Promise<RailwaySetup> {
  setup = await setupRailway(...args);
  return setup;
}
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

const apiDeployments = (s: RailwaySetup) => s.fake.deployments().filter((d) => d.trigger !== "seed");

describe("railway destination", () => {
  it("writes with skipDeploys, deploys once, waits for SUCCESS, and the live deployment serves the new key", async () => {
    const s = await start();
    s.fake.seedVariable(VARIABLE, key("old"), { serviceId: SERVICE });
    const fresh = new SecretValue(key("new"));
    const ctx = roundContext();

    await s.destination.write(fresh, ctx);
    await s.destination.activate(ctx);

    expect(s.fake.liveValue(SERVICE, VARIABLE)).toBe(fresh.reveal());
    expect(apiDeployments(s)).toEqual([expect.objectContaining({ serviceId: SERVICE, status: "SUCCESS", trigger: "api" })]);
    expect(s.fake.requests.filter((r) => r.fields.includes("deployment")).length).toBeGreaterThan(1);
    expect(await s.destination.confirm(fresh.fingerprint, ctx)).toBe("confirmed");
  });

  it("sends skipDeploys: true, so a write alone deploys nothing", async () => {
    const s = await start();
    const old = key("old");
    s.fake.seedVariable(VARIABLE, old, { serviceId: SERVICE });

    await s.destination.write(new SecretValue(key("new")), roundContext());

    expect(s.fake.documents).toContain(upsertVariable.query);
    expect(upsertVariable.query).toContain("skipDeploys: true");
    expect(apiDeployments(s)).toEqual([]);
    expect(s.fake.liveValue(SERVICE, VARIABLE)).toBe(old);
  });

  it("(control) the fake deploys by itself when an upsert omits skipDeploys, as Railway does", async () => {
    const s = await start();
    const query = upsertVariable.query.replace(", skipDeploys: true", "");

    const response = await fetch(s.fake.apiUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${s.fake.tokens.account}` },
      body: JSON.stringify({ query, variables: { projectId: s.fake.projectId, environmentId: s.fake.environmentId, serviceId: SERVICE, name: VARIABLE, value: "x" } }),
    });

    expect(await response.json()).toEqual({ data: { variableUpsert: true } });
    expect(apiDeployments(s)).toEqual([expect.objectContaining({ trigger: "variable-change" })]);
  });

  it.each([
    ["FAILED", /ended FAILED/],
    ["CRASHED", /ended CRASHED/],
    ["NEEDS_APPROVAL", /is NEEDS_APPROVAL: it waits for a person .* The rotator cancelled it/],
    ["WAITING", /is WAITING: it waits for a person .* The rotator cancelled it/],
  ] as const)("a %s deployment fails activation while the old deployment keeps serving", async (outcome, message) => {
    const s = await start();
    const old = key("old");
    s.fake.seedVariable(VARIABLE, old, { serviceId: SERVICE });
    const ctx = roundContext();
    await s.destination.write(new SecretValue(key("new")), ctx);
    s.fake.failNextDeployment(outcome);

    const error = await s.destination.activate(ctx).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(apiDeployments(s)[0]!.id);
    expect(s.fake.liveValue(SERVICE, VARIABLE)).toBe(old);
  });

  it("gives up on a hanging deployment at deploymentTimeout, naming it, and asks Railway to cancel it", async () => {
    const s = await start({ deploymentTimeout: "2m", pollInterval: "5s" });
    const old = key("old");
    s.fake.seedVariable(VARIABLE, old, { serviceId: SERVICE });
    const ctx = roundContext();
    await s.destination.write(new SecretValue(key("new")), ctx);
    s.fake.failNextDeployment("hang");
    const started = s.clock.nowMs();

    const error = await s.destination.activate(ctx).then(() => undefined, (e: unknown) => e);

    const [deployment] = apiDeployments(s);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toContain(`deployment ${deployment!.id}`);
    expect((error as Error).message).toContain("not live after 120s (last status DEPLOYING)");
    expect(s.clock.nowMs() - started).toBe(120_000);
    expect(deployment!.status).toBe("REMOVED");
    expect(s.fake.liveValue(SERVICE, VARIABLE)).toBe(old);
  });

  it("a failed round is retried for real when activated again", async () => {
    const s = await start();
    const fresh = new SecretValue(key("new"));
    const ctx = roundContext();
    await s.destination.write(fresh, ctx);
    s.fake.failNextDeployment("CRASHED");
    await expect(s.destination.activate(ctx)).rejects.toThrow(DestinationError);

    await s.destination.activate(ctx);

    expect(apiDeployments(s).map((d) => d.status)).toEqual(["CRASHED", "SUCCESS"]);
    expect(s.fake.liveValue(SERVICE, VARIABLE)).toBe(fresh.reveal());
  });

  it("keeps a ${{shared.X}} reference through write and restore", async () => {
    const s = await start();
    const old = key("old");
    s.fake.seedVariable(VARIABLE, old, { deploy: false });
    s.fake.seedVariable(VARIABLE, "${{ shared.MGA_API_KEY }}", { serviceId: SERVICE });
    const before = await s.destination.read();
    const ctx = roundContext();
    await s.destination.write(new SecretValue(key("new")), ctx);
    await s.destination.activate(ctx);

    await s.destination.restore(before, roundContext("rollback"));

    expect(before).toEqual({ kind: "value", value: new SecretValue("${{ shared.MGA_API_KEY }}") });
    expect(s.fake.variableValue(VARIABLE, SERVICE)).toBe("${{ shared.MGA_API_KEY }}");
    expect(s.fake.liveValue(SERVICE, VARIABLE)).toBe(old);
  });

  it("writes a shared variable and redeploys every service listed in redeployServices", async () => {
    const s = await start({ serviceId: undefined, redeployServices: [SERVICE, OTHER_SERVICE] });
    s.fake.seedVariable(VARIABLE, key("old"), { deploy: false });
    for (const service of [SERVICE, OTHER_SERVICE]) s.fake.seedVariable("KEY", "${{shared.MGA_API_KEY}}", { serviceId: service });
    const fresh = new SecretValue(key("new"));
    const ctx = roundContext();

    await s.destination.write(fresh, ctx);
    await s.destination.activate(ctx);

    expect(s.destination.id).toBe(`railway:${s.fake.projectId}/${s.fake.environmentId}/shared#${VARIABLE}`);
    expect(s.fake.variableValue(VARIABLE)).toBe(fresh.reveal());
    expect(s.fake.variableValue(VARIABLE, SERVICE)).toBeUndefined();
    expect(apiDeployments(s).map((d) => d.serviceId).sort()).toEqual([SERVICE, OTHER_SERVICE]);
    expect([s.fake.liveValue(SERVICE, "KEY"), s.fake.liveValue(OTHER_SERVICE, "KEY")]).toEqual([fresh.reveal(), fresh.reveal()]);
  });

  it("two destinations on one service share a single deployment per round", async () => {
    const s = await start();
    const copy = s.another({ variable: "MGA_API_KEY_COPY" });
    const fresh = new SecretValue(key("new"));
    const ctx = roundContext();
    await Promise.all([s.destination.write(fresh, ctx), copy.write(fresh, ctx)]);

    await Promise.all([s.destination.activate(ctx), copy.activate(ctx)]);
    await copy.activate(ctx);

    expect(apiDeployments(s)).toHaveLength(1);
    expect(s.fake.liveValue(SERVICE, "MGA_API_KEY")).toBe(fresh.reveal());
    expect(s.fake.liveValue(SERVICE, "MGA_API_KEY_COPY")).toBe(fresh.reveal());
  });

  it("deploys again in the same round when a write landed after the round's deployment", async () => {
    const s = await start();
    const copy = s.another({ variable: "MGA_API_KEY_COPY" });
    const fresh = new SecretValue(key("new"));
    const ctx = roundContext();
    await s.destination.write(fresh, ctx);
    await s.destination.activate(ctx);

    await copy.write(fresh, ctx);
    await copy.activate(ctx);

    expect(apiDeployments(s)).toHaveLength(2);
    expect(s.fake.liveValue(SERVICE, "MGA_API_KEY_COPY")).toBe(fresh.reveal());
  });

  it("restores an absent variable by deleting it, and skips the delete when it is already gone", async () => {
    const s = await start();
    const before = await s.destination.read();
    const ctx = roundContext();
    await s.destination.write(new SecretValue(key("new")), ctx);
    await s.destination.activate(ctx);

    await s.destination.restore(before, roundContext("rollback"));
    await s.destination.restore(before, roundContext("rollback"));

    expect(before).toEqual({ kind: "absent" });
    expect(s.fake.variableValue(VARIABLE, SERVICE)).toBeUndefined();
    expect(s.fake.liveValue(SERVICE, VARIABLE)).toBeUndefined();
    expect(s.fake.requests.filter((r) => r.fields.includes("variableDelete"))).toHaveLength(1);
  });

  it("with redeploy: false, activation deploys nothing and the capability says so", async () => {
    const s = await start({ redeploy: false });
    const ctx = roundContext();
    await s.destination.write(new SecretValue(key("new")), ctx);

    await s.destination.activate(ctx);

    expect(s.destination.capabilities).toEqual({ readable: true, versioned: false, needsRedeploy: false, idempotencyToken: false });
    expect(apiDeployments(s)).toEqual([]);
  });

  it("never puts a value in logs, the fake's request log, or an error", async () => {
    const s = await start();
    const old = key("old");
    s.fake.seedVariable(VARIABLE, old, { serviceId: SERVICE });
    const fresh = new SecretValue(key("new"));
    const ctx = roundContext();
    s.fake.injectFault({ kind: "http-500" }, 1, "variableUpsert");
    await s.destination.write(fresh, ctx);
    s.fake.failNextDeployment("FAILED");
    const error = await s.destination.activate(ctx).then(() => undefined, (e: unknown) => e);
    await s.destination.restore({ kind: "value", value: new SecretValue(old) }, roundContext("rollback"));

    const everything = [...s.lines, JSON.stringify(s.fake.requests), ...s.fake.documents, String(error)].join("\n");

    expect(s.lines.some((line) => line.includes("retrying"))).toBe(true);
    expect(everything).not.toContain(fresh.reveal());
    expect(everything).not.toContain(old);
  });
});
