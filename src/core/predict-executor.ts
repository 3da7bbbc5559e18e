import type { ColumnSpec } from "../data/metadata.ts";
import type { LoadedArtifact } from "./artifact-types.ts";
import type { ProgressListener } from "./data-access.ts";
import type { JsonObject } from "./json.ts";

/**
 * Everything a batch prediction needs once the pipeline has restored the model and resolved its
 * columns: an executor runs the chunk loop (read → validate → predict → write, in input order,
 * committed whole) wherever it likes, e.g. on worker threads.
 */
export interface PredictionPlan {
  modelType: string;
  flavour: string;
  /** The flavour's runtime (`typescript`, `python`, …); executors run only those they support. */
  runtime: string;
  artifact: LoadedArtifact;
  /** The validated runtime parameters (defaults filled in), as the model accepts them back. */
  params: JsonObject;
  /** Rows per `predict` call. */
  batchSize: number;
  files: readonly string[];
  outPath: string;
  /** Input columns read and validated, in order. */
  readColumns: readonly ColumnSpec[];
  /** The first output column: the input's id column, or the 0-based input row index `row`. */
  key: { spec: ColumnSpec; fromInput: boolean };
  predictionColumns: readonly ColumnSpec[];
  /** Input columns copied to the output after the predictions. */
  passthrough: readonly ColumnSpec[];
  /** key, predictions, passthrough: the output file's columns. */
  outputColumns: readonly ColumnSpec[];
  missingValues: readonly string[];
  /** Input columns that may be present without being read (not mentioned in notices). */
  knownColumns?: readonly string[];
  onProgress?: ProgressListener;
  onNotice?: (message: string) => void;
}

/** Runs the chunk loop of a batch prediction; injected through the pipeline context. */
export interface PredictExecutor {
  /** Whether this executor can run the plan (e.g. only in-process TypeScript flavours). */
  accepts(plan: PredictionPlan): boolean;
  /** Predicts every input row and commits the output; returns the number of rows. */
  run(plan: PredictionPlan): Promise<{ rows: number }>;
}
