// Environment references in config values, so that no secret is ever written in the file.
//
//   "${NAME}"    the value of the environment variable NAME (letters, digits, _; not starting with a
//                digit). Unset or empty is an issue: a config never silently gets "".
//   "$${NAME}"   the literal text "${NAME}" (the "$$" escape applies only before "{").
//   "$NAME"      left as written: only the braced form is a reference.
//
// References work in every string value at any depth (not in field names), anywhere in the string
// ("Bearer ${TOKEN}"). The result is always a string: `rotateEveryDays: "${DAYS}"` stays a string and
// fails validation as one. Issues never contain a variable's value, only its name: values are secrets.
import type { ConfigIssue, ConfigPath } from "./issues.js";
import { renderPath } from "./issues.js";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface Interpolation {
  value: unknown;
  issues: ConfigIssue[];
  /** Rendered paths of strings that took a value from the environment: never quote those. */
  fromEnvironment: Set<string>;
  /** Rendered paths of strings with a reference that failed; validation issues there are noise. */
  unresolved: Set<string>;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)(\})?/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolateEnvironment(value: unknown, environment: Environment): Interpolation {
  const result: Interpolation = { value: undefined, issues: [], fromEnvironment: new Set(), unresolved: new Set() };
  result.value = walk(value, [], environment, result);
  return result;
}

function walk(value: unknown, path: ConfigPath, environment: Environment, result: Interpolation): unknown {
  if (typeof value === "string") return interpolateString(value, path, environment, result);
  if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], environment, result));
  if (typeof value === "object" && value !== null) {
    // fromEntries defines own properties, so a "__proto__" field stays a field.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key], environment, result)]),
    );
  }
  return value;
}

function interpolateString(text: string, path: ConfigPath, environment: Environment, result: Interpolation): string {
  const problems: string[] = [];
  let referenced = false;
  const interpolated = text.replace(REFERENCE, (match, name: string | undefined, closed: string | undefined) => {
    if (match === "$${") return "${";
    if (closed === undefined) {
      problems.push(`unterminated "\${" (write "$\${" for a literal "\${")`);
      return match;
    }
    if (name === undefined || !VARIABLE_NAME.test(name)) {
      problems.push(
        `invalid environment reference ${JSON.stringify(match)}: expected \${NAME}, NAME made of letters, digits and _ (write "$\${" for a literal "\${")`,
      );
      return match;
    }
    referenced = true;
    const resolved = environment[name];
    if (resolved === undefined) problems.push(`environment variable ${name} is not set`);
    else if (resolved === "") problems.push(`environment variable ${name} is set but empty`);
    return resolved ?? match;
  });
  if (referenced) result.fromEnvironment.add(renderPath(path));
  if (problems.length > 0) {
    result.unresolved.add(renderPath(path));
    for (const message of problems) result.issues.push({ path, message });
  }
  return interpolated;
}
