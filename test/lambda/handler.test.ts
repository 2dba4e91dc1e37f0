// The Lambda handler from source, in this process, against the demo sandbox (fake MGA + a real .env
// file): what it returns, when it throws, how its input narrows or forces a run, and where its config
// comes from. The built bundle is exercised in bundle.test.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { createHandler, LambdaInputError, RotationFailedError, type HandlerOptions } from "../../src/lambda.js";
import { assertNoSecretIn } from "../support/invariants.js";
import { captureLog, type CapturedLog } from "../support/recording.js";
import { KEY_ID, SECOND_KEY_ID, startLambdaWorld, type LambdaWorld } from "./world.js";

let world: LambdaWorld | undefined;
let logs: CapturedLog;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function setUp(options: Parameters<typeof startLambdaWorld>[0] = {}, handlerOptions: HandlerOptions = {}) {
  world = await startLambdaWorld(options);
  logs = captureLog("debug");
  const env = { ...world.env, KEY_ROTATOR_CONFIG_JSON: JSON.stringify(world.config), ...handlerOptions.env };
  return { world, handler: createHandler({ log: logs.log, ...handlerOptions, env }) };
}

describe("handler: a scheduled invocation", () => {
  it("rotates a due key and answers a summary per key", async () => {
    const { world, handler } = await setUp();

    const result = await handler({}, { awsRequestId: "req-1" });

    const created = world.createdKeys();
    expect(created).toHaveLength(1);
    expect(result).toEqual({
      ok: true,
      outcomes: [
        {
          keyId: KEY_ID,
          action: "succeeded",
          rotationId: expect.stringMatching(/^rot-/),
          newKey: { id: created[0]!.id, prefix: created[0]!.prefix, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) },
          revoked: [world.sandbox.original.id],
        },
      ],
    });
    const { dotenv } = await world.consumerValues();
    expect(dotenv?.startsWith(created[0]!.prefix)).toBe(true);
    expect(world.sandbox.mga.isValid(world.sandbox.original.secret)).toBe(false);
    expect(logs.records().some((r) => r.awsRequestId === "req-1")).toBe(true);
    assertNoSecretIn(world.secrets(), { logs: logs.lines.join("\n"), result: JSON.stringify(result) });
  });

  it("answers not-due, touching nothing, when invoked again after a success (at-least-once delivery)", async () => {
    const { world, handler } = await setUp();
    await handler({});
    const value = (await world.consumerValues()).dotenv;

    const again = await handler({});

    expect(again).toEqual({ ok: true, outcomes: [{ keyId: KEY_ID, action: "not-due", nextDueAt: expect.any(String) }] });
    expect(world.createdKeys()).toHaveLength(1);
    expect((await world.consumerValues()).dotenv).toBe(value);
  });

  it("rotates a key that is not due with force", async () => {
    const { world, handler } = await setUp();
    await handler({});

    const forced = await handler({ force: true });

    expect(forced.outcomes.map((o) => o.action)).toEqual(["succeeded"]);
    expect(world.createdKeys()).toHaveLength(2);
  });

  it("revokes at once in an emergency, where a normal run waits out the grace period", async () => {
    const { world, handler } = await setUp({ revokeAfter: "1h" });

    const normal = await handler({});
    const emergency = await handler({ emergency: true });

    expect(normal.outcomes.map((o) => o.action)).toEqual(["awaiting-grace"]);
    expect(emergency.outcomes.map((o) => o.action)).toEqual(["succeeded"]);
    expect(world.sandbox.mga.isValid(world.sandbox.original.secret)).toBe(false);
  });

  it("advances only the keys the input names", async () => {
    const { world, handler } = await setUp({ secondKey: true });

    const result = await handler({ keys: [SECOND_KEY_ID] });

    expect(result.outcomes.map((o) => [o.keyId, o.action])).toEqual([[SECOND_KEY_ID, "succeeded"]]);
    expect((await world.consumerValues()).dotenv).toBe(world.sandbox.original.secret);
    expect(await world.second!.value()).not.toBe(world.second!.secret);
  });

  it("refuses a key id the config does not have, before touching anything", async () => {
    const { world, handler } = await setUp();

    await expect(handler({ keys: ["nope"] })).rejects.toThrow(
      new LambdaInputError([`keys: unknown managed key id "nope"; the config has ${KEY_ID}`]),
    );
    expect(world.sandbox.mga.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("throws after rolling back a failed rotation, so the schedule's retry policy and DLQ see it", async () => {
    const { world, handler } = await setUp();
    world.sandbox.mga.fault("sendMessage", { status: 500 });

    const failure = await handler({}).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RotationFailedError);
    const error = failure as RotationFailedError;
    expect(error.code).toBe("ROTATION_FAILED");
    expect(error.message).toMatch(new RegExp(`^rotation failed for 1 of 1 key\\(s\\):\\n  ${KEY_ID}: rolled-back: `));
    expect(error.outcomes.map((o) => o.action)).toEqual(["rolled-back"]);
    expect((await world.consumerValues()).dotenv).toBe(world.sandbox.original.secret);
    expect(world.sandbox.mga.isValid(world.sandbox.original.secret)).toBe(true);
    expect(world.createdKeys().every((k) => k.revokedAt !== null)).toBe(true);
    assertNoSecretIn(world.secrets(), { logs: logs.lines.join("\n"), error: `${error.message}\n${JSON.stringify(error.outcomes)}` });
  });
});

describe("handler: where the config comes from", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("reads a relative KEY_ROTATOR_CONFIG from LAMBDA_TASK_ROOT, once per container", async () => {
    dir = await mkdtemp(join(tmpdir(), "key-rotator-task-root-"));
    world = await startLambdaWorld();
    const path = await world.writeConfig(join(dir, "key-rotator.json"));
    const handler = createHandler({ log: captureLog().log, env: { ...world.env, LAMBDA_TASK_ROOT: dir, KEY_ROTATOR_CONFIG: "key-rotator.json" } });

    const first = await handler({});
    await rm(path);
    const second = await handler({});

    expect(first.outcomes.map((o) => o.action)).toEqual(["succeeded"]);
    expect(second.outcomes.map((o) => o.action)).toEqual(["not-due"]);
  });

  it("reads a relative KEY_ROTATOR_CONFIG from the bundle's directory without LAMBDA_TASK_ROOT", async () => {
    dir = await mkdtemp(join(tmpdir(), "key-rotator-bundle-dir-"));
    world = await startLambdaWorld();
    await world.writeConfig(join(dir, "config.yaml"));
    const handler = createHandler({ log: captureLog().log, bundleDir: dir, env: { ...world.env, KEY_ROTATOR_CONFIG: "config.yaml" } });

    const result = await handler(undefined);

    expect(result.outcomes.map((o) => o.action)).toEqual(["succeeded"]);
  });

  it.each([
    ["neither variable", {}, /no config: set KEY_ROTATOR_CONFIG to a config file/],
    ["both variables", { KEY_ROTATOR_CONFIG: "a.yaml", KEY_ROTATOR_CONFIG_JSON: "{}" }, /KEY_ROTATOR_CONFIG_JSON and KEY_ROTATOR_CONFIG are both set/],
    ["a missing file", { KEY_ROTATOR_CONFIG: "/nonexistent/key-rotator.yaml" }, /\/nonexistent\/key-rotator.yaml: config file not found/],
    ["invalid JSON", { KEY_ROTATOR_CONFIG_JSON: '{"keys": [' }, /KEY_ROTATOR_CONFIG_JSON: line 1, column \d+: JSON syntax error/],
    ["an invalid config", { KEY_ROTATOR_CONFIG_JSON: '{"keys": []}' }, /KEY_ROTATOR_CONFIG_JSON: issuer: /],
  ])("refuses to start with %s, naming the problem", async (_name, env, message) => {
    const handler = createHandler({ log: captureLog().log, env });

    const error = await handler({}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it("opens the runtime again after a failed start, so a fixed config takes effect", async () => {
    world = await startLambdaWorld();
    const env: Record<string, string> = { ...world.env, KEY_ROTATOR_CONFIG_JSON: '{"keys": []}' };
    const handler = createHandler({ log: captureLog().log, env });
    await expect(handler({})).rejects.toBeInstanceOf(ConfigError);

    env.KEY_ROTATOR_CONFIG_JSON = JSON.stringify(world.config);
    const result = await handler({});

    expect(result.outcomes.map((o) => o.action)).toEqual(["succeeded"]);
  });
});

describe("handler: bad input", () => {
  it("refuses bad input before reading the config or touching anything", async () => {
    const handler = createHandler({ log: captureLog().log, env: {} });

    await expect(handler({ keys: "production-server" })).rejects.toThrow(/^invalid Lambda input:\n {2}keys: /);
    await expect(handler({ force: "yes" })).rejects.toBeInstanceOf(LambdaInputError);
  });
});
