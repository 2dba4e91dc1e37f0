// Notifications through the real runtime: config `notify` → webhooks on a receiver on 127.0.0.1,
// with the real engine, issuer (fake MGA), .env files and file state store.
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { RotationEvent } from "../../src/core/events.js";
import { FileStateStore } from "../../src/state/file-store.js";
import { assertNoSecretIn } from "../support/invariants.js";
import type { RecordingClock } from "../support/recording.js";
import { deadUrl, startReceiver, type Receiver } from "./receiver.js";
import { startNotifyWorld, type NotifyWorld } from "./world.js";

const SECRET = "whsec_runtime_0123456789abcdef";
const DAY_MS = 86_400_000;

let world: NotifyWorld | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(): Promise<Receiver> {
  const started = await startReceiver();
  receivers.push(started);
  return started;
}

const eventsOf = (r: Receiver) => r.delivered().map((payload) => payload.event);

describe("notifications from a rotation", () => {
  it("tells a rotation's start, its revoke and its success, in order, each signed", async () => {
    const hook = await receiver();
    const engineEvents: RotationEvent[] = [];
    world = await startNotifyWorld({ notify: [{ type: "webhook", url: hook.url, secret: SECRET }], events: (e) => engineEvents.push(e) });

    const [outcome] = await world.tick();
    await world.runtime.flush();

    expect(outcome?.action).toBe("succeeded");
    const rotationId = outcome?.action === "succeeded" ? outcome.rotationId : "";
    const newKeyId = outcome?.action === "succeeded" ? outcome.newKey.id : "";
    const bodies = hook.delivered();
    expect(bodies.map(({ event, keyId, rotationId: id, source }) => ({ event, keyId, rotationId: id, source }))).toEqual(
      ["started", "revoked", "succeeded"].map((event) => ({ event, keyId: "production-server", rotationId, source: "key-rotator" })),
    );
    expect(bodies[0]?.reason).toBe("never-rotated");
    expect(bodies[1]?.revokedKeyId).toBe(world.original.id);
    expect(bodies[2]?.newKeyId).toBe(newKeyId);
    for (const request of hook.requests) {
      expect(request.headers["x-key-rotator-signature"]).toBe(`sha256=${createHmac("sha256", SECRET).update(request.body).digest("hex")}`);
    }
    // The sink passed to openRuntime still sees every event, phases included.
    expect(engineEvents.filter((e) => e.type !== "phase").map((e) => e.type)).toEqual(["started", "revoked", "succeeded"]);
    expect(engineEvents.some((e) => e.type === "phase")).toBe(true);
  });

  it("sends each webhook only the events it asks for; awaiting-grace only when asked", async () => {
    const everything = await receiver();
    const grace = await receiver();
    world = await startNotifyWorld({
      revokeAfter: "1h",
      notify: [
        { type: "webhook", url: everything.url },
        { type: "webhook", url: grace.url, events: ["awaiting-grace", "rolled-back"] },
      ],
    });
    const clock = world.clock as RecordingClock;

    await world.tick();
    clock.advance(61 * 60_000);
    await world.tick();
    world.mga.fault("sendMessage", { status: 500 });
    await world.tick({ force: true });
    await world.runtime.flush();

    expect(eventsOf(everything)).toEqual(["started", "revoked", "succeeded", "started", "rolled-back"]);
    expect(eventsOf(grace)).toEqual(["awaiting-grace", "rolled-back"]);
    expect(grace.delivered()[0]?.revokeAt).toBe(new Date(Date.parse(String(grace.delivered()[0]?.at)) + 3_600_000).toISOString());
  });

  it("never puts a key's value in a notification", async () => {
    const hook = await receiver();
    world = await startNotifyWorld({ notify: [{ type: "webhook", url: hook.url, secret: SECRET, events: ["started", "succeeded", "failed", "rolled-back", "revoked", "awaiting-grace", "overdue"] }] });

    await world.tick();
    world.mga.fault("sendMessage", { status: 500 });
    await world.tick({ force: true });
    world.mga.clearFaults();
    await world.setEnvValue("mga_sk_not_a_key_anyone_issued_000000");
    await world.tick({ force: true });
    await world.runtime.flush();

    expect(eventsOf(hook)).toEqual(["started", "revoked", "succeeded", "started", "rolled-back", "failed"]);
    const sent = hook.requests.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join("\n");
    assertNoSecretIn(world.mga.issuedSecrets(), { notifications: sent, logs: world.logs.lines.join("\n") });
    expect(world.mga.issuedSecrets().length).toBeGreaterThanOrEqual(4);
  });
});

