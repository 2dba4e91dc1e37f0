// The JSON Schema of the config file, generated from the zod schema, for editor completion and
// checks (config/key-rotator.schema.json; `npm run schema` rewrites it, a test keeps it in sync).
// It describes the file as written: `io: "input"`, so fields with defaults are optional and show
// their default. Draft-07, the draft editors' YAML and JSON language servers know best.
import { z } from "zod";
import { configSchema } from "./schema.js";

export const JSON_SCHEMA_FILE = "config/key-rotator.schema.json";

export function buildJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: "input",
    target: "draft-07",
    unrepresentable: "throw",
    override: ({ jsonSchema }) => {
      // z.int() bounds itself to safe integers: noise in an editor's hover.
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  });
  const { $schema, ...rest } = schema;
  return { $schema, title: "key-rotator configuration", ...rest };
}

/** The file's exact content: two-space indented, with a trailing newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
