// Cross-field rules over a config that passed the schema: each a small function that reports errors
// (the config cannot work) and warnings (it works, but probably not as meant). Messages quote config
// values only when they were written in the file, never ones taken from the environment.
import { validateDetailed } from "node-cron";
import { parseDuration } from "./duration.js";
import { destinationId, destinationLocation } from "./destination-id.js";
import type { ConfigIssue, ConfigPath } from "./issues.js";
import { renderPath } from "./issues.js";
import type { Config } from "./schema.js";
import { isRecord } from "./schema-walk.js";

const DAY_MS = 86_400_000;

export interface RuleContext {
  config: Config;
  error(path: ConfigPath, message: string): void;
  warn(path: ConfigPath, message: string): void;
  /** Whether anything at or under `path` came from the environment. */
  fromEnvironment(path: ConfigPath): boolean;
  /** `"value"` as written, or a neutral phrase when anything at or under `path` came from the environment. */
  quote(path: ConfigPath, value: string): string;
}

export type ConfigRule = (context: RuleContext) => void;

export function checkRules(config: Config, fromEnvironment: ReadonlySet<string>, rules = CONFIG_RULES) {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const context: RuleContext = {
    config,
    error: (path, message) => errors.push({ path, message }),
    warn: (path, message) => warnings.push({ path, message }),
    fromEnvironment: (path) => isFromEnvironment(path, fromEnvironment),
    quote: (path, value) => (isFromEnvironment(path, fromEnvironment) ? "(set from the environment)" : JSON.stringify(value)),
  };
  for (const rule of rules) rule(context);
  return { errors, warnings };
}

function isFromEnvironment(path: ConfigPath, fromEnvironment: ReadonlySet<string>): boolean {
  const prefix = renderPath(path);
  for (const rendered of fromEnvironment) {
    if (path.length === 0 || rendered === prefix || rendered.startsWith(`${prefix}.`) || rendered.startsWith(`${prefix}[`)) return true;
  }
  return false;
}

export const uniqueKeyIds: ConfigRule = ({ config, error, quote }) => {
  const first = new Map<string, number>();
  config.keys.forEach((key, index) => {
    const earlier = first.get(key.id);
    if (earlier === undefined) first.set(key.id, index);
    else error(["keys", index, "id"], `duplicate key id ${quote(["keys", index, "id"], key.id)} (also keys[${earlier}].id)`);
  });
};

export const uniqueDestinationIds: ConfigRule = ({ config, error, quote }) => {
  config.keys.forEach((key, keyIndex) => {
    const first = new Map<string, number>();
    key.destinations.forEach((destination, index) => {
      const id = destinationId(destination);
      const earlier = first.get(id);
      if (earlier === undefined) return void first.set(id, index);
      const path = ["keys", keyIndex, "destinations", index];
      error(
        destination.id === undefined ? path : [...path, "id"],
        `duplicate destination id ${quote(path, id)} (also keys[${keyIndex}].destinations[${earlier}]); remove the repeat or give each an \`id\``,
      );
    });
  });
};

export const revokeWithinRotation: ConfigRule = ({ config, error, quote }) => {
  config.keys.forEach((key, index) => {
    if (parseDuration(key.revokeAfter) <= key.rotateEveryDays * DAY_MS) return;
    const path = ["keys", index, "revokeAfter"];
    error(
      path,
      `${quote(path, key.revokeAfter)} is longer than the rotation period (rotateEveryDays: ${key.rotateEveryDays}); the next rotation would start before the old key is revoked`,
    );
  });
};

export const readKeysSendNoMessage: ConfigRule = ({ config, warn }) => {
  config.keys.forEach((key, index) => {
    if (key.permission !== "read" || key.verify.message === undefined) return;
    warn(["keys", index, "verify", "message"], "ignored: a read key is checked by listing conversations, it cannot send messages");
  });
};

export const destinationsNotShared: ConfigRule = ({ config, warn, quote }) => {
  const writers = new Map<string, ConfigPath>();
  config.keys.forEach((key, keyIndex) => {
    key.destinations.forEach((destination, index) => {
      const path = ["keys", keyIndex, "destinations", index];
      const location = destinationLocation(destination);
      const other = writers.get(location);
      if (other === undefined) return void writers.set(location, path);
      if (other[1] === keyIndex) return; // same key: uniqueDestinationIds reports it
      warn(path, `writes the same place as ${renderPath(other)} (${quote(path, location)}); the two keys would overwrite each other`);
    });
  });
};

export const uniqueCurrentKeyIds: ConfigRule = ({ config, error }) => {
  const first = new Map<string, number>();
  config.keys.forEach((key, index) => {
    if (key.currentKeyId === undefined) return;
    const earlier = first.get(key.currentKeyId);
    if (earlier === undefined) first.set(key.currentKeyId, index);
    else error(["keys", index, "currentKeyId"], `the same MGA key as keys[${earlier}].currentKeyId; each managed key has its own`);
  });
};

