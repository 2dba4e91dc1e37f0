// End to end with Azure Key Vault (its fake on 127.0.0.1 with the bearer challenge, the real
// @azure/keyvault-secrets client, an access token from the environment) and a .env file, through the
// real engine. Key Vault has no activate step (consumers read the newest version): write, confirm and
// the health check are the steps that can fail.
import { describe, expect, it } from "vitest";
import { AZURE_SANDBOX_SECRET, startAzurePart, type PartWith } from "../../src/demo/parts.js";
import type { AzureKeyVaultFake } from "../../providers/azure-key-vault/fake.js";
import { expectRolledBack, expectRotated, worldPerTest } from "./support/world.js";

type Azure = PartWith<AzureKeyVaultFake>;
const startOne = worldPerTest<Azure>();

const start = () => startOne({ part: (input) => startAzurePart(input) });
const name = AZURE_SANDBOX_SECRET;

describe("azure-key-vault end to end", () => {
  it("rotates: the newest version holds the new key, the old key is revoked", async () => {
    const w = await start();

    const { outcome, report } = await w.sampledTick();

    const fresh = await expectRotated(w, outcome, report);
    expect(w.part.fake.versions(name).map((v) => v.value)).toEqual([w.original.secret, fresh]);
  });

  it("rolls back when setting the secret is denied for good (RBAC)", async () => {
    const w = await start();
    w.part.fake.deny({ operations: ["set"], mode: "rbac" });

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.code).toBe("ACCESS_DENIED");
    expect(w.part.fake.versions(name)).toHaveLength(1);
  });

  it("rotates through throttling (429 with Retry-After: 0, once)", async () => {
    const w = await start();
    w.part.fake.throttle({ operations: ["set"], times: 1, retryAfterSeconds: 0 });

    const { outcome, report } = await w.sampledTick();

    await expectRotated(w, outcome, report);
  });

  it("rolls back when the confirm reads another value back (a newer version was added)", async () => {
    const w = await start();
    w.at("after:dest-activated", () => void w.part.fake.seed(name, w.original.secret));

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.message).toMatch(/does not hold the new key/);
  });

  it("rolls back a failed health check: the old value is written back as the newest version", async () => {
    const w = await start();
    w.mga.fault("sendMessage", { status: 500 });

    const { outcome, report } = await w.sampledTick();

    await expectRolledBack(w, outcome, report);
    const versions = w.part.fake.versions(name);
    expect(versions).toHaveLength(3);
    expect(versions.at(-1)?.value).toBe(w.original.secret);
  });
});
