import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatValue,
  parseDotenv,
  readVariable,
  removeVariable,
  setVariable,
  splitLines,
  UnwritableValueError,
} from "./dotenv-format.js";

describe("readVariable: reads values the way dotenv does", () => {
  it.each([
    ["plain", "KEY=value", "value"],
    ["export prefix", "export KEY=value", "value"],
    ["colon separator", "KEY: value", "value"],
    ["whitespace around =", "  KEY  =   value   ", "value"],
    ["empty", "KEY=", ""],
    ["empty with a comment", "KEY= # nothing here", ""],
    ["unquoted with a trailing comment", "KEY=value # the key", "value"],
    ["# starts a comment in an unquoted value", "KEY=val#ue", "val"],
    ["inner spaces kept", "KEY=a b  c", "a b  c"],
    ["single quotes", "KEY='a # b'", "a # b"],
    ["single quotes keep \\n", "KEY='a\\nb'", "a\\nb"],
    ["double quotes", 'KEY="a # b" # comment', "a # b"],
    ["double quotes expand \\n and \\r", 'KEY="a\\nb\\rc"', "a\nb\rc"],
    ["double quotes keep other escapes", 'KEY="a\\tb"', "a\\tb"],
    ["backticks", "KEY=`it's \"x\"`", "it's \"x\""],
    ["quotes with whitespace inside", "KEY='  padded  '", "  padded  "],
    ["an unclosed quote reads unquoted", "KEY='abc", "'abc"],
    ["junk after a closing quote reads unquoted", "KEY='a' b", "'a' b"],
    ["equals signs in the value", "KEY=a=b==", "a=b=="],
    ["CRLF", "A=1\r\nKEY=value\r\nB=2\r\n", "value"],
    ["lone CR", "A=1\rKEY=value\rB=2", "value"],
    ["the last assignment wins", "KEY=first\nOTHER=x\nKEY=second\n", "second"],
    ["multi-line double-quoted value", 'KEY="line1\nline2"\nB=2', "line1\nline2"],
  ])("%s", (_name, text, expected) => {
    expect(readVariable(text, "KEY")).toBe(expected);
  });

  it.each([
    ["missing", "OTHER=1\n"],
    ["commented out", "# KEY=value\n"],
    ["another key with the name as prefix", "KEY_2=value\nMY_KEY=value\n"],
    ["inside another variable's multi-line value", 'OTHER="a\nKEY=value\n"\n'],
    ["empty file", ""],
  ])("undefined when %s", (_name, text) => {
    expect(readVariable(text, "KEY")).toBeUndefined();
  });
});

describe("setVariable", () => {
  it("replaces the value in place and keeps every other byte", () => {
    const text = "# header\n\nA=1\nexport KEY='old' # rotated by key-rotator\r\n  B = \"two\"\n";

    const next = setVariable(text, "KEY", "mga_sk_new");

    expect(next).toBe("# header\n\nA=1\nexport KEY='mga_sk_new' # rotated by key-rotator\r\n  B = \"two\"\n");
  });

  it.each([
    ["unquoted", "KEY=old", "KEY=new_1"],
    ["double quotes", 'KEY="old"', 'KEY="new_1"'],
    ["backticks", "KEY=`old`", "KEY=`new_1`"],
    ["colon separator", "KEY: old # c", "KEY: new_1 # c"],
    ["spaces around =", "KEY = old", "KEY = new_1"],
    ["empty", "KEY=", "KEY=new_1"],
  ])("keeps the style of a %s line", (_name, line, expected) => {
    expect(setVariable(`${line}\n`, "KEY", "new_1")).toBe(`${expected}\n`);
  });

  it.each([
    ["a #", "a#b", "KEY='a#b'"],
    ["surrounding spaces", " ab ", "KEY=' ab '"],
    ["a leading quote", "'ab", `KEY="'ab"`],
    ["a #, single and double quotes", `it's "x" #1`, "KEY=`it's \"x\" #1`"],
  ])("quotes a value with %s only when it needs it", (_name, value, expected) => {
    const next = setVariable("KEY=old\n", "KEY", value);

    expect(next).toBe(`${expected}\n`);
    expect(readVariable(next, "KEY")).toBe(value);
  });

  it("leaves double quotes, which would expand \\n, when the value has a backslash", () => {
    const next = setVariable('KEY="old"\n', "KEY", "a\\nb");

    expect(next).toBe("KEY=a\\nb\n");
  });

  it("appends to a file that ends with a line break, in its line-break style", () => {
    expect(setVariable("A=1\r\n", "KEY", "v")).toBe("A=1\r\nKEY=v\r\n");
  });

  it("adds a line break first when the file does not end with one", () => {
    expect(setVariable("A=1\n# last", "KEY", "v")).toBe("A=1\n# last\nKEY=v");
  });

  it("writes a lone line to an empty file", () => {
    expect(setVariable("", "KEY", "v")).toBe("KEY=v\n");
  });

  it("appends with `export ` when every other assignment has it", () => {
    expect(setVariable("export A=1\n", "KEY", "v")).toBe("export A=1\nexport KEY=v\n");
  });

  it("updates only the last of repeated assignments, the one dotenv reads", () => {
    expect(setVariable("KEY=a\nKEY=b\nC=3\n", "KEY", "new")).toBe("KEY=a\nKEY=new\nC=3\n");
  });

  it("refuses a multi-line value in place, and values no quoting can hold", () => {
    expect(() => setVariable('KEY="a\nb"\n', "KEY", "v")).toThrow(/multi-line/);
    expect(() => setVariable("", "KEY", "a\nb")).toThrow(/no .env quoting/);
    expect(() => setVariable("", "KEY", "'\"`#")).toThrow(/no .env quoting/);
  });
});

