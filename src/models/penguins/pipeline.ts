import type { JsonObject } from "../../core/json.ts";
import { bundledData } from "../../core/paths.ts";
import { PipelineCore } from "../../core/pipeline-core.ts";
import dataset from "./dataset.json" with { type: "json" };
import { PenguinsFactory } from "./factory.ts";
import type { PenguinsModel } from "./penguins-model.ts";
import gmmSetup from "./setups/penguins-gmm.json" with { type: "json" };
import kmeansSetup from "./setups/penguins-kmeans.json" with { type: "json" };
import agglomerativeSetup from "./setups/penguins-sklearn-agglomerative.json" with { type: "json" };

/** Trains and batch-predicts penguins clusterings. */
export class PenguinsPipeline extends PipelineCore<PenguinsModel> {
  readonly modelType = "penguins";
  readonly description = "Unsupervised clustering of Palmer penguins by body measurements";
  readonly factory = new PenguinsFactory();
  readonly defaultSetups: readonly JsonObject[] = [kmeansSetup, gmmSetup, agglomerativeSetup];
  readonly builtinDatasets = [{ metadata: dataset as JsonObject, file: bundledData("penguins.csv") }];
}
