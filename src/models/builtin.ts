import type { PipelineCore } from "../core/pipeline-core.ts";
import { PenguinsPipeline } from "./penguins/pipeline.ts";
import { TitanicPipeline } from "./titanic/pipeline.ts";

/** The model types that ship with the engine, keyed by model type. */
export const BUILTIN_PIPELINES = Object.freeze({
  penguins: () => new PenguinsPipeline(),
  titanic: () => new TitanicPipeline(),
} satisfies Record<string, () => PipelineCore>);

export type BuiltinModelType = keyof typeof BUILTIN_PIPELINES;

/** Fresh instances of every built-in pipeline. */
export function builtinPipelines(): PipelineCore[] {
  return Object.values(BUILTIN_PIPELINES).map((make) => make());
}
