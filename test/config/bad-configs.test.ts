// Every bad config in the shared table fails to load with a ConfigError whose issues name the path
// and the fix, all at once, without ever quoting a value taken from the environment.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { destinationTypes, loadConfig } from "../../src/config/load.js";
import { BAD_CONFIG_CASES, caseEnvironment, writeCase, type BadConfigCase } from "./bad-config-cases.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "key-rotator-bad-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function issuesOf(c: BadConfigCase): Promise<string[]> {
  const path = writeCase(dir, c);

  const error: unknown = await loadConfig({ path, env: caseEnvironment(c) }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues;
}

describe("bad configs", () => {
  it("has at least 24 cases, each with a distinct name and an expectation", () => {
    const names = BAD_CONFIG_CASES.map((c) => c.name);

    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(24);
    expect(BAD_CONFIG_CASES.every((c) => c.expect.length > 0)).toBe(true);
  });

  it.each(BAD_CONFIG_CASES)("$name", async (c) => {
    const issues = await issuesOf(c);

    const text = issues.join("\n");
    for (const expected of c.expect) expect(text).toContain(expected);
    for (const issue of issues) expect(issue).not.toContain("\n");
    for (const value of Object.values(caseEnvironment(c)).filter((v) => v.length >= 8)) {
      expect(text).not.toContain(value);
    }
  });

  it("reports several problems together, one line each, sorted by path", async () => {
    const c = BAD_CONFIG_CASES.find((candidate) => candidate.name === "several errors at once") as BadConfigCase;

    const issues = await issuesOf(c);

    expect(issues).toEqual([
      "issuer.adminKey: required",
      'keys[0].extra: unknown field "extra"',
      "keys[0].permission: expected one of read, write, admin",
      `keys[1].destinations[0].type: unknown destination type "s3"; expected one of ${destinationTypes().join(", ")}`,
      'keys[1].revokeAfter: expected a duration such as "15m" (a whole number and a unit: ms, s, m, h, d)',
      "schedule.timezone: expected string, got number (put the value in quotes)",
    ]);
  });
});
