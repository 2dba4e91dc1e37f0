// Config of the `mga` issuer, and the shapes of the MGA responses it reads (only the fields it needs).
import { z } from "zod";
import { PERMISSIONS } from "../../src/core/issuer.js";

export const DEFAULT_MGA_BASE_URL = "https://api.mygptassistants.com/api/v1";

/** Key-management paths are an assumed contract (MGA does not publish them): all overridable. */
export const mgaPathsSchema = z
  .object({
    createKey: z.string().default("/keys").describe("POST: create a key"),
    listKeys: z.string().default("/keys").describe("GET: list keys, paginated with ?cursor="),
    revokeKey: z.string().default("/keys/{id}").describe("DELETE: revoke the key {id}"),
    sendMessage: z.string().default("/chat/{botId}/message").describe("POST: health check of write/admin keys"),
    listConversations: z
      .string()
      .default("/chat/{botId}/conversations")
      .describe("GET: health check of read keys"),
  })
  .strict();

export const mgaIssuerConfigSchema = z
  .object({
    type: z.literal("mga"),
    baseUrl: z.url().default(DEFAULT_MGA_BASE_URL).describe("MGA API base URL"),
    adminKey: z.string().min(1).describe('An MGA key with the admin permission; use "${MGA_ADMIN_KEY}"'),
    paths: mgaPathsSchema.prefault({}).describe("Overrides of the key-management and chat paths"),
  })
  .strict()
  .describe("The MyGPTAssistants key-management API");

export type MgaIssuerConfig = z.infer<typeof mgaIssuerConfigSchema>;
export type MgaPaths = z.infer<typeof mgaPathsSchema>;

const permission = z.enum(PERMISSIONS);

export const mgaKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  permission,
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().optional(),
  revokedAt: z.string().nullable().optional(),
});

export const createdKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  permission,
  key: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
});

export const keyPageSchema = z.object({
  keys: z.array(mgaKeySchema),
  nextCursor: z.string().nullable().optional(),
});

export const errorEnvelopeSchema = z.object({
  success: z.literal(false),
  error: z.object({ code: z.string(), message: z.string() }),
});

export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data });
}

export const revokedKeySchema = z.object({
  id: z.string(),
  revokedAt: z.string().nullable().optional(),
});

/** `POST /chat/{botId}/message`, as documented. */
export const messageReplySchema = z.object({
  response: z.string(),
  conversationId: z.string(),
  messageId: z.string(),
});

/** `GET /chat/{botId}/conversations`: documented as paginated; the health check needs only the list. */
export const conversationPageSchema = z.object({
  conversations: z.array(z.unknown()),
});
