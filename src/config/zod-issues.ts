// zod's issues turned into operator-facing ones: "required", "expected number, got string",
// "expected one of read, write, admin", "unknown field "foo"; did you mean "name"?".
//
// Values are never quoted when they came from the environment (they may be secrets), and zod is run
// without `reportInput`, so its own issues carry no values either.
import type { z } from "zod";
import type { ConfigIssue, ConfigPath } from "./issues.js";
import { didYouMean, renderPath } from "./issues.js";
import { fieldsAt, isDurationSchema, schemaAt, valueAt } from "./schema-walk.js";

/** Passed as zod's per-parse error map: an issue whose message is this had no schema-written one. */
export const NO_CUSTOM_MESSAGE = "\u0000default";

export interface IssueContext {
  schema: z.core.$ZodType;
  /** The config as validated (after interpolation). */
  data: unknown;
  /** Rendered paths whose value came from the environment. */
  fromEnvironment: ReadonlySet<string>;
}

/** What a discriminated union's `type` picks, by the field that holds it. */
const KIND_OF_TYPE: Readonly<Record<string, string>> = {
  issuer: "issuer",
  state: "state store",
  destinations: "destination",
  notify: "notifier",
};

export function fromZodIssues(issues: readonly z.core.$ZodIssue[], context: IssueContext): ConfigIssue[] {
  return issues.flatMap((issue) => fromZodIssue(issue, context));
}

function fromZodIssue(issue: z.core.$ZodIssue, context: IssueContext): ConfigIssue[] {
  const path = issue.path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment));
  if (issue.code === "unrecognized_keys") {
    const known = fieldsAt(context.schema, path, context.data);
    return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${key}"${didYouMean(key, known)}` }));
  }
  const custom = issue.message !== NO_CUSTOM_MESSAGE ? customMessage(issue.message) : undefined;
  return [{ path, message: custom ?? describe(issue, path, context) }];
}

/** A schema's own message, phrased like ours: "a variable name: …" reads "expected a variable name: …". */
function customMessage(message: string): string {
  return /^an? /.test(message) ? `expected ${message}` : message;
}

function describe(issue: z.core.$ZodIssue, path: ConfigPath, context: IssueContext): string {
  switch (issue.code) {
    case "invalid_type":
      return describeType(issue.expected, path, context);
    case "too_small":
      return describeBound("at least", "greater than", issue.origin, Number(issue.minimum), issue.inclusive);
    case "too_big":
      return describeBound("at most", "less than", issue.origin, Number(issue.maximum), issue.inclusive);
    case "invalid_format":
      if (issue.format === "url") return 'expected a URL such as "https://api.example.com/v1"';
      if (issue.format === "regex") return `expected text matching ${issue.pattern ?? "the field's pattern"}`;
      return `expected a valid ${issue.format}`;
    case "invalid_value":
      return describeValues(issue.values, path, context);
    case "invalid_union":
      if (issue.discriminator !== undefined && "options" in issue && issue.options !== undefined) {
        return describeUnknownType(issue.options.map(String), path, context);
      }
      return "does not match any of the allowed forms";
    case "not_multiple_of":
      return `expected a multiple of ${issue.divisor}`;
    default:
      return "invalid value";
  }
}

function describeType(expected: string, path: ConfigPath, context: IssueContext): string {
  const { present, value } = valueAt(context.data, path);
  if (path.length === 0) {
    return present && value !== null ? `expected a mapping of fields (issuer, keys, …), got ${typeName(value)}` : "the config is empty";
  }
  if (!present) return "required";
  if (value === null) return "required (the value is empty)";
  if (expected === "int") return "expected a whole number";
  const got = typeName(value);
  if (expected === "string" && isDurationSchema(schemaAt(context.schema, path, context.data))) {
    return `expected a duration such as "15m", got ${got}`;
  }
  const hint = expected === "string" && (got === "number" || got === "boolean") ? " (put the value in quotes)" : "";
  return `expected ${expected}, got ${got}${hint}`;
}

function describeBound(inclusiveWord: string, exclusiveWord: string, origin: string, bound: number, inclusive = true): string {
  if (origin === "array" || origin === "set") return `expected ${inclusiveWord} ${bound} item${bound === 1 ? "" : "s"}`;
  if (origin === "string") {
    if (inclusiveWord === "at least" && bound === 1) return "must not be empty";
    return `expected ${inclusiveWord} ${bound} character${bound === 1 ? "" : "s"}`;
  }
  return `expected a number ${inclusive ? `of ${inclusiveWord}` : exclusiveWord} ${bound}`;
}

function describeValues(values: readonly unknown[], path: ConfigPath, context: IssueContext): string {
  const expected = values.length === 1 ? `expected ${JSON.stringify(values[0])}` : `expected one of ${values.join(", ")}`;
  return expected + suggestion(values.map(String), path, context);
}

function describeUnknownType(options: readonly string[], path: ConfigPath, context: IssueContext): string {
  const expected = `expected one of ${options.join(", ")}`;
  const { present, value } = valueAt(context.data, path);
  if (!present || value === null) return `required; ${expected}`;
  const parent = [...path.slice(0, -1)].reverse().find((segment) => typeof segment === "string");
  const kind = KIND_OF_TYPE[parent ?? ""];
  const what = kind === undefined ? "unknown type" : `unknown ${kind} type`;
  if (typeof value !== "string") return `${what} (got ${typeName(value)}); ${expected}`;
  if (context.fromEnvironment.has(renderPath(path))) return `${what} (from the environment); ${expected}`;
  return `${what} ${JSON.stringify(value)}; ${expected}${suggestion(options, path, context)}`;
}

/** "; did you mean "write"?" for a close miss, unless the value came from the environment. */
function suggestion(options: readonly string[], path: ConfigPath, context: IssueContext): string {
  const { value } = valueAt(context.data, path);
  if (typeof value !== "string" || context.fromEnvironment.has(renderPath(path))) return "";
  return didYouMean(value, options);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  return typeof value;
}
