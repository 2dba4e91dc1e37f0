// Invariant 4: a crash (SIGKILL of the real CLI process) at any journal point, then another run,
// converges: the rotation completes or rolls back, every destination holds one valid key, no orphan
// keys, nothing in flight. Deterministic failpoints on both sides of every journal write, plus kills
// at random moments.
import { afterAll, describe, expect, it } from "vitest";
import { JOURNAL_POINTS, ROLLBACK_POINTS } from "../../src/core/journal-writer.js";
import { printed } from "../support/cli.js";
import { startCliWorld, type CliWorld } from "../support/cli-world.js";
import { assertNoOrphans, assertNoSecretIn } from "../support/invariants.js";

const secretsSeen: string[] = [];

async function assertConverged(world: CliWorld, expected: "completed" | "rolled-back"): Promise<void> {
  const values = await world.envValues();
  const held = values[0]!;
  expect(new Set(values).size).toBe(1);
  expect(world.mga.isValid(held)).toBe(true);
  if (expected === "completed") {
    expect(held).not.toBe(world.original.secret);
    expect(world.mga.isValid(world.original.secret)).toBe(false);
  } else {
    expect(held).toBe(world.original.secret);
  }
  await assertNoOrphans(world);
  const status = await world.cli(["status", "--json"]);
  expect(JSON.parse(status.stdout).keys[0].phase).toBe("idle");
  const again = await world.cli(["run"]);
  expect(again.code).toBe(0);
  secretsSeen.push(...world.mga.issuedSecrets());
}

const forward = JOURNAL_POINTS.flatMap((label) => [`before:${label}`, `after:${label}`]);
const backward = ROLLBACK_POINTS.filter((l) => l !== "rollback-incomplete").flatMap((label) => [`before:${label}`, `after:${label}`]);

describe("a crash at every journal point, then another run, converges", () => {
  it.concurrent.each(forward)("on the way forward: %s", async (point) => {
    const world = await startCliWorld();
    try {
      const crashed = await world.cli(["run"], { env: { KEY_ROTATOR_FAILPOINT: point } });
      expect(crashed.signal).toBe("SIGKILL");

      const resumed = await world.cli(["run"]);

      expect(resumed.code).toBe(0);
      await assertConverged(world, "completed");
    } finally {
      await world.close();
    }
  });

  it.concurrent.each(backward)("on the way back from a failed health check: %s", async (point) => {
    const world = await startCliWorld();
    try {
      world.mga.fault("sendMessage", { status: 500 });
      const crashed = await world.cli(["run"], { env: { KEY_ROTATOR_FAILPOINT: point } });
      expect(crashed.signal).toBe("SIGKILL");

      // The health check still fails: the next run finishes the rollback, or rolls a new attempt back.
      const resumed = await world.cli(["run"]);

      expect(resumed.code).toBe(1);
      const values = await world.envValues();
      expect(values.every((v) => v === world.original.secret)).toBe(true);
      expect(world.mga.isValid(world.original.secret)).toBe(true);
      await assertNoOrphans(world);
    } finally {
      await world.close();
    }
  });
});

describe("kills at random moments", () => {
  it("converges after each of 8 random kills", async () => {
    for (let round = 0; round < 8; round++) {
      const world = await startCliWorld({ envFiles: 3 });
      try {
        world.mga.fault("sendMessage", { latencyMs: 50 });
        const killAfterMs = 150 + Math.floor(Math.random() * 400);
        await world.cli(["run"], { killAfterMs });
        world.mga.clearFaults();

        const resumed = await world.cli(["run"]);

        expect(resumed.code, resumed.stderr).toBe(0);
        const values = await world.envValues();
        expect(new Set(values).size).toBe(1);
        expect(world.mga.isValid(values[0]!)).toBe(true);
        await assertNoOrphans(world);
        secretsSeen.push(...world.mga.issuedSecrets());
      } finally {
        await world.close();
      }
    }
  }, 120_000);
});

afterAll(() => {
  assertNoSecretIn(secretsSeen, { "CLI output": printed.join("\n") });
});
