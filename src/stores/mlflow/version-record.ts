/**
 * How a model version's engine metadata is kept in MLflow: one JSON model-version tag
 * (`mpipe.entry`) holds what {@link ModelVersionEntry} needs, so listing and resolving never
 * download artifacts; a few plain tags repeat the headline fields for MLflow's UI and search.
 */
import { z } from "zod";
import type { KeyValue, ModelVersion } from "./mlflow-types.ts";

/** The tag holding the JSON record. */
export const ENTRY_TAG = "mpipe.entry";
/** Registered-model tag marking models this engine manages. */
export const MANAGED_TAG = "mpipe.managed_by";
export const MANAGED_VALUE = "model-pipeline";

const LineageSchema = z.object({
  setupName: z.string(),
  setupVersion: z.number(),
  datasetName: z.string(),
  datasetVersion: z.number(),
  datasetFingerprint: z.string(),
  engineVersion: z.string(),
  createdAt: z.string(),
});

/** What the `mpipe.entry` tag holds. */
export const VersionRecord = z.object({
  /** Record layout version, so later engines can read older tags. */
  record: z.literal(1),
  modelType: z.string(),
  flavour: z.string(),
  runtime: z.string(),
  metrics: z.record(z.string(), z.number()),
  lineage: LineageSchema,
  /** sha256 of the uploaded manifest.json: the parts are checked by the manifest, the manifest by this. */
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Proxy path of `evaluation.json`, when evaluation details were recorded. */
  evaluationPath: z.string().optional(),
});
export type VersionRecord = z.infer<typeof VersionRecord>;

/** Model-version tags for a record. */
export function versionTags(record: VersionRecord): KeyValue[] {
  return [
    { key: ENTRY_TAG, value: JSON.stringify(record) },
    { key: "mpipe.model_type", value: record.modelType },
    { key: "mpipe.flavour", value: record.flavour },
    { key: "mpipe.runtime", value: record.runtime },
    { key: "mpipe.setup", value: `${record.lineage.setupName}@${record.lineage.setupVersion}` },
  ];
}

/** The record of a model version, or `undefined` if this engine did not register it (or its tag is damaged). */
export function readVersionRecord(version: ModelVersion): VersionRecord | undefined {
  const tag = version.tags.find((t) => t.key === ENTRY_TAG);
  if (!tag) return undefined;
  try {
    const parsed = VersionRecord.safeParse(JSON.parse(tag.value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
