import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { destinationContract } from "../../test/contract/destination-contract.js";
import type { DestinationContext } from "../../src/core/destination.js";
import { AccessDeniedError, DestinationError } from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { readVariable, removeVariable, setVariable } from "./dotenv-format.js";
import { createDestination } from "./index.js";
import { type ChildWriteResult, isRoot, NOBODY, recordingContext, tempDir, writeInChild } from "./test-support.js";

const VARIABLE = "MGA_API_KEY";
const ctx: DestinationContext = { rotationId: "rot-1", token: "rot-1-token", round: "rot-1:deploy" };
const secret = (label: string) => new SecretValue(`mga_sk_${label}_${Math.random().toString(36).slice(2)}`);

destinationContract(
  "dotenv",
  async () => {
    const { dir, cleanup } = await tempDir();
    const path = join(dir, ".env");
    await writeFile(path, "# app settings\nOTHER=1\n");
    const destination = createDestination({ type: "dotenv", path, variable: VARIABLE }, recordingContext().context);
    const current = () => readFile(path, "utf8").catch(() => "");
    return {
      destination,
      async seed(value) {
        const text = await current();
        await writeFile(path, value === undefined ? removeVariable(text, VARIABLE) : setVariable(text, VARIABLE, value));
      },
      consumerValue: async () => readVariable(await current(), VARIABLE),
      cleanup,
    };
  },
  { supportsAbsent: true, injectsFailures: false },
);

