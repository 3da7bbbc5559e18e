/**
 * The HTML report of one registered model version: lineage, parameters, metrics and the
 * evaluation charts recorded at training, as one self-contained page.
 */
import type { JsonObject, JsonValue } from "../core/json.ts";
import type { ModelVersionEntry } from "../stores/model-registry.ts";
import type { ChartSpec } from "./charts/chart.ts";
import {
  classificationCharts,
  type FeatureImportance,
  featureImportanceChart,
} from "./charts/classification-charts.ts";
import { clusteringCharts } from "./charts/clustering-charts.ts";
import { type ClusteringDetails, type EvaluationMaterial, readEvaluation } from "./evaluation-details.ts";
import {
  type Content,
  definitionTable,
  element,
  figure,
  type Html,
  htmlPage,
  join,
  jsonBlock,
  notice,
  raw,
  section,
  table,
} from "./html.ts";
import { metricDescription, metricDirection } from "./metrics.ts";
import { renderSvg } from "./render-svg.ts";

/** What a model report is built from; nothing here re-reads training data. */
export interface ModelReportInput {
  entry: ModelVersionEntry;
  /** The setup document the model was built from (from its artifact), when it could be read. */
  setup?: JsonObject;
  /** Feature importance of the registered model, when its type provides one. */
  importance?: FeatureImportance;
  /** Problems met while gathering the inputs (e.g. an unreadable artifact), shown on the page. */
  notes?: readonly string[];
  /** Version of the engine writing the report. */
  engineVersion: string;
  /** When the report is generated (ISO-8601); default now. */
  generatedAt?: string;
}

/** A rendered model report. */
export interface ModelReport {
  html: string;
  /** The charts on the page, in order. */
  charts: { id: string; title: string }[];
  /** Which evaluation material the entry had. */
  evaluation: EvaluationMaterial["kind"];
  /** Notices shown on the page (missing evaluation data, unreadable artifact, …). */
  notes: string[];
  /** Chart warnings from vega (empty for a clean report). */
  warnings: string[];
}

/** The id of the JSON block holding the numbers behind the charts. */
export const REPORT_DATA_ID = "report-data";

/** Builds the report page of a model version. */
export async function buildModelReport(input: ModelReportInput): Promise<ModelReport> {
  const { entry } = input;
  const material = readEvaluation(entry.evaluation);
  const notes = [...(input.notes ?? [])];
  if (material.kind === "none") notes.unshift(material.reason);

  const specs: ChartSpec[] = [];
  if (material.kind === "binary-classification") {
    specs.push(...classificationCharts(material.details, entry.metrics.roc_auc, input.importance));
  } else {
    if (material.kind === "clustering") specs.push(...clusteringCharts(material.details));
    if (input.importance) specs.push(featureImportanceChart(input.importance));
  }
  const warnings: string[] = [];
  const figures: Html[] = [];
  for (const chart of specs) {
    const rendered = await renderSvg(chart.spec);
    warnings.push(...rendered.warnings.map((w) => `${chart.id}: ${w}`));
    figures.push(figure(chart.id, chart.title, chart.caption, rendered.svg));
  }

  const ref = `${entry.name}@${entry.version}`;
  const generatedAt = input.generatedAt ?? new Date().toISOString();
  const body: Html[] = [
    section("Model", "model", modelTable(entry), lineageTable(entry)),
    section("Parameters", "parameters", parametersTable(input.setup)),
    section(
      "Metrics",
      "metrics",
      evaluationSentence(entry, material),
      metricsTable(entry.metrics),
      foldsTable(material),
    ),
    section(
      "Evaluation charts",
      "charts",
      material.kind === "none" ? notice("no-evaluation", material.reason) : null,
      ...(input.notes ?? []).map((text) => notice("note", text)),
      raw(`<div class="charts">${figures.map((f) => f.html).join("")}</div>`),
      material.kind === "clustering" ? clusteringTables(material.details) : null,
    ),
    jsonBlock(REPORT_DATA_ID, {
      model: { name: entry.name, version: entry.version, modelType: entry.modelType, flavour: entry.flavour },
      metrics: entry.metrics,
      evaluation: entry.evaluation ?? null,
      featureImportance: input.importance ?? null,
      charts: specs.map((c) => c.id),
    }),
  ];
  const html = htmlPage({
    title: `Model report: ${ref}`,
    subtitle: `${entry.modelType}/${entry.flavour}, trained ${entry.lineage.createdAt} on ${entry.lineage.datasetName}@${entry.lineage.datasetVersion}`,
    body,
    footer: `Written by model-pipeline ${input.engineVersion} at ${generatedAt}. Charts are drawn from the registry entry's evaluation data; no training data was read.`,
  });
  return {
    html,
    charts: specs.map((c) => ({ id: c.id, title: c.title })),
    evaluation: material.kind,
    notes,
    warnings,
  };
}

function modelTable(entry: ModelVersionEntry): Html {
  return definitionTable(
    [
      ["model", `${entry.name}@${entry.version}`],
      ["type / flavour", `${entry.modelType} / ${entry.flavour}`],
      ["runtime", entry.runtime],
      ["aliases", entry.aliases.join(", ") || null],
      ["registered", entry.createdAt],
    ],
    "model",
  );
}

