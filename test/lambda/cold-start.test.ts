// A Lambda cold start evaluates only what the config uses. The bundle is rebuilt from the shipped
// options with a marker appended to every module of each watched SDK and provider adapter (see
// bench/bundle-variants.ts); a fresh process imports it and runs a rotation, then reports which markers
// fired. Two controls keep the proof honest: the eager variant fires every marker, and a config with
// an AWS destination fires exactly the AWS ones.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildLambdaVariant } from "../../bench/bundle-variants.js";
import { invokeBundle, isolateBundle } from "../../bench/invoke.js";
import { startLambdaWorld, type LambdaWorld } from "./world.js";

let lazy: string;
let eager: string;
/** Every marker the builds put in: the watched SDKs and providers the bundle contains. */
let injected: string[];
let world: LambdaWorld | undefined;

beforeAll(async () => {
  const [lazyBuilt, eagerBuilt] = await Promise.all([
    buildLambdaVariant({ outfile: join(await scratch(), "lambda.mjs"), markers: true }),
    buildLambdaVariant({ outfile: join(await scratch(), "lambda.mjs"), markers: true, eager: true }),
  ]);
  injected = eagerBuilt.markers;
  [lazy, eager] = await Promise.all([isolateBundle(lazyBuilt.path), isolateBundle(eagerBuilt.path)]);
  await Promise.all([lazyBuilt, eagerBuilt].map((b) => rm(dirname(b.path), { recursive: true, force: true })));
}, 60_000);
afterAll(() => Promise.all([lazy, eager].map((b) => rm(dirname(b), { recursive: true, force: true }))));
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const scratch = () => mkdtemp(join(tmpdir(), "key-rotator-variant-"));

describe("cold start", () => {
  it("evaluates no cloud SDK and no other destination when the config has only a .env file", async () => {
    world = await startLambdaWorld();

    const run = await invokeBundle({ bundle: lazy, env: { ...world.env, KEY_ROTATOR_CONFIG_JSON: JSON.stringify(world.config) }, events: [{}] });

    expect(run.report?.invocations.map((i) => i.ok && i.result.outcomes[0]?.action)).toEqual(["succeeded"]);
    expect(run.report?.evaluated).toEqual([]);
    expect(injected).toEqual(expect.arrayContaining(["@aws-sdk/client-secrets-manager", "@google-cloud/secret-manager", "@azure/identity", "provider:vercel", "provider:railway"]));
  });

  it("control: the eager variant evaluates every watched SDK and provider on import", async () => {
    const run = await invokeBundle({ bundle: eager });

    expect(run.code, run.stderr).toBe(0);
    expect([...run.report!.evaluated].sort()).toEqual(injected);
  });

  it("control: an AWS destination evaluates the AWS SDK and adapter, and nothing of GCP or Azure", async () => {
    world = await startLambdaWorld({ only: ["dotenv", "aws-secrets-manager"] });

    const run = await invokeBundle({ bundle: lazy, env: { ...world.env, KEY_ROTATOR_CONFIG_JSON: JSON.stringify(world.config) }, events: [{}] });

    expect(run.report?.invocations.map((i) => i.ok && i.result.outcomes[0]?.action)).toEqual(["succeeded"]);
    expect([...run.report!.evaluated].sort()).toEqual(["@aws-sdk/client-secrets-manager", "provider:aws-secrets-manager"]);
  });
});
