// Keeps the fake honest against Google's own specs, read from the shared specs folder (never copied
// here): the discovery document (paths, methods, query parameters, response schemas) and
// service.proto's HTTP bindings. Requests are the ones the real client sends during a whole session.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { SecretValue } from "../../src/core/secret.js";
import { FAULTS } from "./fake.js";
import { setup, TOKEN, type Setup } from "./test-support.js";

const specs = new URL("../../../shared/specs/gcp-secret-manager/", import.meta.url);

interface Schema {
  type?: string;
  format?: string;
  enum?: string[];
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
}
interface DiscoveryMethod {
  id: string;
  httpMethod: string;
  flatPath: string;
  parameters?: Record<string, { location: string }>;
  response?: { $ref: string };
}
interface DiscoveryResource {
  methods?: Record<string, DiscoveryMethod>;
  resources?: Record<string, DiscoveryResource>;
}
const discovery = JSON.parse(readFileSync(new URL("secretmanager-api.json", specs), "utf8")) as {
  resources: Record<string, DiscoveryResource>;
  schemas: Record<string, Schema>;
};
const serviceProto = readFileSync(new URL("service.proto", specs), "utf8");
const resourcesProto = readFileSync(new URL("resources.proto", specs), "utf8");

function allMethods(resources: Record<string, DiscoveryResource>): DiscoveryMethod[] {
  return Object.values(resources).flatMap((r) => [...Object.values(r.methods ?? {}), ...allMethods(r.resources ?? {})]);
}
const methods = allMethods(discovery.resources);
const flatPathPattern = (flatPath: string) => new RegExp(`^/${flatPath.replace(/\{[^}]+\}/g, "[^/:]+")}$`);
const methodFor = (verb: string, path: string) => methods.find((m) => m.httpMethod === verb && flatPathPattern(m.flatPath).test(path));

/** Problems of `value` against a discovery schema; numeric enums are their index in `enum`. */
function conform(value: unknown, schema: Schema, at: string): string[] {
  if (schema.$ref) return conform(value, discovery.schemas[schema.$ref]!, at);
  if (schema.properties || schema.type === "object") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: not an object`];
    return Object.entries(value).flatMap(([name, field]) => {
      const fieldSchema = schema.properties?.[name] ?? schema.additionalProperties;
      return fieldSchema ? conform(field, fieldSchema, `${at}.${name}`) : [`${at}.${name}: not in the schema`];
    });
  }
  if (schema.type === "array") return Array.isArray(value) ? value.flatMap((v, i) => conform(v, schema.items!, `${at}[${i}]`)) : [`${at}: not an array`];
  if (schema.type === "integer") return Number.isInteger(value) ? [] : [`${at}: not an integer`];
  if (schema.type === "boolean") return typeof value === "boolean" ? [] : [`${at}: not a boolean`];
  if (schema.type === "string") {
    if (schema.enum && typeof value === "number") return schema.enum[value] ? [] : [`${at}: enum index ${value} out of range`];
    if (typeof value !== "string") return [`${at}: not a string`];
    if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${value} not one of ${schema.enum.join(", ")}`];
    if (schema.format === "int64" && !/^-?\d+$/.test(value)) return [`${at}: not an int64 string`];
    if (schema.format === "byte" && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return [`${at}: not base64`];
    if (schema.format === "google-datetime" && (!value.endsWith("Z") || Number.isNaN(Date.parse(value)))) return [`${at}: not RFC 3339 UTC`];
  }
  return [];
}

let world: Setup | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const ctx = { rotationId: "rot-spec", token: "rot-spec-token", round: "rot-spec:deploy" };

/** A whole session: every call the adapter can make, including the rarer ones. */
async function session(w: Setup): Promise<void> {
  await w.destination.read(); // no versions yet: NOT_FOUND, then a look at the secret
  w.fake.seed("mga_sk_old");
  await w.destination.write(new SecretValue("mga_sk_new"), ctx);
  await w.destination.previous!(ctx);
  await w.destination.restore({ kind: "value", value: new SecretValue("mga_sk_old") }, ctx);
  await w.destination.write(new SecretValue("mga_sk_newer"), ctx);
  w.fake.failNext("disable", { kind: "status", httpStatus: 409, status: "ABORTED" });
  await w.destination.retire!([new SecretValue("mga_sk_old").fingerprint], ctx);
  await w.destination.restore({ kind: "absent" }, ctx);
  await w.destination.read();
}

