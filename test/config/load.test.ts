// Good configs: defaults, ${VAR} interpolation, JSON files, where the config is looked for, the
// warnings an operator should see, and the CLI's text for a ConfigError.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { destinationId, formatConfigError, loadConfig, parseConfig, resolveConfigPath } from "../../src/config/load.js";

const ENV = { MGA_ADMIN_KEY: "mga_admin_value_0001" };
const MINIMAL = `
issuer: { type: mga, adminKey: "\${MGA_ADMIN_KEY}" }
keys:
  - id: production-server
    name: Production Server
    verify: { botId: bot_123 }
    destinations:
      - { type: dotenv, path: .env, variable: MGA_API_KEY }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "key-rotator-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SEAL_KEY_WARNING =
  "state.sealKey: not set: dotenv destinations keep no earlier value, so after a crash (or for `rollback` in a later run) " +
  "the old key can be put back only from a sealed journal; without one such a rollback stops and asks for a person. " +
  'Set it to 32+ random characters, e.g. "${KEY_ROTATOR_SEAL_KEY}"';

describe("loadConfig", () => {
  it("applies every default to a minimal config", async () => {
    const path = join(dir, "minimal.yaml");
    await writeFile(path, MINIMAL);

    const loaded = await loadConfig({ path, env: ENV });

    expect(loaded.warnings).toEqual([SEAL_KEY_WARNING]);
    expect(loaded.path).toBe(path);
    expect(loaded.config).toEqual({
      issuer: {
        type: "mga",
        adminKey: "mga_admin_value_0001",
        baseUrl: "https://api.mygptassistants.com/api/v1",
        paths: {
          createKey: "/keys",
          listKeys: "/keys",
          revokeKey: "/keys/{id}",
          sendMessage: "/chat/{botId}/message",
          listConversations: "/chat/{botId}/conversations",
        },
      },
      state: { type: "file", path: ".key-rotator/state.json", lockLeaseSeconds: 60 },
      schedule: { cron: "0 3 * * *", timezone: "UTC", jitter: "0s" },
      keys: [
        {
          id: "production-server",
          name: "Production Server",
          permission: "write",
          rotateEveryDays: 90,
          revokeAfter: "0s",
          revokeOnlyIfUnused: false,
          verify: { botId: "bot_123" },
          destinations: [{ type: "dotenv", path: ".env", variable: "MGA_API_KEY" }],
        },
      ],
    });
  });

  it("reads the same config from a JSON file", async () => {
    const yamlPath = join(dir, "same.yaml");
    const jsonPath = join(dir, "same.json");
    await writeFile(yamlPath, MINIMAL);
    await writeFile(jsonPath, JSON.stringify(parseConfig(MINIMAL, ENV).config, null, 2));

    const fromJson = await loadConfig({ path: jsonPath, env: ENV });

    expect(fromJson.config).toEqual((await loadConfig({ path: yamlPath, env: ENV })).config);
  });

  it("resolves a relative path against the working directory", async () => {
    const path = join(dir, "relative.yaml");
    await writeFile(path, MINIMAL);

    const loaded = await loadConfig({ path: relative(process.cwd(), path), env: ENV });

    expect(loaded.path).toBe(path);
  });
});

describe("environment references", () => {
  it("replace ${NAME} in nested strings, anywhere in the string, and keep $${NAME} literal", () => {
    const text = `
issuer: { type: mga, adminKey: "\${MGA_ADMIN_KEY}", baseUrl: "https://\${MGA_HOST}/api/v1" }
state: { type: file, path: "\${STATE_DIR}/state.json" }
keys:
  - id: production-server
    name: "Production \${STAGE} $\${NOT_A_VARIABLE}"
    verify: { botId: "\${BOT_ID}", message: "costs $5, not \${STAGE}" }
    destinations:
      - { type: dotenv, path: "\${APP_DIR}/.env", variable: MGA_API_KEY }
