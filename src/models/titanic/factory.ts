import { FactoryCore } from "../../core/factory-core.ts";
import { TitanicGradientBoosting } from "./gradient-boosting.ts";
import { TitanicLogisticRegression } from "./logistic-regression.ts";
import type { TitanicModel } from "./titanic-model.ts";

/** Builds titanic models: knows every titanic flavour. */
export class TitanicFactory extends FactoryCore<TitanicModel> {
  readonly modelType = "titanic";
  protected readonly flavours = {
    "logistic-regression": TitanicLogisticRegression,
    "gradient-boosting": TitanicGradientBoosting,
  };
}
