// The destination contract, twice: a whole secret (which cannot go back to "no secret", so without
// the absent case) and a field of a JSON secret (where "absent" is a missing field, restored by
// removing it again), both through the real SDK client against the fake.
import { destinationContract, type DestinationHarness, type InjectedFailure } from "../../test/contract/destination-contract.js";
import type { AwsSecretsManagerFake } from "./fake.js";
import { SECRET_ID, startHarness } from "./test-harness.js";

function inject(fake: AwsSecretsManagerFake, failure: InjectedFailure): void {
  fake.clearFaults();
  if (failure === "denied") fake.deny("all");
  if (failure === "throttled-once") fake.fault("all", { error: "ThrottlingException", message: "Rate exceeded", times: 1 });
  if (failure === "transient-once") fake.fault("all", { error: "InternalServiceError", times: 1 });
  if (failure === "transient-always") fake.fault("all", { error: "InternalServiceError" });
}

destinationContract(
  "aws-secrets-manager",
  async (): Promise<DestinationHarness> => {
    const { fake, destination, close } = await startHarness();
    return {
      destination,
      seed: async (value) => fake.seed(SECRET_ID, value),
      consumerValue: async () => fake.current(SECRET_ID),
      injectFailure: async (failure) => inject(fake, failure),
      cleanup: close,
    };
  },
  { supportsAbsent: false, injectsFailures: true },
);

const FIELD = "MGA_API_KEY";
const OTHERS = { DATABASE_URL: "postgres://app@db/app", FEATURE: "on" };

destinationContract(
  "aws-secrets-manager (jsonField)",
  async (): Promise<DestinationHarness> => {
    const { fake, destination, close } = await startHarness({ jsonField: FIELD });
    return {
      destination,
      seed: async (value) => fake.seed(SECRET_ID, JSON.stringify(value === undefined ? OTHERS : { ...OTHERS, [FIELD]: value })),
      async consumerValue() {
        const current = fake.current(SECRET_ID);
        if (current === undefined) return undefined;
        const { [FIELD]: key, ...others } = JSON.parse(current) as Record<string, string>;
        if (JSON.stringify(others) !== JSON.stringify(OTHERS)) throw new Error("the other fields of the secret changed");
        return key;
      },
      injectFailure: async (failure) => inject(fake, failure),
      cleanup: close,
    };
  },
  { supportsAbsent: true, injectsFailures: true },
);
