// Contract with the official Smithy model (shared/specs/aws-secrets-manager, read in place): every
// request the adapter sends through the SDK and every response the fake returns must fit it. The
// operation exists; input and output members exist with the right types, lengths, ranges and
// patterns; required members are present; errors are the operation's own (or AWS-wide ones).
import { readFileSync } from "node:fs";
import { ListSecretVersionIdsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import { SecretValue } from "../../src/core/secret.js";
import { FAKE_OPERATIONS, type FakeExchange } from "./fake.js";
import { fastClientConfig, mgaKey, rotationContext, SECRET_ID, startHarness } from "./test-harness.js";

interface Member {
  target: string;
  traits?: Record<string, unknown>;
}
interface Shape {
  type: string;
  members?: Record<string, Member>;
  member?: Member;
  key?: Member;
  value?: Member;
  input?: Member;
  output?: Member;
  errors?: Member[];
  operations?: Member[];
  traits?: Record<string, unknown>;
}

const SPEC = new URL("../../../shared/specs/aws-secrets-manager/secrets-manager.json", import.meta.url);
const NS = "com.amazonaws.secretsmanager#";
const shapes = (JSON.parse(readFileSync(SPEC, "utf8")) as { shapes: Record<string, Shape> }).shapes;
/** Errors any AWS JSON service may return, outside each operation's model. */
const COMMON_ERRORS = new Set(["AccessDeniedException", "ThrottlingException", "UnrecognizedClientException", "IncompleteSignature"]);

function shape(target: string): Shape {
  const found = shapes[target];
  if (!found) throw new Error(`model has no shape ${target}`);
  return found;
}

function checkValue(value: unknown, target: string, path: string, problems: string[]): void {
  const s = shape(target);
  const traits = s.traits ?? {};
  const length = traits["smithy.api#length"] as { min?: number; max?: number } | undefined;
  const range = traits["smithy.api#range"] as { min?: number; max?: number } | undefined;
  const within = (n: number, bounds: { min?: number; max?: number } | undefined, what: string) => {
    if (bounds && (n < (bounds.min ?? -Infinity) || n > (bounds.max ?? Infinity))) problems.push(`${path}: ${what} ${n} outside ${JSON.stringify(bounds)}`);
  };
  const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  const expect = (wanted: string) => (kind === wanted ? true : (problems.push(`${path}: ${s.type} expected, got ${kind}`), false));
  switch (s.type) {
    case "structure":
      if (!expect("object")) return;
      for (const [name, member] of Object.entries(s.members ?? {})) {
        if (member.traits?.["smithy.api#required"] !== undefined && (value as Record<string, unknown>)[name] === undefined) problems.push(`${path}.${name}: required, missing`);
      }
      for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
        const member = s.members?.[name];
        if (!member) problems.push(`${path}.${name}: no such member of ${target}`);
        else checkValue(child, member.target, `${path}.${name}`, problems);
      }
      return;
    case "list":
      if (!expect("array")) return;
      within((value as unknown[]).length, length, "length");
      (value as unknown[]).forEach((item, i) => checkValue(item, s.member!.target, `${path}[${i}]`, problems));
      return;
    case "map":
      if (!expect("object")) return;
      within(Object.keys(value as object).length, length, "size");
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        checkValue(k, s.key!.target, `${path}{key ${k}}`, problems);
        checkValue(v, s.value!.target, `${path}.${k}`, problems);
      }
      return;
    case "string":
    case "blob":
      if (!expect("string")) return;
      within((value as string).length, length, "length");
      if (typeof traits["smithy.api#pattern"] === "string" && !new RegExp(traits["smithy.api#pattern"] as string, "u").test(value as string)) problems.push(`${path}: does not match the model's pattern`);
      return;
    case "enum": {
      const allowed = Object.values(s.members ?? {}).map((member) => member.traits?.["smithy.api#enumValue"]);
      if (!allowed.includes(value)) problems.push(`${path}: ${String(value)} is not one of ${allowed.join(", ")}`);
      return;
    }
    case "boolean":
      expect("boolean");
      return;
    case "integer":
    case "long":
      if (expect("number") && !Number.isInteger(value)) problems.push(`${path}: not an integer`);
      if (kind === "number") within(value as number, range, "value");
      return;
    case "timestamp": // awsJson1_1: epoch seconds
      expect("number");
      return;
    default:
      problems.push(`${path}: unchecked shape type ${s.type}`);
  }
}

function checkExchange(exchange: FakeExchange): string[] {
  const problems: string[] = [];
  const service = shape(`${NS}secretsmanager`);
  const target = `${NS}${exchange.operation}`;
  if (!service.operations?.some((op) => op.target === target)) return [`${exchange.operation}: not an operation of the service`];
  const op = shape(target);
  checkValue(exchange.input, op.input!.target, `${exchange.operation} input`, problems);
  if (exchange.status === 200) {
    checkValue(exchange.output, op.output!.target, `${exchange.operation} output`, problems);
    return problems;
  }
  const { __type: type, message, ...rest } = exchange.output as { __type?: string; message?: unknown };
  const modelled = op.errors?.some((error) => error.target === `${NS}${type}`);
  if (!modelled && !COMMON_ERRORS.has(type ?? "")) problems.push(`${exchange.operation}: error ${type} is not in the model`);
  if (modelled) {
    // awsJson sends the model's `Message` member as `message`.
    checkValue({ Message: message, ...rest }, `${NS}${type}`, `${exchange.operation} error ${type}`, problems);
    const server = shape(`${NS}${type}`).traits?.["smithy.api#error"] === "server";
    if ((exchange.status >= 500) !== server) problems.push(`${exchange.operation}: ${type} answered with status ${exchange.status}`);
  }
  return problems;
}

