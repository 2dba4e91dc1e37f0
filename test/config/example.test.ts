// config/key-rotator.example.yaml is the operator's reference: it must load cleanly and show every
// field of the schema (destination types other than its own are shown commented out, unchecked).
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildJsonSchema } from "../../src/config/json-schema.js";
import { loadConfig } from "../../src/config/load.js";

const EXAMPLE = "config/key-rotator.example.yaml";

/** Property names at every depth of a JSON Schema, except under `skip`. */
function propertyNames(schema: unknown, skip: string, names = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((item) => propertyNames(item, skip, names));
  else if (typeof schema === "object" && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === "properties") {
        for (const [name, property] of Object.entries(value as Record<string, unknown>)) {
          names.add(name);
          if (name !== skip) propertyNames(property, skip, names);
        }
      } else propertyNames(value, skip, names);
    }
  }
  return names;
}

describe("the example config", () => {
  it("loads without issues or warnings, given the variables it references", async () => {
    const loaded = await loadConfig({ path: EXAMPLE, env: { MGA_ADMIN_KEY: "mga_admin_example_value", KEY_ROTATOR_SEAL_KEY: "example-seal-key-0123456789abcdefghijkl" } });

    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.keys.map((key) => key.id)).toEqual(["production-server", "analytics-reader"]);
  });

  it("points editors at the JSON Schema and shows every field", async () => {
    const text = await readFile(EXAMPLE, "utf8");
    const fields = [...propertyNames(buildJsonSchema(), "destinations")].filter((name) => name !== "$schema");

    const missing = fields.filter((name) => !new RegExp(`^[\\s#-]*${name}:`, "m").test(text));

    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./key-rotator.schema.json");
    expect(missing).toEqual([]);
  });
});
