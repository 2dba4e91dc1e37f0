// `key-rotator demo` as a newcomer runs it: the built CLI as a process, every sandbox part (a .env
// file and the fakes of AWS, GCP, Azure, Vercel and Railway), a real rotation, its own checks. Its
// output, debug logs included, must show prefixes and fingerprints only, never a key or a token.
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

/** An MGA key is `mga_sk_` + 40 characters; the demo may show the 12-character prefix (`mga_sk_` + 5) only. */
const KEY_VALUE = /mga_sk_[A-Za-z0-9]{6,}/g;
const SANDBOX_TOKENS = /sandbox-(vercel|key-vault)-token|ya29\.sandbox|fake-railway-[a-z]+-token|sandbox-dummy-secret-access-key/g;

describe("key-rotator demo", () => {
  it("rotates through all six destination types and passes its checks, printing no key value", async () => {
    const result = await runCli(["demo", "--log-level", "debug"]);
    const output = `${result.stdout}\n${result.stderr}`;

    expect(result.code, output).toBe(0);
    expect(result.stdout).toContain("Demo passed");
    for (const consumer of [".env file", "AWS Secrets Manager", "GCP Secret Manager", "Azure Key Vault", "Vercel", "Railway"]) {
      expect(result.stdout).toMatch(new RegExp(`ok {3}${consumer.replace(/\./g, "\\.")}`));
    }
    for (const phase of ["create", "deploy", "verify", "revoke"]) expect(result.stdout).toMatch(new RegExp(`^ {2}${phase} +\\d+ ms$`, "m"));
    expect(output.match(KEY_VALUE) ?? []).toEqual([]);
    expect(output.match(SANDBOX_TOKENS) ?? []).toEqual([]);
    expect(result.stderr).not.toContain("NodeVersionSupportWarning");
  });
});
