/**
 * Vega-lite specs of a clustering's evaluation: a 2-D PCA projection coloured by cluster, cluster
 * sizes, per-cluster feature means and the cluster-vs-label table. The material is pooled over
 * the held-out folds at training (clusters matched across folds), so cluster numbers are the
 * evaluation's and need not equal the registered model's.
 */
import type { ClusteringDetails } from "../evaluation-details.ts";
import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, type ChartSpec, round } from "./chart.ts";

const clusterName = (c: number) => `cluster ${c}`;

/** Scatter of the projected sample on PC1 × PC2, coloured by cluster (shaped by the label, if any). */
export function projectionChart(details: ClusteringDetails): ChartSpec {
  const { projection } = details;
  const levels = details.label?.levels;
  const points = projection.x.map((x, i) => {
    const code = projection.label?.[i] ?? -1;
    return {
      pc1: x,
      pc2: projection.y[i],
      cluster: clusterName(projection.cluster[i]),
      ...(levels ? { label: code >= 0 ? levels[code] : "(missing)" } : {}),
    };
  });
  const [v1, v2] = projection.explainedVariance.map((v) => `${round(v * 100, 1)}%`);
  const labelName = details.label?.name;
  return {
    id: "cluster-projection",
    title: "Clusters in 2-D (PCA)",
    caption:
      `${points.length} held-out rows${points.length < details.rows ? " (a seeded sample)" : ""} on the first two principal components of the standardised features the model clusters on (PC1 explains ${v1} of the variance, PC2 ${v2}).` +
      (labelName ? ` Colour is the cluster, shape the ${labelName}.` : " Colour is the cluster."),
    spec: {
      config: CHART_CONFIG,
      width: CHART_WIDTH + 60,
      height: CHART_HEIGHT + 40,
      data: { values: points },
      mark: { type: "point", filled: true, opacity: 0.7, size: 36 },
      encoding: {
        x: { field: "pc1", type: "quantitative", title: `PC1 (${v1})` },
        y: { field: "pc2", type: "quantitative", title: `PC2 (${v2})` },
        color: { field: "cluster", type: "nominal", title: "cluster", scale: { scheme: "category10" } },
        ...(labelName ? { shape: { field: "label", type: "nominal" as const, title: labelName } } : {}),
      },
    },
  };
}

/** Bars of held-out rows per cluster. */
export function clusterSizesChart(details: ClusteringDetails): ChartSpec {
  const values = details.clusterSizes.map((rows, c) => ({ cluster: clusterName(c), rows }));
  return {
    id: "cluster-sizes",
    title: "Cluster sizes",
    caption: `Held-out rows assigned to each cluster (${details.rows} rows in all).`,
    spec: {
      config: CHART_CONFIG,
      width: CHART_WIDTH,
      height: Math.max(100, values.length * 28),
      data: { values },
      layer: [
        { mark: { type: "bar" } },
        {
          mark: { type: "text", align: "left", dx: 4 },
          encoding: { text: { field: "rows", type: "quantitative" } },
        },
      ],
      encoding: {
        y: { field: "cluster", type: "nominal", title: null },
        x: { field: "rows", type: "quantitative", title: "rows" },
        color: { field: "cluster", type: "nominal", legend: null, scale: { scheme: "category10" } },
      },
    },
  };
}

/** Cells of the means heatmap: the mean in original units, coloured by its z-score. */
export function clusterMeanCells(
  details: ClusteringDetails,
): { cluster: string; feature: string; mean: number; z: number }[] {
  const cells: { cluster: string; feature: string; mean: number; z: number }[] = [];
  details.clusterMeans.forEach((means, c) => {
    details.features.forEach((feature, j) => {
      const mean = means[j];
      if (mean === null) return;
      const centre = details.featureMeans[j] ?? 0;
      const sd = details.featureStd[j] ?? 0;
      cells.push({ cluster: clusterName(c), feature, mean, z: sd > 0 ? round((mean - centre) / sd, 3) : 0 });
    });
  });
  return cells;
}

