// Atomic replacement and in-process serialization of .env writes, on real files.
import { lstat, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DestinationContext } from "../../src/core/destination.js";
import { SecretValue } from "../../src/core/secret.js";
import { readVariable } from "./dotenv-format.js";
import { createDestination } from "./index.js";
import { recordingContext, tempDir } from "./test-support.js";

const VARIABLE = "MGA_API_KEY";
const DEAD_PID = 2 ** 22 + 12_345; // above Linux's pid_max: no such process
const ctx: DestinationContext = { rotationId: "rot-1", token: "rot-1-token", round: "rot-1:deploy" };
const secret = (label: string) => new SecretValue(`mga_sk_${label}_${Math.random().toString(36).slice(2)}`);

describe("dotenv file writes", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let path: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    path = join(dir, ".env");
  });
  afterEach(() => cleanup());
  const destinationFor = (variable = VARIABLE, file = path) =>
    createDestination({ type: "dotenv", path: file, variable }, recordingContext().context);

  it("lands every write when many destinations share one file and write in parallel", async () => {
    await writeFile(path, "# shared\n");
    const variables = Array.from({ length: 12 }, (_, i) => `KEY_${i}`);
    const values = variables.map((variable) => secret(variable));

    await Promise.all(variables.map((variable, i) => destinationFor(variable).write(values[i]!, ctx)));

    const text = await readFile(path, "utf8");
    expect(variables.map((variable) => readVariable(text, variable))).toEqual(values.map((v) => v.reveal()));
    expect(await readdir(dir)).toEqual([".env"]);
  });

  it("writes through a symlink to its target and keeps the link, serialized with writes to the target", async () => {
    const target = join(dir, "real.env");
    const link = join(dir, ".env");
    await writeFile(target, "A=1\n");
    await symlink(target, link);

    await Promise.all([destinationFor("VIA_LINK", link).write(secret("a"), ctx), destinationFor("DIRECT", target).write(secret("b"), ctx)]);

    expect((await readdir(dir)).sort()).toEqual([".env", "real.env"]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    const text = await readFile(target, "utf8");
    expect([readVariable(text, "A"), readVariable(text, "VIA_LINK") !== undefined, readVariable(text, "DIRECT") !== undefined]).toEqual(["1", true, true]);
  });

  it("never lets a concurrent reader see a partial file while it rewrites a large one", async () => {
    const filler = Array.from({ length: 10_000 }, (_, i) => `FILLER_${i}=${"x".repeat(40)}`).join("\n");
    await writeFile(path, `${VARIABLE}=start\n${filler}\nEND=1\n`);
    const destination = destinationFor();
    const written = new Set(["start"]);
    let writing = true;
    const torn: number[] = [];
    const reader = (async () => {
      let reads = 0;
      while (writing || reads === 0) {
        const text = await readFile(path, "utf8");
        const value = text.slice(VARIABLE.length + 1, text.indexOf("\n"));
        if (!text.endsWith("\nEND=1\n") || !written.has(value)) torn.push(text.length);
        reads++;
      }
      return reads;
    })();

    for (let i = 0; i < 20; i++) {
      const value = secret(`v${i}`);
      written.add(value.reveal());
      await destination.write(value, ctx);
    }
    writing = false;

    expect(await reader).toBeGreaterThan(1);
    expect(torn).toEqual([]);
    expect(await readdir(dir)).toEqual([".env"]);
  });

  it("removes temp files a killed writer left behind, and only those", async () => {
    await writeFile(path, "A=1\n");
    const abandoned = `..env.${DEAD_PID}.0123456789ab.tmp`;
    const live = `..env.${process.pid}.0123456789ab.tmp`;
    await writeFile(join(dir, abandoned), "MGA_API_KEY=leaked\n");
    await writeFile(join(dir, live), "in progress");
    await writeFile(join(dir, "..env.local.tmp"), "not ours");

    await destinationFor().write(secret("new"), ctx);

    expect((await readdir(dir)).sort()).toEqual([".env", "..env.local.tmp", live].sort());
  });
});
