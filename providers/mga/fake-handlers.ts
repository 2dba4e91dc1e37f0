// The fake MGA server's endpoint logic (see fake.ts): authentication, permissions, validation, and
// each endpoint's answer. Transport concerns (routing, rate limits, faults) stay in fake.ts.
import type { IncomingMessage } from "node:http";
import { PERMISSIONS, type Permission } from "../../src/core/issuer.js";
import { MGA_ENDPOINTS, permits, type MgaEndpoint } from "./endpoints.js";
import { decodeCursor, encodeCursor, randomId, type FakeKeyRecord, type FakeMgaStore } from "./fake-store.js";

export interface Reply {
  status: number;
  /** A string is sent as is; anything else as JSON. */
  body: unknown;
}

const ERROR_CODES: Record<number, string> = {
  400: "VALIDATION_ERROR",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  429: "RATE_LIMITED",
  500: "INTERNAL_ERROR",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

/** `{success:false,error:{code,message}}`, as MGA documents its errors. */
export function errorReply(status: number, message: string, code?: string): Reply {
  return { status, body: { success: false, error: { code: code ?? ERROR_CODES[status] ?? "ERROR", message } } };
}

function ok(data: unknown, status = 200): Reply {
  return { status, body: { success: true, data } };
}

export interface EndpointRequest {
  endpoint: MgaEndpoint;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The bearer token, if any. */
  token: string | undefined;
  request: IncomingMessage;
}

export interface HandlerContext {
  store: FakeMgaStore;
  now(): string;
  options: { bots: Set<string>; anyBot: boolean; pageSize: number; newKeyUnauthorizedCalls: number };
  /** Reports the authenticated key, for the request log. */
  onKey(id: string): void;
}

const MAX_BODY_BYTES = 1_000_000;

async function readJson(request: IncomingMessage): Promise<{ value: unknown } | Reply> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return errorReply(413, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown };
  } catch {
    return errorReply(400, "body is not JSON");
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function authenticate(token: string | undefined, needs: Permission, chat: boolean, context: HandlerContext) {
  if (token === undefined) return errorReply(401, "Missing API key: send Authorization: Bearer <key>");
  const key = context.store.bySecret(token);
  if (!key || key.revokedAt !== null) return errorReply(401, "Invalid API key");
  if (chat && key.unauthorizedCallsLeft > 0) {
    key.unauthorizedCallsLeft--; // a brand-new key not yet propagated to the chat service
    context.store.save();
    return errorReply(401, "Invalid API key");
  }
  context.onKey(key.id);
  key.lastUsedAt = context.now();
  context.store.save();
  if (!permits(key.permission, needs)) return errorReply(403, `This API key lacks the ${needs} permission`);
  return key;
}

export async function handleEndpoint(input: EndpointRequest, context: HandlerContext): Promise<Reply> {
  const spec = MGA_ENDPOINTS[input.endpoint];
  const key = authenticate(input.token, spec.needs, spec.rateClass === "chat", context);
  if ("status" in key) return key;
  const botId = input.params.botId;
  if (botId !== undefined && !context.options.anyBot && !context.options.bots.has(botId)) {
    return errorReply(404, `Bot ${botId} not found`, "BOT_NOT_FOUND");
  }
  switch (input.endpoint) {
    case "createKey":
      return createKey(input.request, context);
    case "listKeys":
      return listKeys(input.query, context);
    case "revokeKey":
      return revokeKey(input.params.id ?? "", context);
    case "sendMessage":
      return sendMessage(input.request, botId ?? "", key, context);
    case "listConversations":
      return ok({ conversations: context.store.conversations(botId ?? ""), nextCursor: null });
  }
}

async function createKey(request: IncomingMessage, context: HandlerContext): Promise<Reply> {
  const body = await readJson(request);
  if ("status" in body) return body;
  const { value } = body;
  if (!isObject(value)) return errorReply(400, "body must be an object");
  if (typeof value.name !== "string" || value.name.trim() === "" || value.name.length > 200) {
    return errorReply(400, "name: a non-empty string of at most 200 characters");
  }
  if (!PERMISSIONS.includes(value.permission as Permission)) {
    return errorReply(400, `permission: one of ${PERMISSIONS.join(", ")}`);
  }
  const key = context.store.add({
    name: value.name,
    permission: value.permission as Permission,
    createdAt: context.now(),
    unauthorizedCalls: context.options.newKeyUnauthorizedCalls,
  });
  const { id, name, permission, secret, prefix, createdAt } = key;
  return ok({ id, name, permission, key: secret, prefix, createdAt }, 201);
}

function listKeys(query: URLSearchParams, context: HandlerContext): Reply {
  const cursor = query.get("cursor");
  const offset = cursor === null || cursor === "" ? 0 : decodeCursor(cursor);
  if (offset === undefined) return errorReply(400, "cursor: not a cursor this API returned");
  const end = offset + context.options.pageSize;
  const keys = context.store.keys
    .slice(offset, end)
    .map(({ id, name, permission, prefix, createdAt, lastUsedAt, revokedAt }) => ({
      id,
      name,
      permission,
      prefix,
      createdAt,
      lastUsedAt,
      revokedAt,
    }));
  return ok({ keys, nextCursor: end < context.store.keys.length ? encodeCursor(end) : null });
}

function revokeKey(id: string, context: HandlerContext): Reply {
  const key = context.store.byId(id);
  if (!key || key.revokedAt !== null) return errorReply(404, `API key ${id} not found`, "KEY_NOT_FOUND");
  key.revokedAt = context.now();
  context.store.save();
  return ok({ id: key.id, revokedAt: key.revokedAt });
}

async function sendMessage(
  request: IncomingMessage,
  botId: string,
  key: FakeKeyRecord,
  context: HandlerContext,
): Promise<Reply> {
  const body = await readJson(request);
  if ("status" in body) return body;
  const { value } = body;
  if (!isObject(value)) return errorReply(400, "body must be an object");
  if (typeof value.message !== "string" || value.message.trim() === "") {
    return errorReply(400, "message: a non-empty string");
  }
  if (value.metadata !== undefined && !isObject(value.metadata)) return errorReply(400, "metadata: an object");
  if (value.conversationId !== undefined) {
    if (typeof value.conversationId !== "string" || !context.store.conversationExists(botId, value.conversationId)) {
      return errorReply(404, "conversationId: no such conversation in this bot", "CONVERSATION_NOT_FOUND");
    }
  }
  const conversationId = (value.conversationId as string | undefined) ?? randomId("conv");
  const messageId = randomId("msg");
  context.store.messages.push({
    botId,
    conversationId,
    messageId,
    keyId: key.id,
    message: value.message,
    metadata: value.metadata as Record<string, unknown> | undefined,
    at: context.now(),
  });
  context.store.save();
  return ok({ response: `Hello from the fake MGA bot ${botId}.`, conversationId, messageId });
}
