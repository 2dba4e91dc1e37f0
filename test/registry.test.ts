// The registry is complete: every provider folder is registered under its folder's name, has the
// fixed shape (index, schema, fake, README), and its module builds a destination of that type
// without credentials or network (clients are made lazily).
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { systemClock } from "../src/core/clock.js";
import { destinationRegistry } from "../src/registry.js";
import { captureLog } from "./support/recording.js";

const providersDir = fileURLToPath(new URL("../providers/", import.meta.url));
const ISSUERS = ["mga"];
/** Destinations that touch only local files: their tests use real files, there is no service to fake. */
const LOCAL = ["dotenv"];
const folders = readdirSync(providersDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

describe("provider registry", () => {
  it("registers every destination folder, and nothing else", () => {
    expect(Object.keys(destinationRegistry).sort()).toEqual(folders.filter((f) => !ISSUERS.includes(f)).sort());
  });

  it.each(folders)("%s has index.ts, schema.ts, README.md and (behind a service) fake.ts", (folder) => {
    const files = ["index.ts", "schema.ts", "README.md", ...(LOCAL.includes(folder) ? [] : ["fake.ts"])];
    const missing = files.filter((file) => !existsSync(`${providersDir}${folder}/${file}`));
    expect(missing).toEqual([]);
  });

  it.each(Object.entries(destinationRegistry))("%s: its schema's type literal is its registry key", (type, entry) => {
    const shape = (entry.schema as unknown as { shape: { type: { value: string } } }).shape;
    expect(shape.type.value).toBe(type);
  });

  const samples: Record<string, Record<string, unknown>> = {
    dotenv: { type: "dotenv", path: "app.env", variable: "MGA_API_KEY" },
    "aws-secrets-manager": { type: "aws-secrets-manager", region: "us-east-1", secretId: "prod/mga" },
    "gcp-secret-manager": { type: "gcp-secret-manager", project: "my-project", secret: "mga" },
    "azure-key-vault": { type: "azure-key-vault", vaultUrl: "https://v.vault.azure.net", secretName: "mga-key" },
    vercel: { type: "vercel", project: "prj_1", key: "MGA_API_KEY", targets: ["production"], token: "t" },
    railway: { type: "railway", projectId: "p", environmentId: "e", serviceId: "s", variable: "MGA_API_KEY", token: "t" },
  };

  it.each(Object.entries(destinationRegistry))("%s: builds a destination with the default id, lazily", async (type, entry) => {
    const config = entry.schema.parse(samples[type]) as never;
    const module = await entry.load();

    const destination = module.createDestination(config, { clock: systemClock, log: captureLog().log });

    expect(destination.type).toBe(type);
    expect(destination.id).toBe(entry.defaultId(config));
    expect(destination.describe()).not.toBe("");
  });
});
