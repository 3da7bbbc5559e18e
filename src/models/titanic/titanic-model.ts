import { z } from "zod";
import {
  accuracy,
  averagePrecision,
  calibrationCurve,
  confusionMatrix,
  f1Score,
  logLoss,
  precisionRecallCurve,
  rocAuc,
  rocCurve,
} from "../../algorithms/classification-metrics.ts";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import type { SerializedModel } from "../../core/artifact-types.ts";
import { DatasetSchemaError } from "../../core/errors.ts";
import type { JsonObject } from "../../core/json.ts";
import { type EvaluationSummary, type FoldEvaluation, ModelCore } from "../../core/model-core.ts";
import { BaseRuntimeParams } from "../../core/runtime-params.ts";
import { ArrayPool } from "../../data/array-pool.ts";
import { type Column, categoryColumn, type Frame, makeFrame, numberColumn } from "../../data/frame.ts";
import { type ColumnSpec, type DatasetMetadata, specOf } from "../../data/metadata.ts";
import { DesignMatrix, type DesignMatrixSpec } from "../../features/design-matrix.ts";
import { selectFeatures, splitByKind } from "../shared/feature-selection.ts";
import { packStates, unpackState } from "../shared/packed-state.ts";

/** Runtime parameters of titanic models: the common ones plus the decision `threshold`. */
export const TitanicRuntimeParams = BaseRuntimeParams.extend({
  /** P(positive class) at or above which the prediction is the positive class. */
  threshold: z.number().min(0).max(1).default(0.5),
  probabilities: z.boolean().default(true),
});
export type TitanicRuntimeParams = z.infer<typeof TitanicRuntimeParams>;

/** Feature importance of a fitted titanic model (see {@link TitanicModel.featureImportance}). */
export interface FeatureImportance {
  /** `gain`: total split gain (trees); `coefficient`: signed coefficient on standardised inputs. */
  kind: "gain" | "coefficient";
  features: string[];
  values: number[];
}

/**
 * Supervised binary classification of Titanic survival. Owns the data contract (a two-level
 * category target, features from the dataset metadata), the output (`prediction` = class label,
 * `probability` = P(positive class), the target's second level), thresholding, and the
 * evaluation (accuracy, ROC AUC, log loss and F1 on pooled out-of-fold predictions, plus the
 * curve points reports draw). Flavours choose their preprocessing and their kernel.
 */
export abstract class TitanicModel extends ModelCore<TitanicRuntimeParams> {
  readonly modelType = "titanic";
  readonly runtimeParamsSchema = TitanicRuntimeParams;
  protected design: DesignMatrix | undefined;
  /** Memory of prediction matrices, reused batch after batch (see ArrayPool for why). */
  private readonly matrices = new ArrayPool(4);
  private classes: readonly string[] = [];

  /** How this flavour turns columns into a matrix (imputation, scaling, encoding). */
  protected abstract designSpec(numeric: string[], categorical: string[]): DesignMatrixSpec;
  /** Fits the kernel on the matrix and 0/1 labels (async for kernels in another runtime). */
  protected abstract fitMatrix(x: Matrix, y: Uint8Array): Promise<void> | void;
  /** P(positive class) per row. */
  protected abstract scoreMatrix(x: Matrix): Promise<Float64Array> | Float64Array;
  protected abstract exportKernel(): KernelState;
  protected abstract importKernel(state: KernelState): void;

  inputSpecs(metadata: DatasetMetadata): ColumnSpec[] {
    return selectFeatures({
      modelType: this.modelType,
      metadata,
      requested: this.setup.features,
      acceptedTypes: ["number", "integer", "category"],
    });
  }

  override targetSpec(metadata: DatasetMetadata): ColumnSpec {
    const target = metadata.columns.find((c) => c.role === "target");
    if (!target) {
      throw new DatasetSchemaError(`dataset "${metadata.name}" has no target column`, {
        hint: 'titanic models need one column with role "target" (e.g. Survived).',
      });
    }
    if (target.type !== "category" || target.categories?.length !== 2) {
      throw new DatasetSchemaError(
        `target "${target.name}" must be a category column with exactly 2 categories`,
        {
          location: { column: target.name },
          hint: 'Declare it as { "type": "category", "categories": ["0", "1"] }; the second is the positive class.',
        },
      );
    }
    return specOf(target);
  }

