import { z } from "zod";
import {
  fitLogisticRegression,
  type LogisticRegressionModel,
  logisticFromState,
  logisticToState,
  predictProbaLogistic,
} from "../../algorithms/logistic-regression.ts";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import type { ModelSetup } from "../../core/setup.ts";
import type { DesignMatrixSpec } from "../../features/design-matrix.ts";
import { TitanicModel } from "./titanic-model.ts";

const LogisticRegressionParams = z
  .object({
    /** Inverse L2 regularisation strength, as scikit-learn's C. */
    c: z.number().gt(0).default(1),
    maxIter: z.int().min(1).default(100),
    tol: z.number().gt(0).default(1e-8),
  })
  .strict();
type LogisticRegressionParams = z.infer<typeof LogisticRegressionParams>;

/** Survival by L2-regularised logistic regression on imputed, standardised, one-hot features. */
export class TitanicLogisticRegression extends TitanicModel {
  static readonly flavour = "logistic-regression";
  static readonly description = "L2 logistic regression with intercept (median impute, standardise, one-hot)";
  static readonly runtime = "typescript";
  static readonly paramsSchema = LogisticRegressionParams;
  private kernel: LogisticRegressionModel | undefined;

  constructor(
    setup: ModelSetup,
    readonly params: LogisticRegressionParams,
  ) {
    super(setup);
  }

  protected designSpec(numeric: string[], categorical: string[]): DesignMatrixSpec {
    return { numeric, categorical, impute: "median", scale: true, categoricalEncoding: "one-hot" };
  }

  protected fitMatrix(x: Matrix, y: Uint8Array): void {
    this.kernel = fitLogisticRegression(x, y, this.params);
  }

  protected scoreMatrix(x: Matrix): Float64Array {
    return predictProbaLogistic(this.kernel!, x);
  }

  protected exportKernel(): KernelState {
    return logisticToState(this.kernel!);
  }

  protected importKernel(state: KernelState): void {
    this.kernel = logisticFromState(state);
  }
}
