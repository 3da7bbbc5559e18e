import type { JsonObject } from "../../core/json.ts";
import { bundledData } from "../../core/paths.ts";
import { PipelineCore } from "../../core/pipeline-core.ts";
import dataset from "./dataset.json" with { type: "json" };
import { TitanicFactory } from "./factory.ts";
import gbdtSetup from "./setups/titanic-gbdt.json" with { type: "json" };
import logregSetup from "./setups/titanic-logreg.json" with { type: "json" };
import sklearnRfSetup from "./setups/titanic-sklearn-rf.json" with { type: "json" };
import type { TitanicModel } from "./titanic-model.ts";

/** Trains and batch-predicts Titanic survival classifiers; evaluation folds are stratified. */
export class TitanicPipeline extends PipelineCore<TitanicModel> {
  readonly modelType = "titanic";
  readonly description = "Supervised binary classification of Titanic survival";
  readonly factory = new TitanicFactory();
  readonly defaultSetups: readonly JsonObject[] = [logregSetup, gbdtSetup, sklearnRfSetup];
  readonly builtinDatasets = [{ metadata: dataset as JsonObject, file: bundledData("titanic.csv") }];
  protected override readonly stratifyFolds = true;
}
