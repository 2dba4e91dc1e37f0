// The config schema: endpoints, defaults, ids, and that it stays light (no SDK import).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiEndpointOf, defaultId, gcpSecretManagerConfigSchema, parseApiEndpoint, secretResourceName } from "./schema.js";

const base = { type: "gcp-secret-manager", project: "my-project", secret: "mga-api-key" };

describe("gcp-secret-manager config", () => {
  it.each([
    ["http://127.0.0.1:8085", { protocol: "http", host: "127.0.0.1", port: 8085 }],
    ["https://secretmanager.europe-west1.rep.googleapis.com", { protocol: "https", host: "secretmanager.europe-west1.rep.googleapis.com", port: 443 }],
    ["secretmanager.googleapis.com", { protocol: "https", host: "secretmanager.googleapis.com", port: 443 }],
    ["proxy.internal:8443", { protocol: "https", host: "proxy.internal", port: 8443 }],
    ["http://[::1]:9000/", { protocol: "http", host: "::1", port: 9000 }],
    ["https://host/v1", undefined],
    ["ftp://host", undefined],
    ["http://user:pw@host", undefined],
  ])("parses the endpoint %s", (text, expected) => {
    expect(parseApiEndpoint(text)).toEqual(expected);
  });

  it("fills defaults: application default credentials, no disabling, a 30 s deadline, the global endpoint", () => {
    const config = gcpSecretManagerConfigSchema.parse(base);

    expect(config).toEqual({ ...base, disablePrevious: false, timeout: "30s" });
    expect(apiEndpointOf(config)).toEqual({ protocol: "https", host: "secretmanager.googleapis.com", port: 443 });
    expect(defaultId(config)).toBe("gcp-secret-manager:my-project/mga-api-key");
    expect(secretResourceName(config)).toBe("projects/my-project/secrets/mga-api-key");
  });

  it("points a regional secret at its regional endpoint and name", () => {
    const config = gcpSecretManagerConfigSchema.parse({ ...base, location: "europe-west1" });

    expect(apiEndpointOf(config).host).toBe("secretmanager.europe-west1.rep.googleapis.com");
    expect(secretResourceName(config)).toBe("projects/my-project/locations/europe-west1/secrets/mga-api-key");
    expect(defaultId(config)).toBe("gcp-secret-manager:my-project/locations/europe-west1/mga-api-key");
  });

  it("rejects what it cannot use, naming the field", () => {
    const result = gcpSecretManagerConfigSchema.safeParse({
      ...base,
      secret: "projects/p/secrets/s",
      apiEndpoint: "https://host/v1",
      credentials: { type: "access-token" },
      extra: true,
    });

    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join(".") || i.code).sort()).toEqual(["apiEndpoint", "credentials.token", "secret", "unrecognized_keys"]);
  });

  it("describes every field, for the generated JSON Schema", () => {
    const shape = gcpSecretManagerConfigSchema.shape;

    const undescribed = Object.entries(shape).filter(([, field]) => !field.description);

    expect(undescribed).toEqual([]);
  });

  it("renders into the config file's JSON Schema (draft-07, nothing unrepresentable)", () => {
    const schema = z.toJSONSchema(gcpSecretManagerConfigSchema, { io: "input", target: "draft-07", unrepresentable: "throw" });

    expect(schema).toMatchObject({ required: ["type", "project", "secret"], additionalProperties: false });
  });

  it("does not import the SDK (the registry loads schemas eagerly)", () => {
    const source = readFileSync(new URL("./schema.ts", import.meta.url), "utf8");

    expect(source).not.toMatch(/from "(@google-cloud|google-)/);
  });
});
