import { z } from "zod";
import {
  fitKMeans,
  type KMeansModel,
  kmeansFromState,
  kmeansToState,
  predictKMeans,
} from "../../algorithms/kmeans.ts";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import { unsupportedParam } from "../../core/model-core.ts";
import type { ModelSetup } from "../../core/setup.ts";
import { PenguinsModel, type PenguinsRuntimeParams } from "./penguins-model.ts";

const KMeansParams = z
  .object({
    k: z.int().min(1).max(100).default(3),
    nInit: z.int().min(1).max(1000).default(10),
    maxIter: z.int().min(1).default(300),
    tol: z.number().min(0).default(1e-4),
    seed: z.int().default(0),
  })
  .strict();
type KMeansParams = z.infer<typeof KMeansParams>;

/** Penguins clustered by k-means (k-means++ initialisation, seeded restarts, Lloyd iterations). */
export class PenguinsKMeans extends PenguinsModel {
  static readonly flavour = "kmeans";
  static readonly description = "k-means with k-means++ initialisation and seeded restarts";
  static readonly runtime = "typescript";
  static readonly paramsSchema = KMeansParams;
  private kernel: KMeansModel | undefined;

  constructor(
    setup: ModelSetup,
    readonly params: KMeansParams,
  ) {
    super(setup);
  }

  get clusterCount(): number {
    return this.params.k;
  }

  protected fitMatrix(x: Matrix): void {
    this.kernel = fitKMeans(x, this.params);
  }

  protected assignClusters(x: Matrix): Int32Array {
    return predictKMeans(this.kernel!, x);
  }

  protected membership(): Float64Array {
    throw unsupportedParam(
      "probabilities",
      "k-means assigns hard clusters",
      "Use the gaussian-mixture flavour.",
    );
  }

  protected override checkRuntimeParams(params: PenguinsRuntimeParams): void {
    if (params.probabilities) this.membership();
  }

  protected exportKernel(): KernelState {
    return kmeansToState(this.kernel!);
  }

  protected importKernel(state: KernelState): void {
    this.kernel = kmeansFromState(state);
  }
}