  outputSpecs(): ColumnSpec[] {
    const specs: ColumnSpec[] = [{ name: "prediction", type: "category", categories: [...this.classes] }];
    if (this.runtimeParams.probabilities) specs.push({ name: "probability", type: "number" });
    return specs;
  }

  protected async fitFrame(frame: Frame, metadata: DatasetMetadata): Promise<void> {
    const target = this.targetSpec(metadata);
    const { numeric, categorical } = splitByKind(this.inputSpecs(metadata));
    const labels = frame.columns.get(target.name);
    if (labels?.kind !== "category")
      throw new DatasetSchemaError(`training data has no target "${target.name}"`);
    const keep: number[] = [];
    for (let i = 0; i < frame.rowCount; i++) if (labels.codes[i] >= 0) keep.push(i);
    if (keep.length < frame.rowCount) {
      throw new DatasetSchemaError(
        `target "${target.name}" is missing in ${frame.rowCount - keep.length} training row(s)`,
        { location: { column: target.name }, hint: "Remove unlabelled rows before training." },
      );
    }
    const y = Uint8Array.from(labels.codes);
    if (y.every((v) => v === y[0])) {
      throw new DatasetSchemaError(`target "${target.name}" has only one class in the training data`, {
        location: { column: target.name },
      });
    }
    this.classes = labels.levels;
    this.design = new DesignMatrix(this.designSpec(numeric, categorical)).fit(frame);
    await this.fitMatrix(this.design.transform(frame), y);
  }

  protected async predictFrame(frame: Frame, params: TitanicRuntimeParams): Promise<Frame> {
    const x = this.design!.transform(frame, this.matrices);
    let p: Float64Array;
    try {
      p = await this.scoreMatrix(x);
    } finally {
      // Scores never alias the matrix, so its memory serves the next batch.
      this.matrices.release(x.data);
    }
    const codes = new Int32Array(p.length);
    for (let i = 0; i < p.length; i++) codes[i] = p[i] >= params.threshold ? 1 : 0;
    const columns = new Map<string, Column>([["prediction", categoryColumn(codes, this.classes)]]);
    if (params.probabilities) columns.set("probability", numberColumn(p));
    return makeFrame(columns);
  }

  async evaluateFold(test: Frame, metadata: DatasetMetadata): Promise<FoldEvaluation> {
    const target = this.targetSpec(metadata);
    const labels = test.columns.get(target.name);
    if (labels?.kind !== "category")
      throw new DatasetSchemaError(`evaluation data has no target "${target.name}"`);
    const y = Uint8Array.from(labels.codes);
    const p = await this.scoreMatrix(this.design!.transform(test));
    return {
      rows: test.rowCount,
      metrics: classificationMetrics(y, p),
      details: { y: [...y], p: [...p], target: target.name, classes: [...labels.levels] },
    };
  }

  /** Metrics on the pooled out-of-fold predictions, plus the curves reports draw. */
  override summarizeEvaluation(folds: readonly FoldEvaluation[]): EvaluationSummary {
    const y = Uint8Array.from(folds.flatMap((f) => (f.details?.y as number[]) ?? []));
    const p = Float64Array.from(folds.flatMap((f) => (f.details?.p as number[]) ?? []));
    if (y.length === 0) return { metrics: {} };
    const metrics = classificationMetrics(y, p);
    return { metrics, details: evaluationDetails(y, p, folds) };
  }

  /**
   * What the fitted model leans on, for reports: per matrix column (`Age`, `Sex=male`, …) the
   * total split gain of a tree ensemble, or the coefficient of a linear model (whose numeric
   * inputs are standardised, so coefficients compare across features). Undefined when the
   * kernel keeps neither; flavours with another notion of importance override this.
   */
  featureImportance(): FeatureImportance | undefined {
    if (!this.design) return undefined;
    const kernel = this.exportKernel();
    const features = this.design.featureNames;
    const gain = kernel.arrays.featureGain;
    if (gain && gain.length === features.length) return { kind: "gain", features, values: [...gain] };
    const coefficients = kernel.arrays.coefficients;
    if (coefficients && coefficients.length === features.length) {
      return { kind: "coefficient", features, values: [...coefficients] };
    }
    return undefined;
  }

