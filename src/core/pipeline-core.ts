import { SeededRandom } from "../algorithms/random.ts";
import { type Column, type Frame, numberColumn, takeRows } from "../data/frame.ts";
import { type ColumnSpec, type DatasetMetadata, idColumn, specOf } from "../data/metadata.ts";
import type { ModelRegistry, ModelVersionEntry } from "../stores/model-registry.ts";
import { ARTIFACT_FORMAT_VERSION, type ArtifactManifest, type LoadedArtifact } from "./artifact-types.ts";
import type { DataAccess, ProgressListener } from "./data-access.ts";
import { DatasetSchemaError } from "./errors.ts";
import type { FactoryCore } from "./factory-core.ts";
import type { JsonObject } from "./json.ts";
import type { EvaluationSummary, FoldEvaluation, ModelCore } from "./model-core.ts";
import type { PredictExecutor, PredictionPlan } from "./predict-executor.ts";
import type { EvaluationSpec, ModelSetup } from "./setup.ts";

/** What a pipeline needs from the engine: I/O, the model registry, and where to report. */
export interface PipelineContext {
  data: DataAccess;
  registry: ModelRegistry;
  engineVersion: string;
  onProgress?: ProgressListener;
  onNotice?: (message: string) => void;
  /**
   * Runs the prediction chunk loop elsewhere (e.g. on worker threads) when it accepts the plan;
   * otherwise the loop runs here, in-process.
   */
  executor?: PredictExecutor;
}

/** A stored setup document at a version. */
export interface SetupVersion {
  version: number;
  setup: ModelSetup;
}

/** Dataset metadata at a version. */
export interface DatasetVersion {
  version: number;
  metadata: DatasetMetadata;
}

export interface TrainRequest {
  setup: SetupVersion;
  dataset: DatasetVersion;
  files: readonly string[];
}

export interface TrainResult {
  entry: ModelVersionEntry;
  evaluation: EvaluationSummary;
  rows: number;
}

export interface PredictRequest {
  files: readonly string[];
  outPath: string;
  params: Record<string, unknown>;
}

export interface PredictResult {
  rows: number;
  outPath: string;
  columns: string[];
  params: JsonObject;
}

/**
 * Trains and batch-predicts one model type.
 *
 * train:   factory → read and validate data → evaluate on held-out folds → fit on all rows →
 *          serialize → register (version, lineage, metrics, evaluation data).
 * predict: restore from the artifact → apply runtime params → for each chunk of the input:
 *          validate → predict → write → commit the output whole.
 */
export abstract class PipelineCore<TModel extends ModelCore = ModelCore> {
  abstract readonly modelType: string;
  abstract readonly description: string;
  abstract readonly factory: FactoryCore<TModel>;
  /** Setups seeded into a new workspace. */
  abstract readonly defaultSetups: readonly JsonObject[];
  /** Dataset metadata seeded into a new workspace, with the bundled file each describes. */
  abstract readonly builtinDatasets: readonly { metadata: JsonObject; file: string }[];

  /** Whether evaluation folds keep the target's class balance (classification types). */
  protected readonly stratifyFolds: boolean = false;

