/** Vega-lite specs of a dataset profile: one small histogram per column. */
import type { ColumnProfile } from "../../data/metadata.ts";
import { CHART_CONFIG, type ChartSpec, round } from "./chart.ts";

/** The histogram of a profiled column, or undefined when the profile has none. */
export function columnHistogramChart(column: ColumnProfile): ChartSpec | undefined {
  const histogram = column.histogram;
  if (!histogram) return undefined;
  const id = `histogram-${slug(column.name)}`;
  if (histogram.kind === "numeric") {
    const values = histogram.bins.map((b) => ({
      start: round(b.start, 6),
      end: round(b.end, 6),
      rows: b.count,
    }));
    return {
      id,
      title: column.name,
      caption: `${column.type}; ${histogram.bins.length} bins of the valid values between ${round(column.min ?? 0, 4)} and ${round(column.max ?? 0, 4)}.`,
      spec: {
        config: CHART_CONFIG,
        width: 260,
        height: 120,
        data: { values },
        mark: { type: "bar", color: "#1f77b4", stroke: "white", strokeWidth: 0.5 },
        encoding: {
          x: { field: "start", type: "quantitative", title: null, scale: { zero: false } },
          x2: { field: "end" },
          y: { field: "rows", type: "quantitative", title: "rows" },
          // A bar given x and x2 is ranged horizontally; without y2 vega-lite draws it as a thin band.
          y2: { datum: 0 },
        },
      },
    };
  }
  const values = histogram.values.map((v) => ({ value: v.value, rows: v.count }));
  // For a category the rest are values outside its levels, worth seeing; for free text they are
  // the long tail, which would dwarf the listed values.
  const category = column.type === "category";
  if (category && histogram.otherCount > 0) {
    values.push({
      value: `(${histogram.otherValues} other${histogram.otherValues === 1 ? "" : "s"})`,
      rows: histogram.otherCount,
    });
  }
  return {
    id,
    title: column.name,
    caption: category
      ? `${column.type}; rows per level${histogram.otherCount > 0 ? ", and values outside the levels" : ""}.`
      : `${column.type}; the ${histogram.values.length} most frequent values` +
        (histogram.otherCount > 0
          ? ` (${histogram.otherValues} other values in ${histogram.otherCount} rows not shown).`
          : "."),
    spec: {
      config: CHART_CONFIG,
      width: 260,
      height: Math.max(60, values.length * 16),
      data: { values },
      mark: { type: "bar", color: "#ff7f0e" },
      encoding: {
        y: { field: "value", type: "nominal", title: null, sort: null },
        x: { field: "rows", type: "quantitative", title: "rows" },
      },
    },
  };
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "column"
  );
}
