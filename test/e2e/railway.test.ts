// End to end with Railway (its GraphQL fake on 127.0.0.1, our client, a project token from the
// environment) and a .env file, through the real engine. The Railway consumer is the running service:
// it serves the variables of its latest SUCCESS deployment, which changes only when a deployment
// finishes. Deployments move on the recording clock the destination polls with.
import { describe, expect, it } from "vitest";
import { RAILWAY_SANDBOX, startRailwayPart, type PartWith, type RailwayPartOptions } from "../../src/demo/parts.js";
import type { SandboxPartInput } from "../../src/demo/parts.js";
import type { RailwayFake } from "../../providers/railway/fake.js";
import { expectRolledBack, expectRotated, worldPerTest, type WorldOptions } from "./support/world.js";

type Railway = PartWith<RailwayFake>;
const startOne = worldPerTest<Railway>();

const { service, otherService, variable } = RAILWAY_SANDBOX;
const REFERENCE = `\${{shared.${variable}}}`;

function partWith(options: RailwayPartOptions = {}) {
  return (input: SandboxPartInput) => startRailwayPart(input, { ...options, config: { deploymentTimeout: "3s", pollInterval: "150ms", ...options.config } });
}

const start = (options: RailwayPartOptions = {}, worldOptions: Partial<WorldOptions<Railway>> = {}) =>
  startOne({ part: partWith(options), ...worldOptions });

/** Deployments the rotator asked for (the fake's seeded ones are instant and marked "seed"). */
const apiDeployments = (fake: RailwayFake) => fake.deployments().filter((d) => d.trigger === "api");