  async train(context: PipelineContext, request: TrainRequest): Promise<TrainResult> {
    const { setup, dataset } = request;
    const model = this.factory.create(setup.setup);
    const metadata = dataset.metadata;
    const inputs = model.inputSpecs(metadata);
    const target = model.targetSpec(metadata);
    const columns = target ? [...inputs.filter((c) => c.name !== target.name), target] : inputs;

    context.onProgress?.({ phase: "reading", done: 0 });
    const frame = await context.data.readFrame({
      files: request.files,
      columns,
      missingValues: metadata.missingValues,
      onNotice: context.onNotice,
      knownColumns: metadata.columns.map((c) => c.name),
    });
    if (frame.rowCount < 2) {
      throw new DatasetSchemaError(`training data has ${frame.rowCount} row(s); at least 2 are needed`, {
        location: { file: request.files[0] },
      });
    }
    const fingerprint = await context.data.fingerprint(request.files);

    const evaluation = await this.evaluate(context, setup.setup, frame, metadata, model);
    context.onProgress?.({ phase: "fitting", done: 0, total: 1 });
    await model.fit(frame, metadata);
    context.onProgress?.({ phase: "fitting", done: 1, total: 1 });

    const id = idColumn(metadata);
    const runtimeVersions = model.runtimeVersions();
    const manifest: Omit<ArtifactManifest, "parts"> = {
      formatVersion: ARTIFACT_FORMAT_VERSION,
      modelType: this.modelType,
      flavour: setup.setup.flavour,
      runtime: this.factory.flavourClass(setup.setup.flavour).runtime,
      ...(runtimeVersions ? { runtimeVersions } : {}),
      setup: JSON.parse(JSON.stringify(setup.setup)) as JsonObject,
      signature: model.signature,
      ...(target ? { target } : {}),
      input: {
        missingValues: [...metadata.missingValues],
        ...(id ? { id: specOf(id) } : {}),
        knownColumns: metadata.columns.map((c) => c.name),
      },
      lineage: {
        setupName: setup.setup.name,
        setupVersion: setup.version,
        datasetName: metadata.name,
        datasetVersion: dataset.version,
        datasetFingerprint: fingerprint,
        engineVersion: context.engineVersion,
        createdAt: new Date().toISOString(),
      },
      metrics: evaluation.metrics,
    };
    const entry = await context.registry.register({
      name: setup.setup.name,
      manifest,
      model: model.serialize(),
      evaluation: evaluation.details,
    });
    return { entry, evaluation, rows: frame.rowCount };
  }

