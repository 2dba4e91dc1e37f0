// The destination contract every destination passes, run with the real client against the fake.
import { destinationContract } from "../../test/contract/destination-contract.js";
import { contractHarness } from "./test-support.js";

destinationContract("gcp-secret-manager", contractHarness, { supportsAbsent: true, injectsFailures: true });