describe("removeVariable", () => {
  it("removes every assignment and keeps the rest", () => {
    expect(removeVariable("A=1\nKEY=x\n# c\nKEY='y'\r\nB=2\n", "KEY")).toBe("A=1\n# c\nB=2\n");
  });

  it("undoes an append to a file without a final line break, byte for byte", () => {
    const original = "A=1\n# last";

    expect(removeVariable(setVariable(original, "KEY", "v"), "KEY")).toBe(original);
  });

  it("removes all lines of a multi-line value", () => {
    expect(removeVariable('A=1\nKEY="a\nb"\nB=2\n', "KEY")).toBe("A=1\nB=2\n");
  });

  it("returns the text unchanged when the variable is absent", () => {
    expect(removeVariable("A=1", "KEY")).toBe("A=1");
  });
});

// Random .env files: comments, blank lines, other variables in every quoting style, optional
// `export `, either line-break style, with or without the variable (possibly twice).
const word = fc.stringMatching(/^[A-Za-z0-9_./:+=-]{0,12}$/);
const otherName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/).filter((name) => name !== "KEY");
const quoted = fc.oneof(
  word,
  word.map((w) => `'${w} # x'`),
  word.map((w) => `"${w}\\n"`),
  word.map((w) => `\`${w}'"\``),
);
const assignment = (name: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom("", "export ", "  "), name, fc.constantFrom("=", " = ", ": "), quoted, fc.constantFrom("", " # note", "  #x"))
    .map(([prefix, key, separator, value, comment]) => `${prefix}${key}${separator}${value}${comment}`);
const line = fc.oneof(
  assignment(otherName),
  fc.constantFrom("", "# comment", "#KEY=commented", "   ", "not an assignment"),
  fc.constant("KEY=old_value"),
  assignment(fc.constant("KEY")),
);
const envFile = fc
  .tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom("\n", "\r\n"), fc.boolean())
  .map(([lines, eol, finalBreak]) => lines.join(eol) + (finalBreak && lines.length > 0 ? eol : ""));
const newValue = fc.oneof(fc.stringMatching(/^[ -~]{0,40}$/), fc.stringMatching(/^mga_sk_[A-Za-z0-9]{20,40}$/));

function othersOf(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const entry of parseDotenv(text).assignments) if (entry.key !== "KEY") values[entry.key] = entry.value;
  return values;
}

describe("setVariable on random files", () => {
  it("reads back the new value, changes only the variable's line and leaves every other variable alone", () => {
    fc.assert(
      fc.property(envFile, newValue, (text, value) => {
        if (formatValue(value, "") === undefined) {
          expect(() => setVariable(text, "KEY", value)).toThrow(UnwritableValueError);
          return;
        }
        const before = splitLines(text);
        const target = parseDotenv(text).assignments.filter((entry) => entry.key === "KEY").at(-1);

        const next = setVariable(text, "KEY", value);

        expect(readVariable(next, "KEY")).toBe(value);
        expect(othersOf(next)).toEqual(othersOf(text));
        const after = splitLines(next);
        if (target) {
          expect(after).toHaveLength(before.length);
          after.forEach((entry, index) => {
            if (index !== target.first) expect(entry).toEqual(before[index]);
          });
        } else {
          expect(after).toHaveLength(before.length + 1);
          expect(after.slice(0, -2)).toEqual(before.slice(0, -1));
          expect(after.at(-2)?.text).toBe(before.at(-1)?.text);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("restoring to absent after a write to a file without the variable gives back the file exactly", () => {
    fc.assert(
      fc.property(envFile.filter((text) => readVariable(text, "KEY") === undefined), word, (text, value) => {
        expect(removeVariable(setVariable(text, "KEY", value), "KEY")).toBe(text);
      }),
    );
  });
});
