// The checked-in JSON Schema matches the zod schema, and describes the file as written (defaults
// optional and shown, every registered destination type offered).
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildJsonSchema, JSON_SCHEMA_FILE, renderJsonSchema } from "../../src/config/json-schema.js";
import { destinationTypes } from "../../src/config/load.js";

interface Node {
  properties: Record<string, Node>;
  items: Node;
  oneOf: Node[];
  required?: string[];
  default?: unknown;
  const?: unknown;
}

describe("config JSON Schema", () => {
  it("is in sync with the zod schema", async () => {
    const checkedIn = await readFile(JSON_SCHEMA_FILE, "utf8");

    expect(checkedIn === renderJsonSchema(), `${JSON_SCHEMA_FILE} is out of date: run \`npm run schema\``).toBe(true);
  });

  it("makes fields with defaults optional and shows the defaults", () => {
    const schema = buildJsonSchema() as unknown as Node;
    const key = schema.properties.keys?.items as Node;

    expect(schema.required).toEqual(["issuer", "keys"]);
    expect(schema.properties.state?.default).toEqual({ type: "file" });
    expect(schema.properties.schedule?.default).toEqual({});
    expect(key.required).toEqual(["id", "name", "verify", "destinations"]);
    expect(key.properties.permission?.default).toBe("write");
    expect(key.properties.rotateEveryDays?.default).toBe(90);
    expect(key.properties.revokeAfter?.default).toBe("0s");
  });

  it("offers every registered destination type", () => {
    const schema = buildJsonSchema() as unknown as Node;
    const destinations = schema.properties.keys?.items.properties.destinations?.items as Node;

    const types = destinations.oneOf.map((option) => option.properties.type?.const);

    expect(types).toEqual(destinationTypes());
  });
});
