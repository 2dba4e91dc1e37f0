// The .env text format, as the `dotenv` package reads it, for one purpose: find a variable's value and
// change it in place while every other byte of the file stays as it was. Pure functions on strings;
// the file system is dotenv-file.ts's business.
//
// Reading follows dotenv's rules: `KEY=value`, `export KEY=value`, `KEY: value`, whitespace around the
// separator, '…', "…" (with \n and \r expanded) and `…` quotes, unquoted values ending at `#`, CR, LF or
// CRLF line ends, and the last assignment of a variable wins.

export type Quote = "" | "'" | '"' | "`";
const QUOTES: readonly string[] = ["'", '"', "`"];
/** Order of preference when a value must be written in a style other than the line's own. */
const STYLES: readonly Quote[] = ["", "'", '"', "`"];

export interface EnvLine {
  text: string;
  /** "\n", "\r\n", "\r", or "" for a last line without one. */
  eol: string;
}

export interface Assignment {
  key: string;
  value: string;
  /** Lines [first, last] the assignment spans (more than one only for a multi-line quoted value). */
  first: number;
  last: number;
  exported: boolean;
  /** Text before the value's token: indentation, `export `, the key and the separator. */
  head: string;
  quote: Quote;
  /** Text after the value's token on its last line: whitespace and a comment. */
  tail: string;
}

export interface EnvDocument {
  lines: EnvLine[];
  assignments: Assignment[];
}

