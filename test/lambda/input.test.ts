// The Lambda's input: every shape EventBridge Scheduler (or a rule, or a person with `aws lambda
// invoke`) may send is read the same way, and anything else is refused with a message naming the field.
import { describe, expect, it } from "vitest";
import { LambdaInputError, parseLambdaInput } from "../../src/lambda/input.js";

describe("Lambda input", () => {
  it.each([
    ["no event", undefined, {}],
    ["null", null, {}],
    ["an empty string", "", {}],
    ["an empty object", {}, {}],
    ["an object", { keys: ["a", "b"], force: true }, { keys: ["a", "b"], force: true }],
    ["a JSON string", '{"emergency": true, "keys": ["a"]}', { emergency: true, keys: ["a"] }],
    [
      "Scheduler context attributes",
      { scheduledTime: "2030-01-01T03:00:00Z", executionId: "e-1" },
      { scheduledTime: "2030-01-01T03:00:00Z", executionId: "e-1" },
    ],
    [
      "an EventBridge rule's Scheduled Event",
      { version: "0", source: "aws.events", "detail-type": "Scheduled Event", time: "2030-01-01T03:00:00Z", detail: {} },
      {},
    ],
  ])("reads %s", (_name, event, expected) => {
    const input = parseLambdaInput(event);

    expect(input).toEqual(expected);
  });

  it.each([
    ["a string for keys", { keys: "a" }, "keys: Invalid input: expected array, received string"],
    ["an empty keys list", { keys: [] }, "keys: expected at least one managed key id; leave `keys` out to advance every key"],
    ["an empty key id", { keys: ["a", ""] }, "keys[1]: expected a managed key id"],
    ["a string for force", { force: "yes" }, "force: Invalid input: expected boolean, received string"],
    [
      "an unknown field",
      { key: ["a"] },
      '(input): unknown field(s) key; expected {"keys"?: string[], "force"?: boolean, "emergency"?: boolean}',
    ],
    ["an array", [1], "(input): Invalid input: expected object, received array"],
    ["a number", 42, "(input): Invalid input: expected object, received number"],
  ])("refuses %s, naming the field", (_name, event, problem) => {
    const parse = () => parseLambdaInput(event);

    expect(parse).toThrow(LambdaInputError);
    expect(parse).toThrow(`invalid Lambda input:\n  ${problem}`);
  });

  it("refuses text that is not JSON", () => {
    expect(() => parseLambdaInput("rotate please")).toThrow(/^invalid Lambda input:\n {2}\(input\): not JSON \(Unexpected token/);
  });
});
