/**
 * Vega-lite specs of a binary classifier's evaluation: confusion matrix, ROC and precision-recall
 * curves, calibration, score histogram by class, and feature importance. Every number comes
 * from the registry entry (pooled out-of-fold predictions) or the model artifact; nothing here
 * recomputes a metric.
 */
import type { BinaryClassificationDetails } from "../evaluation-details.ts";
import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, type ChartSpec, formatScore, round } from "./chart.ts";

/** Feature importance as read from a fitted model (gain for trees, coefficients for linear models). */
export interface FeatureImportance {
  kind: "gain" | "coefficient";
  features: string[];
  values: number[];
}

/** At most this many features are drawn (the largest by absolute value). */
export const MAX_IMPORTANCE_FEATURES = 20;

const diagonal = {
  data: { values: [{ a: 0, b: 0, a2: 1, b2: 1 }] },
  mark: { type: "rule" as const, strokeDash: [4, 4], color: "#999" },
  encoding: {
    x: { field: "a", type: "quantitative" as const },
    y: { field: "b", type: "quantitative" as const },
    x2: { field: "a2" },
    y2: { field: "b2" },
  },
};

/** Class names for display: the target's categories, or `0`/`1`. */
export function classNames(details: BinaryClassificationDetails): [string, string] {
  const classes = details.classes;
  return classes ? [classes[0], classes[1]] : ["0", "1"];
}

/** The four cells of the confusion matrix at the recorded threshold; they sum to `details.rows`. */
export function confusionCells(
  details: BinaryClassificationDetails,
): { actual: string; predicted: string; count: number }[] {
  const [negative, positive] = classNames(details);
  const { tn, fp, fn, tp } = details.confusion;
  return [
    { actual: negative, predicted: negative, count: tn },
    { actual: negative, predicted: positive, count: fp },
    { actual: positive, predicted: negative, count: fn },
    { actual: positive, predicted: positive, count: tp },
  ];
}

/** Heatmap of actual against predicted class with the counts written in the cells. */
export function confusionMatrixChart(details: BinaryClassificationDetails): ChartSpec {
  const cells = confusionCells(details);
  const max = Math.max(...cells.map((c) => c.count));
  const target = details.target ?? "target";
  return {
    id: "confusion-matrix",
    title: "Confusion matrix",
    caption: `Out-of-fold predictions at threshold ${details.threshold}: rows are the actual ${target}, columns the predicted one; the four counts sum to the ${details.rows} evaluated rows.`,
    spec: {
      config: CHART_CONFIG,
      width: 240,
      height: 240,
      data: { values: cells },
      encoding: {
        x: { field: "predicted", type: "nominal", title: `predicted ${target}`, axis: { labelAngle: 0 } },
        y: { field: "actual", type: "nominal", title: `actual ${target}` },
      },
      layer: [
        {
          mark: { type: "rect", stroke: "white", strokeWidth: 2 },
          encoding: {
            color: {
              field: "count",
              type: "quantitative",
              scale: { scheme: "blues", zero: true },
              legend: null,
            },
          },
        },
        {
          mark: { type: "text", fontSize: 16, fontWeight: "bold" },
          encoding: {
            text: { field: "count", type: "quantitative" },
            color: { condition: { test: `datum.count > ${max / 2}`, value: "white" }, value: "#222" },
          },
        },
      ],
    },
  };
}

/** ROC curve points in recorded order; `auc` is the registry's `roc_auc` metric. */
export function rocChart(details: BinaryClassificationDetails, auc: number | undefined): ChartSpec {
  const points = details.roc.fpr.map((fpr, i) => ({
    i,
    fpr: round(fpr, 6),
    tpr: round(details.roc.tpr[i], 6),
  }));
  return {
    id: "roc-curve",
    title: "ROC curve",
    caption:
      "True-positive rate against false-positive rate as the threshold moves; the dashed diagonal is a random ranking.",
    spec: {
      config: CHART_CONFIG,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      title: `AUC = ${formatScore(auc)}`,
      layer: [
        diagonal,
        {
          data: { values: points },
          mark: { type: "line", strokeWidth: 2, color: "#1f77b4" },
          encoding: {
            x: {
              field: "fpr",
              type: "quantitative",
              title: "false-positive rate",
              scale: { domain: [0, 1] },
            },
            y: { field: "tpr", type: "quantitative", title: "true-positive rate", scale: { domain: [0, 1] } },
            order: { field: "i", type: "quantitative" },
          },
        },
      ],
    },
  };
}

