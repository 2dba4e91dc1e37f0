// Every bad config in the shared table, through the real CLI: `run` exits 2 before any side effect
// (no .env file appears in its working directory), and stderr names the file and every problem.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BAD_CONFIG_CASES, caseEnvironment, writeCase } from "../config/bad-config-cases.js";
import { runCli } from "../support/cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "key-rotator-cli-bad-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("key-rotator run with a bad config", () => {
  it.concurrent.each(BAD_CONFIG_CASES)("$name: exit 2, names the path", async (c) => {
    const path = writeCase(dir, c);

    const result = await runCli(["run", "--config", path], { cwd: dir, env: caseEnvironment(c) });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`invalid config ${path}`);
    for (const expected of c.expect) expect(result.stderr).toContain(expected);
    for (const value of Object.values(caseEnvironment(c)).filter((v) => v.length >= 8)) expect(result.stderr).not.toContain(value);
    expect(result.stdout).toBe("");
    expect(existsSync(join(dir, ".env"))).toBe(false);
  });

  it("counts at least 20 kinds", () => {
    expect(BAD_CONFIG_CASES.length).toBeGreaterThanOrEqual(20);
  });
});
