/**
 * What a training run shows in MLflow: the setup's params, the evaluation metrics, and tags for
 * the model type, flavour, runtime, lineage and runtime package versions.
 */
import type { ArtifactManifest } from "../../core/artifact-types.ts";
import type { KeyValue } from "./mlflow-types.ts";

/** MLflow's limit on a param value's length. */
const MAX_PARAM_LENGTH = 6000;

/** Params: the setup's `params` flattened with dots, plus the setup's shape (flavour, features, evaluation). */
export function runParams(manifest: Omit<ArtifactManifest, "parts">): KeyValue[] {
  const setup = manifest.setup;
  const out: KeyValue[] = [];
  flatten("", setup.params, out);
  out.push({ key: "mpipe.flavour", value: manifest.flavour });
  out.push({ key: "mpipe.model_type", value: manifest.modelType });
  if (Array.isArray(setup.features)) out.push({ key: "mpipe.features", value: setup.features.join(",") });
  flatten("mpipe.evaluation", setup.evaluation, out);
  return out.map(({ key, value }) => ({ key: metricKey(key), value: value.slice(0, MAX_PARAM_LENGTH) }));
}

/** Metrics at step 0, with names MLflow accepts. */
export function runMetrics(
  metrics: Record<string, number>,
  timestamp: number,
): { key: string; value: number; timestamp: number; step: number }[] {
  return Object.entries(metrics)
    .filter(([, value]) => Number.isFinite(value))
    .map(([key, value]) => ({ key: metricKey(key), value, timestamp, step: 0 }));
}

/** Run tags: MLflow's own (`mlflow.runName`, `mlflow.source.name`) and the engine's. */
export function runTags(manifest: Omit<ArtifactManifest, "parts">, runName: string): KeyValue[] {
  const { lineage } = manifest;
  const tags: KeyValue[] = [
    { key: "mlflow.runName", value: runName },
    { key: "mlflow.source.name", value: "model-pipeline" },
    { key: "mlflow.source.type", value: "LOCAL" },
    { key: "mpipe.model_type", value: manifest.modelType },
    { key: "mpipe.flavour", value: manifest.flavour },
    { key: "mpipe.runtime", value: manifest.runtime },
    { key: "mpipe.setup", value: `${lineage.setupName}@${lineage.setupVersion}` },
    { key: "mpipe.dataset", value: `${lineage.datasetName}@${lineage.datasetVersion}` },
    { key: "mpipe.dataset_fingerprint", value: lineage.datasetFingerprint },
    { key: "mpipe.engine_version", value: lineage.engineVersion },
  ];
  for (const [name, version] of Object.entries(manifest.runtimeVersions ?? {})) {
    tags.push({ key: `mpipe.runtime_versions.${metricKey(name)}`, value: version });
  }
  return tags;
}

function flatten(prefix: string, value: unknown, out: KeyValue[]): void {
  if (value === undefined) return;
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) flatten(prefix ? `${prefix}.${key}` : key, item, out);
    return;
  }
  if (prefix) out.push({ key: prefix, value: typeof value === "string" ? value : JSON.stringify(value) });
}

/** MLflow keys allow letters, digits, `_ - . / ` and spaces; anything else becomes `_`. */
function metricKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_\-./ ]/g, "_");
}
