import { z } from "zod";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import type { JsonObject } from "../../core/json.ts";
import { unsupportedParam } from "../../core/model-core.ts";
import type { ModelSetup } from "../../core/setup.ts";
import { PythonKernel } from "../../runtimes/python/python-kernel.ts";
import { PenguinsModel, type PenguinsRuntimeParams } from "./penguins-model.ts";

const AgglomerativeParams = z
  .object({
    k: z.int().min(2).max(100).default(3),
    linkage: z.enum(["ward", "average", "complete", "single"]).default("ward"),
  })
  .strict();
type AgglomerativeParams = z.infer<typeof AgglomerativeParams>;

/**
 * Penguins clustered by scikit-learn's AgglomerativeClustering in the Python runtime
 * (python/mpipe_runtime/models/penguins/sklearn_agglomerative.py). Hierarchical clustering cannot
 * place new rows, so the Python flavour keeps each cluster's centre and assigns every row to the
 * nearest one.
 */
export class PenguinsSklearnAgglomerative extends PenguinsModel {
  static readonly flavour = "sklearn-agglomerative";
  static readonly description =
    "scikit-learn AgglomerativeClustering (ward) in a Python worker; new rows by nearest centre";
  static readonly runtime = "python";
  static readonly paramsSchema = AgglomerativeParams;
  private readonly kernel: PythonKernel;

  constructor(
    setup: ModelSetup,
    readonly params: AgglomerativeParams,
  ) {
    super(setup);
    this.kernel = new PythonKernel(
      this.modelType,
      PenguinsSklearnAgglomerative.flavour,
      params as JsonObject,
    );
  }

  get clusterCount(): number {
    return this.params.k;
  }

  override runtimeVersions(): Record<string, string> {
    return this.kernel.runtimeVersions;
  }

  protected fitMatrix(x: Matrix): Promise<void> {
    return this.kernel.fit(x);
  }

  protected async assignClusters(x: Matrix): Promise<Int32Array> {
    return Int32Array.from(await this.kernel.predict(x));
  }

  protected membership(): Float64Array {
    throw unsupportedParam(
      "probabilities",
      "agglomerative clustering assigns hard clusters",
      "Use the gaussian-mixture flavour.",
    );
  }

  protected override checkRuntimeParams(params: PenguinsRuntimeParams): void {
    if (params.probabilities) this.membership();
  }

  protected exportKernel(): KernelState {
    return this.kernel.toState();
  }

  protected importKernel(state: KernelState): void {
    this.kernel.load(state);
  }
}