/** Precision against recall; the dashed line is the positive rate (a classifier that guesses). */
export function precisionRecallChart(details: BinaryClassificationDetails): ChartSpec {
  const { precision, recall, averagePrecision } = details.precisionRecall;
  const points = recall.map((r, i) => ({ i, recall: round(r, 6), precision: round(precision[i], 6) }));
  const positives = details.confusion.tp + details.confusion.fn;
  const baseline = details.rows > 0 ? positives / details.rows : 0;
  return {
    id: "precision-recall-curve",
    title: "Precision–recall curve",
    caption: `Precision against recall as the threshold moves; the dashed line is the positive rate (${formatScore(baseline)}). AP is the average precision, the area under the step curve.`,
    spec: {
      config: CHART_CONFIG,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      title: `AP = ${formatScore(averagePrecision)}`,
      layer: [
        {
          data: { values: [{ baseline }] },
          mark: { type: "rule", strokeDash: [4, 4], color: "#999" },
          encoding: { y: { field: "baseline", type: "quantitative" } },
        },
        {
          data: { values: points },
          mark: { type: "line", strokeWidth: 2, color: "#ff7f0e", interpolate: "step-after" },
          encoding: {
            x: { field: "recall", type: "quantitative", title: "recall", scale: { domain: [0, 1] } },
            y: { field: "precision", type: "quantitative", title: "precision", scale: { domain: [0, 1] } },
            order: { field: "i", type: "quantitative" },
          },
        },
      ],
    },
  };
}