  protected exportState(): SerializedModel {
    return packStates(
      { design: this.design!.toState(), kernel: this.exportKernel() },
      { classes: [...this.classes], featureNames: this.design!.featureNames },
    );
  }

  protected importState(model: SerializedModel): void {
    const classes = model.state.classes;
    if (!Array.isArray(classes) || classes.length !== 2) throw new Error("titanic state needs two classes");
    this.classes = classes as string[];
    this.design = DesignMatrix.fromState(unpackState(model, "design"));
    this.importKernel(unpackState(model, "kernel"));
  }
}

function classificationMetrics(y: Uint8Array, p: Float64Array): Record<string, number> {
  const predicted = Uint8Array.from(p, (v) => (v >= 0.5 ? 1 : 0));
  const metrics: Record<string, number> = {
    accuracy: accuracy(y, predicted),
    f1: f1Score(y, predicted),
    log_loss: logLoss(y, p),
  };
  if (y.includes(0) && y.includes(1)) metrics.roc_auc = rocAuc(y, p);
  return metrics;
}

function evaluationDetails(y: Uint8Array, p: Float64Array, folds: readonly FoldEvaluation[]): JsonObject {
  const roc = thinCurve(rocCurve(y, p), "fpr", "tpr");
  const pr = thinCurve(precisionRecallCurve(y, p), "recall", "precision");
  const calibration = calibrationCurve(y, p, 10);
  const confusion = confusionMatrix(
    y,
    Uint8Array.from(p, (v) => (v >= 0.5 ? 1 : 0)),
  );
  const histogram = {
    bins: 20,
    negative: new Array<number>(20).fill(0),
    positive: new Array<number>(20).fill(0),
  };
  for (let i = 0; i < y.length; i++) {
    const bin = Math.min(19, Math.floor(p[i] * 20));
    (y[i] === 1 ? histogram.positive : histogram.negative)[bin]++;
  }
  const first = folds.find((f) => f.details?.classes)?.details;
  return {
    kind: "binary-classification",
    rows: y.length,
    ...(first ? { target: first.target ?? null, classes: first.classes ?? null } : {}),
    threshold: 0.5,
    roc: { fpr: roc.fpr, tpr: roc.tpr },
    precisionRecall: {
      precision: pr.precision,
      recall: pr.recall,
      averagePrecision: averagePrecision(y, p),
    },
    calibration: {
      meanPredicted: [...calibration.meanPredicted],
      fractionPositive: [...calibration.fractionPositive],
      counts: [...calibration.counts],
    },
    confusion: { ...confusion },
    scoreHistogram: histogram,
    folds: folds.map((f) => ({ rows: f.rows, metrics: f.metrics })),
  };
}

/** At most about this many points are kept per curve, so entries stay small however many rows were scored. */
export const MAX_CURVE_POINTS = 1000;

/**
 * The curve's points, thinned when there are more than {@link MAX_CURVE_POINTS}: a point is
 * kept when it lies at least a fixed L1 step from the last kept one (the ends always stay), so
 * every bend larger than the step survives and the drawn area moves by less than about the step.
 * A curve of few points (e.g. 891 passengers) is kept exactly.
 */
function thinCurve<X extends string, Y extends string>(
  curve: Record<X | Y, ArrayLike<number>>,
  xKey: X,
  yKey: Y,
): Record<X | Y, number[]> {
  const x = curve[xKey];
  const y = curve[yKey];
  let keep = Array.from({ length: x.length }, (_, i) => i);
  for (let step = 2 / MAX_CURVE_POINTS; keep.length > MAX_CURVE_POINTS; step *= 1.5) {
    keep = [0];
    for (let i = 1; i < x.length - 1; i++) {
      const last = keep[keep.length - 1];
      if (Math.abs(x[i] - x[last]) + Math.abs(y[i] - y[last]) >= step) keep.push(i);
    }
    keep.push(x.length - 1);
  }
  return { [xKey]: keep.map((i) => x[i]), [yKey]: keep.map((i) => y[i]) } as Record<X | Y, number[]>;
}
