// The hand-written Prometheus exposition: HELP and TYPE lines, label escaping that survives a strict
// parser, and counters that refuse to go down.
import { describe, expect, it } from "vitest";
import { escapeLabelValue, MetricRegistry } from "../../src/daemon/exposition.js";
import { parseExposition, sampleValue } from "./prometheus-text.js";

describe("Prometheus text exposition", () => {
  it("renders HELP and TYPE before the samples, and ends with a line feed", () => {
    const registry = new MetricRegistry();
    registry.counter("demo_total", "Things done", ["key"]).inc({ key: "a" }, 2);
    registry.gauge("demo_up", "1 when up").set({}, 1);

    const text = registry.render();

    expect(text).toBe(
      ["# HELP demo_total Things done", "# TYPE demo_total counter", 'demo_total{key="a"} 2', "# HELP demo_up 1 when up", "# TYPE demo_up gauge", "demo_up 1", ""].join(
        "\n",
      ),
    );
    const parsed = parseExposition(text);
    expect(parsed.types.get("demo_total")).toBe("counter");
    expect(sampleValue(parsed, "demo_up")).toBe(1);
  });

  it("escapes backslash, double quote and line feed in label values, and a parser reads them back", () => {
    const registry = new MetricRegistry();
    const awkward = 'C:\\keys\\"prod"\nnext';
    registry.counter("demo_errors_total", "Errors", ["destination"]).inc({ destination: awkward });

    const text = registry.render();

    expect(escapeLabelValue(awkward)).toBe('C:\\\\keys\\\\\\"prod\\"\\nnext');
    expect(text).toContain(`demo_errors_total{destination="${escapeLabelValue(awkward)}"} 1\n`);
    expect(text.split("\n")).toHaveLength(4);
    expect(sampleValue(parseExposition(text), "demo_errors_total", { destination: awkward })).toBe(1);
  });

  it("escapes backslash and line feed in HELP text", () => {
    const registry = new MetricRegistry();
    registry.gauge("demo_gauge", 'a "quoted" path C:\\x\nsecond line').set({}, 0);

    const text = registry.render();

    expect(text).toContain('# HELP demo_gauge a "quoted" path C:\\\\x\\nsecond line\n');
    expect(parseExposition(text).help.get("demo_gauge")).toBe('a "quoted" path C:\\x\nsecond line');
  });

  it("writes special values the way Prometheus reads them", () => {
    const registry = new MetricRegistry();
    const gauge = registry.gauge("demo_value", "A value", ["case"]);
    gauge.set({ case: "inf" }, Infinity);
    gauge.set({ case: "minus-inf" }, -Infinity);
    gauge.set({ case: "nan" }, NaN);
    gauge.set({ case: "fraction" }, 0.25);

    const text = registry.render();

    expect(text).toContain('demo_value{case="inf"} +Inf\n');
    expect(text).toContain('demo_value{case="minus-inf"} -Inf\n');
    expect(text).toContain('demo_value{case="nan"} NaN\n');
    expect(sampleValue(parseExposition(text), "demo_value", { case: "fraction" })).toBe(0.25);
  });

  it("refuses a counter going down, a wrong label set, a bad name and a second registration", () => {
    const registry = new MetricRegistry();
    const counter = registry.counter("demo_total", "Things", ["key"]);

    expect(() => counter.inc({ key: "a" }, -1)).toThrow("only goes up");
    expect(() => counter.inc({ key: "a", extra: "b" })).toThrow("takes labels {key}");
    expect(() => counter.inc({})).toThrow("takes labels {key}");
    expect(() => registry.gauge("demo-bad", "Bad name")).toThrow("invalid metric name");
    expect(() => registry.gauge("demo_total", "Again")).toThrow("registered twice");
  });

  it("keeps series in a stable label order whatever order they are given in", () => {
    const registry = new MetricRegistry();
    const counter = registry.counter("demo_total", "Things", ["key", "outcome"]);
    counter.inc({ outcome: "ok", key: "a" });
    counter.inc({ key: "a", outcome: "ok" });

    expect(registry.render()).toContain('demo_total{key="a",outcome="ok"} 2\n');
  });

  it("the test parser rejects what Prometheus would reject", () => {
    expect(() => parseExposition("# TYPE x gauge\nx 1")).toThrow("line feed");
    expect(() => parseExposition("x 1\n")).toThrow("before its TYPE");
    expect(() => parseExposition('# TYPE x gauge\nx{a="\\t"} 1\n')).toThrow("bad escape");
    expect(() => parseExposition('# TYPE x gauge\nx{a="1"b="2"} 1\n')).toThrow("missing comma");
    expect(() => parseExposition("# TYPE x gauge\nx one\n")).toThrow("bad value");
  });
});
