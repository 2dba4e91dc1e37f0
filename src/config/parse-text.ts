// The config file's text to plain data. YAML 1.2 parses JSON too; a file that looks like JSON (starts
// with "{" or "[") and fails to parse gets JSON.parse's diagnosis instead, which is more to the point
// for JSON ("expected ',' or '}'") than YAML's. Syntax errors name the line and column.
import { parseDocument, type YAMLError } from "yaml";
import { ConfigError } from "../core/errors.js";

export interface ParsedText {
  data: unknown;
  /** YAML warnings (e.g. an unknown tag), with their line and column. */
  warnings: string[];
}

interface Position {
  line: number;
  column: number;
}

export function parseConfigText(text: string): ParsedText {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  // merge: YAML 1.1 "<<" merge keys, handy with anchors for repeated destination settings.
  const document = parseDocument(source, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (document.errors.length === 0) {
    const warnings = document.warnings.map((warning) => describeYamlError(warning, "YAML"));
    try {
      return { data: document.toJS({ maxAliasCount: 1000 }), warnings };
    } catch (error) {
      throw new ConfigError([`YAML error: ${error instanceof Error ? error.message : String(error)}`], { cause: error });
    }
  }
  if (/^\s*[{[]/.test(source)) return parseJson(source, document.errors[0]);
  throw new ConfigError(firstPerLine(document.errors).map((error) => describeYamlError(error, "YAML syntax error")));
}

function parseJson(source: string, yamlError: YAMLError | undefined): ParsedText {
  try {
    return { data: JSON.parse(source) as unknown, warnings: [] };
  } catch (error) {
    const { message, position } = diagnoseJson(error, source, yamlError);
    const at = position === undefined ? "" : `line ${position.line}, column ${position.column}: `;
    throw new ConfigError([`${at}JSON syntax error: ${message}`], { cause: error });
  }
}

/** V8 says "… in JSON at position 42", or "Unexpected end of JSON input", or quotes the text around. */
function diagnoseJson(error: unknown, source: string, yamlError: YAMLError | undefined): { message: string; position?: Position } {
  const text = error instanceof Error ? error.message : String(error);
  const atPosition = /^(.*) in JSON at position (\d+)/s.exec(text);
  if (atPosition) return { message: atPosition[1] as string, position: positionOf(source, Number(atPosition[2])) };
  if (text.startsWith("Unexpected end of JSON input")) {
    return { message: "unexpected end of input", position: positionOf(source, source.length) };
  }
  const message = (text.split(/, "|, \.\.\."/)[0] ?? text).replace(/\n/g, "\\n");
  const yamlPosition = yamlError?.linePos?.[0];
  return yamlPosition === undefined ? { message } : { message, position: { line: yamlPosition.line, column: yamlPosition.col } };
}

function positionOf(source: string, offset: number): Position {
  const before = source.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

function describeYamlError(error: YAMLError, label: string): string {
  const message =
    error.code === "MULTIPLE_DOCS"
      ? 'the file holds more than one YAML document ("---"); keep the whole config in one'
      : (/^(.*?) at line \d+, column \d+/s.exec(error.message)?.[1] ?? error.message).split("\n")[0];
  const position = error.linePos?.[0];
  return position === undefined ? `${label}: ${message}` : `line ${position.line}, column ${position.col}: ${label}: ${message}`;
}

/** One error per line: the parser's later errors on a line mostly follow from the first. */
function firstPerLine(errors: readonly YAMLError[]): YAMLError[] {
  const seen = new Set<number | undefined>();
  return errors.filter((error) => {
    const line = error.linePos?.[0]?.line;
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}
