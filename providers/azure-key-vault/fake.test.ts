// Contract tests of the fake itself: its answers validate against the swagger definitions in
// shared/specs/azure-keyvault/secrets.json (SecretBundle, SecretListResult/SecretItem, KeyVaultError),
// its answers to the example requests have the example responses' shapes, and it enforces what the
// service enforces (challenge, token, api-version, names, disabled versions, soft-deleted names).
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startAzureKeyVaultFake, type AzureKeyVaultFake, type AzureKeyVaultFakeOptions } from "./fake.js";

const SPECS = new URL("../../../shared/specs/azure-keyvault/", import.meta.url);
const swagger = JSON.parse(readFileSync(new URL("secrets.json", SPECS), "utf8")) as { definitions: Record<string, Schema> };
const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`examples/${name}-example.json`, SPECS), "utf8")) as {
    parameters: Record<string, unknown> & { parameters?: unknown };
    responses: Record<string, { body?: unknown }>;
  };

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: string[];
}

/** A small JSON-Schema check over the swagger's definitions: types, enums, required and unknown fields. */
function violations(schema: Schema, value: unknown, path = "$"): string[] {
  if (schema.$ref !== undefined) return violations(swagger.definitions[schema.$ref.replace("#/definitions/", "")]!, value, path);
  const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  switch (schema.type) {
    case "object": {
      if (kind !== "object") return [`${path}: expected object, got ${kind}`];
      const record = value as Record<string, unknown>;
      const problems = (schema.required ?? []).filter((name) => !(name in record)).map((name) => `${path}.${name}: required`);
      for (const [name, field] of Object.entries(record)) {
        const fieldSchema = schema.properties?.[name] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
        if (fieldSchema === undefined) problems.push(`${path}.${name}: not in the spec`);
        else problems.push(...violations(fieldSchema, field, `${path}.${name}`));
      }
      return problems;
    }
    case "array":
      return kind !== "array" ? [`${path}: expected array, got ${kind}`] : (value as unknown[]).flatMap((item, i) => violations(schema.items!, item, `${path}[${i}]`));
    case "integer":
      return Number.isInteger(value) ? [] : [`${path}: expected integer, got ${JSON.stringify(value)}`];
    case "string":
      if (kind !== "string") return [`${path}: expected string, got ${kind}`];
      return schema.enum !== undefined && !schema.enum.includes(value as string) ? [`${path}: ${String(value)} not one of ${schema.enum.join(", ")}`] : [];
    default:
      return schema.type === undefined || kind === schema.type ? [] : [`${path}: expected ${schema.type}, got ${kind}`];
  }
}
const definition = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

/** Every leaf path of a JSON value with its type, arrays as `[]`: the "shape" compared with the examples. */
function shape(value: unknown, path = "$", into = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) value.forEach((item) => shape(item, `${path}[]`, into));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) shape(v, `${path}.${k}`, into);
  else into.set(path, typeof value);
  return into;
}
const missingFrom = (actual: unknown, expected: unknown) =>
  [...shape(expected)].filter(([path, type]) => shape(actual).get(path) !== type).map(([path, type]) => `${path}: ${type}`);

