// The `notify` section: defaults, the issues a bad one reports, the JSON Schema, and the example
// config's commented-out block, which must be a working config once uncommented.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildJsonSchema } from "../../src/config/json-schema.js";
import { loadConfig, validateConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/core/errors.js";

const ENV = { MGA_ADMIN_KEY: "mga_admin_value_0001", WEBHOOK_SECRET: "whsec_from_the_environment_0001" };
const BASE = {
  issuer: { type: "mga", adminKey: "${MGA_ADMIN_KEY}" },
  keys: [{ id: "k", name: "K", verify: { botId: "bot_1" }, destinations: [{ type: "dotenv", path: ".env", variable: "MGA_API_KEY" }] }],
};

function issuesOf(notify: unknown): string[] {
  try {
    validateConfig({ ...BASE, notify }, ENV);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe("config notify", () => {
  it("is optional: absent means no notifiers", () => {
    const { config } = validateConfig(BASE, ENV);

    expect(config.notify).toBeUndefined();
  });

  it("fills a webhook's defaults: every event but awaiting-grace, a 10s timeout, no signature", () => {
    const { config, warnings } = validateConfig({ ...BASE, notify: [{ type: "webhook", url: "https://hooks.example.com/rotator" }] }, ENV);

    expect(warnings.filter((warning) => warning.startsWith("notify"))).toEqual([]);
    expect(config.notify).toEqual([
      {
        type: "webhook",
        url: "https://hooks.example.com/rotator",
        events: ["started", "succeeded", "failed", "rolled-back", "revoked", "overdue"],
        timeout: "10s",
      },
    ]);
  });

  it("reads the secret from the environment", () => {
    const { config } = validateConfig({ ...BASE, notify: [{ type: "webhook", url: "https://h.example/x", secret: "${WEBHOOK_SECRET}" }] }, ENV);

    expect(config.notify?.[0]?.secret).toBe(ENV.WEBHOOK_SECRET);
  });

  it.each([
    [{ url: "ftp://h.example/x" }, 'notify[0].url: expected a URL such as "https://api.example.com/v1"'],
    [{ url: "https://h.example/x", events: [] }, "notify[0].events: expected at least one event; remove the notifier to send nothing"],
    [{ url: "https://h.example/x", events: ["started", "started"] }, "notify[0].events: each event at most once"],
    [
      { url: "https://h.example/x", events: ["rotated"] },
      "notify[0].events[0]: expected one of started, succeeded, failed, rolled-back, revoked, awaiting-grace, overdue",
    ],
    [{ url: "https://h.example/x", timeout: "0s" }, "notify[0].timeout: expected a timeout above 0 and at most 5m"],
    [{ url: "https://h.example/x", timeout: "1h" }, "notify[0].timeout: expected a timeout above 0 and at most 5m"],
    [{ url: "https://h.example/x", timeout: "10" }, 'notify[0].timeout: expected a duration such as "10s" (a whole number and a unit: ms, s, m, h, d)'],
    [{ url: "https://h.example/x", headers: {} }, 'notify[0].headers: unknown field "headers"'],
    [{ url: "https://h.example/x", secret: "${UNSET_SECRET}" }, "notify[0].secret: environment variable UNSET_SECRET is not set"],
  ])("reports %j", (fields, issue) => {
    expect(issuesOf([{ type: "webhook", ...fields }])).toEqual([issue]);
  });

  it("reports an unknown notifier type", () => {
    expect(issuesOf([{ type: "slack", url: "https://h.example/x" }])).toEqual(['notify[0].type: unknown notifier type "slack"; expected one of webhook']);
  });

  it("is in the JSON Schema, every field described", () => {
    const notify = (buildJsonSchema() as { properties: Record<string, { items: { oneOf: Array<{ properties: Record<string, { description?: string }> }> } }> })
      .properties.notify;
    const webhook = notify?.items.oneOf[0]?.properties ?? {};

    expect(Object.keys(webhook)).toEqual(["type", "url", "secret", "events", "timeout"]);
    expect(Object.entries(webhook).filter(([name, field]) => name !== "type" && !field.description)).toEqual([]);
  });

  it("is documented in the example config by a block that works once uncommented", async () => {
    const text = await readFile("config/key-rotator.example.yaml", "utf8");
    const lines = text.split("\n");
    const start = lines.indexOf("# notify:");
    const block = lines.slice(start).filter((line) => line.startsWith("#")).map((line) => line.replace(/^# ?/, ""));
    const dir = await mkdtemp(join(tmpdir(), "key-rotator-notify-example-"));
    const path = join(dir, "example.yaml");
    await writeFile(path, `${lines.slice(0, start).join("\n")}\n${block.join("\n")}\n`);

    const loaded = await loadConfig({ path, env: { ...ENV, KEY_ROTATOR_SEAL_KEY: "example-seal-key-0123456789abcdefghijkl" } }).finally(() =>
      rm(dir, { recursive: true, force: true }),
    );

    expect(start).toBeGreaterThan(0);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.notify).toEqual([
      {
        type: "webhook",
        url: "https://hooks.example.com/rotator",
        secret: ENV.WEBHOOK_SECRET,
        events: ["started", "succeeded", "failed", "rolled-back", "revoked", "overdue"],
        timeout: "10s",
      },
    ]);
  });
});
