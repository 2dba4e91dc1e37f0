// End to end with GCP Secret Manager (its REST fake on 127.0.0.1, the real @google-cloud client over
// its REST fallback, an access token from the environment) and a .env file, through the real engine.
// GCP has no activate step (`latest` follows the newest version): write, confirm and the health check
// are the steps that can fail.
import { describe, expect, it } from "vitest";
import { startGcpPart, type PartWith } from "../../src/demo/parts.js";
import { FAULTS, type GcpSecretManagerFake } from "../../providers/gcp-secret-manager/fake.js";
import { expectRolledBack, expectRotated, worldPerTest } from "./support/world.js";

type Gcp = PartWith<GcpSecretManagerFake>;
const startOne = worldPerTest<Gcp>();

const start = () => startOne({ part: (input) => startGcpPart(input) });

describe("gcp-secret-manager end to end", () => {
  it("rotates: `latest` holds the new key, the old key is revoked", async () => {
    const w = await start();

    const { outcome, report } = await w.sampledTick();

    const fresh = await expectRotated(w, outcome, report);
    const versions = w.part.fake.versions();
    expect(versions.map((v) => v.value)).toEqual([w.original.secret, fresh]);
  });

  it("rolls back when adding a version is denied for good", async () => {
    const w = await start();
    w.part.fake.failNext("addVersion", FAULTS.denied, Infinity);

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.code).toBe("ACCESS_DENIED");
    expect(w.part.fake.versions()).toHaveLength(1);
  });

  it("rotates through a transient failure of the write (503 once)", async () => {
    const w = await start();
    w.part.fake.failNext("addVersion", FAULTS.unavailable, 1);

    const { outcome, report } = await w.sampledTick();

    await expectRotated(w, outcome, report);
    expect(w.part.fake.versions()).toHaveLength(2);
  });

  it("rolls back when the confirm reads another value back (a newer version was added)", async () => {
    const w = await start();
    w.at("after:dest-activated", () => w.part.fake.seed(w.original.secret));

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.message).toMatch(/does not hold the new key/);
  });

  it("rolls back a failed health check: the old value is the newest version again, ours disabled", async () => {
    const w = await start();
    w.mga.fault("sendMessage", { status: 500 });

    const { outcome, report } = await w.sampledTick();

    await expectRolledBack(w, outcome, report);
    const versions = w.part.fake.versions();
    expect(versions.at(-1)?.value).toBe(w.original.secret);
    expect(versions.filter((v) => v.state === "ENABLED" && v.value !== w.original.secret)).toEqual([]);
  });
});
