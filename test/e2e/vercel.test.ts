// End to end with Vercel (its REST fake on 127.0.0.1, our client, a token from the environment) and a
// .env file, through the real engine. The Vercel consumer is the app: it reads the LIVE production
// deployment, which changes only when a redeploy is READY and aliased. Deployments move on the
// recording clock the destination polls with, so a "3 s" timeout costs a few HTTP round trips.
import { describe, expect, it } from "vitest";
import { startVercelPart, VERCEL_SANDBOX, type PartWith, type VercelPartOptions } from "../../src/demo/parts.js";
import type { VercelFake } from "../../providers/vercel/fake.js";
import { expectRolledBack, expectRotated, worldPerTest } from "./support/world.js";

type Vercel = PartWith<VercelFake>;
const startOne = worldPerTest<Vercel>();

const start = (options: VercelPartOptions = {}) =>
  startOne({
    part: (input) => startVercelPart(input, { ...options, config: { deploymentTimeout: "3s", pollInterval: "150ms", ...options.config } }),
  });
const { key } = VERCEL_SANDBOX;

/** Deployments made through the API (the fake's own seeded ones are instant and have no source). */
const redeploys = (fake: VercelFake) => fake.deployments().filter((d) => d.sourceId !== undefined);

describe("vercel end to end", () => {
  it("rotates: every target holds the new key and the live production deployment serves it", async () => {
    const w = await start();

    const { outcome, report } = await w.sampledTick();

    const fresh = await expectRotated(w, outcome, report);
    expect(w.part.fake.envValue(key, "production")).toBe(fresh);
    expect(w.part.fake.envValue(key, "preview")).toBe(fresh);
    expect(redeploys(w.part.fake).map((d) => d.state)).toEqual(["READY"]);
    // The sampler saw the old key served until the redeploy went live, then the new one.
    expect(w.clock.sleeps.length).toBeGreaterThan(2);
  });

  const denyEdits = (fake: VercelFake) =>
    fake.fault("env.edit", { status: 403, times: Infinity, body: { error: { code: "forbidden", message: "Not authorized" } } });

  it("rolls back when editing the variable is denied for good (403)", async () => {
    const w = await start();
    denyEdits(w.part.fake);

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.code).toBe("ACCESS_DENIED");
  });

  it.each(["ERROR", "CANCELED"] as const)("rolls back when the redeploy ends %s: production never serves the new key", async (state) => {
    const w = await start();
    w.part.fake.failNextDeployment(state);

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.message).toContain(`ended ${state}`);
    expect(w.part.fake.envValue(key, "production")).toBe(w.original.secret);
    expect(redeploys(w.part.fake).map((d) => d.state)).toEqual([state, "READY"]);
  });

  it("rolls back when the redeploy never finishes (timeout), and deletes it so it cannot go live later", async () => {
    const w = await start();
    w.part.fake.failNextDeployment("hang");

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.message).toMatch(/was not live after 3s/);
    expect(redeploys(w.part.fake).map((d) => d.state)).toEqual(["DELETED", "READY"]);
  });

  it("rolls back when the confirm reads another value back (the variable changed after the redeploy)", async () => {
    const w = await start();
    w.at("after:dest-activated", () => void w.part.fake.seedEnv(key, w.original.secret, ["production", "preview"]));

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.message).toMatch(/does not hold the new key/);
  });

  it("rolls back a failed health check: the old key is written back and redeployed", async () => {
    const w = await start();
    w.mga.fault("sendMessage", { status: 500 });

    const { outcome, report } = await w.sampledTick();

    await expectRolledBack(w, outcome, report);
    expect(w.part.fake.envValue(key, "production")).toBe(w.original.secret);
    expect(redeploys(w.part.fake).map((d) => d.state)).toEqual(["READY", "READY"]);
  });

  // The rollback's own redeploy fails: production still serves the NEW key, so the engine must keep it
  // valid (invariant 2) and finish the rollback on the next run. With `state.sealKey` the old value is
  // in the journal; without it, the next run must find it where the destinations hold it.
  //
  it.each([
    ["with a seal key", true],
    ["without a seal key", false],
  ])("keeps the new key valid while a rollback's redeploy fails, and the next run finishes the rollback (%s)", async (_name, seal) => {
    const w = await startOne({
      part: (input) => startVercelPart(input, { config: { deploymentTimeout: "3s", pollInterval: "150ms" } }),
      seal,
    });
    w.mga.fault("sendMessage", { status: 500 });
    w.at("after:dest-activated", () => w.part.fake.failNextDeployment("ERROR")); // the rollback's redeploy

    const first = await w.sampledTick();

    expect(first.outcome.action).toBe("failed");
    expect(first.report.invalid).toEqual([]);
    const live = await w.part.consumerValue();
    expect(live).not.toBe(w.original.secret);
    expect(w.mga.isValid(live!), "the key production serves is kept valid").toBe(true);

    const second = await w.sampledTick();

    await expectRolledBack(w, second.outcome, second.report);
  });

  describe("a sensitive (write-only) variable", () => {
    it("rotates, though the value can never be read back", async () => {
      const w = await start({ envType: "sensitive" });

      const { outcome, report } = await w.sampledTick();

      const fresh = await expectRotated(w, outcome, report);
      expect(w.part.fake.envRecords(key).map((r) => r.type)).toEqual(["sensitive"]);
      expect(w.part.fake.envValue(key, "production")).toBe(fresh);
    });

    it("rolls back with the old key the readable destinations agree on (the .env file)", async () => {
      const w = await start({ envType: "sensitive" });
      w.mga.fault("sendMessage", { status: 500 });

      const { outcome, report } = await w.sampledTick();

      await expectRolledBack(w, outcome, report);
      expect(w.part.fake.envValue(key, "production")).toBe(w.original.secret);
      expect(w.part.fake.envRecords(key).map((r) => r.type)).toEqual(["sensitive"]);
    });

    it("rolls back a failed redeploy with the old key from the .env file", async () => {
      const w = await start({ envType: "sensitive" });
      w.part.fake.failNextDeployment("ERROR");

      const { outcome, report } = await w.sampledTick();

      await expectRolledBack(w, outcome, report);
      expect(w.part.fake.envValue(key, "preview")).toBe(w.original.secret);
    });
  });
});
