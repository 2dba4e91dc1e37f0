// The fake MGA server itself, over raw HTTP: the contract it serves, its rate limits and faults,
// its persistence, and that it keeps serving clients in other processes.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { captureLog, recordingClock } from "../../test/support/recording.js";
import { startFakeMga, type FakeMga, type FakeMgaOptions } from "./fake.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw answers, probed field by field in assertions
type RawJson = any;

const fakes: FakeMga[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function start(options: FakeMgaOptions = {}) {
  const fake = await startFakeMga(options);
  fakes.push(fake);
  const admin = fake.seedKey({ name: "Admin", permission: "admin" });
  const call = async (method: string, path: string, secret: string | undefined, body?: unknown) => {
    const response = await fetch(fake.url + path, {
      method,
      headers: {
        ...(secret ? { Authorization: `Bearer ${secret}` } : {}),
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as RawJson };
  };
  return { fake, admin, call };
}

describe("fake MGA: contract", () => {
  it("mints mga_sk_ secrets with unique 12-character prefixes, shown once", async () => {
    const { admin, call } = await start();

    const created = [];
    for (let i = 0; i < 30; i++) created.push(await call("POST", "/keys", admin.secret, { name: `k${i}`, permission: "read" }));
    const listed = await call("GET", "/keys", admin.secret);

    expect(created.every((answer) => answer.status === 201)).toBe(true);
    const secrets = created.map((answer) => answer.json.data.key as string);
    expect(secrets.every((secret) => /^mga_sk_[0-9A-Za-z]{40}$/.test(secret))).toBe(true);
    expect(new Set(secrets.map((secret) => secret.slice(0, 12))).size).toBe(30);
    expect(created[0]!.json.data.prefix).toBe(secrets[0]!.slice(0, 12));
    expect(JSON.stringify(listed.json)).not.toContain(secrets[0]);
  });

  it("answers 401 without a valid key, 403 without the permission, in the error envelope", async () => {
    const { fake, call } = await start();
    const reader = fake.seedKey({ name: "Reader", permission: "read" });

    const missing = await call("GET", "/keys", undefined);
    const invalid = await call("GET", "/keys", "mga_sk_nope");
    const forbidden = await call("POST", "/chat/bot_demo/message", reader.secret, { message: "hi" });
    const allowed = await call("GET", "/chat/bot_demo/conversations", reader.secret);

    expect([missing.status, invalid.status, forbidden.status, allowed.status]).toEqual([401, 401, 403, 200]);
    expect(forbidden.json).toEqual({
      success: false,
      error: { code: "FORBIDDEN", message: "This API key lacks the write permission" },
    });
    expect(fake.keys().find((key) => key.id === reader.id)?.lastUsedAt).toEqual(expect.any(String));
  });

  it("revoked keys stop working; revoking twice is a 404", async () => {
    const { fake, admin, call } = await start();
    const old = fake.seedKey({ name: "Old", permission: "write" });

    const first = await call("DELETE", `/keys/${old.id}`, admin.secret);
    const second = await call("DELETE", `/keys/${old.id}`, admin.secret);
    const useAfter = await call("POST", "/chat/bot_demo/message", old.secret, { message: "hi" });

    expect([first.status, second.status, useAfter.status]).toEqual([200, 404, 401]);
    expect(fake.isValid(old.secret)).toBe(false);
  });

  it("validates the message body, records metadata, and knows its bots", async () => {
    const { fake, admin, call } = await start({ bots: ["bot_a"] });

    const noMessage = await call("POST", "/chat/bot_a/message", admin.secret, { metadata: {} });
    const notJson = await call("POST", "/chat/bot_a/message", admin.secret, "{oops");
    const unknownBot = await call("POST", "/chat/bot_demo/message", admin.secret, { message: "hi" });
    const sent = await call("POST", "/chat/bot_a/message", admin.secret, { message: "hi", metadata: { tag: 1 } });
    const conversations = await call("GET", "/chat/bot_a/conversations", admin.secret);

    expect([noMessage.status, notJson.status, unknownBot.status, sent.status]).toEqual([400, 400, 404, 200]);
    expect(sent.json.data).toEqual({ response: expect.any(String), conversationId: expect.any(String), messageId: expect.any(String) });
    expect(fake.messages().map((message) => message.metadata)).toEqual([{ tag: 1 }]);
    expect(conversations.json.data.conversations).toEqual([
      { id: sent.json.data.conversationId, createdAt: expect.any(String), messageCount: 1 },
    ]);
  });

  it("accepts any bot with anyBot", async () => {
    const { admin, call } = await start({ anyBot: true });

    const answer = await call("GET", "/chat/bot_whatever/conversations", admin.secret);

    expect(answer.status).toBe(200);
  });

  it("pages GET /keys and rejects a cursor it never gave", async () => {
    const { fake, admin, call } = await start({ pageSize: 2 });
    for (let i = 0; i < 4; i++) fake.seedKey({ name: `k${i}`, permission: "read" });

    const first = await call("GET", "/keys", admin.secret);
    const second = await call("GET", `/keys?cursor=${first.json.data.nextCursor}`, admin.secret);
    const third = await call("GET", `/keys?cursor=${second.json.data.nextCursor}`, admin.secret);
    const bogus = await call("GET", "/keys?cursor=bogus", admin.secret);

    expect([first, second, third].map((page) => page.json.data.keys.length)).toEqual([2, 2, 1]);
    expect(third.json.data.nextCursor).toBeNull();
    expect(bogus.status).toBe(400);
  });
});

describe("fake MGA: rate limits and faults", () => {
  it("sends the rate-limit headers on every answer and a 429 with Retry-After past the limit", async () => {
    const clock = recordingClock(new Date("2030-01-01T00:00:00.400Z"));
    const { admin, call } = await start({ clock, rateLimits: { chat: { limit: 2, windowMs: 1_000 } } });

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await call("GET", "/chat/bot_demo/conversations", admin.secret));
    const unauthenticated = await call("GET", "/keys", undefined);
    const stray = await call("GET", "/nowhere", admin.secret);

    expect(answers.map((answer) => [answer.status, answer.headers.get("x-ratelimit-remaining")])).toEqual([
      [200, "1"],
      [200, "0"],
      [429, "0"],
    ]);
    expect(answers[2]!.headers.get("retry-after")).toBe("1");
    expect(answers[2]!.headers.get("x-ratelimit-reset")).toBe(String(Date.parse("2030-01-01T00:00:01Z") / 1000));
    expect(answers[2]!.json.error.code).toBe("RATE_LIMITED");
    expect([unauthenticated, stray].map((answer) => answer.headers.get("x-ratelimit-limit"))).toEqual(["1000", "1000"]);
  });

  it("applies a fault the given number of times, then serves normally", async () => {
    const { fake, admin, call } = await start();
    fake.fault("listKeys", { status: 503, times: 2, latencyMs: 20 });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("GET", "/keys", admin.secret)).status);
    fake.fault("listKeys", { status: 500 });
    fake.clearFaults();
    const afterClear = await call("GET", "/keys", admin.secret);

    expect(statuses).toEqual([503, 503, 200]);
    expect(afterClear.status).toBe(200);
  });

  it("close() ends hung requests", async () => {
    const { fake, admin } = await start();
    fake.fault("listKeys", { hang: true });
    const pending = fetch(`${fake.url}/keys`, { headers: { Authorization: `Bearer ${admin.secret}` } });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await fake.close();

    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(fake.requests.map((request) => request.status)).toEqual([null]);
  });
});