function lineageTable(entry: ModelVersionEntry): Html {
  const l = entry.lineage;
  return join([
    element("h3", {}, "Lineage"),
    definitionTable(
      [
        ["setup", `${l.setupName}@${l.setupVersion}`],
        ["dataset", `${l.datasetName}@${l.datasetVersion}`],
        ["dataset fingerprint", element("code", {}, l.datasetFingerprint)],
        ["engine version", l.engineVersion],
        ["trained at", l.createdAt],
        ["artifact", element("code", {}, entry.artifactUri)],
      ],
      "lineage",
    ),
  ]);
}

function parametersTable(setup: JsonObject | undefined): Html {
  if (!setup)
    return notice("no-setup", "The model's setup could not be read, so its parameters are not shown.");
  const params = (setup.params ?? {}) as JsonObject;
  const rows: [string, Content][] = Object.entries(params).map(([key, value]) => [key, jsonText(value)]);
  const general: [string, Content][] = [
    ["setup", String(setup.name ?? "")],
    ["dataset", String(setup.dataset ?? "")],
    [
      "features",
      Array.isArray(setup.features) ? setup.features.join(", ") : "all feature columns of the dataset",
    ],
    ["evaluation", describeEvaluationSpec(setup.evaluation)],
  ];
  return join([
    definitionTable(general, "setup"),
    element("h3", {}, "Flavour parameters"),
    rows.length > 0 ? definitionTable(rows, "parameters") : element("p", {}, "The flavour's defaults."),
  ]);
}

function describeEvaluationSpec(value: JsonValue | undefined): string {
  if (!value || typeof value !== "object" || Array.isArray(value)) return "–";
  const spec = value as JsonObject;
  if (spec.method === "kfold") return `${spec.folds}-fold cross-validation, seed ${spec.seed}`;
  if (spec.method === "holdout")
    return `holdout of ${Number(spec.testFraction) * 100}% of rows, seed ${spec.seed}`;
  return String(spec.method ?? "–");
}

function jsonText(value: JsonValue): Content {
  if (typeof value === "string" || typeof value === "number") return value;
  return JSON.stringify(value);
}

function evaluationSentence(entry: ModelVersionEntry, material: EvaluationMaterial): Html {
  if (material.kind === "none") {
    return element(
      "p",
      {},
      Object.keys(entry.metrics).length > 0 ? "Metrics recorded at training:" : "No metrics were recorded.",
    );
  }
  const folds = material.details.folds?.length ?? 0;
  const how = folds > 1 ? `${folds} held-out folds` : "one held-out split";
  const what =
    material.kind === "binary-classification"
      ? `pooled out-of-fold predictions on ${material.details.rows} rows from ${how}`
      : `${material.details.rows} held-out rows from ${how}`;
  return element("p", {}, `Measured at training on ${what}.`);
}

function metricsTable(metrics: Record<string, number>): Html {
  const rows = Object.entries(metrics).map(([name, value]): Content[] => [
    name,
    value,
    metricDirection(name) ? `${metricDirection(name)} is better` : null,
    metricDescription(name),
  ]);
  return table(["metric", "value", "", "meaning"], rows, {
    align: ["text", "num", "text", "text"],
    id: "metrics",
  });
}

function foldsTable(material: EvaluationMaterial): Html | null {
  if (material.kind === "none" || !material.details.folds || material.details.folds.length < 2) return null;
  const folds = material.details.folds;
  const names = [...new Set(folds.flatMap((f) => Object.keys(f.metrics)))];
  const rows = folds.map((f, i): Content[] => [i + 1, f.rows, ...names.map((n) => f.metrics[n])]);
  return join([
    element("h3", {}, "Per fold"),
    table(["fold", "rows", ...names], rows, {
      align: ["num", "num", ...names.map(() => "num" as const)],
      id: "folds",
    }),
  ]);
}

function clusteringTables(details: ClusteringDetails): Html {
  const parts: Html[] = [];
  if (details.label) {
    const { label } = details;
    const rows = label.contingency.map((counts, c): Content[] => [
      `cluster ${c}`,
      ...counts,
      details.clusterSizes[c],
    ]);
    parts.push(
      element("h3", {}, `Cluster-vs-${label.name} table`),
      table(["", ...label.levels, "total"], rows, {
        align: ["text", ...label.levels.map(() => "num" as const), "num"],
        id: "cluster-vs-label",
        caption: label.unlabelled > 0 ? `${label.unlabelled} held-out rows had no ${label.name}.` : undefined,
      }),
    );
  }
  const meanRows = details.clusterMeans.map((means, c): Content[] => [
    `cluster ${c}`,
    details.clusterSizes[c],
    ...means,
  ]);
  parts.push(
    element("h3", {}, "Feature means per cluster"),
    table(["", "rows", ...details.features], meanRows, {
      align: ["text", "num", ...details.features.map(() => "num" as const)],
      id: "cluster-means",
    }),
  );
  return join(parts);
}
