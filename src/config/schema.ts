// The config file's schema: the single source of the config types, the validation, and the JSON
// Schema in config/key-rotator.schema.json. Field names are part of the interface.
import { z } from "zod";
import { PERMISSIONS } from "../core/issuer.js";
import { mgaIssuerConfigSchema } from "../../providers/mga/schema.js";
import { destinationRegistry } from "../registry.js";
import { DURATION_PATTERN } from "./duration.js";

const destinationSchemas = Object.values(destinationRegistry).map((entry) => entry.schema);

export const destinationConfigSchema = z
  .discriminatedUnion("type", destinationSchemas as unknown as [z.ZodObject, ...z.ZodObject[]])
  .describe("Where the key's value is written for consumers to read");

export const fileStateSchema = z
  .object({
    type: z.literal("file"),
    path: z.string().min(1).default(".key-rotator/state.json").describe("State file (journal, history)"),
    lockLeaseSeconds: z
      .number()
      .int()
      .min(2)
      .default(60)
      .describe("How long a run's per-key lock lasts without renewal (a crashed run's lock expires after it)"),
  })
  .strict()
  .describe("State in a local JSON file, written atomically with fsync");

export const stateSchema = z.discriminatedUnion("type", [fileStateSchema]).describe("Where journals, locks and history live");

const duration = z
  .string()
  .regex(DURATION_PATTERN, 'a duration such as "0s", "15m", "1h", "2d"')
  .describe('A duration: a number and a unit (ms, s, m, h, d), e.g. "15m"');

export const keySchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/i, "letters, digits, '.', '_' and '-', starting with a letter or digit")
      .describe("Stable id of the managed key, e.g. production-server"),
    name: z.string().min(1).describe("Name given to each new MGA key, followed by the rotation id"),
    permission: z.enum(PERMISSIONS).default("write").describe("Permission of the keys created"),
    rotateEveryDays: z.number().positive().default(90).describe("Rotation period in days"),
    revokeAfter: duration.default("0s").describe("Grace between a verified rotation and revoking the old key"),
    currentKeyId: z
      .string()
      .min(1)
      .optional()
      .describe("Id of the key in use now, when the destinations' value cannot identify it by prefix"),
    verify: z
      .object({
        botId: z.string().min(1).describe("Bot the health check talks to"),
        message: z.string().min(1).optional().describe("Health-check message (write/admin keys)"),
      })
      .strict()
      .describe("Health check of a new key"),
    destinations: z.array(destinationConfigSchema).min(1).describe("Every place that consumes this key"),
  })
  .strict();

export const scheduleSchema = z
  .object({
    cron: z.string().default("0 3 * * *").describe("node-cron expression of the daemon's tick"),
    timezone: z.string().default("UTC").describe("IANA time zone of the cron expression"),
    jitter: duration.default("0s").describe("Window of deterministic per-key jitter added to due dates"),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    issuer: z.discriminatedUnion("type", [mgaIssuerConfigSchema]).describe("Who mints and revokes keys"),
    state: stateSchema.prefault({ type: "file" }),
    schedule: scheduleSchema.prefault({}),
    keys: z.array(keySchema).min(1).describe("The managed keys"),
  })
  .strict()
  .describe("key-rotator configuration");

export type Config = z.infer<typeof configSchema>;
export type KeyConfig = z.infer<typeof keySchema>;
export type DestinationConfig = KeyConfig["destinations"][number];
export type StateConfig = Config["state"];
