// The config file's schema: the single source of the config types, the validation, and the JSON
// Schema in config/key-rotator.schema.json. Field names are part of the interface.
import { z } from "zod";
import { PERMISSIONS } from "../core/issuer.js";
import { mgaIssuerConfigSchema } from "../../providers/mga/schema.js";
import { destinationRegistry, type DestinationType } from "../registry.js";
import { DURATION_PATTERN } from "./duration.js";
import { notifySchema } from "../notify/schema.js";

/** One registered destination's config schema; their union types `DestinationConfig`. */
type RegisteredDestinationSchema = (typeof destinationRegistry)[DestinationType]["schema"];

// The registry has at least one entry (dotenv), so the tuple cast holds.
const destinationSchemas = Object.values(destinationRegistry).map((entry) => entry.schema) as unknown as [
  RegisteredDestinationSchema,
  ...RegisteredDestinationSchema[],
];

export const destinationConfigSchema = z
  .discriminatedUnion("type", destinationSchemas)
  .describe("Where the key's value is written for consumers to read; `type` picks the kind");

/** Shared by every state store: seals old values into the journal (see src/core/seal.ts). */
const sealKey = z
  .string()
  .min(32, "expected at least 32 characters; generate one with `openssl rand -base64 32`")
  .optional()
  .describe(
    'Encrypts the old values kept in the journal (AES-256-GCM) so a later run or `rollback` can restore destinations that keep no history (.env, Vercel, Railway); use "${KEY_ROTATOR_SEAL_KEY}". Without it, old values live only in the running process',
  );

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
    sealKey,
  })
  .strict()
  .describe("State in a local JSON file, written atomically with fsync");

export const dynamoDbStateSchema = z
  .object({
    type: z.literal("dynamodb"),
    table: z
      .string()
      // DynamoDB's table name rule; no regex flags: the JSON Schema `pattern` carries none.
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, "expected a DynamoDB table name: 3 to 255 letters, digits, '_', '-' and '.'")
      .describe("DynamoDB table with string keys pk and sk (the SAM template creates it, or set createTable)"),
    region: z
      .string()
      .regex(/^[a-z]{2,}(-[a-z]+)+-\d+$/, "an AWS region such as us-east-1")
      .optional()
      .describe("AWS region of the table, e.g. us-east-1; default from the environment (AWS_REGION)"),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("DynamoDB endpoint override (DynamoDB Local, VPC endpoint, proxy); default the regional AWS endpoint"),
    createTable: z
      .boolean()
      .default(false)
      .describe(
        "Create the table when missing (on-demand, TTL on `ttl`; needs dynamodb:CreateTable, DescribeTable, UpdateTimeToLive); default false: a missing table is an error",
      ),
    lockLeaseSeconds: fileStateSchema.shape.lockLeaseSeconds,
    sealKey,
  })
  .strict()
  .describe("State in a DynamoDB table, shared by every runner (Lambda, container, CLI); locks by conditional writes with a lease");

export const stateSchema = z
  .discriminatedUnion("type", [fileStateSchema, dynamoDbStateSchema])
  .describe("Where journals, locks and history live");

const duration = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as "15m" (a whole number and a unit: ms, s, m, h, d)')
  .describe('A duration: a number and a unit (ms, s, m, h, d), e.g. "15m"');

export const keySchema = z
  .object({
    id: z
      .string()
      // No regex flags: the JSON Schema `pattern` carries none.
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected letters, digits, '.', '_' and '-', starting with a letter or digit")
      .describe("Stable id of the managed key, e.g. production-server"),
    name: z.string().min(1).describe("Name given to each new MGA key, followed by the rotation id"),
    permission: z.enum(PERMISSIONS).default("write").describe("Permission of the keys created"),
    rotateEveryDays: z.number().positive().default(90).describe("Rotation period in days"),
    revokeAfter: duration.default("0s").describe("Grace between a verified rotation and revoking the old key"),
    revokeOnlyIfUnused: z
      .boolean()
      .default(false)
      .describe(
        "Before revoking, check the old key's lastUsedAt at MGA: while something still used it after every destination switched (and within the last grace period), postpone the revoke and warn. --emergency skips the check",
      ),
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
  .strict()
  .describe("One managed key: a series of real MGA keys, rotated and deployed to its destinations");

export const scheduleSchema = z
  .object({
    cron: z.string().default("0 3 * * *").describe("node-cron expression of the daemon's tick"),
    timezone: z.string().default("UTC").describe("IANA time zone of the cron expression"),
    jitter: duration.default("0s").describe("Window of deterministic per-key jitter added to due dates"),
  })
  .strict()
  .describe("When the daemon ticks (the Lambda's schedule lives in EventBridge)");

export const configSchema = z
  .object({
    $schema: z.string().optional().describe("JSON Schema of this file, for editors; ignored by key-rotator"),
    issuer: z.discriminatedUnion("type", [mgaIssuerConfigSchema]).describe("Who mints and revokes keys"),
    state: stateSchema.prefault({ type: "file" }).describe("Where journals, locks and history live; default a local file"),
    schedule: scheduleSchema.prefault({}).describe("When the daemon ticks"),
    keys: z.array(keySchema).min(1).describe("The managed keys"),
    notify: notifySchema,
  })
  .strict()
  .describe("key-rotator configuration");

export type Config = z.infer<typeof configSchema>;
export type KeyConfig = z.infer<typeof keySchema>;
export type DestinationConfig = KeyConfig["destinations"][number];
export type StateConfig = Config["state"];
export type { NotifierConfig } from "../notify/schema.js";
