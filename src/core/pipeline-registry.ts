import { NotFoundError, UsageError } from "./errors.ts";
import type { FlavourInfo } from "./factory-core.ts";
import type { PipelineCore } from "./pipeline-core.ts";

/**
 * Where pipelines are declared: the built-in ones are listed in `src/models/builtin.ts`;
 * third-party model types are added from the modules named in the workspace config.
 */
export class PipelineRegistry {
  private readonly pipelines = new Map<string, PipelineCore>();

  constructor(pipelines: Iterable<PipelineCore> = []) {
    for (const pipeline of pipelines) this.register(pipeline);
  }

  /** Adds a model type; its key must be new. */
  register(pipeline: PipelineCore, origin = "built-in"): void {
    if (this.pipelines.has(pipeline.modelType)) {
      throw new UsageError(`model type "${pipeline.modelType}" from ${origin} is already registered`, {
        hint: "Model type keys must be unique; rename the plug-in's modelType.",
      });
    }
    this.pipelines.set(pipeline.modelType, pipeline);
  }

  /** The pipeline of a model type, or a NotFoundError listing the known ones. */
  get(modelType: string): PipelineCore {
    const pipeline = this.pipelines.get(modelType);
    if (!pipeline) {
      throw new NotFoundError(`unknown model type "${modelType}"`, {
        location: { field: "modelType" },
        hint: `Must be one of [${this.modelTypes().join(", ")}]; plug-ins are listed under "plugins" in the workspace config.`,
      });
    }
    return pipeline;
  }

  modelTypes(): string[] {
    return [...this.pipelines.keys()].sort();
  }

  list(): PipelineCore[] {
    return this.modelTypes().map((key) => this.pipelines.get(key)!);
  }

  /** Every flavour of every model type. */
  flavours(): FlavourInfo[] {
    return this.list().flatMap((p) => p.factory.listFlavours());
  }
}
