import type { z } from "zod";
import type { Frame } from "../data/frame.ts";
import type { ColumnSpec, DatasetMetadata } from "../data/metadata.ts";
import type { SerializedModel } from "./artifact-types.ts";
import { DatasetSchemaError, NotFittedError, SetupValidationError } from "./errors.ts";
import type { JsonObject } from "./json.ts";
import type { BaseRuntimeParams } from "./runtime-params.ts";
import { type ModelSetup, setupValidationError } from "./setup.ts";

/** Quality measured on one held-out fold. */
export interface FoldEvaluation {
  rows: number;
  metrics: Record<string, number>;
  /** Type-specific raw material (e.g. out-of-fold scores) that the summary pools. */
  details?: JsonObject;
}

/** Quality of a setup across its evaluation folds, recorded in the registry entry. */
export interface EvaluationSummary {
  metrics: Record<string, number>;
  /** Chart material for reports (curve points, confusion counts, cluster sizes, …). */
  details?: JsonObject;
}

/**
 * The contract every model satisfies, whatever its type, flavour or runtime.
 *
 * Life cycle: a factory constructs a flavour from a validated setup; `fit` learns from a frame;
 * `serialize`/`deserialize` move the learned state into and out of an artifact;
 * `applyRuntimeParams` configures prediction; `predict` maps an input frame to output columns.
 * The public methods are template methods: they check state and arguments and delegate the
 * algorithm-specific part to the protected `fitFrame`, `predictFrame`, `exportState` and
 * `importState` that model types and flavours implement.
 */
export abstract class ModelCore<TParams extends BaseRuntimeParams = BaseRuntimeParams> {
  /** The model type's registry key, e.g. `penguins`. */
  abstract readonly modelType: string;
  /** Schema of the prediction runtime parameters (extends {@link BaseRuntimeParams}). */
  abstract readonly runtimeParamsSchema: z.ZodType<TParams>;

  private fittedSignature: ColumnSpec[] | undefined;
  private currentParams: TParams | undefined;

  constructor(readonly setup: ModelSetup) {}

  /** The flavour's registry key, e.g. `kmeans`. */
  get flavour(): string {
    return this.setup.flavour;
  }

  /** Whether `fit` or `deserialize` has run. */
  get isFitted(): boolean {
    return this.fittedSignature !== undefined;
  }

  /** Input columns the fitted model expects; prediction input is validated against them. */
  get signature(): ColumnSpec[] {
    return this.requireFitted();
  }

  /** Runtime parameters in force (defaults until {@link applyRuntimeParams} is called). */
  get runtimeParams(): TParams {
    this.currentParams ??= this.parseRuntimeParams({});
    return this.currentParams;
  }

  /** Feature columns this model reads from a dataset, validated against the model type's contract. */
  abstract inputSpecs(metadata: DatasetMetadata): ColumnSpec[];

  /** The label column (supervised types) or evaluation-only label (e.g. species); none by default. */
  targetSpec(_metadata: DatasetMetadata): ColumnSpec | undefined {
    return undefined;
  }

  /** Output columns after `prediction`, given the runtime parameters in force. */
  abstract outputSpecs(): ColumnSpec[];

  /** Learns from `frame`, which holds the columns of {@link inputSpecs} (and the target, if any). */
  async fit(frame: Frame, metadata: DatasetMetadata): Promise<this> {
    const signature = this.inputSpecs(metadata);
    for (const spec of signature) {
      if (!frame.columns.has(spec.name)) {
        throw new DatasetSchemaError(`training data has no column "${spec.name}"`, {
          location: { column: spec.name },
        });
      }
    }
    if (frame.rowCount === 0) throw new DatasetSchemaError("training data has no rows");
    await this.fitFrame(frame, metadata);
    this.fittedSignature = signature;
    return this;
  }

  /** Predicts one chunk: returns a frame with `prediction` and the columns of {@link outputSpecs}. */
  async predict(frame: Frame): Promise<Frame> {
    this.requireFitted();
    return this.predictFrame(frame, this.runtimeParams);
  }

  /** Validates and applies prediction runtime parameters; fails before any side effect. */
  applyRuntimeParams(raw: Record<string, unknown>): TParams {
    const params = this.parseRuntimeParams(raw);
    this.checkRuntimeParams(params);
    this.currentParams = params;
    return params;
  }

  /** The learned state, for an artifact. */
  serialize(): SerializedModel {
    const signature = this.requireFitted();
    const inner = this.exportState();
    return {
      state: { ...inner.state, signature: signature as unknown as JsonObject[] },
      arrays: inner.arrays,
    };
  }

  /** Restores learned state written by {@link serialize}. */
  deserialize(model: SerializedModel): this {
    const signature = model.state.signature as unknown as ColumnSpec[] | undefined;
    if (!Array.isArray(signature)) throw new Error("serialized model has no signature");
    this.importState(model);
    this.fittedSignature = signature;
    return this;
  }

  /**
   * Versions of the runtime's packages the fitted model depends on (e.g. `{ "scikit-learn":
   * "1.5.2" }` for Python flavours), recorded as the artifact's `runtimeVersions`; none by default.
   */
  runtimeVersions(): Record<string, string> | undefined {
    return undefined;
  }

  /** Scores this (fitted) model on a held-out frame. */
  abstract evaluateFold(test: Frame, metadata: DatasetMetadata): Promise<FoldEvaluation>;

  /** Combines fold evaluations; by default the row-weighted mean of each metric. */
  summarizeEvaluation(folds: readonly FoldEvaluation[]): EvaluationSummary {
    const totals: Record<string, number> = {};
    let rows = 0;
    for (const fold of folds) {
      rows += fold.rows;
      for (const [key, value] of Object.entries(fold.metrics))
        totals[key] = (totals[key] ?? 0) + value * fold.rows;
    }
    const metrics: Record<string, number> = {};
    for (const [key, value] of Object.entries(totals)) metrics[key] = value / rows;
    return { metrics };
  }

  protected abstract fitFrame(frame: Frame, metadata: DatasetMetadata): Promise<void> | void;
  protected abstract predictFrame(frame: Frame, params: TParams): Promise<Frame> | Frame;
  protected abstract exportState(): SerializedModel;
  protected abstract importState(model: SerializedModel): void;

  /** Flavour-specific checks of runtime parameters (e.g. a flavour without probabilities). */
  protected checkRuntimeParams(_params: TParams): void {}

  private parseRuntimeParams(raw: Record<string, unknown>): TParams {
    const result = this.runtimeParamsSchema.safeParse(raw);
    if (!result.success) {
      throw setupValidationError(result.error, {
        what: `invalid runtime parameter for ${this.modelType}/${this.flavour}`,
        fieldPrefix: "param",
        hint: `Runtime parameters of ${this.modelType}: ${describeKeys(this.runtimeParamsSchema)}.`,
      });
    }
    return result.data;
  }

  private requireFitted(): ColumnSpec[] {
    if (!this.fittedSignature) throw new NotFittedError(`${this.modelType}/${this.flavour}`);
    return this.fittedSignature;
  }
}

function describeKeys(schema: z.ZodType): string {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape).join(", ") : "see the model type's documentation";
}

/** Throws a SetupValidationError for a flavour that cannot honour a runtime parameter. */
export function unsupportedParam(param: string, why: string, hint: string): SetupValidationError {
  return new SetupValidationError(`runtime parameter "${param}" is not supported: ${why}`, {
    location: { field: `param.${param}` },
    hint,
  });
}
