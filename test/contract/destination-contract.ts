// The contract every destination passes: read, write, activate, confirm, restore, failures. Each
// provider runs it against its real client talking to its protocol-level fake (unstorage's
// testDriver() idea). Provider-specific cases live in the provider's own tests.
import { afterEach, describe, expect, it } from "vitest";
import type { Destination, DestinationContext } from "../../src/core/destination.js";
import { AccessDeniedError, RotatorError } from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";

export type InjectedFailure = "denied" | "throttled-once" | "transient-once" | "transient-always";

export interface DestinationHarness {
  destination: Destination;
  /** Puts a value in place out of band, as an operator would; `undefined` removes it where possible. */
  seed(value: string | undefined): Promise<void>;
  /** What a consumer sees now: the store's current value, or what the live deployment serves. */
  consumerValue(): Promise<string | undefined>;
  /** Makes the service fail the next writes (and activations) this way; for destinations behind a service. */
  injectFailure?(failure: InjectedFailure): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** The destination can hold "nothing" (a missing variable or secret) and restore to that. */
  supportsAbsent: boolean;
  /** The harness can make the service deny, throttle and fail (false for local files). */
  injectsFailures: boolean;
}

let counter = 0;
function context(): DestinationContext {
  counter += 1;
  const rotationId = `rot-contract-${counter}`;
  return { rotationId, token: `${rotationId}-token-0123456789abcdef0123456789`, round: `${rotationId}:deploy` };
}

function key(label: string): string {
  return `mga_sk_${label}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

async function deploy(destination: Destination, value: SecretValue, ctx: DestinationContext) {
  await destination.write(value, ctx);
  await destination.activate(ctx);
}

export function destinationContract(name: string, setup: () => Promise<DestinationHarness>, options: ContractOptions) {
  describe(`destination contract: ${name}`, () => {
    let harness: DestinationHarness | undefined;
    async function start(): Promise<DestinationHarness> {
      harness = await setup();
      return harness;
    }
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    it("reads the value in place, or says it cannot", async () => {
      const { destination, seed } = await start();
      const old = key("old");
      await seed(old);

      const current = await destination.read();

      if (destination.capabilities.readable) expect(current).toEqual({ kind: "value", value: new SecretValue(old) });
      else expect(current.kind).toBe("unreadable");
    });

    it("writes and activates a new value that consumers then see, and confirms it", async () => {
      const { destination, seed, consumerValue } = await start();
      await seed(key("old"));
      const fresh = new SecretValue(key("new"));
      const ctx = context();

      await deploy(destination, fresh, ctx);

      expect(await consumerValue()).toBe(fresh.reveal());
      const confirmation = await destination.confirm(fresh.fingerprint, ctx);
      expect(confirmation).toBe(destination.capabilities.readable ? "confirmed" : "unreadable");
    });

    it("reports a mismatch when the value in place is not the one expected", async () => {
      const { destination, seed } = await start();
      await seed(key("other"));

      const confirmation = await destination.confirm(new SecretValue(key("expected")).fingerprint, context());

      expect(confirmation).toBe(destination.capabilities.readable ? "mismatch" : "unreadable");
    });

    it("tolerates the same write retried with the same token", async () => {
      const { destination, seed, consumerValue } = await start();
      await seed(key("old"));
      const fresh = new SecretValue(key("new"));
      const ctx = context();

      await destination.write(fresh, ctx);
      await destination.write(fresh, ctx);
      await destination.activate(ctx);

      expect(await consumerValue()).toBe(fresh.reveal());
    });

    it("restores the previous value after a write", async () => {
      const { destination, seed, consumerValue } = await start();
      const old = key("old");
      await seed(old);
      const ctx = context();
      await deploy(destination, new SecretValue(key("new")), ctx);

      await destination.restore({ kind: "value", value: new SecretValue(old) }, ctx);

      expect(await consumerValue()).toBe(old);
    });

    it("recovers the value before a write from its versions, when versioned", async () => {
      const { destination, seed } = await start();
      const old = key("old");
      await seed(old);
      const ctx = context();
      await deploy(destination, new SecretValue(key("new")), ctx);

      const previous = destination.capabilities.versioned ? await destination.previous?.(ctx) : undefined;

      if (destination.capabilities.versioned) expect(previous).toEqual({ kind: "value", value: new SecretValue(old) });
      else expect(destination.previous).toBeUndefined();
    });

    if (options.supportsAbsent) it("creates a missing value and restores to nothing", async () => {
      const { destination, seed, consumerValue } = await start();
      await seed(undefined);
      const ctx = context();
      const before = await destination.read();
      await deploy(destination, new SecretValue(key("new")), ctx);

      await destination.restore(before, ctx);

      expect(before.kind).toBe("absent");
      expect(await consumerValue()).toBeUndefined();
    });

    if (options.injectsFailures) it("maps access denied to AccessDeniedError, never to not-found, without the value in the message", async () => {
      const { destination, seed, injectFailure } = await start();
      await seed(key("old"));
      const fresh = new SecretValue(key("new"));
      await injectFailure!("denied");

      const error = await destination.write(fresh, context()).then(() => undefined, (e: unknown) => e);

      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(String((error as Error).message)).not.toContain(fresh.reveal());
    });

    if (options.injectsFailures) it("rides out one throttled and one transient failure", async () => {
      const { destination, seed, consumerValue, injectFailure } = await start();
      await seed(key("old"));
      const fresh = new SecretValue(key("new"));
      await injectFailure!("throttled-once");
      await destination.write(fresh, context());
      await injectFailure!("transient-once");
      const other = new SecretValue(key("newer"));
      const ctx = context();

      await deploy(destination, other, ctx);

      expect(await consumerValue()).toBe(other.reveal());
    });

    if (options.injectsFailures) it("gives up on a failure that persists with a retryable error, without the value in it", async () => {
      const { destination, seed, injectFailure } = await start();
      await seed(key("old"));
      const fresh = new SecretValue(key("new"));
      await injectFailure!("transient-always");

      const error = await deploy(destination, fresh, context()).then(() => undefined, (e: unknown) => e);

      expect(error).toBeInstanceOf(RotatorError);
      expect((error as RotatorError).retryable).toBe(true);
      expect(String((error as Error).message)).not.toContain(fresh.reveal());
    });
  });
}
