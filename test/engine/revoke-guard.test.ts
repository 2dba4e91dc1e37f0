// The quiet-key guard: an old key still used after the switch is not revoked until it has been
// quiet for a grace period; --emergency revokes regardless.
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/engine-harness.js";
import { recordingClock, type RecordingClock } from "../support/recording.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function useKey(h: Harness, secret: string): Promise<void> {
  const response = await fetch(`${h.mga.url}/chat/bot_demo/message`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ message: "hello from a forgotten consumer" }),
  });
  expect(response.status).toBe(200);
}

async function start(clock: RecordingClock): Promise<Harness> {
  return startHarness({ clock, revokeAfter: "1h", mga: { clock }, keyOverrides: { revokeOnlyIfUnused: true } });
}

describe("revokeOnlyIfUnused", () => {
  it("postpones the revoke while the old key is used after the switch, then revokes once it is quiet", async () => {
    const clock = recordingClock();
    harness = await start(clock);
    await harness.tick();
    clock.advance(10 * 60_000);
    await useKey(harness, harness.original.secret);
    clock.advance(55 * 60_000);

    const [postponed] = await harness.tick();
    clock.advance(61 * 60_000);
    const [revoked] = await harness.tick();

    expect(postponed?.action).toBe("revoke-postponed");
    expect(postponed && "error" in postponed ? postponed.error : "").toContain(harness.original.id);
    expect(revoked?.action).toBe("succeeded");
    expect(harness.mga.isValid(harness.original.secret)).toBe(false);
  });

  it("revokes at once when the old key was not used after the switch", async () => {
    const clock = recordingClock();
    harness = await start(clock);
    await harness.tick();
    clock.advance(61 * 60_000);

    const [outcome] = await harness.tick();

    expect(outcome?.action).toBe("succeeded");
  });

  it("is skipped in an emergency", async () => {
    const clock = recordingClock();
    harness = await start(clock);
    await harness.tick();
    await useKey(harness, harness.original.secret);

    const [outcome] = await harness.tick({ emergency: true });

    expect(outcome?.action).toBe("succeeded");
    expect(harness.mga.isValid(harness.original.secret)).toBe(false);
  });
});
