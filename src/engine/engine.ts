import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { ProgressListener } from "../core/data-access.ts";
import { DatasetSchemaError, NotFoundError, SetupValidationError, UsageError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { PipelineContext, PredictResult, TrainResult } from "../core/pipeline-core.ts";
import { PipelineRegistry } from "../core/pipeline-registry.ts";
import type { PredictExecutor } from "../core/predict-executor.ts";
import { type ModelSetup, parseSetupEnvelope, setupValidationError } from "../core/setup.ts";
import { resolveInputFiles } from "../data/files.ts";
import { DatasetMetadata } from "../data/metadata.ts";
import { builtinPipelines } from "../models/builtin.ts";
import type { ModelComparison } from "../reports/compare.ts";
import { shutdownPythonRuntime } from "../runtimes/python/pool.ts";
import type { DocumentStore, VersionedDocument } from "../stores/document-store.ts";
import type { ModelRegistry, ModelVersionEntry } from "../stores/model-registry.ts";
import { type LoadedConfig, loadConfig, registerPlugins } from "./config.ts";
import { duckdbDataAccess } from "./data-access.ts";
import { ThreadPredictExecutor } from "./parallel/index.ts";
import { openModelRegistry } from "./registries.ts";
import {
  compareModelVersions,
  type ModelReportResult,
  type ProfileDatasetOptions,
  type ProfileDatasetResult,
  profileDataset,
  writeModelReport,
} from "./reports.ts";
import { ENGINE_VERSION } from "./version.ts";
import {
  COLLECTIONS,
  openWorkspaceStore,
  seedWorkspace,
  type WorkspacePaths,
  workspacePaths,
} from "./workspace.ts";

/** Options of {@link Engine.predict}. */
export interface PredictOptions {
  /**
   * Worker threads that predict chunks in parallel (1 or more).
   * @defaultValue all cores when the input holds at least 8 MiB, else in-process
   */
  workers?: number;
}

/** Inputs smaller than this predict in-process by default: starting threads would cost more. */
const AUTO_PARALLEL_BYTES = 8 * 1024 * 1024;

function totalBytes(files: readonly string[]): number {
  return files.reduce((sum, file) => sum + statSync(file).size, 0);
}

export interface EngineOptions {
  /** Workspace folder (created on first use). */
  home: string;
  /** Config file; default `<home>/config.json` when it exists. */
  configFile?: string;
  /** Model registry override (`local` or an MLflow URI); default from the config. */
  registry?: string;
  onProgress?: ProgressListener;
  onNotice?: (message: string) => void;
}

/** A setup or dataset reference: `name` (latest) or `name@version`. */
export function parseVersionedRef(ref: string, what: string): { name: string; version?: number } {
  const match = /^([a-z0-9][a-z0-9-]*)(?:@([1-9][0-9]*))?$/.exec(ref);
  if (!match) {
    throw new UsageError(`invalid ${what} reference "${ref}"`, {
      hint: `Write ${what} or ${what}@VERSION, e.g. titanic@2.`,
    });
  }
  return match[2] ? { name: match[1], version: Number(match[2]) } : { name: match[1] };
}

/**
 * The engine: one workspace (document store + model registry) and the registered model types.
 * Every user-facing operation lives here; the CLI and HTTP layers only parse, call and print.
 */
export class Engine {
  private constructor(
    readonly paths: WorkspacePaths,
    readonly store: DocumentStore,
    readonly registry: ModelRegistry,
    readonly pipelines: PipelineRegistry,
    private readonly options: EngineOptions,
    private readonly config: LoadedConfig,
  ) {}

  static async open(options: EngineOptions): Promise<Engine> {
    const paths = workspacePaths(options.home);
    const loaded = loadConfig(options.configFile ?? paths.config, options.configFile !== undefined);
    const pipelines = new PipelineRegistry(builtinPipelines());
    await registerPlugins(pipelines, loaded);
    const store = openWorkspaceStore(paths);
    try {
      await seedWorkspace(store, pipelines);
      const registry = await openModelRegistry(options.registry ?? loaded.config.registry, { paths, store });
      return new Engine(paths, store, registry, pipelines, options, loaded);
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      await this.store.close();
    } finally {
      // Python workers must never outlive the engine that started them.
      await shutdownPythonRuntime();
    }
  }

  // ---- setups -------------------------------------------------------------------------------

  /** Latest version of every setup. */
  async listSetups(): Promise<VersionedDocument[]> {
    return this.store.listLatest(COLLECTIONS.setups);
  }

  /** A setup by `name` or `name@version`. */
  async getSetup(ref: string): Promise<VersionedDocument & { setup: ModelSetup }> {
    const { name, version } = parseVersionedRef(ref, "setup");
    const doc = await this.store.getVersion(COLLECTIONS.setups, name, version);
    if (!doc) {
      const known = (await this.listSetups()).map((s) => s.name);
      const versions = await this.store.listVersions(COLLECTIONS.setups, name);
      throw new NotFoundError(
        versions.length > 0 ? `setup "${name}" has no version ${version}` : `unknown setup "${name}"`,
        {
          hint:
            versions.length > 0
              ? `Versions of ${name}: ${versions.join(", ")}.`
              : `Known setups: ${known.join(", ") || "none"}. Add one with 'mpipe setups add FILE'.`,
        },
      );
    }
    return { ...doc, setup: parseSetupEnvelope(doc.body) };
  }

  /** Validates a setup document against its model type, flavour and dataset; writes nothing. */
  async validateSetup(document: unknown, file?: string): Promise<ModelSetup> {
    const envelope = parseSetupEnvelope(document, file);
    const pipeline = this.pipelines.get(envelope.modelType);
    const setup = pipeline.factory.validateSetup(document, file);
    const dataset = await this.getDataset(setup.dataset).catch((error: unknown) => {
      if (error instanceof NotFoundError) {
        throw new SetupValidationError(error.message, {
          location: { file, field: "dataset" },
          hint: error.hint,
        });
      }
      throw error;
    });
    // Resolving the columns checks features and target against the dataset's metadata.
    const model = pipeline.factory.create(setup);
    try {
      model.inputSpecs(dataset.metadata);
      model.targetSpec(dataset.metadata);
    } catch (error) {
      if (error instanceof SetupValidationError || error instanceof DatasetSchemaError) {
        throw new SetupValidationError(error.message, {
          location: { file, field: error.location?.field ?? "features" },
          hint: error.hint,
        });
      }
      throw error;
    }
    return setup;
  }

  /** Stores a setup: a new name starts at version 1, an existing name gets its next version. */
  async addSetup(document: unknown, file?: string): Promise<VersionedDocument> {
    const setup = await this.validateSetup(document, file);
    return this.store.putVersion(
      COLLECTIONS.setups,
      setup.name,
      JSON.parse(JSON.stringify(setup)) as JsonObject,
    );
  }

  // ---- datasets -----------------------------------------------------------------------------

  async listDatasets(): Promise<VersionedDocument[]> {
    return this.store.listLatest(COLLECTIONS.datasets);
  }

  async getDataset(ref: string): Promise<VersionedDocument & { metadata: DatasetMetadata }> {
    const { name, version } = parseVersionedRef(ref, "dataset");
    const doc = await this.store.getVersion(COLLECTIONS.datasets, name, version);
    if (!doc) {
      const known = (await this.listDatasets()).map((d) => d.name);
      throw new NotFoundError(
        version ? `dataset "${name}" has no version ${version}` : `unknown dataset "${name}"`,
        {
          hint: `Known datasets: ${known.join(", ") || "none"}. Add one with 'mpipe datasets add FILE'.`,
        },
      );
    }
    return { ...doc, metadata: DatasetMetadata.parse(doc.body) };
  }

  /** Validates and stores dataset metadata (a new version when the name exists). */
  async addDataset(document: unknown, file?: string): Promise<VersionedDocument> {
    const parsed = DatasetMetadata.safeParse(document);
    if (!parsed.success) {
      throw setupValidationError(parsed.error, {
        what: "invalid dataset metadata",
        file,
        hint: "See 'mpipe datasets show titanic --json' for an example, or propose one with 'mpipe datasets infer FILE'.",
      });
    }
    return this.store.putVersion(
      COLLECTIONS.datasets,
      parsed.data.name,
      JSON.parse(JSON.stringify(parsed.data)) as JsonObject,
    );
  }

  // ---- training and prediction --------------------------------------------------------------

  /** Trains a setup on the files at `dataPath` (a file or glob) and registers the model. */
  async train(setupRef: string, dataPath: string): Promise<TrainResult> {
    const stored = await this.getSetup(setupRef);
    const pipeline = this.pipelines.get(stored.setup.modelType);
    const setup = pipeline.factory.validateSetup(stored.body);
    const dataset = await this.getDataset(setup.dataset);
    const files = await resolveInputFiles(dataPath);
    return this.recordRun(
      { kind: "train", setup: `${setup.name}@${stored.version}`, data: dataPath },
      async () => {
        const result = await pipeline.train(this.context(), {
          setup: { version: stored.version, setup },
          dataset: { version: dataset.version, metadata: dataset.metadata },
          files,
        });
        return {
          result,
          record: { model: result.entry.name, version: result.entry.version, rows: result.rows },
        };
      },
    );
  }

  /**
   * Batch-predicts `dataPath` with a registered model into `outPath` (written whole or not at all).
   * `workers` runs the chunks on that many worker threads (output identical to one); by default
   * all cores are used for inputs large enough to repay starting the threads.
   */
  async predict(
    modelRef: string,
    dataPath: string,
    outPath: string,
    params: Record<string, unknown>,
    options: PredictOptions = {},
  ): Promise<PredictResult & { entry: ModelVersionEntry }> {
    if (options.workers !== undefined && (!Number.isSafeInteger(options.workers) || options.workers < 1)) {
      throw new UsageError(`--workers must be a whole number of at least 1, got ${options.workers}`, {
        hint: `Use e.g. --workers ${availableParallelism()} (this machine's cores).`,
      });
    }
    const entry = await this.registry.resolve(modelRef);
    const pipeline = this.pipelines.get(entry.modelType);
    const artifact = await this.registry.load(entry);
    const files = await resolveInputFiles(dataPath);
    const out = path.resolve(outPath);
    if (files.some((f) => path.resolve(f) === out)) {
      throw new UsageError(`--out ${outPath} is also an input file`, {
        hint: "Write predictions to another path.",
      });
    }
    return this.recordRun(
      { kind: "predict", model: `${entry.name}@${entry.version}`, data: dataPath, out },
      async () => {
        const workers =
          options.workers ?? (totalBytes(files) >= AUTO_PARALLEL_BYTES ? availableParallelism() : 0);
        const executor =
          workers > 0 ? new ThreadPredictExecutor({ workers, config: this.config }) : undefined;
        const result = await pipeline.predict(this.context(executor), artifact, {
          files,
          outPath: out,
          params,
        });
        return { result: { ...result, entry }, record: { rows: result.rows, params: result.params } };
      },
    );
  }

  // ---- models -------------------------------------------------------------------------------

  async listModels(): Promise<ModelVersionEntry[]> {
    return this.registry.listModels();
  }

  async showModel(ref: string): Promise<{ entry: ModelVersionEntry; versions: ModelVersionEntry[] }> {
    const entry = await this.registry.resolve(ref);
    return { entry, versions: await this.registry.listVersions(entry.name) };
  }

  /** Points `alias` of a model at a version (`name@3`) or at the latest (`name`). */
  async setAlias(ref: string, alias: string): Promise<ModelVersionEntry> {
    const entry = await this.registry.resolve(ref);
    await this.registry.setAlias(entry.name, alias, entry.version);
    return this.registry.resolve(`${entry.name}@${entry.version}`);
  }

  async removeAlias(name: string, alias: string): Promise<void> {
    await this.registry.removeAlias(name, alias);
  }

  // ---- reports ------------------------------------------------------------------------------

  /**
   * Writes a model version's self-contained HTML report (lineage, parameters, metrics, and the
   * evaluation charts recorded at training) to `out`, default `<home>/reports/<name>@<version>.html`.
   */
  async report(ref: string, out?: string): Promise<ModelReportResult> {
    return writeModelReport(this, ref, out);
  }

  /** Metrics of two or more model versions side by side, the better value of each marked. */
  async compareModels(refs: readonly string[]): Promise<ModelComparison> {
    return compareModelVersions(this, refs);
  }

  /**
   * Profiles a dataset (by name, storing the profile with its metadata) or a file (by path), and
   * writes the HTML profile.
   */
  async profileDataset(
    nameOrPath: string,
    options: ProfileDatasetOptions = {},
  ): Promise<ProfileDatasetResult> {
    return profileDataset(this, nameOrPath, options);
  }

  /** Run records, newest first. */
  async listRuns(limit = 50): Promise<JsonObject[]> {
    const records = await this.store.list(COLLECTIONS.runs);
    return records
      .map((r) => r.value)
      .reverse()
      .slice(0, limit);
  }

  private context(executor?: PredictExecutor): PipelineContext {
    return {
      ...(executor ? { executor } : {}),
      data: duckdbDataAccess,
      registry: this.registry,
      engineVersion: ENGINE_VERSION,
      onProgress: this.options.onProgress,
      onNotice: this.options.onNotice,
    };
  }

  /** Runs `work` and stores a run record of its outcome (success or failure). */
  private async recordRun<T>(
    base: JsonObject,
    work: () => Promise<{ result: T; record: JsonObject }>,
  ): Promise<T> {
    const startedAt = new Date();
    const key = `${startedAt.toISOString()}-${randomUUID().slice(0, 8)}`;
    try {
      const { result, record } = await work();
      await this.store.put(COLLECTIONS.runs, key, {
        id: key,
        ...base,
        ...record,
        status: "succeeded",
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
      });
      return result;
    } catch (error) {
      await this.store.put(COLLECTIONS.runs, key, {
        id: key,
        ...base,
        status: "failed",
        error: error instanceof Error ? error.message : String(error),
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
      });
      throw error;
    }
  }
}