describe("railway end to end", () => {
  it("rotates: the variable holds the new key and the live deployment serves it", async () => {
    const w = await start();

    const { outcome, report } = await w.sampledTick();

    const fresh = await expectRotated(w, outcome, report);
    expect(w.part.fake.variableValue(variable, service)).toBe(fresh);
    expect(apiDeployments(w.part.fake).map((d) => d.status)).toEqual(["SUCCESS"]);
    // Written with skipDeploys: Railway made no deployment of its own for the upsert.
    expect(w.part.fake.deployments().filter((d) => d.trigger === "variable-change")).toEqual([]);
  });

  const denyUpserts = (fake: RailwayFake) => fake.injectFault({ kind: "not-authorized" }, Number.MAX_SAFE_INTEGER, "variableUpsert");

  it("rolls back when the upsert is denied for good (Not Authorized)", async () => {
    const w = await start();
    denyUpserts(w.part.fake);

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.code).toBe("ACCESS_DENIED");
  });

  it.each(["FAILED", "CRASHED"] as const)(
    "rolls back when the deployment ends %s: the service never serves the new key",
    async (status) => {
      const w = await start();
      w.part.fake.failNextDeployment(status);

      const { outcome, report } = await w.sampledTick();

      await expectRolledBack(w, outcome, report);
      expect(w.part.fake.variableValue(variable, service)).toBe(w.original.secret);
      expect(apiDeployments(w.part.fake).map((d) => d.status)).toEqual([status, "SUCCESS"]);
    },
  );

  // A deployment waiting for a person is cancelled: approving it later must not put the revoked key live.
  it("cancels a deployment left waiting for approval, so approving it later cannot serve the revoked key", async () => {
    const w = await start();
    w.part.fake.failNextDeployment("NEEDS_APPROVAL");

    const { outcome } = await w.sampledTick();

    expect(outcome.action).toBe("rolled-back");
    expect(apiDeployments(w.part.fake).map((d) => d.status)).toEqual(["REMOVED", "SUCCESS"]);
  });

  it("rolls back when the deployment never finishes (timeout), and cancels it so it cannot go live later", async () => {
    const w = await start();
    w.part.fake.failNextDeployment("hang");

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.message).toMatch(/3s|timed out|not live/i);
    expect(apiDeployments(w.part.fake).map((d) => d.status)).toEqual(["REMOVED", "SUCCESS"]);
  });

  it("rolls back when the confirm reads another value back (the variable changed after the deployment)", async () => {
    const w = await start();
    w.at("after:dest-activated", () => w.part.fake.seedVariable(variable, w.original.secret, { serviceId: service, deploy: false }));

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.message).toMatch(/does not hold the new key/);
  });

  it("rolls back a failed health check: the old key is written back and deployed", async () => {
    const w = await start();
    w.mga.fault("sendMessage", { status: 500 });

    const { outcome, report } = await w.sampledTick();

    await expectRolledBack(w, outcome, report);
    expect(apiDeployments(w.part.fake).map((d) => d.status)).toEqual(["REMOVED", "SUCCESS"]);
  });

  // The rollback's own deployment fails: the service still serves the NEW key, so the engine must keep
  // it valid (invariant 2) and finish the rollback on the next run. With `state.sealKey` the old value
  // is in the journal; without it, the next run must find it where the destinations hold it.
  //
  it.each([
    ["with a seal key", true],
    ["without a seal key", false],
  ])("keeps the new key valid while a rollback's deployment fails, and the next run finishes the rollback (%s)", async (_name, seal) => {
    const w = await start({}, { seal });
    w.mga.fault("sendMessage", { status: 500 });
    w.at("after:dest-activated", () => w.part.fake.failNextDeployment("FAILED")); // the rollback's deployment

    const first = await w.sampledTick();

    expect(first.outcome.action).toBe("failed");
    expect(first.report.invalid).toEqual([]);
    const live = await w.part.consumerValue();
    expect(live).not.toBe(w.original.secret);
    expect(w.mga.isValid(live!), "the key the service serves is kept valid").toBe(true);

    const second = await w.sampledTick();

    await expectRolledBack(w, second.outcome, second.report);
  });

  describe("a shared variable referenced by two services (redeployServices)", () => {
    const shared = { scope: "shared" } as const;
    const bothServices = {
      extraConsumers: (part: Railway) => [{ label: `Railway ${otherService} (live)`, read: async () => part.fake.liveValue(otherService, variable) }],
    };

    it("rotates: both services redeploy and serve the new key; their references stay references", async () => {
      const w = await start(shared, bothServices);

      const { outcome, report } = await w.sampledTick();

      const fresh = await expectRotated(w, outcome, report);
      expect(w.part.fake.variableValue(variable)).toBe(fresh);
      expect(w.part.fake.variableValue(variable, service)).toBe(REFERENCE);
      expect(w.part.fake.variableValue(variable, otherService)).toBe(REFERENCE);
      expect(apiDeployments(w.part.fake).map((d) => [d.serviceId, d.status]).sort()).toEqual([
        [service, "SUCCESS"],
        [otherService, "SUCCESS"],
      ]);
    });

    it("rolls back when one service's deployment fails: both serve the old key again", async () => {
      const w = await start(shared, bothServices);
      w.part.fake.failNextDeployment("FAILED");

      const { outcome, report } = await w.sampledTick();

      await expectRolledBack(w, outcome, report);
      expect(w.part.fake.variableValue(variable)).toBe(w.original.secret);
      expect(w.part.fake.variableValue(variable, service)).toBe(REFERENCE);
      expect(w.part.fake.variableValue(variable, otherService)).toBe(REFERENCE);
    });
  });

  it("restores a `${{shared.X}}` reference as a reference on rollback, not as the key it rendered", async () => {
    const w = await start(
      {},
      {
        part: async (input) => {
          const part = await partWith()(input);
          // svc-api's variable is a reference to a shared variable that holds the key in use.
          part.fake.seedVariable(variable, input.currentKey, { deploy: false });
          part.fake.seedVariable(variable, REFERENCE, { serviceId: service });
          return part;
        },
      },
    );
    expect(w.part.fake.liveValue(service, variable)).toBe(w.original.secret);
    w.mga.fault("sendMessage", { status: 500 });

    const { outcome, report } = await w.sampledTick();

    await expectRolledBack(w, outcome, report);
    expect(w.part.fake.variableValue(variable, service)).toBe(REFERENCE);
    expect(w.part.fake.variableValue(variable)).toBe(w.original.secret);
  });
});