/** Heatmap of per-cluster feature means (text in original units, colour as z-score). */
export function clusterMeansChart(details: ClusteringDetails): ChartSpec {
  const cells = clusterMeanCells(details).map((cell) => ({ ...cell, text: formatMean(cell.mean) }));
  return {
    id: "cluster-means",
    title: "Feature means per cluster",
    caption:
      "Mean of each numeric feature in each cluster, in the feature's own units; colour shows how far it lies from the feature's overall mean, in standard deviations.",
    spec: {
      config: CHART_CONFIG,
      // Features as rows: their names are long, cluster names short.
      width: Math.max(160, details.clusterCount * 80),
      height: Math.max(90, details.features.length * 32),
      data: { values: cells },
      encoding: {
        y: { field: "feature", type: "nominal", title: null, sort: details.features },
        x: { field: "cluster", type: "nominal", title: null, axis: { labelAngle: 0, orient: "top" } },
      },
      layer: [
        {
          mark: { type: "rect", stroke: "white", strokeWidth: 2 },
          encoding: {
            color: {
              field: "z",
              type: "quantitative",
              title: "z-score",
              scale: { scheme: "blueorange", domainMid: 0 },
            },
          },
        },
        {
          mark: { type: "text", fontSize: 12 },
          encoding: {
            text: { field: "text", type: "nominal" },
            color: { condition: { test: "abs(datum.z) > 1", value: "white" }, value: "#222" },
          },
        },
      ],
    },
  };
}

/** Cells of the cluster-vs-label table. */
export function contingencyCells(
  details: ClusteringDetails,
): { cluster: string; label: string; rows: number }[] {
  const label = details.label;
  if (!label) return [];
  return label.contingency.flatMap((counts, c) =>
    counts.map((rows, l) => ({ cluster: clusterName(c), label: label.levels[l], rows })),
  );
}

/** Heatmap of the cluster-vs-label contingency table; undefined without a label column. */
export function clusterLabelChart(details: ClusteringDetails): ChartSpec | undefined {
  const label = details.label;
  if (!label) return undefined;
  const cells = contingencyCells(details);
  const max = Math.max(1, ...cells.map((c) => c.rows));
  return {
    id: "cluster-vs-label",
    title: `Clusters against ${label.name}`,
    caption: `Held-out rows by cluster and ${label.name} (used only to evaluate, never to fit); a clustering that recovers the ${label.name} puts each column's rows in one cluster.`,
    spec: {
      config: CHART_CONFIG,
      width: Math.max(200, label.levels.length * 90),
      height: Math.max(90, details.clusterCount * 36),
      data: { values: cells },
      encoding: {
        x: {
          field: "label",
          type: "nominal",
          title: label.name,
          sort: label.levels,
          axis: { labelAngle: 0 },
        },
        y: { field: "cluster", type: "nominal", title: null },
      },
      layer: [
        {
          mark: { type: "rect", stroke: "white", strokeWidth: 2 },
          encoding: {
            color: { field: "rows", type: "quantitative", scale: { scheme: "greens" }, legend: null },
          },
        },
        {
          mark: { type: "text", fontSize: 13 },
          encoding: {
            text: { field: "rows", type: "quantitative" },
            color: { condition: { test: `datum.rows > ${max / 2}`, value: "white" }, value: "#222" },
          },
        },
      ],
    },
  };
}

/** All clustering charts of an entry. */
export function clusteringCharts(details: ClusteringDetails): ChartSpec[] {
  const charts = [projectionChart(details), clusterSizesChart(details), clusterMeansChart(details)];
  const table = clusterLabelChart(details);
  if (table) charts.push(table);
  return charts;
}

function formatMean(value: number): string {
  const magnitude = Math.abs(value);
  return magnitude >= 100 ? value.toFixed(0) : magnitude >= 10 ? value.toFixed(1) : value.toFixed(2);
}
