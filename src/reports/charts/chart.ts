/** What every chart builder returns, and the look all charts share. */
import type { TopLevelSpec } from "vega-lite";

/** A chart of a report: a stable id (used by tests and anchors), a title and a vega-lite spec. */
export interface ChartSpec {
  /** Kebab-case id, unique in a report, e.g. `roc-curve`. */
  id: string;
  title: string;
  /** One or two sentences under the chart saying how to read it. */
  caption: string;
  spec: TopLevelSpec;
}

/** Plot area of a single chart, in pixels. */
export const CHART_WIDTH = 340;
export const CHART_HEIGHT = 260;

/** Shared vega-lite config: quiet axes, system fonts, no outer border. */
export const CHART_CONFIG = {
  font: "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif",
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e6e6e6" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 13, anchor: "start" as const },
};

/** Rounds for display and for JSON embedded in charts (keeps SVG and HTML small). */
export function round(value: number, digits = 4): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** `0.8512`, or `n/a` for a missing number. */
export function formatScore(value: number | null | undefined): string {
  return value === undefined || value === null || Number.isNaN(value) ? "n/a" : value.toFixed(4);
}
