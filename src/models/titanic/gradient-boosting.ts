import { z } from "zod";
import {
  fitHistGradientBoosting,
  type HistGradientBoostingModel,
  histGradientBoostingFromState,
  histGradientBoostingToState,
  predictProbaHistGradientBoosting,
} from "../../algorithms/hist-gradient-boosting.ts";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import type { ModelSetup } from "../../core/setup.ts";
import type { DesignMatrixSpec } from "../../features/design-matrix.ts";
import { TitanicModel } from "./titanic-model.ts";

const GradientBoostingParams = z
  .object({
    learningRate: z.number().gt(0).max(1).default(0.1),
    maxIter: z.int().min(1).max(10_000).default(100),
    maxLeafNodes: z.int().min(2).default(31),
    maxDepth: z.int().min(1).nullable().default(null),
    minSamplesLeaf: z.int().min(1).default(20),
    l2Regularization: z.number().min(0).default(0),
    maxBins: z.int().min(2).max(255).default(255),
    earlyStopping: z.union([z.literal("auto"), z.boolean()]).default("auto"),
    seed: z.int().default(0),
  })
  .strict();
type GradientBoostingParams = z.infer<typeof GradientBoostingParams>;

/** Survival by histogram-based gradient-boosted trees; missing values are routed natively. */
export class TitanicGradientBoosting extends TitanicModel {
  static readonly flavour = "gradient-boosting";
  static readonly description = "Histogram gradient-boosted trees (like HistGradientBoostingClassifier)";
  static readonly runtime = "typescript";
  static readonly paramsSchema = GradientBoostingParams;
  private kernel: HistGradientBoostingModel | undefined;

  constructor(
    setup: ModelSetup,
    readonly params: GradientBoostingParams,
  ) {
    super(setup);
  }

  protected designSpec(numeric: string[], categorical: string[]): DesignMatrixSpec {
    // Trees need neither scaling nor imputation; categories become ordinal codes, missing stays NaN.
    return { numeric, categorical, impute: "none", scale: false, categoricalEncoding: "ordinal" };
  }

  protected fitMatrix(x: Matrix, y: Uint8Array): void {
    this.kernel = fitHistGradientBoosting(x, y, this.params);
  }

  protected scoreMatrix(x: Matrix): Float64Array {
    return predictProbaHistGradientBoosting(this.kernel!, x);
  }

  protected exportKernel(): KernelState {
    return histGradientBoostingToState(this.kernel!);
  }

  protected importKernel(state: KernelState): void {
    this.kernel = histGradientBoostingFromState(state);
  }
}
