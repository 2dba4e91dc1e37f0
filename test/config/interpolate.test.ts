// ${NAME} references: where they apply, the $${ escape, and what is reported (names, never values).
import { describe, expect, it } from "vitest";
import { interpolateEnvironment } from "../../src/config/interpolate.js";

describe("interpolateEnvironment", () => {
  it("replaces references in string values at any depth, and leaves field names and other types alone", () => {
    const input = { "${KEY}": "${VALUE}", list: [1, true, null, "a-${VALUE}-b"], nested: { deep: ["${VALUE}"] } };

    const result = interpolateEnvironment(input, { KEY: "k", VALUE: "v" });

    expect(result.value).toEqual({ "${KEY}": "v", list: [1, true, null, "a-v-b"], nested: { deep: ["v"] } });
    expect(result.issues).toEqual([]);
    expect([...result.fromEnvironment]).toEqual(['["${KEY}"]', "list[3]", "nested.deep[0]"]);
  });

  it("keeps $${NAME} and $NAME literal", () => {
    const result = interpolateEnvironment({ a: "$${HOME} costs $5 and $HOME" }, { HOME: "/root" });

    expect(result.value).toEqual({ a: "${HOME} costs $5 and $HOME" });
    expect(result.fromEnvironment.size).toBe(0);
  });

  it("reports unset, empty and malformed references by path, and marks the value unresolved", () => {
    const result = interpolateEnvironment({ a: { b: "${UNSET}:${EMPTY}:${not valid}:${OPEN" } }, { EMPTY: "" });

    expect(result.issues.map((issue) => issue.message)).toEqual([
      "environment variable UNSET is not set",
      "environment variable EMPTY is set but empty",
      'invalid environment reference "${not valid}": expected ${NAME}, NAME made of letters, digits and _ (write "$${" for a literal "${")',
      'unterminated "${" (write "$${" for a literal "${")',
    ]);
    expect(result.issues.every((issue) => issue.path.join(".") === "a.b")).toBe(true);
    expect([...result.unresolved]).toEqual(["a.b"]);
  });

  it("keeps a __proto__ field a plain field", () => {
    const input = JSON.parse('{"__proto__": {"polluted": "${X}"}}') as unknown;

    const result = interpolateEnvironment(input, { X: "yes" });

    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(result.value as object, "__proto__")).toBe(true);
  });
});
