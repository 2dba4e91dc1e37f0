// The built Lambda bundle (dist/lambda.mjs), copied ALONE into a fresh directory outside the repository
// and run by fresh `node` processes: proof that the single file is the whole deployment (no
// node_modules), and that at-least-once delivery (duplicate invocations, racing or repeated) rotates a
// key exactly once.
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { invokeBundle, isolateBundle, startBundle, type ChildRun, type Invocation } from "../../bench/invoke.js";
import { assertNoSecretIn } from "../support/invariants.js";
import { KEY_ID, startLambdaWorld, type LambdaWorld } from "./world.js";

const DIST_BUNDLE = fileURLToPath(new URL("../../dist/lambda.mjs", import.meta.url));

let bundle: string;
let world: LambdaWorld | undefined;

beforeAll(async () => {
  // Copied at once: the suite's global setup built it, and a later build elsewhere must not change it under us.
  bundle = await isolateBundle(DIST_BUNDLE);
});
afterAll(() => rm(dirname(bundle), { recursive: true, force: true }));
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function actionsOf(run: ChildRun): string[] {
  return (run.report?.invocations ?? []).map((i) => (i.ok ? i.result.outcomes.map((o) => o.action).join(",") : `threw ${i.error.name}`));
}

function assertNoLeaks(world: LambdaWorld, ...runs: ChildRun[]): void {
  assertNoSecretIn(world.secrets(), Object.fromEntries(runs.flatMap((r, i) => [[`stdout ${i}`, r.stdout], [`stderr ${i}`, r.stderr]])));
}

describe("the bundle, alone in a directory", () => {
  it("rotates a key with a config beside it, then finds nothing due in the same container", async () => {
    world = await startLambdaWorld();
    await world.writeConfig(join(dirname(bundle), "key-rotator.json"));

    const run = await invokeBundle({ bundle, env: { ...world.env, KEY_ROTATOR_CONFIG: "key-rotator.json" }, events: [{}, {}] });

    expect(run.code, run.stderr).toBe(0);
    expect(actionsOf(run)).toEqual(["succeeded", "not-due"]);
    const [created] = world.createdKeys();
    expect((await world.consumerValues()).dotenv?.startsWith(created!.prefix)).toBe(true);
    expect(run.stderr.split("\n").filter(Boolean).every((line) => JSON.parse(line) as unknown)).toBe(true);
    assertNoLeaks(world, run);
  });

  it("takes the config from KEY_ROTATOR_CONFIG_JSON and the input as a JSON string", async () => {
    world = await startLambdaWorld({ secondKey: true });
    const env = { ...world.env, KEY_ROTATOR_CONFIG_JSON: JSON.stringify(world.config) };

    const run = await invokeBundle({ bundle, env, events: [JSON.stringify({ keys: [KEY_ID] }), ""] });

    expect(actionsOf(run)).toEqual(["succeeded", "not-due,succeeded"]);
  });

  it("throws a RotationFailedError after rolling back, and a LambdaInputError for bad input", async () => {
    world = await startLambdaWorld();
    world.sandbox.mga.fault("sendMessage", { status: 500 });

    const run = await invokeBundle({ bundle, env: { ...world.env, KEY_ROTATOR_CONFIG_JSON: JSON.stringify(world.config) }, events: [{}, { force: 1 }] });

    const [failed, refused] = run.report!.invocations as [Invocation, Invocation];
    expect(failed).toMatchObject({ ok: false, error: { name: "RotationFailedError", code: "ROTATION_FAILED" } });
    expect(refused).toMatchObject({ ok: false, error: { name: "LambdaInputError", code: "INPUT_INVALID" } });
    expect((await world.consumerValues()).dotenv).toBe(world.sandbox.original.secret);
    expect(world.sandbox.mga.isValid(world.sandbox.original.secret)).toBe(true);
    assertNoLeaks(world, run);
  });

  it("deploys to every destination type the sandbox has, with no node_modules", async () => {
    world = await startLambdaWorld({ only: ["dotenv", "aws-secrets-manager", "gcp-secret-manager", "azure-key-vault", "vercel", "railway"] });
    const env = { ...world.env, KEY_ROTATOR_CONFIG_JSON: JSON.stringify(world.config) };

    const run = await invokeBundle({ bundle, env, events: [{}] });

    expect(actionsOf(run), run.stderr.slice(-2000)).toEqual(["succeeded"]);
    const [created] = world.createdKeys();
    const values = await world.consumerValues();
    expect(Object.keys(values).sort()).toEqual(["aws-secrets-manager", "azure-key-vault", "dotenv", "gcp-secret-manager", "railway", "vercel"]);
    expect(Object.entries(values).filter(([, value]) => !value?.startsWith(created!.prefix))).toEqual([]);
    assertNoLeaks(world, run);
  });
});

describe("at-least-once delivery", () => {
  it("rotates once when two invocations race on the same key in two processes", async () => {
    world = await startLambdaWorld();
    // A slow create keeps the winner inside its lock while the other one arrives.
    world.sandbox.mga.fault("createKey", { latencyMs: 300 });
    const env = { ...world.env, KEY_ROTATOR_CONFIG_JSON: JSON.stringify(world.config) };
    const children = [startBundle({ bundle, env, events: [{}], waitForGo: true }), startBundle({ bundle, env, events: [{}], waitForGo: true })];
    await Promise.all(children.map((c) => c.ready));

    for (const child of children) child.release();
    const runs = await Promise.all(children.map((c) => c.done));

    const actions = runs.flatMap(actionsOf).sort();
    expect(actions[1]).toBe("succeeded");
    expect(["locked", "not-due"]).toContain(actions[0]);
    expect(world.createdKeys()).toHaveLength(1);
    expect(world.sandbox.mga.requests.filter((r) => r.endpoint === "createKey")).toHaveLength(1);
    expect(runs.every((r) => r.code === 0)).toBe(true);

    const repeated = await invokeBundle({ bundle, env, events: [{}] });

    expect(actionsOf(repeated)).toEqual(["not-due"]);
    expect(world.createdKeys()).toHaveLength(1);
    expect((await world.consumerValues()).dotenv?.startsWith(world.createdKeys()[0]!.prefix)).toBe(true);
  });
});