  async predict(
    context: PipelineContext,
    artifact: LoadedArtifact,
    request: PredictRequest,
  ): Promise<PredictResult> {
    const model = this.factory.restore(artifact);
    const params = model.applyRuntimeParams(request.params);
    const { manifest } = artifact;

    const id = manifest.input.id;
    const keyColumn: ColumnSpec = id ?? { name: "row", type: "integer" };
    const readColumns: ColumnSpec[] = [...model.signature];
    const known = new Map(readColumns.map((c) => [c.name, c]));
    if (id && !known.has(id.name)) {
      readColumns.push(id);
      known.set(id.name, id);
    }
    for (const name of params.passthrough) {
      if (!known.has(name)) {
        const spec: ColumnSpec = { name, type: "string" };
        readColumns.push(spec);
        known.set(name, spec);
      }
    }
    const predictionColumns = model.outputSpecs();
    const reserved = new Set([keyColumn.name, ...predictionColumns.map((c) => c.name)]);
    const passthrough = params.passthrough
      .filter((name) => !reserved.has(name))
      .map((name) => known.get(name)!);
    const outputColumns = [keyColumn, ...predictionColumns, ...passthrough];
    const result = {
      outPath: request.outPath,
      columns: outputColumns.map((c) => c.name),
      params: JSON.parse(JSON.stringify(params)) as JsonObject,
    };

    const plan: PredictionPlan = {
      modelType: this.modelType,
      flavour: manifest.flavour,
      runtime: manifest.runtime,
      artifact,
      params: result.params,
      batchSize: params.batchSize,
      files: request.files,
      outPath: request.outPath,
      readColumns,
      key: { spec: keyColumn, fromInput: id !== undefined },
      predictionColumns,
      passthrough,
      outputColumns,
      missingValues: manifest.input.missingValues,
      knownColumns: manifest.input.knownColumns,
      onProgress: context.onProgress,
      onNotice: context.onNotice,
    };
    if (context.executor?.accepts(plan)) {
      const { rows } = await context.executor.run(plan);
      return { rows, ...result };
    }

    const writer = await context.data.openWriter(request.outPath, outputColumns);
    let rows = 0;
    try {
      const chunks = context.data.scanFrames({
        files: request.files,
        columns: readColumns,
        missingValues: manifest.input.missingValues,
        chunkRows: params.batchSize,
        onNotice: context.onNotice,
        knownColumns: manifest.input.knownColumns,
      });
      for await (const chunk of chunks) {
        const predicted = await model.predict(chunk);
        const columns = new Map<string, Column>();
        columns.set(keyColumn.name, id ? chunk.columns.get(id.name)! : rowIndexColumn(rows, chunk.rowCount));
        for (const spec of predictionColumns) columns.set(spec.name, predicted.columns.get(spec.name)!);
        for (const spec of passthrough) columns.set(spec.name, chunk.columns.get(spec.name)!);
        await writer.write({ rowCount: chunk.rowCount, columns });
        rows += chunk.rowCount;
        context.onProgress?.({ phase: "predicting", done: rows });
      }
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return { rows, ...result };
  }

  /** Evaluates the setup on held-out folds with fresh models; `none` records no metrics. */
  protected async evaluate(
    context: PipelineContext,
    setup: ModelSetup,
    frame: Frame,
    metadata: DatasetMetadata,
    prototype: TModel,
  ): Promise<EvaluationSummary> {
    const spec = setup.evaluation;
    if (spec.method === "none") return { metrics: {} };
    const folds = this.assignFolds(frame, spec, prototype.targetSpec(metadata));
    const foldCount = spec.method === "kfold" ? spec.folds : 1;
    const results: FoldEvaluation[] = [];
    for (let fold = 0; fold < foldCount; fold++) {
      context.onProgress?.({ phase: "evaluating", done: fold, total: foldCount });
      const train: number[] = [];
      const test: number[] = [];
      for (let i = 0; i < folds.length; i++) (folds[i] === fold ? test : train).push(i);
      if (test.length === 0 || train.length === 0) continue;
      const model = this.factory.create(setup);
      await model.fit(takeRows(frame, Int32Array.from(train)), metadata);
      results.push(await model.evaluateFold(takeRows(frame, Int32Array.from(test)), metadata));
    }
    context.onProgress?.({ phase: "evaluating", done: foldCount, total: foldCount });
    return prototype.summarizeEvaluation(results);
  }

  /**
   * Fold index per row (holdout: 0 = test, -1 = train only). Seeded; stratified by the target's
   * classes when {@link stratifyFolds} is set, so each fold keeps the class balance.
   */
  protected assignFolds(
    frame: Frame,
    spec: Exclude<EvaluationSpec, { method: "none" }>,
    target?: ColumnSpec,
  ): Int32Array {
    const n = frame.rowCount;
    const random = new SeededRandom(spec.seed);
    const folds = new Int32Array(n);
    const groups: number[][] = [];
    const targetColumn = target ? frame.columns.get(target.name) : undefined;
    if (this.stratifyFolds && targetColumn?.kind === "category") {
      const byClass = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const code = targetColumn.codes[i];
        if (!byClass.has(code)) byClass.set(code, []);
        byClass.get(code)!.push(i);
      }
      for (const key of [...byClass.keys()].sort((a, b) => a - b)) groups.push(byClass.get(key)!);
    } else {
      groups.push(Array.from({ length: n }, (_, i) => i));
    }
    // One shared counter across groups spreads each class evenly over the folds.
    let position = 0;
    for (const group of groups) {
      const order = random.shuffle(Int32Array.from(group));
      for (const row of order) {
        if (spec.method === "kfold") folds[row] = position % spec.folds;
        position++;
      }
      if (spec.method === "holdout") {
        const testCount = Math.max(1, Math.round(order.length * spec.testFraction));
        order.forEach((row, k) => {
          folds[row] = k < testCount ? 0 : -1;
        });
      }
    }
    return folds;
  }
}

function rowIndexColumn(start: number, count: number): Column {
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = start + i;
  return numberColumn(values);
}
