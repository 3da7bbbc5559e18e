import { z } from "zod";
import {
  fitGaussianMixture,
  type GaussianMixtureModel,
  gaussianMixtureFromState,
  gaussianMixtureToState,
  predictGaussianMixture,
  predictProbaGaussianMixture,
} from "../../algorithms/gaussian-mixture.ts";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import type { ModelSetup } from "../../core/setup.ts";
import { PenguinsModel } from "./penguins-model.ts";

const GaussianMixtureParams = z
  .object({
    k: z.int().min(1).max(100).default(3),
    covarianceType: z.enum(["full", "diag"]).default("full"),
    maxIter: z.int().min(1).default(100),
    tol: z.number().min(0).default(1e-3),
    regCovar: z.number().min(0).default(1e-6),
    nInit: z.int().min(1).max(100).default(1),
    seed: z.int().default(0),
  })
  .strict();
type GaussianMixtureParams = z.infer<typeof GaussianMixtureParams>;

/** Penguins clustered by a Gaussian mixture fitted with EM (k-means initialisation, seeded). */
export class PenguinsGaussianMixture extends PenguinsModel {
  static readonly flavour = "gaussian-mixture";
  static readonly description = "Gaussian mixture (EM, full covariance) with membership probabilities";
  static readonly runtime = "typescript";
  static readonly paramsSchema = GaussianMixtureParams;
  private kernel: GaussianMixtureModel | undefined;

  constructor(
    setup: ModelSetup,
    readonly params: GaussianMixtureParams,
  ) {
    super(setup);
  }

  get clusterCount(): number {
    return this.params.k;
  }

  protected fitMatrix(x: Matrix): void {
    this.kernel = fitGaussianMixture(x, this.params);
  }

  protected assignClusters(x: Matrix): Int32Array {
    return predictGaussianMixture(this.kernel!, x);
  }

  protected membership(x: Matrix): Float64Array {
    return predictProbaGaussianMixture(this.kernel!, x);
  }

  protected exportKernel(): KernelState {
    return gaussianMixtureToState(this.kernel!);
  }

  protected importKernel(state: KernelState): void {
    this.kernel = gaussianMixtureFromState(state);
  }
}
