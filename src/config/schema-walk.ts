// Looks up what the schema expects at a path of the config, following the data through discriminated
// unions, so that issue messages can name the known fields ("did you mean") and spot durations.
import type { z } from "zod";
import type { ConfigPath, PathSegment } from "./issues.js";
import { DURATION_PATTERN } from "./duration.js";

type Schema = z.core.$ZodType;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The data at `path`, and whether it is there at all (a missing field vs. an explicit null). */
export function valueAt(data: unknown, path: ConfigPath): { present: boolean; value: unknown } {
  let value = data;
  for (const segment of path) {
    const container = value;
    if (Array.isArray(container) && typeof segment === "number" && segment < container.length) value = container[segment];
    else if (isRecord(container) && Object.hasOwn(container, segment)) value = container[segment];
    else return { present: false, value: undefined };
  }
  return { present: value !== undefined, value };
}

/** The schema at `path`, wrappers (optional, default, …) removed; undefined when it cannot tell. */
export function schemaAt(root: Schema, path: ConfigPath, data: unknown): Schema | undefined {
  let schema: Schema | undefined = unwrap(root, data);
  let value = data;
  for (const segment of path) {
    if (schema === undefined) return undefined;
    schema = child(schema, segment);
    value = valueAt(value, [segment]).value;
    if (schema !== undefined) schema = unwrap(schema, value);
  }
  return schema;
}

/** Field names of the object schema at `path`. */
export function fieldsAt(root: Schema, path: ConfigPath, data: unknown): string[] {
  const schema = schemaAt(root, path, data);
  if (schema?._zod.def.type !== "object") return [];
  return Object.keys((schema._zod.def as z.core.$ZodObjectDef).shape);
}

/** A duration string field ("15m"), told by its pattern check. */
export function isDurationSchema(schema: Schema | undefined): boolean {
  const checks = schema?._zod.def.checks ?? [];
  return checks.some((check) => (check._zod.def as { pattern?: unknown }).pattern === DURATION_PATTERN);
}

function child(schema: Schema, segment: PathSegment): Schema | undefined {
  const def = schema._zod.def;
  if (def.type === "object" && typeof segment === "string") {
    return (def as z.core.$ZodObjectDef).shape[segment];
  }
  if (def.type === "array" && typeof segment === "number") return (def as z.core.$ZodArrayDef).element;
  return undefined;
}

function unwrap(schema: Schema, value: unknown): Schema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as z.core.$ZodTypeDef & {
      innerType?: Schema;
      in?: Schema;
      options?: readonly Schema[];
      discriminator?: string;
    };
    if (def.innerType !== undefined) current = def.innerType; // optional, default, prefault, nullable, …
    else if (def.type === "pipe" && def.in !== undefined) current = def.in;
    else if (def.type === "union" && def.discriminator !== undefined && def.options !== undefined) {
      const option = pickOption(def.options, def.discriminator, value);
      if (option === undefined) return current;
      current = option;
    } else return current;
  }
}

function pickOption(options: readonly Schema[], discriminator: string, value: unknown): Schema | undefined {
  if (!isRecord(value)) return undefined;
  const tag = value[discriminator];
  return options.find((option) => option._zod.propValues?.[discriminator]?.has(tag as z.core.util.Primitive));
}
