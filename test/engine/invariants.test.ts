// DESIGN.md's invariants, one by one, against the real engine, issuer, .env files and file store,
// with the fake MGA on 127.0.0.1. (Crashes and racing processes: test/cli/*.test.ts.)
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { readVariable } from "../../providers/dotenv/dotenv-format.js";
import { startHarness, type Harness } from "../support/engine-harness.js";
import { recordingClock } from "../support/recording.js";
import { assertNoOrphans, assertNoSecretIn } from "../support/invariants.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("invariant 1: the old key is revoked only after the new key is verified and everywhere", () => {
  it("revokes after a successful health check, with every destination holding the new key", async () => {
    harness = await startHarness({ envFiles: 3, clock: recordingClock() });
    const h = harness;
    const atRevoke: Array<Array<string | undefined>> = [];
    h.runtime.deps.events = (event) => {
      if (event.type === "revoked") atRevoke.push(h.envPaths.map((p) => readVariable(readFileSync(p, "utf8"), "MGA_API_KEY")));
    };

    const [outcome] = await h.tick();

    expect(outcome?.action).toBe("succeeded");
    const newValue = (await h.envValues())[0]!;
    expect(atRevoke).toEqual([[newValue, newValue, newValue]]);
    const order = h.mga.requests.map((r) => `${r.method} ${r.endpoint} ${r.status}`);
    const verified = order.indexOf("POST sendMessage 200");
    const revoked = order.indexOf("DELETE revokeKey 200");
    expect(verified).toBeGreaterThan(-1);
    expect(revoked).toBeGreaterThan(verified);
    expect(h.mga.isValid(h.original.secret)).toBe(false);
    expect(h.mga.isValid(newValue)).toBe(true);
  });

  it("keeps the old key through the grace period and revokes it on the first tick after", async () => {
    const clock = recordingClock();
    harness = await startHarness({ revokeAfter: "1h", clock });

    const [first] = await harness.tick();
    clock.advance(30 * 60_000);
    const [during] = await harness.tick();
    clock.advance(31 * 60_000);
    const [after] = await harness.tick();

    expect(first?.action).toBe("awaiting-grace");
    expect(during?.action).toBe("awaiting-grace");
    expect(after?.action).toBe("succeeded");
    expect(harness.mga.isValid(harness.original.secret)).toBe(false);
  });

  it("skips the grace period in an emergency", async () => {
    harness = await startHarness({ revokeAfter: "1h", clock: recordingClock() });

    const [outcome] = await harness.tick({ emergency: true });

    expect(outcome?.action).toBe("succeeded");
    expect(harness.mga.isValid(harness.original.secret)).toBe(false);
  });

  it("never revokes when the health check fails: rolls back and the old key still works", async () => {
    harness = await startHarness({ clock: recordingClock() });
    harness.mga.fault("sendMessage", { status: 500 });

    const [outcome] = await harness.tick();

    expect(outcome?.action).toBe("rolled-back");
    expect(await harness.envValues()).toEqual([harness.original.secret, harness.original.secret]);
    expect(harness.mga.isValid(harness.original.secret)).toBe(true);
    expect(harness.mga.requests.filter((r) => r.endpoint === "revokeKey" && r.status === 200)).toHaveLength(1);
    await assertNoOrphans(harness);
  });
});

describe("invariant 2: every destination always holds a valid key", () => {
  it.each([
    ["a successful rotation", undefined],
    ["a failed health check", 500],
    ["a health check denied", 403],
  ])("holds through %s, sampled continuously", async (_name, status) => {
    harness = await startHarness({ envFiles: 3, clock: recordingClock() });
    const h = harness;
    if (status) h.mga.fault("sendMessage", { status });
    const invalid: string[] = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        for (const path of h.envPaths) {
          const value = readVariable(readFileSync(path, "utf8"), "MGA_API_KEY");
          if (!value || !h.mga.isValid(value)) invalid.push(path);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    await h.tick();
    running = false;
    await sampler;

    expect(invalid).toEqual([]);
  });
});

describe("invariant 3: no orphans", () => {
  it("revokes the new key when creation answers an error after creating it", async () => {
    harness = await startHarness({ clock: recordingClock() });
    harness.mga.fault("createKey", { dropResponse: true, times: 10 });

    const [outcome] = await harness.tick();

    expect(outcome?.action).toBe("rolled-back");
    await assertNoOrphans(harness);
    expect(harness.mga.isValid(harness.original.secret)).toBe(true);
  });
});

describe("invariant 6: no key value in logs, journal or history", () => {
  it("keeps every value the fake minted out of logs, the state file and history", async () => {
    harness = await startHarness({ clock: recordingClock() });
    await harness.tick();
    harness.mga.fault("sendMessage", { status: 500 });
    await harness.tick({ force: true });

    const state = readFileSync(harness.statePath, "utf8");
    const history = JSON.stringify(await harness.runtime.deps.store.listHistory());

    assertNoSecretIn(harness.mga.issuedSecrets(), { logs: harness.logs.lines.join("\n"), state, history });
    expect(harness.mga.issuedSecrets().length).toBeGreaterThanOrEqual(4);
  });
});
