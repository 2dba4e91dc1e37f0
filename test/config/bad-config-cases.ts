// Bad configs and what loading each must report: shared by the loader's tests and the CLI's (which
// writes each with writeCase, runs `key-rotator --config <path>` with caseEnvironment(c), and expects
// exit code 2 with every `expect` substring in its output). Each expectation names the path.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

export interface BadConfigCase {
  name: string;
  /** The file's text, as YAML. */
  yaml?: string;
  /** The file's text, written as a .json file. */
  json?: string;
  /** A config as data, written as YAML. */
  object?: unknown;
  /** Write nothing: the path names a file that does not exist. */
  noFile?: true;
  /** The whole environment of the run; default CASE_ENV. */
  env?: Record<string, string>;
  /** Substrings that must appear among the issues (together, for several at once). */
  expect: string[];
}

/** Long, distinctive values, so a test can prove none of them leaks into an issue. */
export const CASE_ENV: Readonly<Record<string, string>> = { MGA_ADMIN_KEY: "mga_admin_value_must_not_leak_0001" };

export function caseEnvironment(c: BadConfigCase): Record<string, string> {
  return { ...(c.env ?? CASE_ENV) };
}

/** Writes the case's file into `dir` (YAML, or JSON for `json`) and returns its path. */
export function writeCase(dir: string, c: BadConfigCase): string {
  const slug = c.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  const path = join(dir, `${slug}.${c.json === undefined ? "yaml" : "json"}`);
  if (c.noFile) return path;
  writeFileSync(path, c.json ?? c.yaml ?? stringify(c.object));
  return path;
}

const destination = (fields: Record<string, unknown> = {}) => ({ type: "dotenv", path: ".env", variable: "MGA_API_KEY", ...fields });
const key = (fields: Record<string, unknown> = {}) => ({
  id: "production-server",
  name: "Production Server",
  verify: { botId: "bot_123" },
  destinations: [destination()],
  ...fields,
});
const config = (fields: Record<string, unknown> = {}) => ({
  issuer: { type: "mga", adminKey: "${MGA_ADMIN_KEY}" },
  keys: [key()],
  ...fields,
});
const ISSUER = 'issuer:\n  type: mga\n  adminKey: "${MGA_ADMIN_KEY}"\n';
const KEYS = "keys:\n  - id: production-server\n    name: Production Server\n    verify: { botId: bot_123 }\n    destinations:\n      - { type: dotenv, path: .env, variable: MGA_API_KEY }\n";

