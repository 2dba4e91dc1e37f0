// The vercel destination's config: defaults, the rules Vercel enforces, and the default id.
import { describe, expect, it } from "vitest";
import { defaultId, vercelConfigSchema } from "./schema.js";

const minimal = { type: "vercel", project: "prj_123", key: "MGA_API_KEY", targets: ["production"], token: "t" };

function issues(input: unknown): string[] {
  const result = vercelConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("vercel config", () => {
  it("fills the defaults", () => {
    const config = vercelConfigSchema.parse(minimal);

    expect(config).toEqual({
      ...minimal,
      envType: "encrypted",
      redeploy: true,
      apiUrl: "https://api.vercel.com",
      deploymentTimeout: "15m",
      pollInterval: "5s",
    });
  });

  it("refuses sensitive for development, as Vercel does", () => {
    expect(issues({ ...minimal, envType: "sensitive", targets: ["production", "development"] })).toEqual([
      "targets: Vercel does not allow sensitive variables for development: drop development or use envType: encrypted",
    ]);
  });

  it("refuses a redeploy that would not carry any configured target", () => {
    expect(issues({ ...minimal, targets: ["preview"] })).toEqual([
      "redeploy: the redeploy is of production, which is not among targets: add production, or set redeploy: false",
    ]);
    expect(issues({ ...minimal, targets: ["preview"], redeploy: false })).toEqual([]);
  });

  it("refuses unknown fields, empty or repeated targets, bad names and bad durations", () => {
    expect(issues({ ...minimal, type2: "x" })).toHaveLength(1);
    expect(issues({ ...minimal, targets: [], redeploy: false })).toHaveLength(1);
    expect(issues({ ...minimal, targets: ["production", "production"] })).toEqual(["targets: each target at most once"]);
    expect(issues({ ...minimal, key: "1BAD" })).toHaveLength(1);
    expect(issues({ ...minimal, deploymentTimeout: "15 minutes" })).toHaveLength(1);
    expect(issues({ ...minimal, envType: "plain" })).toHaveLength(1);
  });

  it("describes every field, for the generated JSON Schema", () => {
    const described = Object.entries(vercelConfigSchema.shape).filter(([, field]) => !field.description);

    expect(described.map(([name]) => name)).toEqual(["type"]);
  });

  it("derives the id from project and variable", () => {
    expect(defaultId(vercelConfigSchema.parse(minimal))).toBe("vercel:prj_123#MGA_API_KEY");
  });
});
