// A tiny metric registry and the Prometheus text exposition format (version 0.0.4), written by hand:
// the daemon needs a handful of counters and gauges, not a client library. Series are kept in memory
// and rendered on each scrape, families in registration order, series in insertion order.
export type MetricType = "counter" | "gauge";
export type Labels = Readonly<Record<string, string>>;

/** The content type Prometheus expects for the text format. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes backslash and line feed (a double quote stays as it is). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

interface Series {
  labels: Labels;
  value: number;
}

export class MetricFamily {
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__")) throw new Error(`invalid label name ${JSON.stringify(label)} on ${name}`);
    }
  }

  /** Sets a gauge (or initialises a counter's series, usually to 0, so `increase()` sees its start). */
  set(labels: Labels, value: number): void {
    const key = this.#keyOf(labels);
    this.#series.set(key, { labels: this.#ordered(labels), value });
  }

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`${this.name}: a counter only goes up`);
    const key = this.#keyOf(labels);
    const current = this.#series.get(key);
    if (current) current.value += by;
    else this.#series.set(key, { labels: this.#ordered(labels), value: by });
  }

  /** Sets the series only if it does not exist yet. */
  ensure(labels: Labels, value = 0): void {
    if (!this.#series.has(this.#keyOf(labels))) this.set(labels, value);
  }

  get(labels: Labels = {}): number | undefined {
    return this.#series.get(this.#keyOf(labels))?.value;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.#series.values()) {
      const names = Object.keys(labels);
      const labelText = names.length === 0 ? "" : `{${names.map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`).join(",")}}`;
      lines.push(`${this.name}${labelText} ${formatSampleValue(value)}`);
    }
    return lines.join("\n");
  }

  #ordered(labels: Labels): Labels {
    return Object.fromEntries(this.labelNames.map((name) => [name, labels[name]!]));
  }

  #keyOf(labels: Labels): string {
    const given = Object.keys(labels);
    const missing = this.labelNames.filter((name) => typeof labels[name] !== "string");
    const extra = given.filter((name) => !this.labelNames.includes(name));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(`${this.name} takes labels {${this.labelNames.join(",")}}, got {${given.join(",")}}`);
    }
    return JSON.stringify(this.labelNames.map((name) => labels[name]));
  }
}

export class MetricRegistry {
  readonly #families = new Map<string, MetricFamily>();

  counter(name: string, help: string, labelNames: readonly string[] = []): MetricFamily {
    return this.#add(new MetricFamily(name, help, "counter", labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): MetricFamily {
    return this.#add(new MetricFamily(name, help, "gauge", labelNames));
  }

  /** The whole exposition, ending with a line feed as the format requires. */
  render(): string {
    return `${[...this.#families.values()].map((family) => family.render()).join("\n")}\n`;
  }

  #add(family: MetricFamily): MetricFamily {
    if (this.#families.has(family.name)) throw new Error(`metric ${family.name} is registered twice`);
    this.#families.set(family.name, family);
    return family;
  }
}
