// The CLI as an operator uses it: every command through the real binary, exit codes and output.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startCliWorld, type CliWorld } from "../support/cli-world.js";

let world: CliWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const writes = (w: CliWorld) => w.mga.requests.filter((r) => r.method !== "GET" && r.endpoint !== "sendMessage");

describe("key-rotator CLI", () => {
  it("prints help and exits 0; an unknown command exits 2", async () => {
    const help = await runCli(["--help"]);
    const unknown = await runCli(["rotate-everything"]);

    expect(help.code).toBe(0);
    for (const command of ["run", "status", "plan", "history", "rollback", "validate", "demo"]) expect(help.stdout).toContain(command);
    expect(unknown.code).toBe(2);
  });

  it("plan says a never-rotated key is due now, and touches nothing", async () => {
    world = await startCliWorld();

    const plan = await world.cli(["plan", "--json"]);

    expect(plan.code).toBe(0);
    const [key] = JSON.parse(plan.stdout).keys;
    expect(key.action).toBe("rotate");
    expect(key.why).toContain("never rotated");
    expect(key.oldKeys.map((k: { id: string }) => k.id)).toEqual([world.original.id]);
    expect(writes(world)).toEqual([]);
    expect(await world.envValues()).toEqual([world.original.secret, world.original.secret]);
  });

  it("status and history describe a finished rotation", async () => {
    world = await startCliWorld();
    await world.cli(["run"]);

    const status = JSON.parse((await world.cli(["status", "--json"])).stdout).keys[0];
    const history = JSON.parse((await world.cli(["history", "--json"])).stdout).history;

    const held = (await world.envValues())[0]!;
    expect(status.activeKey.prefix).toBe(held.slice(0, 12));
    expect(status.phase).toBe("idle");
    const dueInDays = (Date.parse(status.nextDueAt) - Date.parse(status.lastRotatedAt)) / 86_400_000;
    expect(dueInDays).toBe(90);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ outcome: "succeeded", reason: "never-rotated", revoked: [world.original.id] });
  });

  it("revokes every old key when destinations hold different ones, and plan says so first", async () => {
    world = await startCliWorld();
    const other = world.mga.seedKey({ name: "Stale copy", permission: "write" });
    await writeFile(join(world.dir, "app1.env"), `MGA_API_KEY=${other.secret}\n`);

    const plan = await world.cli(["plan"]);
    const run = await world.cli(["run"]);

    expect(plan.stdout).toContain("destinations hold 2 different keys");
    expect(run.code).toBe(0);
    expect(world.mga.isValid(world.original.secret)).toBe(false);
    expect(world.mga.isValid(other.secret)).toBe(false);
  });

  it("fails before creating anything when the key in use cannot be identified", async () => {
    world = await startCliWorld();
    await writeFile(join(world.dir, "app0.env"), "MGA_API_KEY=mga_sk_unknownvalue000000000000000000000000000\n");
    await writeFile(join(world.dir, "app1.env"), "PORT=1\n");

    const run = await world.cli(["run"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("currentKeyId");
    expect(world.mga.requests.filter((r) => r.endpoint === "createKey")).toEqual([]);
  });

  it("rollback abandons a rotation waiting out its grace: old value back, new key revoked", async () => {
    world = await startCliWorld({ revokeAfter: "1h" });
    const run = await world.cli(["run"]);
    const newValue = (await world.envValues())[0]!;

    const rollback = await world.cli(["rollback", "--key", "production-server"]);
    const again = await world.cli(["rollback", "--key", "production-server"]);

    expect(run.stdout).toContain("revoked after");
    expect(rollback.code).toBe(0);
    expect(await world.envValues()).toEqual([world.original.secret, world.original.secret]);
    expect(world.mga.isValid(world.original.secret)).toBe(true);
    expect(world.mga.isValid(newValue)).toBe(false);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no rotation in flight");
  });

  it("rollback without a seal key cannot bring back .env values once written: keeps the new key valid and says so", async () => {
    world = await startCliWorld({ revokeAfter: "1h", seal: false });
    await world.cli(["run"]);
    const newValue = (await world.envValues())[0]!;

    const rollback = await world.cli(["rollback", "--key", "production-server"]);

    expect(rollback.code).toBe(1);
    expect(rollback.stdout).toContain("is no longer known");
    expect(await world.envValues()).toEqual([newValue, newValue]);
    expect(world.mga.isValid(newValue)).toBe(true);
    expect(world.mga.isValid(world.original.secret)).toBe(true);
  });

  it("rejects an unknown --key with exit 2 and does nothing", async () => {
    world = await startCliWorld();

    const run = await world.cli(["run", "--key", "nope"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown key id "nope"');
    expect(writes(world)).toEqual([]);
  });

  it("exits 2 before any side effect when an environment variable is missing", async () => {
    world = await startCliWorld();

    const run = await world.cli(["run"], { env: { MGA_ADMIN_KEY: undefined } });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("MGA_ADMIN_KEY");
    expect(world.mga.requests).toEqual([]);
  });

  it("validate checks the config only", async () => {
    world = await startCliWorld();

    const validate = await world.cli(["validate"]);

    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain("valid (1 keys, 2 destinations)");
    expect(world.mga.requests).toEqual([]);
  });
});
