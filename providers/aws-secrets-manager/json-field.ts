// A key kept as one field of a JSON-object secret ({"MGA_API_KEY": "…", "OTHER": "…"}): read it,
// set it or remove it while every other field stays as it was. Errors name the secret and the
// field, never the content.
import { DestinationError } from "../../src/core/errors.js";

type JsonObject = Record<string, unknown>;

function parseObject(secretString: string, label: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new DestinationError(`${label}: the secret is not JSON, so jsonField cannot be used; drop jsonField or store a JSON object`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new DestinationError(`${label}: the secret is JSON but not an object, so jsonField cannot address a field in it`);
  }
  return parsed as JsonObject;
}

/** The field's string value; undefined when the field is missing. */
export function getField(secretString: string, field: string, label: string): string | undefined {
  const value = parseObject(secretString, label)[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new DestinationError(`${label}: field "${field}" holds a ${typeof value}, not a string`);
  return value;
}

/** The secret with `field` set (or removed when `value` is undefined); a missing secret counts as {}. */
export function withField(secretString: string | undefined, field: string, value: string | undefined, label: string): string {
  const object = secretString === undefined ? {} : parseObject(secretString, label);
  const { [field]: _previous, ...others } = object;
  return JSON.stringify(value === undefined ? others : { ...object, [field]: value });
}
