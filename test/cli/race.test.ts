// Invariant 5: two runs at once never rotate the same managed key together. Two real CLI processes
// start together on one key; key creation is slowed so their runs overlap.
import { afterEach, describe, expect, it } from "vitest";
import { startCliWorld, type CliWorld } from "../support/cli-world.js";
import { assertNoOrphans } from "../support/invariants.js";

let world: CliWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("invariant 5: two CLI processes started together on one key", () => {
  it("exactly one rotates; the other exits 3 and touches nothing", async () => {
    world = await startCliWorld();
    world.mga.fault("createKey", { latencyMs: 1_500, times: 1 });

    const results = await Promise.all([world.cli(["run"]), world.cli(["run"])]);

    const codes = results.map((r) => r.code).sort();
    expect(codes).toEqual([0, 3]);
    const created = world.mga.keys().filter((k) => k.name.includes(" · rot-"));
    expect(created).toHaveLength(1);
    const history = JSON.parse((await world.cli(["history", "--json"])).stdout).history;
    expect(history.map((h: { outcome: string }) => h.outcome)).toEqual(["succeeded"]);
    const loser = results.find((r) => r.code === 3)!;
    expect(loser.stdout).toContain("locked by another run");
    await assertNoOrphans(world);
  });

  it("a second run after the first one finished finds nothing due", async () => {
    world = await startCliWorld();

    const first = await world.cli(["run"]);
    const second = await world.cli(["run", "--json"]);

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).outcomes[0].action).toBe("not-due");
  });
});
