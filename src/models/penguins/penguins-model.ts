import { adjustedRandIndex, silhouetteScore } from "../../algorithms/clustering-metrics.ts";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import type { SerializedModel } from "../../core/artifact-types.ts";
import { type EvaluationSummary, type FoldEvaluation, ModelCore } from "../../core/model-core.ts";
import { BaseRuntimeParams } from "../../core/runtime-params.ts";
import { type Column, type Frame, makeFrame, numberColumn } from "../../data/frame.ts";
import { type ColumnSpec, type DatasetMetadata, specOf } from "../../data/metadata.ts";
import { DesignMatrix } from "../../features/design-matrix.ts";
import { selectFeatures, splitByKind } from "../shared/feature-selection.ts";
import { packStates, unpackState } from "../shared/packed-state.ts";
import { clusterFoldMaterial, summarizeClusterFolds } from "./cluster-evaluation.ts";

/** Runtime parameters of penguins models: the common ones (batchSize, probabilities, passthrough). */
export const PenguinsRuntimeParams = BaseRuntimeParams;
export type PenguinsRuntimeParams = typeof PenguinsRuntimeParams._output;

/** The four body measurements, the default features of every penguins model. */
export const PENGUIN_MEASUREMENTS = [
  "bill_length_mm",
  "bill_depth_mm",
  "flipper_length_mm",
  "body_mass_g",
] as const;

/**
 * Unsupervised clustering of Palmer penguins. Owns the data contract (numeric measurements, with
 * island and sex available as one-hot features), the shared preprocessing (median imputation and
 * standardisation, fitted and serialised with the model), the output columns (`prediction` = the
 * cluster index, `probability_<j>` memberships) and the evaluation (silhouette; adjusted Rand
 * index against the dataset's label column, e.g. species, when there is one).
 */
export abstract class PenguinsModel extends ModelCore<PenguinsRuntimeParams> {
  readonly modelType = "penguins";
  readonly runtimeParamsSchema = PenguinsRuntimeParams;
  protected design: DesignMatrix | undefined;

  /** Number of clusters the fitted model assigns. */
  abstract get clusterCount(): number;
  /** Fits the clustering kernel on the preprocessed matrix (async for kernels in another runtime). */
  protected abstract fitMatrix(x: Matrix): Promise<void> | void;
  /** Cluster index per row. */
  protected abstract assignClusters(x: Matrix): Promise<Int32Array> | Int32Array;
  /** Membership probabilities, row-major n × k; flavours without them reject `probabilities`. */
  protected abstract membership(x: Matrix): Promise<Float64Array> | Float64Array;
  protected abstract exportKernel(): KernelState;
  protected abstract importKernel(state: KernelState): void;

  inputSpecs(metadata: DatasetMetadata): ColumnSpec[] {
    return selectFeatures({
      modelType: this.modelType,
      metadata,
      requested: this.setup.features,
      defaults: PENGUIN_MEASUREMENTS,
      acceptedTypes: ["number", "integer", "category"],
    });
  }

  /** The label used only for evaluation (never for fitting): the dataset's target column. */
  override targetSpec(metadata: DatasetMetadata): ColumnSpec | undefined {
    const label = metadata.columns.find((c) => c.role === "target");
    return label ? specOf(label) : undefined;
  }

  outputSpecs(): ColumnSpec[] {
    const specs: ColumnSpec[] = [{ name: "prediction", type: "integer" }];
    if (this.runtimeParams.probabilities) {
      for (let j = 0; j < this.clusterCount; j++) specs.push({ name: `probability_${j}`, type: "number" });
    }
    return specs;
  }

  protected async fitFrame(frame: Frame, metadata: DatasetMetadata): Promise<void> {
    const { numeric, categorical } = splitByKind(this.inputSpecs(metadata));
    this.design = new DesignMatrix({
      numeric,
      categorical,
      impute: "median",
      scale: true,
      categoricalEncoding: "one-hot",
    });
    await this.fitMatrix(this.design.fit(frame).transform(frame));
  }

  protected async predictFrame(frame: Frame, params: PenguinsRuntimeParams): Promise<Frame> {
    const x = this.design!.transform(frame);
    const labels = await this.assignClusters(x);
    const columns: [string, Column][] = [["prediction", numberColumn(Float64Array.from(labels))]];
    if (params.probabilities) {
      const k = this.clusterCount;
      const p = await this.membership(x);
      for (let j = 0; j < k; j++) {
        const values = new Float64Array(x.rows);
        for (let i = 0; i < x.rows; i++) values[i] = p[i * k + j];
        columns.push([`probability_${j}`, numberColumn(values)]);
      }
    }
    return makeFrame(columns);
  }

  async evaluateFold(test: Frame, metadata: DatasetMetadata): Promise<FoldEvaluation> {
    const x = this.design!.transform(test);
    const labels = await this.assignClusters(x);
    const metrics: Record<string, number> = {};
    if (new Set(labels).size > 1 && x.rows > labels.length / 2) {
      metrics.silhouette = silhouetteScore(x, labels, { sampleSize: 5000, seed: 0 });
    }
    const target = this.targetSpec(metadata);
    const truth = target ? test.columns.get(target.name) : undefined;
    if (truth?.kind === "category") {
      const keep: number[] = [];
      for (let i = 0; i < test.rowCount; i++) if (truth.codes[i] >= 0) keep.push(i);
      const a = Int32Array.from(keep, (i) => truth.codes[i]);
      const b = Int32Array.from(keep, (i) => labels[i]);
      metrics.adjusted_rand_index = adjustedRandIndex(a, b);
    }
    const details = clusterFoldMaterial({
      x,
      clusters: labels,
      k: this.clusterCount,
      test,
      features: splitByKind(this.inputSpecs(metadata)).numeric,
      label: target && truth?.kind === "category" ? { name: target.name, column: truth } : undefined,
    });
    return { rows: test.rowCount, metrics, details };
  }

  /** Row-weighted mean metrics, plus the pooled chart material reports draw (see cluster-evaluation.ts). */
  override summarizeEvaluation(folds: readonly FoldEvaluation[]): EvaluationSummary {
    const summary = super.summarizeEvaluation(folds);
    const details = summarizeClusterFolds(folds) ?? {
      folds: folds.map((f) => ({ rows: f.rows, metrics: f.metrics })),
    };
    return { ...summary, details };
  }

  protected exportState(): SerializedModel {
    return packStates({ design: this.design!.toState(), kernel: this.exportKernel() });
  }

  protected importState(model: SerializedModel): void {
    this.design = DesignMatrix.fromState(unpackState(model, "design"));
    this.importKernel(unpackState(model, "kernel"));
  }
}
