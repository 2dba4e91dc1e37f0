// Many simulated 90-day cycles on a fake clock with random faults and in-process crashes at random
// journal points (fast-check): after every step every destination holds a key valid at MGA
// (invariant 2); once the faults stop, one or two more runs converge, with no orphan keys
// (invariant 3) and nothing in flight.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FailpointError } from "../../src/core/errors.js";
import type { Failpoints } from "../../src/core/failpoints.js";
import { JOURNAL_POINTS, ROLLBACK_POINTS } from "../../src/core/journal-writer.js";
import type { FaultSpec } from "../../providers/mga/fake.js";
import { startHarness, type Harness } from "../support/engine-harness.js";
import { assertNoOrphans } from "../support/invariants.js";
import { recordingClock } from "../support/recording.js";

const FAULTS: Record<string, Array<[Parameters<Harness["mga"]["fault"]>[0], FaultSpec]>> = {
  none: [],
  "health check 500": [["sendMessage", { status: 500 }]],
  "health check 403": [["sendMessage", { status: 403 }]],
  "create 500": [["createKey", { status: 500 }]],
  "create answer lost": [["createKey", { dropResponse: true, times: 2 }]],
  "revoke 500": [["revokeKey", { status: 500 }]],
  "list 500": [["listKeys", { status: 500 }]],
};

/** The recommended setup: .env files keep no history, so old values are sealed into the journal. */
const SEAL_KEY = "simulation-seal-key-0123456789abcdefghij";

const POINTS = [...JOURNAL_POINTS, ...ROLLBACK_POINTS].flatMap((label) => [`before:${label}`, `after:${label}`]);

type Step = { kind: "advance"; days: number } | { kind: "run"; force: boolean; fault: string; crashAt: string | null };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 120 }) }),
  fc.record({
    kind: fc.constant("run" as const),
    force: fc.boolean(),
    fault: fc.constantFrom(...Object.keys(FAULTS)),
    crashAt: fc.option(fc.constantFrom(...POINTS), { nil: null }),
  }),
);

/** An in-process crash: the engine stops where a real kill would, leaving the journal behind. */
function armedFailpoints(): Failpoints & { arm(point: string | null): void } {
  let armed: string | null = null;
  return {
    arm: (point) => (armed = point),
    hit(point) {
      if (point !== armed) return;
      armed = null;
      throw new FailpointError(point);
    },
  };
}

async function inFlight(h: Harness): Promise<boolean> {
  return (await h.runtime.deps.store.load("production-server"))?.record.rotation !== undefined;
}

async function everyDestinationValid(h: Harness): Promise<void> {
  const values = await h.envValues();
  for (const value of values) expect(value !== undefined && h.mga.isValid(value)).toBe(true);
}

describe("simulated rotation cycles with random faults and crashes", () => {
  it("keeps every destination valid and converges once faults stop", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 2, maxLength: 10 }), async (steps) => {
        const clock = recordingClock();
        const failpoints = armedFailpoints();
        const h = await startHarness({ clock, failpoints, revokeAfter: "1h", envFiles: 2, mga: { clock }, sealKey: SEAL_KEY });
        try {
          for (const step of steps) {
            if (step.kind === "advance") {
              clock.advance(step.days * 86_400_000);
              continue;
            }
            for (const [endpoint, fault] of FAULTS[step.fault]!) h.mga.fault(endpoint, fault);
            failpoints.arm(step.crashAt);
            await h.tick({ force: step.force });
            failpoints.arm(null);
            h.mga.clearFaults();
            await everyDestinationValid(h);
          }

          // Faults stop: each run advances what is in flight; a grace period needs a later run.
          for (let run = 0; run < 4 && (await inFlight(h)); run++) {
            clock.advance(2 * 3_600_000);
            await h.tick();
          }

          await everyDestinationValid(h);
          const values = await h.envValues();
          expect(new Set(values).size).toBe(1);
          await assertNoOrphans(h);
          expect(await inFlight(h)).toBe(false);
        } finally {
          await h.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
