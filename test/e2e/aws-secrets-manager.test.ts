// End to end with AWS Secrets Manager (its fake on 127.0.0.1, the real @aws-sdk client) and a .env
// file, through the real engine: a rotation, a failure at each step the destination has, a failed
// health check, each checked against the invariants while every consumer is sampled.
import { describe, expect, it } from "vitest";
import { AWS_SANDBOX, startAwsPart, type PartWith } from "../../src/demo/parts.js";
import type { AwsSecretsManagerFake } from "../../providers/aws-secrets-manager/fake.js";
import { expectRolledBack, expectRotated, worldPerTest } from "./support/world.js";

type Aws = PartWith<AwsSecretsManagerFake>;
const startOne = worldPerTest<Aws>();

const start = () => startOne({ part: (input) => startAwsPart(input) });
const secretId = AWS_SANDBOX.secretId;

describe("aws-secrets-manager end to end", () => {
  it("rotates: AWSCURRENT holds the new key, the old key is revoked", async () => {
    const w = await start();

    const { outcome, report } = await w.sampledTick();

    const fresh = await expectRotated(w, outcome, report);
    const versions = w.part.fake.versions(secretId);
    expect(versions.find((v) => v.stages.includes("AWSCURRENT"))?.value).toBe(fresh);
    expect(versions.find((v) => v.stages.includes("AWSPREVIOUS"))?.value).toBe(w.original.secret);
    expect(versions.flatMap((v) => v.stages)).not.toContain("AWSPENDING");
  });

  it("rolls back when the write is denied for good (PutSecretValue)", async () => {
    const w = await start();
    w.part.fake.deny("PutSecretValue");

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.code).toBe("ACCESS_DENIED");
    expect(w.part.fake.versions(secretId)).toHaveLength(1);
  });

  it("rolls back when the activation (moving AWSCURRENT) is refused", async () => {
    const w = await start();
    w.part.fake.fault("UpdateSecretVersionStage", { error: "InvalidRequestException", message: "refused", times: 1 });

    const { outcome, report } = await w.sampledTick();

    await expectRolledBack(w, outcome, report);
    expect(w.part.fake.versions(secretId).flatMap((v) => v.stages)).not.toContain("AWSPENDING");
  });

  it("rolls back when activation is denied for good, once the denial is lifted: the new key stays valid meanwhile", async () => {
    const w = await start();
    w.part.fake.deny("UpdateSecretVersionStage");

    const first = await w.sampledTick();

    // Restoring needs UpdateSecretVersionStage too (to drop AWSPENDING): the rollback cannot finish,
    // so the engine keeps the new key valid and the rotation in flight (rollback.ts), never an invalid key.
    expect(first.outcome.action).toBe("failed");
    expect(first.report.invalid).toEqual([]);
    expect(await w.consumerValues()).toEqual([w.original.secret, w.original.secret]);
    expect(w.mga.isValid(w.original.secret)).toBe(true);

    w.part.fake.allow();
    const second = await w.sampledTick();

    await expectRolledBack(w, second.outcome, second.report);
  });

  it("rolls back when the confirm reads another value back (someone changed AWSCURRENT)", async () => {
    const w = await start();
    // Between activate and confirm, an operator puts the old key back as a new AWSCURRENT version.
    w.at("after:dest-activated", () => w.part.fake.seed(secretId, w.original.secret));

    const { outcome, report } = await w.sampledTick();

    const entry = await expectRolledBack(w, outcome, report);
    expect(entry.error?.message).toMatch(/does not hold the new key/);
  });

  it("rolls back a failed health check: AWSCURRENT moves back to the old version", async () => {
    const w = await start();
    w.mga.fault("sendMessage", { status: 500 });

    const { outcome, report } = await w.sampledTick();

    await expectRolledBack(w, outcome, report);
    const current = w.part.fake.versions(secretId).find((v) => v.stages.includes("AWSCURRENT"));
    expect(current?.value).toBe(w.original.secret);
  });

  it("rotates through throttling (a ThrottlingException on the write)", async () => {
    const w = await start();
    w.part.fake.fault("PutSecretValue", { error: "ThrottlingException", times: 1 });

    const { outcome, report } = await w.sampledTick();

    await expectRotated(w, outcome, report);
  });
});