/** Observed positive fraction against mean predicted probability per probability bin. */
export function calibrationChart(details: BinaryClassificationDetails): ChartSpec {
  const { meanPredicted, fractionPositive, counts } = details.calibration;
  const points = meanPredicted
    .map((m, i) => ({ predicted: m, observed: fractionPositive[i], rows: counts[i] }))
    .filter(
      (p): p is { predicted: number; observed: number; rows: number } =>
        p.rows > 0 && isNumber(p.predicted) && isNumber(p.observed),
    )
    .map((p) => ({ predicted: round(p.predicted), observed: round(p.observed), rows: p.rows }));
  const axis = (title: string) => ({ type: "quantitative" as const, title, scale: { domain: [0, 1] } });
  return {
    id: "calibration-curve",
    title: "Calibration",
    caption:
      "Fraction of positives against the mean predicted probability in each of 10 probability bins (point size: rows in the bin); a calibrated model follows the diagonal.",
    spec: {
      config: CHART_CONFIG,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      layer: [
        diagonal,
        {
          data: { values: points },
          encoding: {
            x: { field: "predicted", ...axis("mean predicted probability") },
            y: { field: "observed", ...axis("fraction positive") },
          },
          layer: [
            { mark: { type: "line", color: "#2ca02c" } },
            {
              mark: { type: "point", filled: true, color: "#2ca02c" },
              encoding: { size: { field: "rows", type: "quantitative", title: "rows" } },
            },
          ],
        },
      ],
    },
  };
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Out-of-fold scores binned, stacked by actual class, with the decision threshold. */
export function scoreHistogramChart(details: BinaryClassificationDetails): ChartSpec {
  const [negative, positive] = classNames(details);
  const { bins } = details.scoreHistogram;
  const target = details.target ?? "target";
  // Stacked by hand (negatives at the bottom): vega-lite's stack does not apply to bars given x and x2.
  const values: { start: number; end: number; actual: string; rows: number; low: number; high: number }[] =
    [];
  for (let b = 0; b < bins; b++) {
    const start = round(b / bins);
    const end = round((b + 1) / bins);
    const negatives = details.scoreHistogram.negative[b] ?? 0;
    const positives = details.scoreHistogram.positive[b] ?? 0;
    values.push({ start, end, actual: negative, rows: negatives, low: 0, high: negatives });
    values.push({
      start,
      end,
      actual: positive,
      rows: positives,
      low: negatives,
      high: negatives + positives,
    });
  }
  return {
    id: "score-histogram",
    title: "Scores by class",
    caption: `Predicted probability of ${target} = ${positive} for each out-of-fold row, stacked by the actual class; the line is the threshold (${details.threshold}).`,
    spec: {
      config: CHART_CONFIG,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      layer: [
        {
          data: { values },
          mark: { type: "bar", stroke: "white", strokeWidth: 0.5 },
          encoding: {
            x: {
              field: "start",
              type: "quantitative",
              title: "predicted probability",
              scale: { domain: [0, 1] },
            },
            x2: { field: "end" },
            y: { field: "low", type: "quantitative", title: "rows" },
            y2: { field: "high" },
            color: {
              field: "actual",
              type: "nominal",
              title: `actual ${target}`,
              scale: { range: ["#d62728", "#1f77b4"] },
            },
          },
        },
        {
          data: { values: [{ threshold: details.threshold }] },
          mark: { type: "rule", strokeDash: [4, 4], color: "#333" },
          encoding: { x: { field: "threshold", type: "quantitative" } },
        },
      ],
    },
  };
}

/** The largest features by absolute importance, as drawn. */
export function topFeatures(importance: FeatureImportance): { feature: string; value: number }[] {
  return importance.features
    .map((feature, i) => ({ feature, value: importance.values[i] }))
    .filter((f) => Number.isFinite(f.value))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.feature.localeCompare(b.feature))
    .slice(0, MAX_IMPORTANCE_FEATURES);
}

/** Horizontal bars of the largest importances; coefficients are coloured by sign. */
export function featureImportanceChart(importance: FeatureImportance): ChartSpec {
  const rows = topFeatures(importance).map((f, rank) => ({
    rank,
    feature: f.feature,
    value: round(f.value, 6),
    sign: f.value >= 0 ? "positive" : "negative",
  }));
  const gain = importance.kind === "gain";
  return {
    id: "feature-importance",
    title: gain ? "Feature importance (split gain)" : "Feature importance (standardised coefficients)",
    caption: gain
      ? "Total loss reduction of the splits on each feature, summed over the registered model's trees."
      : "Coefficients of the registered model on standardised numeric inputs and 0/1 category indicators; positive values raise the predicted probability.",
    spec: {
      config: CHART_CONFIG,
      width: CHART_WIDTH,
      height: Math.max(120, rows.length * 18),
      data: { values: rows },
      mark: { type: "bar" },
      encoding: {
        y: {
          field: "feature",
          type: "nominal",
          title: null,
          sort: { field: "rank", op: "min", order: "ascending" },
        },
        x: { field: "value", type: "quantitative", title: gain ? "gain" : "coefficient" },
        color: gain
          ? { value: "#1f77b4" }
          : {
              field: "sign",
              type: "nominal",
              title: "effect",
              scale: { domain: ["positive", "negative"], range: ["#1f77b4", "#d62728"] },
            },
      },
    },
  };
}

/** All classification charts of an entry; importance is drawn when the model provides it. */
export function classificationCharts(
  details: BinaryClassificationDetails,
  auc: number | undefined,
  importance?: FeatureImportance,
): ChartSpec[] {
  const charts = [
    confusionMatrixChart(details),
    rocChart(details, auc),
    precisionRecallChart(details),
    calibrationChart(details),
    scoreHistogramChart(details),
  ];
  if (importance) charts.push(featureImportanceChart(importance));
  return charts;
}
