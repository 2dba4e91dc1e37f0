// The real `mga` issuer against the real fake over HTTP: keys created, listed across pages, revoked,
// found by value; path overrides; admin-key errors; malformed answers.
import { afterEach, describe, expect, it } from "vitest";
import {
  AccessDeniedError,
  AuthenticationError,
  NotFoundError,
  RotatorError,
  VerificationError,
} from "../../src/core/errors.js";
import { SecretValue } from "../../src/core/secret.js";
import { captureLog, recordingClock } from "../../test/support/recording.js";
import { startFakeMga, type FakeMga, type FakeMgaOptions } from "./fake.js";
import { createMgaIssuer, mgaIssuerConfigSchema, type MgaIssuerContext } from "./index.js";

const fakes: FakeMga[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function setup(options: FakeMgaOptions = {}, issuer: { adminKey?: string; paths?: object } = {}) {
  const clock = recordingClock();
  const fake = await startFakeMga({ clock, ...options });
  fakes.push(fake);
  const admin = fake.seedKey({ name: "Rotator admin", permission: "admin" });
  const captured = captureLog();
  const context: MgaIssuerContext = { clock, log: captured.log, random: () => 1, timeoutMs: 2_000 };
  const config = mgaIssuerConfigSchema.parse({ type: "mga", baseUrl: fake.url, adminKey: admin.secret, ...issuer });
  return { clock, fake, admin, captured, issuer: createMgaIssuer(config, context) };
}

const PREFIXED_PATHS = {
  createKey: "/admin/api-keys",
  listKeys: "/admin/api-keys",
  revokeKey: "/admin/api-keys/{id}",
  sendMessage: "/bots/{botId}/messages",
  listConversations: "/bots/{botId}/conversations",
};

describe("mga issuer: keys", () => {
  it("creates keys and lists every one of them across pages", async () => {
    const { fake, issuer } = await setup({ pageSize: 2 });

    const created = [];
    for (const name of ["a", "b", "c", "d"]) created.push(await issuer.create(`Production Server · ${name}`, "write"));
    const listed = await issuer.list();

    expect(listed.map((key) => key.id)).toEqual(fake.keys().map((key) => key.id));
    expect(listed).toHaveLength(5);
    expect(fake.requests.filter((request) => request.endpoint === "listKeys")).toHaveLength(3);
    const first = created[0]!;
    expect(fake.isValid(first.secret.reveal())).toBe(true);
    expect(first.prefix).toBe(first.secret.prefix(12));
    expect(listed.find((key) => key.id === first.id)).toEqual({
      id: first.id,
      name: "Production Server · a",
      permission: "write",
      prefix: first.prefix,
      createdAt: first.createdAt,
      lastUsedAt: null,
      revokedAt: null,
    });
  });

  it("revokes a key, and reports one already revoked or unknown as already-revoked", async () => {
    const { fake, issuer } = await setup();
    const key = await issuer.create("Server · r1", "write");

    const first = await issuer.revoke(key.id);
    const again = await issuer.revoke(key.id);
    const unknown = await issuer.revoke("key_does_not_exist");

    expect([first, again, unknown]).toEqual(["revoked", "already-revoked", "already-revoked"]);
    expect(fake.isValid(key.secret.reveal())).toBe(false);
    expect((await issuer.list()).find((listed) => listed.id === key.id)?.revokedAt).toEqual(expect.any(String));
  });

  it("a revoked key really fails its health check", async () => {
    const { issuer } = await setup();
    const key = await issuer.create("Server · r2", "write");
    await issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "write" });

    await issuer.revoke(key.id);

    await expect(issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "write" })).rejects.toThrow(
      VerificationError,
    );
  });

  it("URL-encodes the id it revokes", async () => {
    const { fake, issuer } = await setup();

    const outcome = await issuer.revoke("key/../x y");

    expect(outcome).toBe("already-revoked");
    expect(fake.requests.find((request) => request.method === "DELETE")?.path).toBe("/api/v1/keys/key%2F..%2Fx%20y");
  });
});

describe("mga issuer: findBySecret", () => {
  it("finds the unique active key whose prefix matches the value", async () => {
    const { fake, issuer } = await setup({ pageSize: 2 });
    for (const name of ["Staging", "Development"]) fake.seedKey({ name, permission: "write" });
    const current = fake.seedKey({ name: "Production Server", permission: "write" }); // on page 2
    fake.seedKey({ name: "Other", permission: "read" });

    const found = await issuer.findBySecret(new SecretValue(current.secret));

    expect(found?.id).toBe(current.id);
  });

  it("answers undefined for a value no active key has", async () => {
    const { fake, issuer } = await setup();
    const revoked = await issuer.create("Server · gone", "write");
    await issuer.revoke(revoked.id);

    const neverIssued = await issuer.findBySecret(new SecretValue(fake.issuedSecrets()[0]!.replace(/^mga_sk_/, "mga_zz_")));
    const ofRevoked = await issuer.findBySecret(revoked.secret);

    expect([neverIssued, ofRevoked]).toEqual([undefined, undefined]);
  });

  it("refuses to guess when several active keys share the prefix", async () => {
    const { fake, issuer } = await setup();
    const one = fake.seedKey({ name: "One", permission: "write", secret: "mga_sk_SAMEPfirst0000000000000000000000000000000" });
    const two = fake.seedKey({ name: "Two", permission: "write", secret: "mga_sk_SAMEPsecond000000000000000000000000000000" });

    const error = await issuer.findBySecret(new SecretValue(one.secret)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RotatorError);
    expect((error as RotatorError).code).toBe("MGA_AMBIGUOUS_PREFIX");
    expect((error as Error).message).toContain(`${one.id}, ${two.id}`);
    expect((error as Error).message).toContain("currentKeyId");
    expect((error as Error).message).not.toContain(one.secret);
  });
});