export const BAD_CONFIG_CASES: readonly BadConfigCase[] = [
  { name: "missing issuer", object: config({ issuer: undefined }), expect: ["issuer: required"] },
  { name: "missing adminKey", object: config({ issuer: { type: "mga" } }), expect: ["issuer.adminKey: required"] },
  { name: "empty adminKey", yaml: `issuer:\n  type: mga\n  adminKey:\n${KEYS}`, expect: ["issuer.adminKey: required (the value is empty)"] },
  { name: "unknown issuer type", object: config({ issuer: { type: "vault", adminKey: "${MGA_ADMIN_KEY}" } }), expect: ['issuer.type: unknown issuer type "vault"; expected one of mga'] },
  { name: "bad baseUrl", object: config({ issuer: { type: "mga", adminKey: "${MGA_ADMIN_KEY}", baseUrl: "api.example.com" } }), expect: ["issuer.baseUrl: expected a URL"] },
  { name: "missing env var", object: config(), env: {}, expect: ["issuer.adminKey: environment variable MGA_ADMIN_KEY is not set"] },
  { name: "empty env var", object: config(), env: { MGA_ADMIN_KEY: "" }, expect: ["issuer.adminKey: environment variable MGA_ADMIN_KEY is set but empty"] },
  {
    name: "malformed env reference",
    object: config({ issuer: { type: "mga", adminKey: "${MGA ADMIN KEY}" } }),
    expect: ['issuer.adminKey: invalid environment reference "${MGA ADMIN KEY}"'],
  },
  { name: "wrong type of rotateEveryDays", object: config({ keys: [key({ rotateEveryDays: "ninety" })] }), expect: ["keys[0].rotateEveryDays: expected number, got string"] },
  { name: "negative rotateEveryDays", object: config({ keys: [key({ rotateEveryDays: -5 })] }), expect: ["keys[0].rotateEveryDays: expected a number greater than 0"] },
  {
    name: "rotateEveryDays from the environment is a string",
    object: config({ keys: [key({ rotateEveryDays: "${ROTATE_DAYS}" })] }),
    env: { ...CASE_ENV, ROTATE_DAYS: "rotate_days_must_not_leak_0002" },
    expect: ["keys[0].rotateEveryDays: expected number, got string"],
  },
  { name: "permission not in enum", object: config({ keys: [key({ permission: "superuser" })] }), expect: ["keys[0].permission: expected one of read, write, admin"] },
  { name: "permission in the wrong case", object: config({ keys: [key({ permission: "Write" })] }), expect: ['keys[0].permission: expected one of read, write, admin; did you mean "write"?'] },
  { name: "key id with a space", object: config({ keys: [key({ id: "production server" })] }), expect: ["keys[0].id: expected letters, digits"] },
  { name: "key id is a number", object: config({ keys: [key({ id: 2024 })] }), expect: ["keys[0].id: expected string, got number (put the value in quotes)"] },
  { name: "empty key name", object: config({ keys: [key({ name: "" })] }), expect: ["keys[0].name: must not be empty"] },
  { name: "bad duration", object: config({ keys: [key({ revokeAfter: "1 hour" })] }), expect: ['keys[0].revokeAfter: expected a duration such as "15m"'] },
  { name: "duration as a number", object: config({ keys: [key({ revokeAfter: 3600 })] }), expect: ['keys[0].revokeAfter: expected a duration such as "15m", got number'] },
  {
    name: "revokeAfter longer than the rotation period",
    object: config({ keys: [key({ rotateEveryDays: 7, revokeAfter: "8d" })] }),
    expect: ['keys[0].revokeAfter: "8d" is longer than the rotation period (rotateEveryDays: 7)'],
  },
  { name: "verify missing", object: config({ keys: [key({ verify: undefined })] }), expect: ["keys[0].verify: required"] },
  { name: "verify missing botId", object: config({ keys: [key({ verify: { message: "ping" } })] }), expect: ["keys[0].verify.botId: required"] },
  { name: "empty keys list", object: config({ keys: [] }), expect: ["keys: expected at least 1 item"] },
  { name: "empty destinations", object: config({ keys: [key({ destinations: [] })] }), expect: ["keys[0].destinations: expected at least 1 item"] },
  {
    name: "unknown destination type",
    object: config({ keys: [key({ destinations: [destination({ type: "s3" })] })] }),
    expect: ['keys[0].destinations[0].type: unknown destination type "s3"; expected one of ', "dotenv"],
  },
  {
    name: "destination type from the environment is unknown",
    object: config({ keys: [key({ destinations: [destination({ type: "${DESTINATION_TYPE}" })] })] }),
    env: { ...CASE_ENV, DESTINATION_TYPE: "destination_type_must_not_leak_0003" },
    expect: ["keys[0].destinations[0].type: unknown destination type (from the environment); expected one of "],
  },
  { name: "destination missing variable", object: config({ keys: [key({ destinations: [destination({ variable: undefined })] })] }), expect: ["keys[0].destinations[0].variable: required"] },
  { name: "bad variable name", object: config({ keys: [key({ destinations: [destination({ variable: "1_KEY" })] })] }), expect: ["keys[0].destinations[0].variable: expected a variable name"] },
  {
    name: "misspelt destination field",
    object: config({ keys: [key({ destinations: [{ type: "dotenv", path: ".env", varaible: "MGA_API_KEY" }] })] }),
    expect: ['keys[0].destinations[0].varaible: unknown field "varaible"; did you mean "variable"?', "keys[0].destinations[0].variable: required"],
  },
  { name: "duplicate key ids", object: config({ keys: [key(), key()] }), expect: ['keys[1].id: duplicate key id "production-server" (also keys[0].id)'] },
  {
    name: "duplicate destination ids",
    object: config({ keys: [key({ destinations: [destination(), destination()] })] }),
    expect: ['keys[0].destinations[1]: duplicate destination id "dotenv:.env#MGA_API_KEY" (also keys[0].destinations[0])'],
  },
  {
    name: "duplicate explicit destination ids",
    object: config({ keys: [key({ destinations: [destination({ id: "app" }), destination({ id: "app", variable: "OTHER_KEY" })] })] }),
    expect: ['keys[0].destinations[1].id: duplicate destination id "app" (also keys[0].destinations[0])'],
  },
  {
    name: "two keys claim the same current key",
    object: config({ keys: [key({ currentKeyId: "key_1" }), key({ id: "staging", currentKeyId: "key_1", destinations: [destination({ variable: "STAGING_KEY" })] })] }),
    expect: ["keys[1].currentKeyId: the same MGA key as keys[0].currentKeyId"],
  },
  { name: "unknown top-level field", object: config({ colour: "blue" }), expect: ['colour: unknown field "colour"'] },
  { name: "misspelt top-level field", object: config({ schedul: { cron: "0 4 * * *" } }), expect: ['schedul: unknown field "schedul"; did you mean "schedule"?'] },
  { name: "unknown field in a key", object: config({ keys: [key({ rotateEveryDay: 30 })] }), expect: ['keys[0].rotateEveryDay: unknown field "rotateEveryDay"; did you mean "rotateEveryDays"?'] },
  { name: "state type unknown", object: config({ state: { type: "s3" } }), expect: ['state.type: unknown state store type "s3"; expected one of ', "file"] },
  { name: "lockLeaseSeconds too small", object: config({ state: { type: "file", lockLeaseSeconds: 1 } }), expect: ["state.lockLeaseSeconds: expected a number of at least 2"] },
  { name: "lockLeaseSeconds not whole", object: config({ state: { type: "file", lockLeaseSeconds: 2.5 } }), expect: ["state.lockLeaseSeconds: expected a whole number"] },
  { name: "invalid cron expression", object: config({ schedule: { cron: "0 25 * * *" } }), expect: ["schedule.cron: not a valid cron expression (25 is not a valid hour)"] },
  { name: "unknown time zone", object: config({ schedule: { timezone: "Mars/Olympus" } }), expect: ['schedule.timezone: unknown time zone "Mars/Olympus"'] },
  { name: "non-object root", yaml: "- issuer\n- keys\n", expect: ["(root): expected a mapping of fields (issuer, keys, …), got array"] },
  { name: "empty file", yaml: "# nothing yet\n", expect: ["(root): the config is empty"] },
  {
    name: "YAML syntax error",
    yaml: `${ISSUER}  baseUrl: https://api.example.com: 8080\n${KEYS}`,
    expect: ["line 4, column 12: YAML syntax error: Nested mappings are not allowed in compact mappings"],
  },
  { name: "YAML tab indentation", yaml: "issuer:\n\ttype: mga\n", expect: ["line 2, column 1: YAML syntax error: Tabs are not allowed as indentation"] },
  { name: "YAML duplicate field", yaml: `${ISSUER}  adminKey: other\n${KEYS}`, expect: ["line 4, column 3: YAML syntax error: Map keys must be unique"] },
  { name: "several YAML documents", yaml: `${ISSUER}---\n${KEYS}`, expect: ["line 4, column 1: YAML syntax error: the file holds more than one YAML document"] },
  {
    name: "JSON syntax error",
    json: '{\n  "issuer": { "type": "mga" "adminKey": "${MGA_ADMIN_KEY}" },\n  "keys": []\n}\n',
    expect: ["line 2, column 29: JSON syntax error: "],
  },
  { name: "file not found", noFile: true, expect: ["file-not-found.yaml: config file not found", "--config FILE", "KEY_ROTATOR_CONFIG=FILE", "config/key-rotator.yaml"] },
  {
    name: "several errors at once",
    object: {
      issuer: { type: "mga" },
      keys: [
        key({ permission: "owner", extra: true }),
        key({ id: "staging", revokeAfter: "soon", destinations: [destination({ type: "s3" })] }),
      ],
      schedule: { timezone: 3 },
    },
    env: {},
    expect: [
      "issuer.adminKey: required",
      'keys[0].extra: unknown field "extra"',
      "keys[0].permission: expected one of read, write, admin",
      'keys[1].destinations[0].type: unknown destination type "s3"',
      'keys[1].revokeAfter: expected a duration such as "15m"',
      "schedule.timezone: expected string, got number (put the value in quotes)",
    ],
  },
];
