// The destination contract, run against the fake for a service variable and for a shared variable.
// A consumer's view is what the service's live (latest SUCCESS) deployment serves. After each case
// the fake must have received only documents from documents.ts, the ones validated against the spec.
import { expect } from "vitest";
import { destinationContract, type DestinationHarness, type InjectedFailure } from "../../test/contract/destination-contract.js";
import { RAILWAY_DOCUMENTS } from "./documents.js";
import type { RailwayFault } from "./fake.js";
import { type RailwaySetup, SERVICE, setupRailway, VARIABLE } from "./test-support.js";

const KNOWN_DOCUMENTS = new Set<string>(RAILWAY_DOCUMENTS.map((d) => d.query));

const FAILURES: Record<InjectedFailure, [RailwayFault, number]> = {
  denied: [{ kind: "not-authorized" }, Infinity],
  "throttled-once": [{ kind: "http-429", retryAfterSeconds: 1 }, 1],
  "transient-once": [{ kind: "http-500" }, 1],
  "transient-always": [{ kind: "http-500" }, Infinity],
};

function harness(s: RailwaySetup, seed: DestinationHarness["seed"], consumerValue: DestinationHarness["consumerValue"]): DestinationHarness {
  return {
    destination: s.destination,
    seed,
    consumerValue,
    async injectFailure(failure) {
      const [fault, times] = FAILURES[failure];
      s.fake.injectFault(fault, times);
    },
    async cleanup() {
      const unknown = s.fake.documents.filter((d) => !KNOWN_DOCUMENTS.has(d));
      await s.close();
      expect(unknown).toEqual([]);
    },
  };
}

destinationContract(
  "railway",
  async () => {
    const s = await setupRailway();
    return harness(
      s,
      async (value) => s.fake.seedVariable(VARIABLE, value, { serviceId: SERVICE }),
      async () => s.fake.liveValue(SERVICE, VARIABLE),
    );
  },
  { supportsAbsent: true, injectsFailures: true },
);

destinationContract(
  "railway (shared variable)",
  async () => {
    const s = await setupRailway({ serviceId: undefined, redeployServices: [SERVICE] });
    s.fake.seedVariable("MGA_KEY", "${{shared.MGA_API_KEY}}", { serviceId: SERVICE });
    return harness(
      s,
      async (value) => s.fake.seedVariable(VARIABLE, value),
      // A reference to a shared variable that does not exist renders empty: the service has no key.
      async () => s.fake.liveValue(SERVICE, "MGA_KEY") || undefined,
    );
  },
  { supportsAbsent: true, injectsFailures: true },
);
