// The destination contract, run by the real vercel destination against the fake, once for an
// encrypted variable and once for a sensitive (write-only) one. What consumers see is what the live
// production deployment serves; every request made is checked against Vercel's OpenAPI subset.
import { expect } from "vitest";
import { destinationContract, type InjectedFailure } from "../../test/contract/destination-contract.js";
import { specProblemsOf } from "./spec-check.js";
import { startTestbed } from "./test-support.js";
import type { VercelEnvType } from "./schema.js";

function harness(envType: VercelEnvType) {
  return async () => {
    const testbed = await startTestbed();
    const { fake } = testbed;
    const faults: Record<InjectedFailure, () => void> = {
      denied: () => fake.fault("*", { status: 403, times: Infinity, body: { error: { code: "forbidden", message: "Not authorized" } } }),
      "throttled-once": () => fake.throttle("*", { times: 1, resetSeconds: 3 }),
      "transient-once": () => fake.fault("*", { status: 500, times: 1 }),
      "transient-always": () => fake.fault("*", { status: 503, times: Infinity }),
    };
    return {
      destination: testbed.destination({ envType, targets: ["production", "preview"] }),
      async seed(value: string | undefined) {
        fake.removeEnv("MGA_API_KEY");
        if (value !== undefined) fake.seedEnv("MGA_API_KEY", value, ["production", "preview"], envType);
        fake.deploy();
      },
      consumerValue: async () => fake.liveValue("MGA_API_KEY"),
      injectFailure: async (failure: InjectedFailure) => faults[failure](),
      async cleanup() {
        const requests = fake.requests();
        await testbed.close();
        expect(specProblemsOf(requests)).toEqual([]);
      },
    };
  };
}

destinationContract("vercel (encrypted)", harness("encrypted"), { supportsAbsent: true, injectsFailures: true });
destinationContract("vercel (sensitive)", harness("sensitive"), { supportsAbsent: true, injectsFailures: true });
