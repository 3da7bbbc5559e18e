import type { TypedArray } from "../algorithms/matrix.ts";
import type { ColumnSpec } from "../data/metadata.ts";
import type { JsonObject } from "./json.ts";

/** What `ModelCore.serialize` returns: small state as JSON, bulk numbers as named typed arrays. */
export interface SerializedModel {
  state: JsonObject;
  arrays: Record<string, TypedArray>;
}

/** The artifact format this engine writes. Older formats must keep loading or fail clearly. */
export const ARTIFACT_FORMAT_VERSION = 1;

/** Where a trained model came from. */
export interface Lineage {
  setupName: string;
  setupVersion: number;
  datasetName: string;
  datasetVersion: number;
  /** sha256 over the training files' bytes, `sha256:<hex>`. */
  datasetFingerprint: string;
  engineVersion: string;
  /** ISO-8601 time of training. */
  createdAt: string;
}

/** One stored file of an artifact with its checksum. */
export interface ArtifactPart {
  /** File name inside the artifact folder, e.g. `state.json`, `arrays/kernel.centers.bin`. */
  path: string;
  sha256: string;
  bytes: number;
  /** For typed-array parts: the array's constructor name and element count. */
  dtype?: string;
  length?: number;
  /** For typed-array parts: the key in `SerializedModel.arrays`. */
  name?: string;
}

/** The self-describing manifest (`manifest.json`) of a model artifact. */
export interface ArtifactManifest {
  formatVersion: number;
  modelType: string;
  flavour: string;
  /** Which runtime executes the model: `typescript` (in-process) or `python` (worker). */
  runtime: string;
  /** Versions of the runtime's packages, e.g. `{ "scikit-learn": "1.5.2" }` for Python flavours. */
  runtimeVersions?: Record<string, string>;
  /** The full setup document the model was built from. */
  setup: JsonObject;
  /** Input columns the model was trained on; prediction input is validated against them. */
  signature: ColumnSpec[];
  /** The label column, for supervised types. */
  target?: ColumnSpec;
  /**
   * How prediction input is read: missing-value texts, the id column carried to the output, and
   * the training dataset's other columns (present in input without being read, e.g. the target).
   */
  input: { missingValues: string[]; id?: ColumnSpec; knownColumns?: string[] };
  lineage: Lineage;
  metrics: Record<string, number>;
  parts: ArtifactPart[];
}

/** An artifact read back and verified: the manifest plus the model's serialized state. */
export interface LoadedArtifact {
  manifest: ArtifactManifest;
  model: SerializedModel;
}
