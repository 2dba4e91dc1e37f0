// Building the client: the SDK loads on the first call, not when the destination is built (a Lambda
// whose config never reaches this destination never pays for it), and a client that cannot get
// credentials fails that call with an error that asks for a person, leaving no stray rejection.
// Its own file, so no other test has loaded the SDK into this process first.
import { createRequire } from "node:module";
import { afterEach, beforeEach, expect, it } from "vitest";
import { AuthenticationError, DestinationError } from "../../src/core/errors.js";
import { setup, type Setup } from "./test-support.js";

const sdkModules = () => Object.keys(createRequire(import.meta.url).cache).filter((path) => /google-gax|google-auth-library|@google-cloud/.test(path));

const saved = { ...process.env };
let world: Setup | undefined;
beforeEach(() => {
  // No application default credentials anywhere: no env file, no gcloud config, no metadata server.
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  process.env.CLOUDSDK_CONFIG = "/nonexistent/gcloud";
  process.env.METADATA_SERVER_DETECTION = "none";
});
afterEach(async () => {
  await world?.close();
  world = undefined;
  process.env = { ...saved };
});

it("loads the SDK on the first call, not when the destination is built", async () => {
  world = await setup({ credentials: { type: "service-account-file", keyFile: "/nonexistent/key.json" } });
  const loadedAtConstruction = sdkModules().length;

  const error = await world.destination.read().catch((e: unknown) => e);

  expect(loadedAtConstruction).toBe(0);
  expect(sdkModules().length).toBeGreaterThan(0);
  expect(error).toBeInstanceOf(DestinationError);
  expect((error as DestinationError).retryable).toBe(false);
  expect((error as Error).message).toContain("/nonexistent/key.json");
});

it("fails without application default credentials with an AuthenticationError, and tries again on the next call", async () => {
  world = await setup({ credentials: undefined });

  const first = await world.destination.read().catch((e: unknown) => e);
  const second = await world.destination.read().catch((e: unknown) => e);

  expect(first).toBeInstanceOf(AuthenticationError);
  expect(second).toBeInstanceOf(AuthenticationError);
  expect(second).not.toBe(first); // built again, not a cached failure
  expect(world.fake.requests).toHaveLength(0);
});