export const validCron: ConfigRule = ({ config, error, fromEnvironment }) => {
  const problems = cronProblems(config.schedule.cron);
  if (problems.length === 0) return;
  const path = ["schedule", "cron"];
  // The reasons quote the expression's fields.
  const reasons = fromEnvironment(path) ? "" : ` (${problems.join("; ")})`;
  error(path, `not a valid cron expression${reasons}; e.g. "0 3 * * *" (daily at 03:00)`);
};

function cronProblems(expression: string): string[] {
  try {
    const result = validateDetailed(expression);
    if (result.valid) return [];
    return result.errors.map((problem) =>
      problem.field === "expression"
        ? problem.message
        : `${problem.value ?? ""} is not a valid ${problem.field.replace(/([A-Z])/g, " $1").toLowerCase()}`,
    );
  } catch (thrown) {
    return [thrown instanceof Error ? thrown.message : String(thrown)];
  }
}

export const validTimezone: ConfigRule = ({ config, error, quote }) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: config.schedule.timezone });
  } catch {
    const path = ["schedule", "timezone"];
    error(path, `unknown time zone ${quote(path, config.schedule.timezone)}; expected an IANA name such as "UTC" or "Europe/Paris"`);
  }
};

export const jitterWithinRotation: ConfigRule = ({ config, warn }) => {
  const jitter = parseDuration(config.schedule.jitter);
  const shortest = Math.min(...config.keys.map((key) => key.rotateEveryDays));
  if (jitter === 0 || jitter < shortest * DAY_MS) return;
  warn(["schedule", "jitter"], `not shorter than the shortest rotation period (${shortest} days): keys would rotate late by up to a whole period`);
};

// Bare "secret" is left out: for some stores it is the secret's name (GCP `secret: mga-api-key`).
const SECRET_FIELD = /^(token|password|adminKey|apiKey|clientSecret|sealKey)$|(Token|Password)$/;

/** A field that holds a credential should read it from the environment, not from the file. */
export const secretsFromEnvironment: ConfigRule = ({ config, warn, fromEnvironment }) => {
  const visit = (value: unknown, path: ConfigPath): void => {
    if (Array.isArray(value)) return value.forEach((item, index) => visit(item, [...path, index]));
    if (!isRecord(value)) return;
    for (const [field, item] of Object.entries(value)) {
      const fieldPath = [...path, field];
      if (typeof item === "string" && SECRET_FIELD.test(field) && !fromEnvironment(fieldPath)) {
        warn(fieldPath, `a secret written in the file; use "\${${envName(field)}}" and set that variable instead`);
      } else visit(item, fieldPath);
    }
  };
  visit(config, []);
};

function envName(field: string): string {
  if (field === "adminKey") return "MGA_ADMIN_KEY";
  if (field === "sealKey") return "KEY_ROTATOR_SEAL_KEY";
  return field.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

export const encryptedIssuer: ConfigRule = ({ config, warn }) => {
  const url = new URL(config.issuer.baseUrl);
  if (url.protocol !== "http:" || LOOPBACK.has(url.hostname) || url.hostname.startsWith("127.")) return;
  warn(["issuer", "baseUrl"], "plain http: the admin key and every new key would cross the network unencrypted; use https");
};

/** Webhook secrets (named plain `secret`, which elsewhere is a GCP secret's name) and plain-http endpoints. */
export const webhookHygiene: ConfigRule = ({ config, warn, fromEnvironment }) => {
  (config.notify ?? []).forEach((notifier, index) => {
    if (notifier.secret !== undefined && !fromEnvironment(["notify", index, "secret"])) {
      warn(["notify", index, "secret"], 'a secret written in the file; use "${WEBHOOK_SECRET}" and set that variable instead');
    }
    const url = new URL(notifier.url);
    if (url.protocol === "http:" && !LOOPBACK.has(url.hostname) && !url.hostname.startsWith("127.")) {
      warn(["notify", index, "url"], "plain http: notifications (and their signatures) would cross the network unencrypted; use https");
    }
  });
};

/** Destination types that keep no earlier value: after a crash, only a sealed journal can restore them. */
const HISTORYLESS_TYPES = new Set(["dotenv", "vercel", "railway"]);

export const sealKeyForHistorylessDestinations: ConfigRule = ({ config, warn }) => {
  if (config.state.sealKey) return;
  const types = [...new Set(config.keys.flatMap((k) => k.destinations.map((d) => d.type)).filter((t) => HISTORYLESS_TYPES.has(t)))];
  if (types.length === 0) return;
  warn(
    ["state", "sealKey"],
    `not set: ${types.join(", ")} destinations keep no earlier value, so after a crash (or for \`rollback\` in a later run) ` +
      `the old key can be put back only from a sealed journal; without one such a rollback stops and asks for a person. ` +
      `Set it to 32+ random characters, e.g. "\${KEY_ROTATOR_SEAL_KEY}"`,
  );
};

export const CONFIG_RULES: readonly ConfigRule[] = [
  sealKeyForHistorylessDestinations,
  uniqueKeyIds,
  uniqueDestinationIds,
  uniqueCurrentKeyIds,
  revokeWithinRotation,
  readKeysSendNoMessage,
  destinationsNotShared,
  validCron,
  validTimezone,
  jitterWithinRotation,
  secretsFromEnvironment,
  encryptedIssuer,
  webhookHygiene,
];
