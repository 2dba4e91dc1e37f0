// The file's text to data: YAML and JSON by content, line and column on syntax errors.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { parseConfigText } from "../../src/config/parse-text.js";

function issuesOf(text: string): string[] {
  try {
    parseConfigText(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfigText", () => {
  it("reads YAML with anchors and merge keys, and JSON, with or without a byte-order mark", () => {
    const yaml = "base: &base { type: dotenv, path: .env }\nfirst: { <<: *base, variable: A }\n";

    expect(parseConfigText(yaml).data).toEqual({ base: { type: "dotenv", path: ".env" }, first: { type: "dotenv", path: ".env", variable: "A" } });
    expect(parseConfigText('\uFEFF{"a": [1, "x"]}').data).toEqual({ a: [1, "x"] });
  });

  it("gives JSON's own diagnosis, with line and column, for a file that looks like JSON", () => {
    // The wording after the position is V8's, and varies across Node versions.
    expect(issuesOf('{\n  "a": 1,\n  "b" 2\n}')).toEqual([expect.stringMatching(/^line 3, column 7: JSON syntax error: \S/)]);
    expect(issuesOf('{\n  "a": ')).toEqual([expect.stringMatching(/^line 2, column 8: JSON syntax error: \S/)]);
  });

  it("reports one YAML error per line, with line and column", () => {
    expect(issuesOf('a: "open\nb: 1\n')[0]).toMatch(/^line \d+, column \d+: YAML syntax error: /);
    expect(issuesOf("a: 1\na: 2\n")).toEqual(["line 2, column 1: YAML syntax error: Map keys must be unique"]);
  });

  it("passes YAML warnings on, with their position", () => {
    expect(parseConfigText("a: !custom 1\n").warnings).toEqual([expect.stringMatching(/^line 1, column 4: YAML: /)]);
  });
});
