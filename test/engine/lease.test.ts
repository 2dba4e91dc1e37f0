// A run whose lease was taken over (it stalled past its lease and another run took the key) stops
// saving at once: it never verifies or revokes on top of the other run's work.
import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/engine-harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("a lost lease", () => {
  it("stops the run before its next journal write, leaving the old key valid", async () => {
    harness = await startHarness();
    const h = harness;
    h.mga.fault("sendMessage", { latencyMs: 2_500, times: 1 });
    h.runtime.deps.events = (event) => {
      if (event.type !== "started") return;
      // Another run on another host takes the key's lock over, as after an expired lease.
      const state = JSON.parse(readFileSync(h.statePath, "utf8"));
      const now = Date.now();
      const at = (ms: number) => new Date(ms).toISOString();
      state.locks[event.keyId] = { ownerId: "intruder", host: "another-host", pid: 1, acquiredAt: at(now), expiresAt: at(now + 60_000) };
      writeFileSync(h.statePath, JSON.stringify(state));
    };

    const [outcome] = await h.tick();

    expect(outcome?.action).toBe("failed");
    expect(outcome && "error" in outcome ? outcome.error : "").toContain("lease was lost");
    expect(h.mga.isValid(h.original.secret)).toBe(true);
    const record = (await h.runtime.deps.store.load("production-server"))?.record;
    expect(record?.rotation?.phase).toBe("deployed");
    expect(h.mga.requests.filter((r) => r.endpoint === "revokeKey")).toEqual([]);
  });
});
