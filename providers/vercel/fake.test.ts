// The fake itself, over plain HTTP: what it must never do (return a sensitive value), the auth and
// upsert rules the destination's tests rely on, and the spec check that guards every request.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startVercelFake, type FakeRequest, type VercelFake } from "./fake.js";
import { specProblems } from "./spec-check.js";

let fake: VercelFake;

beforeEach(async () => {
  fake = await startVercelFake({ timings: { queuedMs: 0, buildingMs: 0, aliasMs: 0 } });
});

afterEach(async () => {
  await fake.close();
});

async function call(method: string, path: string, body?: unknown, token = fake.token) {
  const response = await fetch(`${fake.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("vercel fake", () => {
  it("never returns a sensitive value, decrypted or not, and keeps it out of its request log", async () => {
    const id = fake.seedEnv("SECRET", "s3cr3t-value", ["production"], "sensitive");

    const list = await call("GET", "/v10/projects/prj_fake/env?decrypt=true&teamId=team_fake");
    const one = await call("GET", `/v1/projects/prj_fake/env/${id}?teamId=team_fake`);
    await call("POST", "/v10/projects/prj_fake/env?upsert=true&teamId=team_fake", { key: "OTHER", value: "s3cr3t-two", type: "sensitive", target: ["preview"] });

    expect(JSON.stringify([list.json, one.json])).not.toContain("s3cr3t");
    expect(one.json).toMatchObject({ decrypted: false, value: "" });
    expect(JSON.stringify(fake.requests())).not.toContain("s3cr3t");
  });

  it("answers 401 to a wrong token, 403 to another team, 404 to a team project without teamId", async () => {
    expect((await call("GET", "/v10/projects/prj_fake/env?teamId=team_fake", undefined, "nope")).status).toBe(401);
    expect((await call("GET", "/v10/projects/prj_fake/env?teamId=team_x")).status).toBe(403);
    expect((await call("GET", "/v10/projects/prj_fake/env")).status).toBe(404);
  });

  it("upserts an exact record, reports overlaps and sensitive+development in failed[] with 201", async () => {
    fake.seedEnv("K", "one", ["production", "preview"]);

    const exact = await call("POST", "/v10/projects/prj_fake/env?upsert=true&teamId=team_fake", [{ key: "K", value: "two", type: "encrypted", target: ["production", "preview"] }]);
    const overlap = await call("POST", "/v10/projects/prj_fake/env?upsert=true&teamId=team_fake", [{ key: "K", value: "three", type: "encrypted", target: ["production"] }]);
    const sensitive = await call("POST", "/v10/projects/prj_fake/env?teamId=team_fake", { key: "S", value: "x", type: "sensitive", target: ["development"] });

    expect([exact.status, overlap.status, sensitive.status]).toEqual([201, 201, 201]);
    expect(exact.json.failed).toEqual([]);
    expect(overlap.json.failed).toEqual([{ error: expect.objectContaining({ code: "ENV_CONFLICT" }) }]);
    expect(sensitive.json.failed).toEqual([{ error: expect.objectContaining({ code: "invalid_target" }) }]);
    expect(fake.envValue("K", "preview")).toBe("two");
  });

  it("serves from the deployment aliased last, each with the env of its creation", async () => {
    fake.seedEnv("K", "one", ["production"]);
    fake.deploy();
    fake.seedEnv("K", "two", ["production"]);

    expect(fake.liveValue("K")).toBe("one");
    fake.deploy();
    expect(fake.liveValue("K")).toBe("two");
  });
});

describe("spec check", () => {
  const request = (overrides: Partial<FakeRequest>): FakeRequest => ({
    method: "POST",
    path: "/v10/projects/prj_1/env",
    route: "env.create",
    query: { upsert: "true" },
    body: [{ key: "K", value: "[redacted]", type: "encrypted", target: ["production"] }],
    status: 201,
    ...overrides,
  });

  it("accepts a request the spec declares", () => {
    expect(specProblems(request({}))).toEqual([]);
  });

  it("flags unknown operations, undeclared query parameters, body fields and enum values", () => {
    expect(specProblems(request({ path: "/v11/projects/prj_1/env" }))).toEqual(["POST /v11/projects/prj_1/env: no such operation in the spec"]);
    expect(specProblems(request({ query: { upsert: "true", force: "1" } }))).toEqual([
      "POST /v10/projects/prj_1/env: query parameter force is not declared for /v10/projects/{idOrName}/env",
    ]);
    expect(specProblems(request({ body: [{ key: "K", value: "v", type: "encrypted", target: ["production"], note: "x" }] }))).toHaveLength(1);
    expect(specProblems(request({ method: "POST", path: "/v13/deployments", query: { forceNew: "yes" }, body: { name: "app" } }))).toEqual([
      'POST /v13/deployments: query forceNew=yes not in ["0","1"]',
    ]);
  });
});
