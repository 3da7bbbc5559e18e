import { FactoryCore } from "../../core/factory-core.ts";
import { PenguinsGaussianMixture } from "./gaussian-mixture.ts";
import { PenguinsKMeans } from "./kmeans.ts";
import type { PenguinsModel } from "./penguins-model.ts";
import { PenguinsSklearnAgglomerative } from "./sklearn-agglomerative.ts";

/** Builds penguins models: knows every penguins flavour. */
export class PenguinsFactory extends FactoryCore<PenguinsModel> {
  readonly modelType = "penguins";
  protected readonly flavours = {
    kmeans: PenguinsKMeans,
    "gaussian-mixture": PenguinsGaussianMixture,
    "sklearn-agglomerative": PenguinsSklearnAgglomerative,
  };
}
