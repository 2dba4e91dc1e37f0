// The `notify` section of the config: where rotation events are sent. One schema per notifier type,
// joined on `type`; src/notify/registry.ts maps each type to the code that sends.
import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "../config/duration.js";
import { DEFAULT_NOTIFICATION_TYPES, NOTIFICATION_TYPES } from "./notification.js";

const MAX_TIMEOUT_MS = 5 * 60_000;

export const webhookNotifierSchema = z
  .object({
    type: z.literal("webhook"),
    url: z
      .url({ protocol: /^https?$/ })
      .describe("Where each notification is POSTed as JSON. Treated as a secret: logs show only its host"),
    secret: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Signs each body: header x-key-rotator-signature is "sha256=" + hex HMAC-SHA256 of the raw body with this secret; use "${WEBHOOK_SECRET}". Without it, notifications go unsigned',
      ),
    events: z
      .array(z.enum(NOTIFICATION_TYPES))
      .min(1, "expected at least one event; remove the notifier to send nothing")
      .refine((events) => new Set(events).size === events.length, "each event at most once")
      .default([...DEFAULT_NOTIFICATION_TYPES])
      .describe(
        "Which events are sent: started, succeeded, failed, rolled-back, revoked, awaiting-grace, overdue; default all but awaiting-grace",
      ),
    timeout: z
      .string()
      .regex(DURATION_PATTERN, 'expected a duration such as "10s" (a whole number and a unit: ms, s, m, h, d)')
      // Only for a well-formed duration: the regex has already reported any other text.
      .refine((text) => {
        if (!DURATION_PATTERN.test(text)) return true;
        const ms = parseDuration(text);
        return ms > 0 && ms <= MAX_TIMEOUT_MS;
      }, "expected a timeout above 0 and at most 5m")
      .default("10s")
      .describe("How long one delivery attempt may take; failed attempts (5xx, 429, network) are retried a few times"),
  })
  .strict()
  .describe("POSTs each notification as JSON to a URL, signed when a secret is set");

export const notifierConfigSchema = z
  .discriminatedUnion("type", [webhookNotifierSchema])
  .describe("Where rotation events are sent; `type` picks the kind");

// Optional rather than `.default([])`: absent means none, and a parsed config without notifiers keeps
// the shape it had before notifications existed.
export const notifySchema = z
  .array(notifierConfigSchema)
  .optional()
  .describe("Notifications of rotations started, succeeded, failed, rolled back, revoked, and keys overdue; default none");

export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
export type WebhookNotifierConfig = z.infer<typeof webhookNotifierSchema>;