const fakes: AzureKeyVaultFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});
async function start(options?: AzureKeyVaultFakeOptions) {
  const fake = await startAzureKeyVaultFake(options);
  fakes.push(fake);
  const call = async (method: string, path: string, body?: unknown, authorization: string | null = `Bearer ${fake.token}`) => {
    const url = path.startsWith("http") ? path : `${fake.vaultUrl}${path}${path.includes("?") ? "&" : "?"}api-version=2025-07-01`;
    const response = await fetch(url, {
      method,
      headers: { ...(authorization === null ? {} : { authorization }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };
  return { fake, call };
}

describe("azure-key-vault fake: answers match the swagger and its examples", () => {
  it("SetSecret and GetSecret answer a SecretBundle shaped like the examples", async () => {
    const { call } = await start();
    const set = example("SetSecret");
    const get = example("GetSecret");

    const created = await call("PUT", `/secrets/${String(set.parameters["secret-name"])}`, set.parameters.parameters);
    const version = String(created.body.id).split("/").at(-1);
    const fetched = await call("GET", `/secrets/${String(set.parameters["secret-name"])}/${version}`);

    expect(created.status).toBe(200);
    expect(violations(definition("SecretBundle"), created.body)).toEqual([]);
    expect(missingFrom(created.body, set.responses["200"]!.body)).toEqual([]);
    expect(fetched.status).toBe(200);
    expect(violations(definition("SecretBundle"), fetched.body)).toEqual([]);
    expect(missingFrom(fetched.body, get.responses["200"]!.body)).toEqual([]);
  });

  it("GetSecretVersions pages with maxresults and nextLink, items shaped like SecretItem, no values", async () => {
    const { fake, call } = await start();
    const list = example("GetSecretVersions");
    const name = String(list.parameters["secret-name"]);
    fake.seed(name, "one");
    fake.seed(name, "two");

    const first = await call("GET", `/secrets/${name}/versions?maxresults=${String(list.parameters.maxresults)}`);
    const second = await call("GET", String(first.body.nextLink));

    expect(violations(definition("SecretListResult"), first.body)).toEqual([]);
    expect(missingFrom(first.body, list.responses["200"]!.body)).toEqual([]);
    expect(violations(definition("SecretListResult"), second.body)).toEqual([]);
    expect(second.body.nextLink).toBeUndefined();
    expect(JSON.stringify([first.body, second.body])).not.toMatch(/"one"|"two"/);
  });

  it("UpdateSecret answers the bundle without its value, shaped like the example", async () => {
    const { fake, call } = await start();
    const update = example("UpdateSecret");
    const name = String(update.parameters["secret-name"]);
    const version = fake.seed(name, "mysecretvalue")!;

    const updated = await call("PATCH", `/secrets/${name}/${version}`, update.parameters.parameters);

    expect(updated.status).toBe(200);
    expect(violations(definition("SecretBundle"), updated.body)).toEqual([]);
    expect(missingFrom(updated.body, update.responses["200"]!.body)).toEqual([]);
    expect(updated.body.value).toBeUndefined();
  });

  it("answers every failure with a KeyVaultError body", async () => {
    const { fake, call } = await start();
    const version = fake.seed("disabled", "x")!;
    await call("PATCH", `/secrets/disabled/${version}`, { attributes: { enabled: false } });
    fake.seed("gone", "x");
    fake.softDelete("gone");

    const answers = [
      await call("GET", "/secrets/missing/"),
      await call("GET", "/secrets/disabled/"),
      await call("PUT", "/secrets/bad_name", { value: "x" }),
      await call("PUT", "/secrets/gone", { value: "x" }),
      await call("GET", "/secrets/missing/", undefined, null),
    ];

    expect(answers.map((a) => a.status)).toEqual([404, 403, 400, 409, 401]);
    for (const answer of answers) expect(violations(definition("KeyVaultError"), answer.body)).toEqual([]);
  });

  it("flags what the spec does not define (the checker can fail)", () => {
    expect(violations(definition("SecretBundle"), { id: 1, extra: true, attributes: { enabled: "yes" } })).toEqual([
      "$.id: expected string, got number",
      "$.extra: not in the spec",
      "$.attributes.enabled: expected boolean, got string",
    ]);
  });
});

describe("azure-key-vault fake: what the service enforces", () => {
  it("challenges a request without a token, refuses a wrong token, and requires api-version", async () => {
    const { fake, call } = await start({ tenantId: "tenant-1" });

    const bare = await call("GET", "/secrets/a/", undefined, null);
    const wrong = await call("GET", "/secrets/a/", undefined, "Bearer nope");
    const noVersion = await fetch(`${fake.vaultUrl}/secrets/a/`, { headers: { authorization: `Bearer ${fake.token}` } });

    expect(bare.headers.get("www-authenticate")).toBe('Bearer authorization="https://login.microsoftonline.com/tenant-1", resource="https://vault.azure.net"');
    expect(wrong.status).toBe(401);
    expect(noVersion.status).toBe(400);
  });

  it("validates names like the service: letters, digits and dashes, 1-127, case-insensitive", async () => {
    const { call } = await start();

    const statuses = [
      (await call("PUT", "/secrets/my_secret", { value: "x" })).status,
      (await call("PUT", `/secrets/${"a".repeat(128)}`, { value: "x" })).status,
      (await call("PUT", `/secrets/${"a".repeat(127)}`, { value: "x" })).status,
      (await call("PUT", "/secrets/Mixed-Case-1", { value: "x" })).status,
      (await call("GET", "/secrets/mixed-case-1/")).status,
    ];

    expect(statuses).toEqual([400, 400, 200, 200, 200]);
  });

  it("keeps versions in creation order, serves the newest as latest, and refuses a disabled one", async () => {
    const { fake, call } = await start();
    const first = fake.seed("s", "one")!;
    fake.seed("s", "two");

    const latest = await call("GET", "/secrets/s/");
    await call("PATCH", `/secrets/s/${first}`, { attributes: { enabled: false } });
    const disabled = await call("GET", `/secrets/s/${first}`);

    expect(latest.body.value).toBe("two");
    expect(fake.versions("s").map((v) => [v.value, v.enabled])).toEqual([["one", false], ["two", true]]);
    expect(disabled.status).toBe(403);
    expect(disabled.body).toEqual({ error: { code: "Forbidden", message: "Operation get is not allowed on a disabled secret.", innererror: { code: "SecretDisabled" } } });
  });

  it("throttles with Retry-After, fails with 503 the number of times asked, and logs no bodies", async () => {
    const { fake, call } = await start();
    fake.throttle({ times: 1, retryAfterSeconds: 7, operations: ["set"] });
    fake.unavailable({ times: 1 });

    const throttled = await call("PUT", "/secrets/s", { value: "secret-value" });
    const unavailable = await call("GET", "/secrets/s/");
    const fine = await call("GET", "/secrets/s/");

    expect([throttled.status, throttled.headers.get("retry-after"), unavailable.status, fine.status]).toEqual([429, "7", 503, 404]);
    expect(JSON.stringify(fake.requests)).not.toContain("secret-value");
  });

  it("keeps its secrets in a state file across restarts, for the demo sandbox", async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), "akv-fake-")), "vault.json");
    const before = await start({ stateFile });
    before.fake.seed("kept", "value-1");
    await before.fake.close();

    const after = await start({ stateFile });

    expect(after.fake.latestValue("kept")).toBe("value-1");
  });
});