describe("dotenv destination", () => {
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

  it("derives its id from path and variable, unless the config names one, and declares its capabilities", () => {
    const named = createDestination({ type: "dotenv", id: "local", path: "app/.env", variable: "K" }, recordingContext().context);
    const derived = createDestination({ type: "dotenv", path: "app/.env", variable: "K" }, recordingContext().context);

    expect([named.id, derived.id, derived.describe()]).toEqual(["local", "dotenv:app/.env#K", ".env file app/.env (K)"]);
    expect(derived.capabilities).toEqual({ readable: true, versioned: false, needsRedeploy: false, idempotencyToken: false });
  });

  it("reads absent when the file or the variable is missing", async () => {
    const destination = destinationFor();

    const missingFile = await destination.read();
    await writeFile(path, "OTHER=1\n");
    const missingVariable = await destination.read();

    expect([missingFile, missingVariable]).toEqual([{ kind: "absent" }, { kind: "absent" }]);
  });

  it("replaces the value in place and keeps every other byte of the file", async () => {
    const text = "# app\r\n\r\nexport MGA_API_KEY=\"old\" # rotated\r\nDATABASE_URL='postgres://x'\r\n  # end";
    await writeFile(path, text);
    const fresh = secret("new");

    await destinationFor().write(fresh, ctx);

    expect(await readFile(path, "utf8")).toBe(text.replace('"old"', `"${fresh.reveal()}"`));
  });

  it("creates a missing file, and nothing else, with mode 0600", async () => {
    const fresh = secret("new");

    await destinationFor().write(fresh, ctx);

    expect(await readFile(path, "utf8")).toBe(`${VARIABLE}=${fresh.reveal()}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([".env"]);
  });

  it("keeps the file's mode and owner", async () => {
    await writeFile(path, "MGA_API_KEY=old\n");
    await chmod(path, 0o640);
    if (isRoot) await chown(path, NOBODY, NOBODY);
    const before = await stat(path);

    await destinationFor().write(secret("new"), ctx);

    const after = await stat(path);
    expect([after.mode & 0o7777, after.uid, after.gid]).toEqual([0o640, before.uid, before.gid]);
    expect(after.ino).not.toBe(before.ino); // replaced by rename, not rewritten in place
  });

  it("restores the previous value, or removes the variable when there was none", async () => {
    const original = "A=1\n# keep me\nB=2";
    await writeFile(path, original);
    const destination = destinationFor();
    const before = await destination.read();
    await destination.write(secret("new"), ctx);

    await destination.restore(before, ctx);

    expect(before).toEqual({ kind: "absent" });
    expect(await readFile(path, "utf8")).toBe(original);
  });

  it("restores a value in place", async () => {
    await writeFile(path, "MGA_API_KEY='old' # k\nB=2\n");
    const destination = destinationFor();
    const before = await destination.read();
    await destination.write(secret("new"), ctx);

    await destination.restore(before, ctx);

    expect(await readFile(path, "utf8")).toBe("MGA_API_KEY='old' # k\nB=2\n");
  });

  it("refuses to restore a value it could not read", async () => {
    await expect(destinationFor().restore({ kind: "unreadable" }, ctx)).rejects.toBeInstanceOf(DestinationError);
  });

  it("confirms by fingerprint and reports a mismatch when the variable is gone", async () => {
    const fresh = secret("new");
    const destination = destinationFor();
    await destination.write(fresh, ctx);

    const confirmed = await destination.confirm(fresh.fingerprint, ctx);
    await writeFile(path, "OTHER=1\n");
    const gone = await destination.confirm(fresh.fingerprint, ctx);

    expect([confirmed, gone]).toEqual(["confirmed", "mismatch"]);
  });

  it("updates the last of repeated assignments and warns with their line numbers, not values", async () => {
    await writeFile(path, "MGA_API_KEY=first\nA=1\nMGA_API_KEY=second\n");
    const { context, lines } = recordingContext();
    const destination = createDestination({ type: "dotenv", path, variable: VARIABLE }, context);
    const fresh = secret("new");

    await destination.write(fresh, ctx);

    expect(await readFile(path, "utf8")).toBe(`MGA_API_KEY=first\nA=1\nMGA_API_KEY=${fresh.reveal()}\n`);
    const warning = lines.map((line) => JSON.parse(line) as { level: number; lines?: number[] }).find((line) => line.level === 40);
    expect(warning?.lines).toEqual([1, 3]);
    expect(lines.join("")).not.toMatch(/first|second|mga_sk_/);
  });

  it("refuses to replace a multi-line value, naming the file but not the value", async () => {
    await writeFile(path, 'MGA_API_KEY="line1\nline2"\n');
    const fresh = secret("new");

    const error = await destinationFor().write(fresh, ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).not.toMatch(/line1|mga_sk_/);
  });

  it("refuses to rewrite a file that is not valid UTF-8, since other lines would change", async () => {
    const latin1 = Buffer.from("# caf\xe9\nMGA_API_KEY=old\n", "latin1");
    await writeFile(path, latin1);

    const error = await destinationFor().write(secret("new"), ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toMatch(/not valid UTF-8/);
    expect(await readFile(path)).toEqual(latin1);
  });

  it("fails with a DestinationError, creating nothing, when the directory is missing", async () => {
    const missing = join(dir, "no-such-dir", ".env");

    const error = await destinationFor(VARIABLE, missing).write(secret("new"), ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toMatch(/directory does not exist/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails with a DestinationError when a part of the path is a file (ENOTDIR)", async () => {
    await writeFile(join(dir, "file"), "");
    const destination = destinationFor(VARIABLE, join(dir, "file", ".env"));

    const errors = await Promise.all([destination.read(), destination.write(secret("new"), ctx)].map((p) => p.catch((e: unknown) => e)));

    for (const error of errors) {
      expect(error).toBeInstanceOf(DestinationError);
      expect((error as Error).message).toMatch(/not a directory/);
    }
  });

  it("maps permission denied to AccessDeniedError naming the path and the access it needs, not the value", async () => {
    // Root ignores file modes, so a root test run meets the denial in a child running as nobody.
    const locked = join(dir, "locked");
    await mkdir(locked);
    await writeFile(join(locked, ".env"), "MGA_API_KEY=old\n");
    await chmod(locked, 0o555);
    await chmod(dir, 0o755);
    const fresh = secret("new");
    const file = join(locked, ".env");

    const error: ChildWriteResult = isRoot
      ? await writeInChild({ scriptDir: dir, path: file, variable: VARIABLE, value: fresh.reveal(), uid: NOBODY })
      : await destinationFor(VARIABLE, file).write(fresh, ctx).then(() => ({ ok: true }), (e: Error & { code?: string }) => e);

    expect({ name: error.name, code: error.code }).toEqual({ name: new AccessDeniedError("").name, code: "ACCESS_DENIED" });
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/read and write access to the file and write access to its directory/);
    expect(error.message).not.toContain(fresh.reveal());
    expect(await readFile(file, "utf8")).toBe("MGA_API_KEY=old\n");
    await chmod(locked, 0o755);
  });
});
