import { FactoryCore } from "../../core/factory-core.ts";
import { TitanicGradientBoosting } from "./gradient-boosting.ts";
import { TitanicLogisticRegression } from "./logistic-regression.ts";
import { TitanicSklearnRandomForest } from "./sklearn-random-forest.ts";
import type { TitanicModel } from "./titanic-model.ts";

/** Builds titanic models: knows every titanic flavour. */
export class TitanicFactory extends FactoryCore<TitanicModel> {
  readonly modelType = "titanic";
  protected readonly flavours = {
    "logistic-regression": TitanicLogisticRegression,
    "gradient-boosting": TitanicGradientBoosting,
    "sklearn-random-forest": TitanicSklearnRandomForest,
  };
}
