// The `railway` config: defaults, the shared-variable rule, strictness, descriptions and defaultId.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defaultId, railwayConfigSchema, servicesToRedeploy } from "./schema.js";

const minimal = {
  type: "railway",
  projectId: "prj_1",
  environmentId: "env_1",
  serviceId: "svc_1",
  variable: "MGA_API_KEY",
  token: "t",
};

describe("railway config", () => {
  it("fills in the defaults", () => {
    const config = railwayConfigSchema.parse(minimal);

    expect(config).toEqual({
      ...minimal,
      tokenType: "account",
      redeploy: true,
      apiUrl: "https://backboard.railway.com/graphql/v2",
      deploymentTimeout: "15m",
      pollInterval: "5s",
    });
    expect(servicesToRedeploy(config)).toEqual(["svc_1"]);
  });

  it("requires redeployServices for a shared variable that is redeployed", () => {
    const { serviceId: _omitted, ...shared } = minimal;

    const result = railwayConfigSchema.safeParse(shared);

    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["redeployServices"], message: expect.stringContaining("required for a shared variable") }),
    ]);
    expect(railwayConfigSchema.safeParse({ ...shared, redeploy: false }).success).toBe(true);
    expect(servicesToRedeploy(railwayConfigSchema.parse({ ...shared, redeployServices: ["a", "b"] }))).toEqual(["a", "b"]);
  });

  it("rejects unknown fields, bad token types, bad durations and a zero poll interval", () => {
    expect(railwayConfigSchema.safeParse({ ...minimal, replace: true }).success).toBe(false);
    expect(railwayConfigSchema.safeParse({ ...minimal, tokenType: "personal" }).success).toBe(false);
    expect(railwayConfigSchema.safeParse({ ...minimal, deploymentTimeout: "15 minutes" }).success).toBe(false);
    expect(railwayConfigSchema.safeParse({ ...minimal, pollInterval: "0s" }).success).toBe(false);
  });

  it("describes every field", () => {
    const undescribed = Object.entries(railwayConfigSchema.shape)
      .filter(([, field]) => !(field as z.ZodType).description)
      .map(([name]) => name);

    expect(undescribed).toEqual([]);
    expect(railwayConfigSchema.description).toBeDefined();
  });

  it("derives a stable id from the location, with `shared` for a shared variable", () => {
    expect(defaultId(railwayConfigSchema.parse(minimal))).toBe("railway:prj_1/env_1/svc_1#MGA_API_KEY");
    expect(defaultId({ projectId: "p", environmentId: "e", variable: "V" })).toBe("railway:p/e/shared#V");
  });

  it("converts to JSON Schema for editor completion", () => {
    const json = z.toJSONSchema(railwayConfigSchema, { io: "input" }) as { properties: Record<string, { description?: string }> };

    expect(json.properties.tokenType?.description).toContain("Project-Access-Token");
  });
});