describe("mga issuer: paths", () => {
  it("follows issuer.paths when MGA serves its endpoints elsewhere", async () => {
    const { fake, issuer } = await setup({ basePath: "/gateway/mga", paths: PREFIXED_PATHS }, { paths: PREFIXED_PATHS });

    const key = await issuer.create("Server · p1", "write");
    await issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "write" });
    await issuer.healthCheck(key.secret, { botId: "bot_demo", permission: "read" });
    const listed = await issuer.list();
    const outcome = await issuer.revoke(key.id);

    expect(listed.map((listedKey) => listedKey.id)).toContain(key.id);
    expect(outcome).toBe("revoked");
    expect(fake.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual([
      "POST /gateway/mga/admin/api-keys 201",
      "POST /gateway/mga/bots/bot_demo/messages 200",
      "GET /gateway/mga/bots/bot_demo/conversations 200",
      "GET /gateway/mga/admin/api-keys 200",
      `DELETE /gateway/mga/admin/api-keys/${key.id} 200`,
    ]);
  });

  it("a 404 to a revoke of a key MGA still lists as active is a wrong path, not already-revoked", async () => {
    const { fake, issuer } = await setup({}, { paths: { revokeKey: "/keys/{id}/revoke" } });
    const key = fake.seedKey({ name: "Old", permission: "write" });

    const error = await issuer.revoke(key.id).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain("issuer.paths.revokeKey");
    expect(fake.isValid(key.secret)).toBe(true);
  });

  it("a 404 on an admin call names the path setting to check", async () => {
    const { issuer } = await setup({ basePath: "/gateway/mga", paths: PREFIXED_PATHS });

    const error = await issuer.create("Server · p2", "write").catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain("issuer.paths.createKey");
  });
});

describe("mga issuer: the admin key", () => {
  it("401 on an admin call is an AuthenticationError naming issuer.adminKey", async () => {
    const { issuer, fake } = await setup({}, { adminKey: "mga_sk_notAKeyMgaEverIssued0000000000000000000" });

    const error = await issuer.list().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/issuer\.adminKey.*admin permission \(key management\)/);
    expect((error as Error).message).not.toContain("mga_sk_notAKey");
    expect(fake.requests).toHaveLength(1);
  });

  it("403 on an admin call is an AccessDeniedError naming issuer.adminKey and the admin permission", async () => {
    const clock = recordingClock();
    const fake = await startFakeMga({ clock });
    fakes.push(fake);
    const writeKey = fake.seedKey({ name: "Not admin", permission: "write" });
    const config = mgaIssuerConfigSchema.parse({ type: "mga", baseUrl: fake.url, adminKey: writeKey.secret });
    const issuer = createMgaIssuer(config, { clock, log: captureLog().log });

    const error = await issuer.create("Server · a1", "write").catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).permission).toBe("admin");
    expect((error as Error).message).toMatch(/issuer\.adminKey lacks the admin permission/);
    expect((error as Error).message).not.toContain(writeKey.secret);
    expect(fake.keys()).toHaveLength(1);
  });
});

describe("mga issuer: malformed answers", () => {
  it("a body that is not JSON is a clear, non-retried error", async () => {
    const { fake, issuer } = await setup();
    fake.fault("listKeys", { status: 200, body: "<html>gateway</html>" });

    const error = await issuer.list().catch((caught: unknown) => caught);

    expect((error as RotatorError).code).toBe("MGA_BAD_RESPONSE");
    expect((error as Error).message).toBe(
      "MGA answered GET /api/v1/keys (200) with a body that is not JSON; check issuer.baseUrl and issuer.paths",
    );
    expect(fake.requests).toHaveLength(1);
  });

  it("a JSON body of the wrong shape names the field", async () => {
    const { fake, issuer } = await setup();
    fake.fault("listKeys", { status: 200, body: { success: true, data: { keys: [{ id: 1 }] } } });

    const error = await issuer.list().catch((caught: unknown) => caught);

    expect((error as RotatorError).code).toBe("MGA_BAD_RESPONSE");
    expect((error as Error).message).toContain("data.keys[0].id: Invalid input: expected string, received number");
  });

  it("a create answer without the key's value never echoes the values it did get", async () => {
    const { fake, issuer } = await setup();
    const leaked = "mga_sk_ThisValueMustNotAppearInMessages000000000";
    fake.fault("createKey", { status: 201, body: { success: true, data: { id: "key_1", key: leaked, prefix: 7 } } });

    const error = await issuer.create("Server · m1", "write").catch((caught: unknown) => caught);

    expect((error as RotatorError).code).toBe("MGA_BAD_RESPONSE");
    expect((error as Error).message).toContain("data.name");
    expect((error as Error).message).not.toContain(leaked);
  });
});