describe("fake MGA: state and logs", () => {
  it("persists its state to stateFile and loads it again after a restart", async () => {
    const directory = await mkdtemp(join(tmpdir(), "fake-mga-"));
    const stateFile = join(directory, "mga.json");
    try {
      const first = await start({ stateFile });
      const created = await first.call("POST", "/keys", first.admin.secret, { name: "New", permission: "write" });
      await first.call("DELETE", `/keys/${first.admin.id}`, first.admin.secret);
      await first.fake.close();

      const second = await startFakeMga({ stateFile });
      fakes.push(second);

      expect(second.keys()).toEqual(first.fake.keys());
      expect(second.isValid(created.json.data.key)).toBe(true);
      expect(second.isValid(first.admin.secret)).toBe(false);
      expect(second.issuedSecrets()).toEqual([first.admin.secret, created.json.data.key]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("serves many concurrent requests from another process", async () => {
    const { admin, fake } = await start({ rateLimits: { chat: { limit: 10_000, windowMs: 60_000 } } });
    const script = `
      const url = process.argv[1], secret = process.argv[2];
      const calls = Array.from({ length: 200 }, () =>
        fetch(url + "/chat/bot_demo/conversations", { headers: { Authorization: "Bearer " + secret } }).then((r) => r.status));
      Promise.all(calls).then((statuses) => console.log(JSON.stringify(statuses)));`;

    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script, fake.url, admin.secret]);

    expect(new Set(JSON.parse(stdout) as number[])).toEqual(new Set([200]));
    expect(fake.requests).toHaveLength(200);
  });

  it("keeps secrets out of its log and its request log", async () => {
    const captured = captureLog();
    const { fake, admin, call } = await start({ log: captured.log });

    await call("POST", "/keys", admin.secret, { name: "New", permission: "write" });
    await call("GET", "/keys", "mga_sk_wrongwrongwrong");

    const texts = [...captured.lines, JSON.stringify(fake.requests)];
    expect(captured.lines).toHaveLength(2);
    expect(texts.filter((text) => fake.issuedSecrets().some((secret) => text.includes(secret)))).toEqual([]);
  });
});
