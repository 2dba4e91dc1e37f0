// Small helpers of the bench: order statistics over samples, and a plain-text table.

export function quantile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest rank: p90 of 10 samples is the 9th, never an interpolation between two runs.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (samples: number[]): number => quantile(samples, 0.5);
export const p90 = (samples: number[]): number => quantile(samples, 0.9);

export const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : "n/a");
export const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a");

export function bytes(value: number): string {
  if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(2)} MiB (${value})`;
  return `${(value / 1024).toFixed(1)} KiB (${value})`;
}

/** "median / p90" of some samples. */
export const spread = (samples: number[]): string => `${ms(median(samples))} / ${ms(p90(samples))}`;

export function table(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [`\n${title}\n`, line(header), rule, ...rows.map(line)].join("\n");
}
