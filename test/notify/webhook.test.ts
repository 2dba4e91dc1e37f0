// The webhook notifier against a real HTTP receiver on 127.0.0.1: the body and headers it sends, the
// signature a receiver can check, and which answers it retries.
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { RotatorError } from "../../src/core/errors.js";
import { newNotification, type Notification } from "../../src/notify/notification.js";
import { webhookNotifierSchema } from "../../src/notify/schema.js";
import { verifySignature } from "../../src/notify/signature.js";
import { createWebhookNotifier } from "../../src/notify/webhook.js";
import { captureLog, recordingClock } from "../support/recording.js";
import { deadUrl, startReceiver, type Receiver } from "./receiver.js";

const SECRET = "whsec_test_0123456789abcdef";
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function webhook(url: string, fields: Record<string, unknown> = {}) {
  const clock = recordingClock();
  const logs = captureLog("debug");
  const config = webhookNotifierSchema.parse({ type: "webhook", url, secret: SECRET, ...fields });
  return { clock, logs, notifier: createWebhookNotifier(config, { clock, log: logs.log, random: () => 1 }) };
}

function succeeded(): Notification {
  return newNotification("succeeded", "production-server", "rot-20300101T000010-abcdef", new Date("2030-01-01T00:00:10Z"), { newKeyId: "key_new" });
}

const noAbort = new AbortController().signal;

describe("webhook notifier", () => {
  it("POSTs the notification as JSON with a signature that verifies with the secret", async () => {
    receiver = await startReceiver();
    const { notifier, clock } = webhook(receiver.url);
    const notification = succeeded();

    await notifier.send(notification, noAbort);

    const [request] = receiver.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/hooks/rotator");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["user-agent"]).toBe("key-rotator");
    expect(request?.headers["x-key-rotator-timestamp"]).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    const expected = `sha256=${createHmac("sha256", SECRET).update(request!.body).digest("hex")}`;
    expect(request?.headers["x-key-rotator-signature"]).toBe(expected);
    expect(verifySignature(SECRET, request!.body, request?.headers["x-key-rotator-signature"] as string)).toBe(true);
    expect(verifySignature("another-secret", request!.body, expected)).toBe(false);
    expect(verifySignature(SECRET, request!.body.replace("key_new", "key_bad"), expected)).toBe(false);
    expect(JSON.parse(request!.body)).toEqual({
      id: notification.id,
      event: "succeeded",
      keyId: "production-server",
      rotationId: "rot-20300101T000010-abcdef",
      at: "2030-01-01T00:00:10.000Z",
      newKeyId: "key_new",
      source: "key-rotator",
    });
  });

  it("sends no signature without a secret", async () => {
    receiver = await startReceiver();
    const config = webhookNotifierSchema.parse({ type: "webhook", url: receiver.url });
    const notifier = createWebhookNotifier(config, { clock: recordingClock(), log: captureLog().log });

    await notifier.send(succeeded(), noAbort);

    expect(receiver.requests[0]?.headers["x-key-rotator-signature"]).toBeUndefined();
    expect(receiver.requests[0]?.headers["x-key-rotator-timestamp"]).toMatch(/^\d+$/);
  });

  it("retries a 500 with bounded backoff, then delivers the same signed bytes", async () => {
    receiver = await startReceiver();
    receiver.script(500, 502);
    const { notifier, clock } = webhook(receiver.url);

    await notifier.send(succeeded(), noAbort);

    expect(receiver.requests.map((r) => r.status)).toEqual([500, 502, 204]);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.headers["x-key-rotator-signature"])).size).toBe(1);
    expect(clock.sleeps).toEqual([1_000, 2_000]);
  });

  it("retries a dropped connection and a 429, honouring Retry-After", async () => {
    receiver = await startReceiver();
    receiver.script("drop", { status: 429, headers: { "retry-after": "7" } });
    const { notifier, clock } = webhook(receiver.url);

    await notifier.send(succeeded(), noAbort);

    expect(receiver.requests.map((r) => r.status)).toEqual([0, 429, 204]);
    expect(clock.sleeps).toEqual([1_000, 7_000]);
  });

  it("gives up after three attempts", async () => {
    receiver = await startReceiver();
    receiver.script(503, 503, 503, 503);
    const { notifier } = webhook(receiver.url);

    const error = await notifier.send(succeeded(), noAbort).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RotatorError);
    expect((error as RotatorError).code).toBe("TRANSIENT");
    expect(receiver.requests).toHaveLength(3);
  });

  it.each([
    [400, "answered 400"],
    [401, "answered 401"],
    [302, "answered 302 (a redirect: redirects are not followed; configure the final URL)"],
  ])("does not retry a %i", async (status, message) => {
    receiver = await startReceiver();
    receiver.script({ status, headers: status === 302 ? { location: "http://127.0.0.1:1/elsewhere" } : {} });
    const { notifier } = webhook(receiver.url);

    const error = await notifier.send(succeeded(), noAbort).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RotatorError);
    expect((error as RotatorError).code).toBe("NOTIFY_REJECTED");
    expect((error as Error).message).toBe(`webhook ${new URL(receiver.url).host}: ${message}`);
    expect(receiver.requests).toHaveLength(1);
  });

  it("times an attempt out and retries it", async () => {
    receiver = await startReceiver();
    receiver.script("hang");
    const { notifier } = webhook(receiver.url, { timeout: "200ms" });

    await notifier.send(succeeded(), noAbort);

    expect(receiver.requests.map((r) => r.status)).toEqual([null, 204]);
  });

  it("names an unreachable endpoint by host and error code only: the URL's path may be a token", async () => {
    const url = `${await deadUrl()}/T000/B000/tokenpart0123456789`;
    const { notifier } = webhook(url);

    const error = await notifier.send(succeeded(), noAbort).catch((e: unknown) => e);

    expect((error as Error).message).toBe(`webhook ${new URL(url).host}: network error ECONNREFUSED`);
    expect((error as RotatorError).retryable).toBe(true);
  });

  it.each([
    ["a request", "hang" as const],
    ["a backoff wait", 500],
  ])("stops at once when aborted during %s", async (_when, answer) => {
    receiver = await startReceiver();
    receiver.script(answer);
    const config = webhookNotifierSchema.parse({ type: "webhook", url: receiver.url });
    // The real clock: the backoff wait (1s) really waits, so the abort has something to cut short.
    const notifier = createWebhookNotifier(config, { clock: systemClock, log: captureLog().log, random: () => 1 });
    const abort = new AbortController();
    const started = Date.now();

    const sending = notifier.send(succeeded(), abort.signal).catch((e: unknown) => e);
    while (receiver.requests.length === 0 || (answer === 500 && receiver.requests[0]?.status === null)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    abort.abort();
    const error = await sending;

    expect((error as RotatorError).code).toBe("NOTIFY_ABANDONED");
    expect(receiver.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(900);
  });
});
