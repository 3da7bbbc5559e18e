/**
 * A worked example of a model type from outside the engine: penguin species classification with
 * one flavour, `nearest-centroid`. Register it by naming this file in the workspace config:
 *
 *   { "plugins": ["./examples/penguin-species/index.ts"] }
 */
import { z } from "zod";
import type { SerializedModel } from "../../src/core/artifact-types.ts";
import { FactoryCore } from "../../src/core/factory-core.ts";
import { type FoldEvaluation, ModelCore } from "../../src/core/model-core.ts";
import { PipelineCore } from "../../src/core/pipeline-core.ts";
import { BaseRuntimeParams } from "../../src/core/runtime-params.ts";
import type { ModelSetup } from "../../src/core/setup.ts";
import { categoryColumn, type Frame, makeFrame } from "../../src/data/frame.ts";
import { type ColumnSpec, type DatasetMetadata, specOf } from "../../src/data/metadata.ts";
import { DesignMatrix } from "../../src/features/design-matrix.ts";
import { selectFeatures, splitByKind } from "../../src/models/shared/feature-selection.ts";
import { packStates, unpackState } from "../../src/models/shared/packed-state.ts";

/** The model type: owns the data contract (numeric features, a category label) and the output. */
abstract class PenguinSpeciesModel extends ModelCore {
  readonly modelType = "penguin-species";
  readonly runtimeParamsSchema = BaseRuntimeParams;
  protected design: DesignMatrix | undefined;
  protected classes: readonly string[] = [];

  inputSpecs(metadata: DatasetMetadata): ColumnSpec[] {
    const features = selectFeatures({
      modelType: this.modelType,
      metadata,
      requested: this.setup.features,
      defaults: ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
      acceptedTypes: ["number", "integer"],
    });
    return features;
  }

  override targetSpec(metadata: DatasetMetadata): ColumnSpec {
    return specOf(metadata.columns.find((c) => c.role === "target" && c.type === "category")!);
  }

  outputSpecs(): ColumnSpec[] {
    return [{ name: "prediction", type: "category", categories: [...this.classes] }];
  }

  async evaluateFold(test: Frame, metadata: DatasetMetadata): Promise<FoldEvaluation> {
    const truth = test.columns.get(this.targetSpec(metadata).name);
    const predicted = (await this.predict(test)).columns.get("prediction");
    if (truth?.kind !== "category" || predicted?.kind !== "category") throw new Error("missing labels");
    let correct = 0;
    for (let i = 0; i < test.rowCount; i++) if (truth.codes[i] === predicted.codes[i]) correct++;
    return { rows: test.rowCount, metrics: { accuracy: correct / test.rowCount } };
  }
}

const NearestCentroidParams = z.object({}).strict();

/** The flavour: each species is its centroid in standardised feature space. */
export class PenguinSpeciesNearestCentroid extends PenguinSpeciesModel {
  static readonly flavour = "nearest-centroid";
  static readonly description = "nearest class centroid on standardised measurements";
  static readonly runtime = "typescript";
  static readonly paramsSchema = NearestCentroidParams;
  private centroids: Float64Array = new Float64Array(0);

  constructor(setup: ModelSetup, _params: z.infer<typeof NearestCentroidParams>) {
    super(setup);
  }

  protected fitFrame(frame: Frame, metadata: DatasetMetadata): void {
    const label = frame.columns.get(this.targetSpec(metadata).name);
    if (label?.kind !== "category") throw new Error("label column must be a category");
    this.classes = label.levels;
    this.design = new DesignMatrix({
      ...splitByKind(this.inputSpecs(metadata)),
      impute: "median",
      scale: true,
      categoricalEncoding: "one-hot",
    }).fit(frame);
    const x = this.design.transform(frame);
    const k = this.classes.length;
    const sums = new Float64Array(k * x.cols);
    const counts = new Float64Array(k);
    for (let i = 0; i < x.rows; i++) {
      const c = label.codes[i];
      if (c < 0) continue;
      counts[c]++;
      for (let j = 0; j < x.cols; j++) sums[c * x.cols + j] += x.data[i * x.cols + j];
    }
    for (let c = 0; c < k; c++)
      for (let j = 0; j < x.cols; j++) sums[c * x.cols + j] /= Math.max(counts[c], 1);
    this.centroids = sums;
  }

  protected predictFrame(frame: Frame): Frame {
    const x = this.design!.transform(frame);
    const k = this.classes.length;
    const codes = new Int32Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        let d = 0;
        for (let j = 0; j < x.cols; j++) d += (x.data[i * x.cols + j] - this.centroids[c * x.cols + j]) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = c;
        }
      }
      codes[i] = best;
    }
    return makeFrame([["prediction", categoryColumn(codes, this.classes)]]);
  }

  protected exportState(): SerializedModel {
    return packStates(
      { design: this.design!.toState(), kernel: { meta: {}, arrays: { centroids: this.centroids } } },
      { classes: [...this.classes] },
    );
  }

  protected importState(model: SerializedModel): void {
    this.classes = model.state.classes as string[];
    this.design = DesignMatrix.fromState(unpackState(model, "design"));
    this.centroids = unpackState(model, "kernel").arrays.centroids as Float64Array;
  }
}

/** The factory: knows every flavour of the type. */
export class PenguinSpeciesFactory extends FactoryCore<PenguinSpeciesModel> {
  readonly modelType = "penguin-species";
  protected readonly flavours = { "nearest-centroid": PenguinSpeciesNearestCentroid };
}

/** The pipeline: wires the factory and the default setup; training and prediction are inherited. */
export class PenguinSpeciesPipeline extends PipelineCore<PenguinSpeciesModel> {
  readonly modelType = "penguin-species";
  readonly description = "Penguin species classification (example plug-in)";
  readonly factory = new PenguinSpeciesFactory();
  readonly builtinDatasets = [];
  readonly defaultSetups = [
    {
      name: "penguin-species-centroid",
      modelType: "penguin-species",
      flavour: "nearest-centroid",
      dataset: "penguins",
      params: {},
      evaluation: { method: "kfold", folds: 5, seed: 1 },
    },
  ];
  protected override readonly stratifyFolds = true;
}

/** What the engine imports from a plug-in module. */
export const pipelines = [new PenguinSpeciesPipeline()];