describe("a webhook that is down", () => {
  it("neither fails nor delays a rotation, and every notification it missed is logged", async () => {
    const hanging = await receiver();
    hanging.script("hang", "hang", "hang");
    const refused = await deadUrl();
    world = await startNotifyWorld({
      notify: [
        { type: "webhook", url: hanging.url, timeout: "30s" },
        { type: "webhook", url: `${refused}/T000/tokenpart0123456789` },
      ],
    });

    const started = Date.now();
    const [outcome] = await world.tick();
    const tookMs = Date.now() - started;
    const answeredDuringTick = hanging.requests.filter((r) => r.status !== null).length;
    while (hanging.pending() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const stillHanging = hanging.pending();
    await hanging.close(); // the hung requests fail; retries find the port closed
    await world.runtime.flush();

    expect(outcome?.action).toBe("succeeded");
    expect(new Set(await world.envValues()).size).toBe(1);
    expect(world.mga.isValid(world.original.secret)).toBe(false);
    expect(answeredDuringTick).toBe(0);
    expect(stillHanging).toBe(1);
    expect(tookMs).toBeLessThan(5_000);
    const lost = world.logs.records().filter((r) => r.msg === "notification not delivered");
    expect(lost.map((r) => [r.level, r.notifier, r.event])).toEqual(
      expect.arrayContaining(
        ["started", "revoked", "succeeded"].flatMap((event) => [
          [40, `webhook ${new URL(hanging.url).host}`, event],
          [40, `webhook ${new URL(refused).host}`, event],
        ]),
      ),
    );
    expect(lost).toHaveLength(6);
    expect(world.logs.lines.join("\n")).not.toContain("tokenpart0123456789");
  });

  it("is waited for on close, which delivers what is still pending", async () => {
    const slow = await receiver();
    slow.script({ status: 200, delayMs: 150 }, { status: 200, delayMs: 150 }, { status: 200, delayMs: 150 });
    world = await startNotifyWorld({ notify: [{ type: "webhook", url: slow.url }] });

    await world.tick();
    const deliveredBeforeClose = slow.delivered().length;
    await world.close();

    expect(deliveredBeforeClose).toBeLessThan(3);
    expect(eventsOf(slow)).toEqual(["started", "revoked", "succeeded"]);
  });
});

describe("overdue and failures the engine sends no event for", () => {
  async function rotatedThenOverdue(hook: Receiver): Promise<{ world: NotifyWorld; dueAt: string; lastRotatedAt: string }> {
    world = await startNotifyWorld({ notify: [{ type: "webhook", url: hook.url }] });
    await world.tick();
    const lastRotatedAt = (await world.runtime.deps.store.load("production-server"))!.record.lastRotatedAt!;
    (world.clock as RecordingClock).advance(91 * DAY_MS);
    await world.runtime.flush();
    hook.requests.splice(0);
    return { world, lastRotatedAt, dueAt: new Date(Date.parse(lastRotatedAt) + 90 * DAY_MS).toISOString() };
  }

  it("tells a key past its due date whose rotation rolled back that it is overdue", async () => {
    const hook = await receiver();
    const { world: w, dueAt, lastRotatedAt } = await rotatedThenOverdue(hook);
    w.mga.fault("sendMessage", { status: 500 });

    const [outcome] = await w.tick();
    await w.runtime.flush();

    expect(outcome?.action).toBe("rolled-back");
    const rotationId = outcome?.action === "rolled-back" ? outcome.rotationId : "";
    expect(eventsOf(hook)).toEqual(["started", "rolled-back", "overdue"]);
    const overdue = hook.delivered()[2]!;
    expect(overdue).toMatchObject({ keyId: "production-server", rotationId, dueAt, lastRotatedAt, source: "key-rotator" });
    expect(String(overdue.reason)).toContain("500");
  });

  it("tells a key past due that cannot even begin a rotation: failed, then overdue", async () => {
    const hook = await receiver();
    const { world: w, dueAt } = await rotatedThenOverdue(hook);
    await w.setEnvValue("mga_sk_not_a_key_anyone_issued_000000");

    const [outcome] = await w.tick();
    await w.runtime.flush();

    expect(outcome?.action).toBe("failed");
    expect(eventsOf(hook)).toEqual(["failed", "overdue"]);
    const [failed, overdue] = hook.delivered();
    expect(failed).toMatchObject({ rotationId: null, code: "KEY_IN_USE_UNKNOWN", phase: "discover" });
    expect(String(failed?.reason)).toContain('cannot tell which key "production-server" uses now');
    expect(overdue).toMatchObject({ rotationId: null, dueAt });
  });

  it("tells a step that threw as failed, and a key not yet due is never overdue", async () => {
    const hook = await receiver();
    world = await startNotifyWorld({ notify: [{ type: "webhook", url: hook.url }] });
    await world.tick();
    world.mga.fault("listKeys", { status: 500 });

    const [outcome] = await world.tick({ force: true });
    await world.runtime.flush();

    expect(outcome?.action).toBe("failed");
    expect(eventsOf(hook)).toEqual(["started", "revoked", "succeeded", "failed"]);
    expect(String(hook.delivered()[3]?.reason)).toContain("500");
  });

  it("tells nothing more of a postponed revoke: the new key is in place, the key is not overdue", async () => {
    const hook = await receiver();
    world = await startNotifyWorld({ revokeAfter: "1h", key: { revokeOnlyIfUnused: true }, notify: [{ type: "webhook", url: hook.url }] });
    const clock = world.clock as RecordingClock;
    await world.tick();
    clock.advance(61 * 60_000);
    await world.tick();
    clock.advance(91 * DAY_MS);
    const [oldValue] = await world.envValues();
    await world.tick();
    clock.advance(10 * 60_000);
    const used = await fetch(`${world.mga.url}/chat/bot_demo/message`, {
      method: "POST",
      headers: { authorization: `Bearer ${oldValue}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "a consumer the config does not list" }),
    });
    clock.advance(55 * 60_000);

    const [outcome] = await world.tick();
    await world.runtime.flush();

    expect(used.status).toBe(200);
    expect(outcome?.action).toBe("revoke-postponed");
    expect(eventsOf(hook)).toEqual(["started", "revoked", "succeeded", "started"]);
  });

  it("does not repeat a failure the engine already told", async () => {
    const hook = await receiver();
    world = await startNotifyWorld({ notify: [{ type: "webhook", url: hook.url }] });
    world.mga.fault("sendMessage", { status: 500 });

    const [outcome] = await world.tick();
    await world.runtime.flush();

    expect(outcome?.action).toBe("rolled-back");
    expect(eventsOf(hook)).toEqual(["started", "rolled-back"]);
  });
});

describe("without notifiers", () => {
  it("keeps the runtime as it was: the store itself, the sink passed in, a flush with nothing to do", async () => {
    const events: RotationEvent[] = [];
    world = await startNotifyWorld({ events: (e) => events.push(e) });

    await world.tick();
    await world.runtime.flush();

    expect(world.runtime.deps.store).toBeInstanceOf(FileStateStore);
    expect(events.filter((e) => e.type !== "phase").map((e) => e.type)).toEqual(["started", "revoked", "succeeded"]);
  });
});
