// A strict little parser of the Prometheus text exposition format (0.0.4), for tests: every line is
// a HELP, a TYPE or a sample; label values unescape \\, \" and \n and nothing else; a family's TYPE
// comes before its samples; the text ends with a line feed. Anything else throws.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  help: Map<string, string>;
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const COMMENT = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`);
const SAMPLE = new RegExp(`^(${NAME})(\\{.*\\})? (\\S+)(?: -?\\d+)?$`);
const TYPES = ["counter", "gauge", "histogram", "summary", "untyped"];

function unescape(text: string, escapes: Record<string, string>, line: string): string {
  return text.replace(/\\(.)/g, (_all, char: string) => {
    const replacement = escapes[char];
    if (replacement === undefined) throw new Error(`bad escape \\${char} in: ${line}`);
    return replacement;
  });
}

function parseLabels(block: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = block.slice(1, -1);
  while (rest.length > 0) {
    const match = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(,?)/.exec(rest);
    if (!match) throw new Error(`bad labels in: ${line}`);
    const [all, name, raw, comma] = match;
    if (name! in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name!] = unescape(raw!, { "\\": "\\", '"': '"', n: "\n" }, line);
    rest = rest.slice(all.length);
    if (comma === "" && rest.length > 0) throw new Error(`missing comma in: ${line}`);
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) || Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
  return value;
}

export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const result: Exposition = { help: new Map(), types: new Map(), samples: [] };
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = COMMENT.exec(line);
    if (comment) {
      const [, kind, name, rest = ""] = comment;
      const map = kind === "HELP" ? result.help : result.types;
      if (map.has(name!)) throw new Error(`${kind} of ${name} twice`);
      if (kind === "TYPE" && !TYPES.includes(rest)) throw new Error(`bad TYPE in: ${line}`);
      if (kind === "TYPE" && result.samples.some((s) => s.name === name)) throw new Error(`TYPE of ${name} after its samples`);
      map.set(name!, kind === "HELP" ? unescape(rest, { "\\": "\\", n: "\n" }, line) : rest);
      continue;
    }
    if (line.startsWith("#")) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample: ${JSON.stringify(line)}`);
    const [, name, labelBlock, value] = sample;
    if (!result.types.has(name!)) throw new Error(`sample of ${name} before its TYPE`);
    result.samples.push({ name: name!, labels: labelBlock ? parseLabels(labelBlock, line) : {}, value: parseValue(value!, line) });
  }
  return result;
}

/** The value of the one sample with this name and exactly these labels. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return exposition.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}