describe("gcp-secret-manager fake vs the discovery document", () => {
  it("serves every request the real client sends at a path and method the API defines, with its query parameters", async () => {
    world = await setup({ disablePrevious: true });
    await session(world);

    const seen = new Set<string>();
    for (const request of world.fake.requests) {
      const method = methodFor(request.method, request.path);
      expect(method, `${request.method} ${request.path}`).toBeDefined();
      seen.add(method!.id);
      const names = [...new URLSearchParams(request.query).keys()].filter((n) => n !== "$alt");
      for (const name of names) expect(method!.parameters?.[name]?.location, `${method!.id} ?${name}`).toBe("query");
    }
    expect([...seen].sort()).toEqual(
      ["addVersion", "get", "versions.access", "versions.disable", "versions.get", "versions.list"].map((m) => `secretmanager.projects.secrets.${m}`),
    );
  });

  it("routes each method it models, global and regional, exactly where the document puts it", async () => {
    world = await setup();
    const modelled = { addVersion: "addVersion", get: "getSecret", "versions.access": "access", "versions.disable": "disable", "versions.enable": "enable", "versions.get": "getVersion", "versions.list": "listVersions" };
    const ids = { projectsId: "demo-project", locationsId: "europe-west1", secretsId: "mga-api-key", versionsId: "1" } as Record<string, string>;

    for (const [suffix, operation] of Object.entries(modelled)) {
      for (const id of [`secretmanager.projects.secrets.${suffix}`, `secretmanager.projects.locations.secrets.${suffix}`]) {
        const method = methods.find((m) => m.id === id)!;
        const path = `/${method.flatPath.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]!)}`;
        await fetch(`${world.fake.apiEndpoint}${path}`, { method: method.httpMethod, headers: { authorization: `Bearer ${TOKEN}` }, ...(method.httpMethod === "POST" ? { body: "{}" } : {}) });
        expect(world.fake.requests.at(-1)!.operation, id).toBe(operation);
      }
    }
  });

  it("answers with bodies that fit SecretVersion, AccessSecretVersionResponse, ListSecretVersionsResponse and Secret", async () => {
    world = await setup();
    world.fake.seed("mga_sk_old");
    const base = `${world.fake.apiEndpoint}/v1/projects/demo-project/secrets/mga-api-key`;
    const call = async (path: string, init: RequestInit = {}) =>
      (await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<unknown>;
    const data = Buffer.from("mga_sk_new").toString("base64");

    for (const alt of ["", "?$alt=json%3Benum-encoding=int"]) {
      const checks: [unknown, string][] = [
        [await call(`:addVersion${alt}`, { method: "POST", body: JSON.stringify({ payload: { data } }) }), "SecretVersion"],
        [await call(`/versions/1:disable${alt}`, { method: "POST", body: "{}" }), "SecretVersion"],
        [await call(`/versions/2${alt}`), "SecretVersion"],
        [await call(`/versions/latest:access${alt}`), "AccessSecretVersionResponse"],
        [await call(`/versions${alt}${alt ? "&" : "?"}pageSize=1`), "ListSecretVersionsResponse"],
        [await call(alt), "Secret"],
      ];
      for (const [body, schema] of checks) expect(conform(body, { $ref: schema }, schema), `${schema} ${alt}`).toEqual([]);
    }
  });

  it("fills in the fields the adapter reads", async () => {
    world = await setup();
    world.fake.seed("mga_sk_old");
    const base = `${world.fake.apiEndpoint}/v1/projects/demo-project/secrets/mga-api-key`;
    const get = async (path: string) => (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<Record<string, unknown>>;

    const version = await get("/versions/1");
    const access = await get("/versions/latest:access");
    const list = await get("/versions?pageSize=1");

    expect(Object.keys(version)).toEqual(expect.arrayContaining(["name", "state", "etag", "createTime"]));
    expect(version.name).toBe("projects/123456789012/secrets/mga-api-key/versions/1");
    expect(access).toMatchObject({ name: expect.stringMatching(/\/versions\/1$/), payload: { data: expect.any(String), dataCrc32c: expect.stringMatching(/^\d+$/) } });
    expect(list).toMatchObject({ versions: [expect.objectContaining({ name: expect.any(String) })], totalSize: 1 });
  });

  it("reports errors the way Google APIs do: {error:{code,message,status}} with the HTTP status as code", async () => {
    world = await setup();
    world.fake.failNext("access", FAULTS.throttled);
    const base = `${world.fake.apiEndpoint}/v1/projects/demo-project/secrets`;
    const responses = [
      await fetch(`${base}/mga-api-key/versions/latest:access`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      await fetch(`${base}/missing/versions/latest:access`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      await fetch(`${base}/mga-api-key/versions/latest:access`),
    ];

    const bodies = await Promise.all(responses.map(async (r) => [r.status, await r.json()] as const));

    expect(bodies).toEqual([
      [429, { error: { code: 429, message: expect.any(String), status: "RESOURCE_EXHAUSTED" } }],
      [404, { error: { code: 404, message: "Secret [projects/demo-project/secrets/missing] not found or has no versions.", status: "NOT_FOUND" } }],
      [401, { error: { code: 401, message: expect.any(String), status: "UNAUTHENTICATED" } }],
    ]);
  });
});

describe("gcp-secret-manager fake vs service.proto and resources.proto", () => {
  const rpcs = new Map<string, { verb: string; template: string; body?: string }[]>();
  for (const match of serviceProto.matchAll(/rpc (\w+)\([^)]*\)\s*returns\s*\([^)]*\)\s*\{([\s\S]*?)\n {2}\}/g)) {
    const bindings = [...match[2]!.matchAll(/(get|post|patch|delete): "([^"]+)"(?:\s*body: "([^"]+)")?/g)];
    rpcs.set(match[1]!, bindings.map((b) => ({ verb: b[1]!.toUpperCase(), template: b[2]!, ...(b[3] ? { body: b[3] } : {}) })));
  }
  const templatePattern = (template: string) =>
    new RegExp(`^${template.replace(/\{\w+=([^}]+)\}/g, (_, p: string) => p.replace(/\*/g, "[^/:]+")).replace(/\{\w+\}/g, "[^/:]+")}$`);

  it("binds every RPC the adapter uses to the path and verb the client sent, with the whole body for POSTs", async () => {
    world = await setup({ disablePrevious: true });
    await session(world);
    const used = { addVersion: "AddSecretVersion", access: "AccessSecretVersion", getVersion: "GetSecretVersion", listVersions: "ListSecretVersions", disable: "DisableSecretVersion", getSecret: "GetSecret" };

    for (const request of world.fake.requests) {
      const bindings = rpcs.get(used[request.operation as keyof typeof used])!;
      const binding = bindings.find((b) => b.verb === request.method && templatePattern(b.template).test(request.path));
      expect(binding, `${request.method} ${request.path}`).toBeDefined();
      if (request.method === "POST") expect(binding!.body).toBe("*");
    }
  });

  it("emits only SecretVersion fields that resources.proto defines", async () => {
    world = await setup();
    world.fake.seed("mga_sk_old");
    const block = /message SecretVersion \{([\s\S]*?)\n\}/.exec(resourcesProto)![1]!;
    const fields = [...block.matchAll(/^\s+(?:[\w.]+) (\w+) = \d+/gm)].map((m) => m[1]!.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()));

    const body = (await (await fetch(`${world.fake.apiEndpoint}/v1/projects/demo-project/secrets/mga-api-key/versions/1`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as object;

    expect(fields).toEqual(expect.arrayContaining(Object.keys(body)));
  });
});