`;
    const env = { ...ENV, MGA_HOST: "mga.internal", STATE_DIR: "/var/lib/rotator", STAGE: "eu", BOT_ID: "bot_9", APP_DIR: "/srv/app" };

    const { config } = parseConfig(text, env);

    expect(config.issuer.baseUrl).toBe("https://mga.internal/api/v1");
    expect(config.state).toMatchObject({ type: "file", path: "/var/lib/rotator/state.json" });
    expect(config.keys[0]?.name).toBe("Production eu ${NOT_A_VARIABLE}");
    expect(config.keys[0]?.verify).toEqual({ botId: "bot_9", message: "costs $5, not eu" });
    expect(config.keys[0]?.destinations[0]).toEqual({ type: "dotenv", path: "/srv/app/.env", variable: "MGA_API_KEY" });
  });

  it("report every missing variable at once, by path and name, never by value", () => {
    const text = MINIMAL.replace("bot_123", '"${BOT_ID}"').replace(".env,", '"${APP_DIR}/.env",');

    const error = catchConfigError(() => parseConfig(text, {}));

    expect(error.issues).toEqual([
      "issuer.adminKey: environment variable MGA_ADMIN_KEY is not set",
      "keys[0].destinations[0].path: environment variable APP_DIR is not set",
      "keys[0].verify.botId: environment variable BOT_ID is not set",
    ]);
  });
});

describe("resolveConfigPath", () => {
  it("prefers --config, then KEY_ROTATOR_CONFIG, then config/key-rotator.yaml", () => {
    const env = { KEY_ROTATOR_CONFIG: "/etc/key-rotator.yaml" };

    expect(resolveConfigPath({ flag: "mine.yaml", env })).toBe("mine.yaml");
    expect(resolveConfigPath({ env })).toBe("/etc/key-rotator.yaml");
    expect(resolveConfigPath({ env: {} })).toBe("config/key-rotator.yaml");
    expect(resolveConfigPath({ flag: "", env: { KEY_ROTATOR_CONFIG: "" } })).toBe("config/key-rotator.yaml");
  });
});

describe("warnings", () => {
  it("flag what works but is probably not meant", () => {
    const text = `
issuer: { type: mga, adminKey: mga_literal_admin_value, baseUrl: "http://mga.example.com/api/v1" }
schedule: { jitter: 8d }
keys:
  - id: reader
    name: Reader
    permission: read
    rotateEveryDays: 7
    verify: { botId: bot_1, message: hello }
    destinations: [{ type: dotenv, path: .env, variable: MGA_API_KEY }]
  - id: writer
    name: Writer
    verify: { botId: bot_1 }
    destinations: [{ type: dotenv, id: app, path: .env, variable: MGA_API_KEY }]
`;

    const { warnings } = parseConfig(text, {});

    expect(warnings).toEqual([
      'issuer.adminKey: a secret written in the file; use "${MGA_ADMIN_KEY}" and set that variable instead',
      "issuer.baseUrl: plain http: the admin key and every new key would cross the network unencrypted; use https",
      "keys[0].verify.message: ignored: a read key is checked by listing conversations, it cannot send messages",
      'keys[1].destinations[0]: writes the same place as keys[0].destinations[0] ("dotenv:.env#MGA_API_KEY"); the two keys would overwrite each other',
      "schedule.jitter: not shorter than the shortest rotation period (7 days): keys would rotate late by up to a whole period",
      SEAL_KEY_WARNING,
    ]);
    expect(warnings.join("\n")).not.toContain("mga_literal_admin_value");
  });

  it("flag secrets written in the file and plain-http webhooks", () => {
    const text = `${MINIMAL}state: { type: file, sealKey: a-seal-key-written-in-the-file-0123456789 }
notify:
  - { type: webhook, url: "http://hooks.example.com/rotator", secret: a-webhook-secret-in-the-file }
  - { type: webhook, url: "http://127.0.0.1:9000/hook", secret: "\${WEBHOOK_SECRET}" }
`;

    const { warnings } = parseConfig(text, { ...ENV, WEBHOOK_SECRET: "from-the-environment" });

    expect(warnings).toEqual([
      'notify[0].secret: a secret written in the file; use "${WEBHOOK_SECRET}" and set that variable instead',
      "notify[0].url: plain http: notifications (and their signatures) would cross the network unencrypted; use https",
      'state.sealKey: a secret written in the file; use "${KEY_ROTATOR_SEAL_KEY}" and set that variable instead',
    ]);
    expect(warnings.join("\n")).not.toContain("a-webhook-secret-in-the-file");
  });

  it("allow plain http to a loopback test server", () => {
    const text = MINIMAL.replace('adminKey: "${MGA_ADMIN_KEY}"', 'adminKey: "${MGA_ADMIN_KEY}", baseUrl: "http://127.0.0.1:8080/api/v1"');

    expect(parseConfig(text, ENV).warnings).toEqual([SEAL_KEY_WARNING]);
  });
});

describe("destinationId", () => {
  it("is the config id when given, else the registry's default id", () => {
    expect(destinationId({ type: "dotenv", id: "app", path: ".env", variable: "MGA_API_KEY" })).toBe("app");
    expect(destinationId({ type: "dotenv", path: ".env", variable: "MGA_API_KEY" })).toBe("dotenv:.env#MGA_API_KEY");
  });
});

describe("formatConfigError", () => {
  it("names the file, then one issue per line", () => {
    const error = new ConfigError(["issuer: required", "keys: required"]);

    expect(formatConfigError(error, "config/key-rotator.yaml")).toBe(
      "key-rotator: invalid config config/key-rotator.yaml:\n  issuer: required\n  keys: required",
    );
  });
});

function catchConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}
