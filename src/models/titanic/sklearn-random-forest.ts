import { z } from "zod";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import type { JsonObject } from "../../core/json.ts";
import type { ModelSetup } from "../../core/setup.ts";
import type { DesignMatrixSpec } from "../../features/design-matrix.ts";
import { PythonKernel } from "../../runtimes/python/python-kernel.ts";
import { TitanicModel } from "./titanic-model.ts";

const RandomForestParams = z
  .object({
    nEstimators: z.int().min(1).max(5000).default(200),
    maxDepth: z.int().min(1).nullable().default(null),
    minSamplesLeaf: z.int().min(1).default(1),
    minSamplesSplit: z.int().min(2).default(2),
    /** Features tried per split: `sqrt`, `log2`, a fraction in (0, 1], or null for all. */
    maxFeatures: z.union([z.enum(["sqrt", "log2"]), z.number().gt(0).max(1), z.null()]).default("sqrt"),
    criterion: z.enum(["gini", "entropy", "log_loss"]).default("gini"),
    seed: z.int().default(0),
  })
  .strict();
type RandomForestParams = z.infer<typeof RandomForestParams>;

/**
 * Survival by scikit-learn's RandomForestClassifier, fitted in the Python runtime
 * (python/mpipe_runtime/models/titanic/sklearn_random_forest.py). The trees route missing
 * values themselves, so numbers stay NaN and categories become ordinal codes.
 */
export class TitanicSklearnRandomForest extends TitanicModel {
  static readonly flavour = "sklearn-random-forest";
  static readonly description =
    "scikit-learn RandomForestClassifier in a Python worker (missing values routed natively)";
  static readonly runtime = "python";
  static readonly paramsSchema = RandomForestParams;
  private readonly kernel: PythonKernel;

  constructor(
    setup: ModelSetup,
    readonly params: RandomForestParams,
  ) {
    super(setup);
    this.kernel = new PythonKernel(this.modelType, TitanicSklearnRandomForest.flavour, params as JsonObject);
  }

  override runtimeVersions(): Record<string, string> {
    return this.kernel.runtimeVersions;
  }

  protected designSpec(numeric: string[], categorical: string[]): DesignMatrixSpec {
    return { numeric, categorical, impute: "none", scale: false, categoricalEncoding: "ordinal" };
  }

  protected fitMatrix(x: Matrix, y: Uint8Array): Promise<void> {
    return this.kernel.fit(x, y);
  }

  protected scoreMatrix(x: Matrix): Promise<Float64Array> {
    return this.kernel.probability(x);
  }

  protected exportKernel(): KernelState {
    return this.kernel.toState();
  }

  protected importKernel(state: KernelState): void {
    this.kernel.load(state);
  }
}
