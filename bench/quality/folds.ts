/**
 * Writes the evaluation folds and metrics of the four default setups, so that the scikit-learn
 * script scores the same rows the engine did. Used by `bench/quality/run.ts`.
 */
import type { EvaluationSpec } from "../../src/core/setup.ts";
import type { Frame } from "../../src/data/frame.ts";
import type { ColumnSpec } from "../../src/data/metadata.ts";
import { PenguinsPipeline } from "../../src/models/penguins/pipeline.ts";
import { TitanicPipeline } from "../../src/models/titanic/pipeline.ts";

type KFold = Extract<EvaluationSpec, { method: "kfold" }>;

/** Exposes the pipelines' own fold assignment (protected in PipelineCore). */
export class TitanicFolds extends TitanicPipeline {
  folds(frame: Frame, spec: KFold, target: ColumnSpec): Int32Array {
    return this.assignFolds(frame, spec, target);
  }
}

export class PenguinsFolds extends PenguinsPipeline {
  folds(frame: Frame, spec: KFold, target?: ColumnSpec): Int32Array {
    return this.assignFolds(frame, spec, target);
  }
}