describe("requests and responses fit the Secrets Manager Smithy model", () => {
  const exchanges: FakeExchange[] = [];

  beforeAll(async () => {
    const onExchange = (exchange: FakeExchange) => exchanges.push(exchange);
    // A whole secret: stage, promote, confirm, roll back (by label, then by a new version), fail.
    const plain = await startHarness({}, { onExchange });
    const old = mgaKey("old");
    plain.fake.seed(SECRET_ID, old);
    for (const snapshot of [old, mgaKey("lost")]) {
      const ctx = rotationContext();
      const fresh = new SecretValue(mgaKey("new"));
      await plain.destination.write(fresh, ctx);
      await plain.destination.activate(ctx);
      await plain.destination.confirm(fresh.fingerprint, ctx);
      await plain.destination.previous!(ctx);
      await plain.destination.restore({ kind: "value", value: new SecretValue(snapshot) }, ctx);
    }
    plain.fake.fault("GetSecretValue", { error: "ThrottlingException", message: "Rate exceeded", times: 1 });
    plain.fake.fault("DescribeSecret", { error: "InternalServiceError", times: 1 });
    await plain.destination.activate(rotationContext()).catch(() => undefined);
    plain.fake.deny("PutSecretValue");
    await plain.destination.write(new SecretValue(mgaKey("denied")), rotationContext()).catch(() => undefined);
    const client = new SecretsManagerClient({ region: "us-east-1", endpoint: plain.fake.endpoint, ...fastClientConfig(), credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake" } });
    const first = await client.send(new ListSecretVersionIdsCommand({ SecretId: SECRET_ID, MaxResults: 1, IncludeDeprecated: true }));
    await client.send(new ListSecretVersionIdsCommand({ SecretId: SECRET_ID, NextToken: first.NextToken }));
    await plain.close();

    // A JSON field in a secret the rotator creates, after losing a creation race once.
    const created = await startHarness({ createIfMissing: true, jsonField: "MGA_API_KEY" }, { onExchange });
    const ctx = rotationContext();
    await created.destination.write(new SecretValue(mgaKey("new")), ctx);
    await created.destination.restore({ kind: "absent" }, ctx);
    created.fake.seed(SECRET_ID, undefined);
    created.fake.fault("PutSecretValue", { error: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret.", times: 1 });
    created.fake.seed(SECRET_ID, JSON.stringify({ OTHER: "x" }));
    await created.destination.write(new SecretValue(mgaKey("raced")), rotationContext());
    await created.destination.write(new SecretValue(mgaKey("again")), rotationContext());
    await created.close();
  });

  it("exercises every operation the adapter and the fake share, with successes and errors", () => {
    const succeeded = new Set(exchanges.filter((e) => e.status === 200).map((e) => e.operation));
    const errors = new Set(exchanges.filter((e) => e.status !== 200).map((e) => (e.output as { __type: string }).__type));

    expect([...succeeded].sort()).toEqual([...FAKE_OPERATIONS].sort());
    expect([...errors].sort()).toEqual(["AccessDeniedException", "InternalServiceError", "ResourceExistsException", "ResourceNotFoundException", "ThrottlingException"]);
  });

  it("every exchange fits the model", () => {
    const problems = exchanges.flatMap(checkExchange);

    expect(problems).toEqual([]);
  });

  it("the check catches what does not fit", () => {
    const bad: FakeExchange = {
      operation: "PutSecretValue",
      input: { SecretString: 7, ClientRequestToken: "short", VersionStages: [], Colour: "blue" },
      status: 200,
      output: { VersionId: "v", CreatedDate: "yesterday" },
    };

    const problems = checkExchange(bad);

    expect(problems).toEqual([
      "PutSecretValue input.SecretId: required, missing",
      "PutSecretValue input.SecretString: string expected, got number",
      "PutSecretValue input.ClientRequestToken: length 5 outside {\"min\":32,\"max\":64}",
      "PutSecretValue input.VersionStages: length 0 outside {\"min\":1,\"max\":20}",
      "PutSecretValue input.Colour: no such member of com.amazonaws.secretsmanager#PutSecretValueRequest",
      "PutSecretValue output.VersionId: length 1 outside {\"min\":32,\"max\":64}",
      "PutSecretValue output.CreatedDate: no such member of com.amazonaws.secretsmanager#PutSecretValueResponse",
    ]);
    expect(checkExchange({ operation: "DeleteEverything", input: {}, status: 200, output: {} })).toEqual(["DeleteEverything: not an operation of the service"]);
    expect(checkExchange({ operation: "GetSecretValue", input: { SecretId: "x" }, status: 400, output: { __type: "MadeUpException" } })).toEqual([
      "GetSecretValue: error MadeUpException is not in the model",
    ]);
  });
});