const ASSIGNMENT = /^(\s*(export\s+)?([\w.-]+)(?:\s*=\s*|:\s+))(.*)$/;
const QUOTED_TAIL = /^\s*(#.*)?$/;

export function splitLines(text: string): EnvLine[] {
  const parts = text.split(/(\r\n|\n|\r)/);
  const lines: EnvLine[] = [];
  for (let i = 0; i < parts.length; i += 2) lines.push({ text: parts[i] ?? "", eol: parts[i + 1] ?? "" });
  const lastLine = lines.at(-1);
  if (lastLine && lastLine.text === "" && lastLine.eol === "") lines.pop();
  return lines;
}

export function joinLines(lines: readonly EnvLine[]): string {
  return lines.map((line) => line.text + line.eol).join("");
}

/** Index of the closing quote in `text` from `from`, skipping `\<quote>` as dotenv does; -1 if none. */
function closingQuote(text: string, quote: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\" && text[i + 1] === quote) i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/** dotenv's post-processing: strip one pair of matching outer quotes; expand \n and \r in "…". */
function unquote(token: string): string {
  const first = token[0] ?? "";
  let value = token;
  if (token.length >= 2 && QUOTES.includes(first) && token.endsWith(first)) value = token.slice(1, -1);
  if (first === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
  return value;
}

function parseAssignment(lines: readonly EnvLine[], index: number): Assignment | undefined {
  const match = ASSIGNMENT.exec(lines[index]?.text ?? "");
  if (!match) return undefined;
  const [, head = "", exportWord, key = "", rest = ""] = match;
  // Built field by field: object spread here costs more than the rest of the parse together.
  const found = (value: string, last: number, quote: Quote, tail: string): Assignment => ({
    key,
    value,
    first: index,
    last,
    exported: exportWord !== undefined,
    head,
    quote,
    tail,
  });
  const quote = rest[0] ?? "";
  if (QUOTES.includes(quote)) {
    // A quoted value may run over several lines; dotenv joins them with "\n".
    let joined = rest;
    let from = 1;
    for (let last = index; last < lines.length; last++) {
      if (last > index) joined += `\n${lines[last]?.text ?? ""}`;
      const close = closingQuote(joined, quote, from);
      from = joined.length;
      if (close < 0) continue;
      const tail = joined.slice(close + 1);
      if (!QUOTED_TAIL.test(tail)) break; // not a quoted value after all: read it unquoted
      return found(unquote(joined.slice(0, close + 1)), last, quote as Quote, tail);
    }
  }
  const hash = rest.indexOf("#");
  const raw = hash < 0 ? rest : rest.slice(0, hash);
  const token = raw.trimEnd();
  return found(unquote(token), index, "", rest.slice(token.length));
}

export function parseDotenv(text: string): EnvDocument {
  const lines = splitLines(text);
  const assignments: Assignment[] = [];
  for (let index = 0; index < lines.length; index++) {
    const assignment = parseAssignment(lines, index);
    if (!assignment) continue;
    assignments.push(assignment);
    index = assignment.last;
  }
  return { lines, assignments };
}

/** Every assignment of `key`, in file order; the last one is the one dotenv reads. */
export function assignmentsOf(document: EnvDocument, key: string): Assignment[] {
  return document.assignments.filter((assignment) => assignment.key === key);
}

/** The value dotenv would read for `key`, or undefined when the file does not assign it. */
export function readVariable(text: string, key: string): string | undefined {
  return assignmentsOf(parseDotenv(text), key).at(-1)?.value;
}

/** Whether `value` reads back unchanged when written in this quoting style. */
export function fitsStyle(value: string, quote: Quote): boolean {
  if (/[\r\n]/.test(value)) return false;
  switch (quote) {
    case "":
      return !value.includes("#") && value === value.trim() && !QUOTES.includes(value[0] ?? "");
    case '"':
      return !value.includes('"') && !value.includes("\\");
    default:
      return !value.includes(quote) && !value.endsWith("\\");
  }
}

/** The token for `value`: in `preferred` style when it fits, else the first style that does. */
export function formatValue(value: string, preferred: Quote): string | undefined {
  const quote = [preferred, ...STYLES].find((style) => fitsStyle(value, style));
  return quote === undefined ? undefined : `${quote}${value}${quote}`;
}

export class UnwritableValueError extends Error {
  override name = "UnwritableValueError";
}

function dominantEol(lines: readonly EnvLine[]): string {
  return lines.find((line) => line.eol !== "")?.eol ?? "\n";
}

/**
 * Sets `key` to `value`: rewrites the token of its last assignment in place (keeping `export `, the
 * separator, the quoting style when the value fits it, and a trailing comment), or appends
 * `KEY=value` at the end. Every other line is kept byte for byte.
 */
export function setVariable(text: string, key: string, value: string): string {
  const document = parseDotenv(text);
  const { lines } = document;
  const assignments = assignmentsOf(document, key);
  const target = assignments.at(-1);
  if (target && target.first !== target.last) {
    throw new UnwritableValueError("the variable holds a multi-line value, which is not supported");
  }
  const token = formatValue(value, target?.quote ?? "");
  if (token === undefined) {
    throw new UnwritableValueError("the value has characters that no .env quoting style can represent");
  }
  const next = lines.map((line) => ({ ...line }));
  if (target) {
    const line = next[target.first]!;
    line.text = `${target.head}${token}${target.tail}`;
    return joinLines(next);
  }
  const eol = dominantEol(lines);
  const exported = document.assignments.length > 0 && document.assignments.every((a) => a.exported);
  const newLine = `${exported ? "export " : ""}${key}=${token}`;
  const lastLine = next.at(-1);
  if (!lastLine) return `${newLine}${eol}`;
  if (lastLine.eol === "") {
    // Keep the file's own convention: it did not end with a line break, so neither does it now.
    lastLine.eol = eol;
    next.push({ text: newLine, eol: "" });
  } else {
    next.push({ text: newLine, eol });
  }
  return joinLines(next);
}

/** Removes every assignment of `key` (all its lines); whether the file ends with a line break is kept. */
export function removeVariable(text: string, key: string): string {
  const document = parseDotenv(text);
  const drop = new Set<number>();
  for (const assignment of assignmentsOf(document, key)) {
    for (let i = assignment.first; i <= assignment.last; i++) drop.add(i);
  }
  if (drop.size === 0) return text;
  const kept = document.lines.filter((_, index) => !drop.has(index)).map((line) => ({ ...line }));
  const endedWithBreak = (document.lines.at(-1)?.eol ?? "") !== "";
  const lastKept = kept.at(-1);
  if (lastKept && !endedWithBreak) lastKept.eol = "";
  return joinLines(kept);
}
