/**
 * Metrics of several model versions side by side, with the better value of each metric marked,
 * and a check that the numbers are comparable: the same data, split the same way.
 */
import type { JsonObject, JsonValue } from "../core/json.ts";
import type { ModelVersionEntry } from "../stores/model-registry.ts";
import { type MetricDirection, metricDirection } from "./metrics.ts";

/** One model version of a comparison. */
export interface ComparedModel {
  /** `name@version`. */
  ref: string;
  modelType: string;
  flavour: string;
  /** `dataset@version` it was trained and evaluated on. */
  dataset: string;
  datasetFingerprint: string;
  /** The setup's evaluation spec, e.g. `{ method: "kfold", folds: 5, seed: 42 }`, when known. */
  evaluation: JsonObject | null;
}

/** One metric across the compared models. */
export interface ComparedMetric {
  metric: string;
  /** Which way is better; absent for a metric the engine does not know (nothing is marked). */
  direction?: MetricDirection;
  /** Per model, in the order of {@link ModelComparison.models}; null where a model lacks the metric. */
  values: (number | null)[];
  /** Indexes of the models with the better value (ties share it); empty when there is nothing to prefer. */
  best: number[];
}

/** The result of comparing model versions. */
export interface ModelComparison {
  models: ComparedModel[];
  metrics: ComparedMetric[];
  /** Whether every model was evaluated on the same held-out rows (same data, type and split). */
  sameHeldOutData: boolean;
  /** Why the numbers may not be comparable. */
  warnings: string[];
}

/** What {@link compareModels} needs per model: its registry entry and its setup's evaluation spec. */
export interface ComparisonInput {
  entry: ModelVersionEntry;
  evaluation: JsonObject | null;
}

/** Lines up the metrics of `inputs` (at least two) and marks the better value of each. */
export function compareModels(inputs: readonly ComparisonInput[]): ModelComparison {
  const models: ComparedModel[] = inputs.map(({ entry, evaluation }) => ({
    ref: `${entry.name}@${entry.version}`,
    modelType: entry.modelType,
    flavour: entry.flavour,
    dataset: `${entry.lineage.datasetName}@${entry.lineage.datasetVersion}`,
    datasetFingerprint: entry.lineage.datasetFingerprint,
    evaluation,
  }));
  const names: string[] = [];
  for (const { entry } of inputs)
    for (const name of Object.keys(entry.metrics)) if (!names.includes(name)) names.push(name);
  const metrics = names.map((metric): ComparedMetric => {
    const values = inputs.map(({ entry }) =>
      Object.hasOwn(entry.metrics, metric) ? entry.metrics[metric] : null,
    );
    const direction = metricDirection(metric);
    return {
      metric,
      ...(direction ? { direction } : {}),
      values,
      best: direction ? bestIndexes(values, direction) : [],
    };
  });
  const warnings = comparabilityWarnings(models);
  return { models, metrics, sameHeldOutData: warnings.length === 0, warnings };
}

/** Indexes holding the best value; none when fewer than two models have the metric or all tie. */
export function bestIndexes(values: readonly (number | null)[], direction: MetricDirection): number[] {
  const present = values.flatMap((v, i) => (v === null || Number.isNaN(v) ? [] : [{ v, i }]));
  if (present.length < 2) return [];
  const target =
    direction === "higher" ? Math.max(...present.map((p) => p.v)) : Math.min(...present.map((p) => p.v));
  const best = present.filter((p) => p.v === target).map((p) => p.i);
  return best.length === present.length ? [] : best;
}

function comparabilityWarnings(models: readonly ComparedModel[]): string[] {
  const warnings: string[] = [];
  const differ = (values: readonly string[]) => new Set(values).size > 1;
  const list = (pick: (m: ComparedModel) => string) => models.map((m) => `${m.ref}: ${pick(m)}`).join(", ");
  if (differ(models.map((m) => m.datasetFingerprint))) {
    warnings.push(
      `the models were trained on different data (${list((m) => `${m.dataset} ${m.datasetFingerprint.slice(0, 19)}…`)})`,
    );
  }
  if (differ(models.map((m) => canonical(m.evaluation)))) {
    warnings.push(
      `the models were evaluated with different splits (${list((m) => describeSplit(m.evaluation))})`,
    );
  }
  // Fold assignment depends on the model type (classification types stratify by the label).
  if (differ(models.map((m) => m.modelType))) {
    warnings.push(
      `the models are of different types (${list((m) => m.modelType)}), so their held-out rows differ`,
    );
  }
  if (models.some((m) => m.evaluation?.method === "none")) {
    warnings.push("some models were not evaluated (evaluation method none)");
  }
  return warnings;
}

function describeSplit(spec: JsonObject | null): string {
  if (!spec) return "unknown";
  if (spec.method === "kfold") return `${spec.folds}-fold, seed ${spec.seed}`;
  if (spec.method === "holdout") return `holdout ${spec.testFraction}, seed ${spec.seed}`;
  return String(spec.method);
}

/** JSON with sorted keys, so that equal specs compare equal whatever their key order. */
function canonical(value: JsonValue | null): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
}
