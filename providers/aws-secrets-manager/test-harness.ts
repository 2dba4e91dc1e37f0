// Wiring for this provider's tests: the fake, and a destination on the real SDK client pointed at it,
// with the SDK's standard retry strategy kept but its delays cut to milliseconds, and a logger that
// keeps every line so tests can prove no value reaches the log. Not imported by the adapter.
import { Writable } from "node:stream";
import type { SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { pino } from "pino";
import { systemClock } from "../../src/core/clock.js";
import type { Destination, DestinationContext } from "../../src/core/destination.js";
import { startAwsSecretsManagerFake, type AwsSecretsManagerFake, type AwsSecretsManagerFakeOptions } from "./fake.js";
import { createAwsSecretsManagerDestination } from "./index.js";
import { awsSecretsManagerConfigSchema, type AwsSecretsManagerConfig } from "./schema.js";

export const SECRET_ID = "prod/mga-api-key";

/** SDK standard retries (3 attempts) 5 ms apart, and short timeouts for the hang tests. */
export function fastClientConfig(): SecretsManagerClientConfig {
  return {
    retryStrategy: new ConfiguredRetryStrategy(3, 5),
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 150, throwOnRequestTimeout: true },
  };
}

export interface Harness {
  fake: AwsSecretsManagerFake;
  destination: Destination;
  config: AwsSecretsManagerConfig;
  /** Every log line the destination wrote, as JSON text. */
  logLines: string[];
  close(): Promise<void>;
}

export async function startHarness(
  overrides: Partial<Omit<AwsSecretsManagerConfig, "type">> = {},
  fakeOptions: AwsSecretsManagerFakeOptions = {},
): Promise<Harness> {
  const fake = await startAwsSecretsManagerFake(fakeOptions);
  const config = awsSecretsManagerConfigSchema.parse({
    type: "aws-secrets-manager",
    region: "us-east-1",
    secretId: SECRET_ID,
    endpoint: fake.endpoint,
    credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret-access-key" },
    ...overrides,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString("utf8"));
      done();
    },
  });
  const log = pino({ level: "debug" }, sink);
  const destination = createAwsSecretsManagerDestination(config, { clock: systemClock, log }, { clientConfig: fastClientConfig() });
  return { fake, destination, config, logLines, close: () => fake.close() };
}

let counter = 0;
export function rotationContext(): DestinationContext {
  counter += 1;
  const rotationId = `rot-aws-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  return { rotationId, token: `${rotationId}:aws-secrets-manager:${SECRET_ID}`, round: `${rotationId}:deploy` };
}

export function mgaKey(label: string): string {
  return `mga_sk_${label}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
