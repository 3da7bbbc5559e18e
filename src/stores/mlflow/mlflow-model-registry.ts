/**
 * {@link ModelRegistry} on an MLflow tracking server.
 *
 * Registering a model version:
 * 1. write the artifact to a local temp folder (validates everything before any request);
 * 2. create an MLflow run in the experiment `model-pipeline/<name>`, log the setup's params, the
 *    evaluation metrics and lineage tags;
 * 3. upload the artifact files through the server's artifact proxy to `<run>/artifacts/model/`;
 * 4. create the registered model (once) and a model version whose source is that folder, with the
 *    engine's record in a tag — MLflow numbers the version, atomically;
 * 5. mark the run FINISHED (FAILED if anything above failed).
 * Only step 4 makes a version visible, so a failure leaves none.
 *
 * Aliases are MLflow's registered-model aliases. Loading downloads the files, then verifies the
 * manifest's checksum (recorded in the version's tag) and every part's checksum.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { LoadedArtifact } from "../../core/artifact-types.ts";
import { ArtifactIntegrityError, NotFoundError, UsageError } from "../../core/errors.ts";
import type { JsonObject } from "../../core/json.ts";
import { MANIFEST_FILE, readArtifact, writeArtifact } from "../artifact-io.ts";
import { assertJsonObject } from "../json-values.ts";
import {
  checkAliasName,
  checkModelName,
  listForMessage,
  type ModelRegistry,
  type ModelVersionEntry,
  parseModelRef,
  type RegisterRequest,
  unknownAliasError,
  unknownVersionError,
} from "../model-registry.ts";
import { proxyPath, SAFE_RELATIVE_PATH } from "./artifact-paths.ts";
import { type MlflowClientOptions, MlflowRestClient } from "./mlflow-rest-client.ts";
import type { ModelVersion, RegisteredModel } from "./mlflow-types.ts";
import { runMetrics, runParams, runTags } from "./run-logging.ts";
import {
  MANAGED_TAG,
  MANAGED_VALUE,
  readVersionRecord,
  type VersionRecord,
  versionTags,
} from "./version-record.ts";

/** Options of an {@link MlflowModelRegistry}. */
export interface MlflowRegistryOptions extends MlflowClientOptions {
  /**
   * Prefix of the MLflow registered-model names this registry uses, so several engines (or
   * tests) can share one server: model `titanic-logreg` is MLflow model `<prefix>titanic-logreg`.
   * @defaultValue `""`
   */
  namePrefix?: string;
}

/** A version this engine registered: MLflow's view and the engine's record. */
interface KnownVersion {
  version: number;
  createdAt: string;
  source: string;
  record: VersionRecord;
}

/** What one model has in MLflow: its versions (ascending) and alias → version. */
interface ModelSnapshot {
  versions: KnownVersion[];
  aliases: Map<string, number>;
}

const EXPERIMENT_PREFIX = "model-pipeline/";
const MODEL_FOLDER = "model";
const EVALUATION_FILE = "evaluation.json";
const RESTORE_HINT = "The artifact in MLflow was changed or damaged: re-train and register the model again.";

/** The model registry of an MLflow tracking server (`--registry http://host:port`). */
export class MlflowModelRegistry implements ModelRegistry {
  readonly kind = "mlflow";
  readonly client: MlflowRestClient;
  private readonly prefix: string;
  private readonly experimentIds = new Map<string, Promise<string>>();
  private readonly evaluations = new Map<string, Promise<JsonObject | undefined>>();

  constructor(options: MlflowRegistryOptions) {
    this.client = new MlflowRestClient(options);
    this.prefix = options.namePrefix ?? "";
  }

  /** The tracking URI, without credentials. */
  get trackingUri(): string {
    return this.client.displayUri;
  }

  async register(request: RegisterRequest): Promise<ModelVersionEntry> {
    const { name, evaluation } = request;
    checkModelName(name);
    if (evaluation !== undefined) assertJsonObject(evaluation, "The evaluation details");
    const staging = await mkdtemp(join(tmpdir(), "mpipe-mlflow-"));
    try {
      // Everything is validated and written locally before MLflow sees a request.
      const manifest = await writeArtifact(join(staging, MODEL_FOLDER), request.manifest, request.model);
      const manifestBytes = await readFile(join(staging, MODEL_FOLDER, MANIFEST_FILE));
      const mlflowName = this.mlflowName(name);
      const experimentId = await this.experimentFor(mlflowName);
      const startTime = Date.now();
      const runName = `train ${manifest.lineage.setupName}@${manifest.lineage.setupVersion}`;
      const run = await this.client.createRun({
        experimentId,
        runName,
        startTime,
        tags: runTags(manifest, runName),
      });
      try {
        await this.client.logBatch(run.run_id, {
          params: runParams(manifest),
          metrics: runMetrics(manifest.metrics, startTime),
        });
        const runRoot = proxyPath(run.artifact_uri);
        const files = [MANIFEST_FILE, ...manifest.parts.map((part) => part.path)];
        for (const file of files) {
          await this.client.uploadArtifact(
            `${runRoot}/${MODEL_FOLDER}/${file}`,
            await readFile(join(staging, MODEL_FOLDER, file)),
          );
        }
        let evaluationPath: string | undefined;
        if (evaluation !== undefined) {
          evaluationPath = `${runRoot}/${EVALUATION_FILE}`;
          await this.client.uploadArtifact(evaluationPath, Buffer.from(JSON.stringify(evaluation)));
        }
        await this.client.createRegisteredModel(
          mlflowName,
          [
            { key: MANAGED_TAG, value: MANAGED_VALUE },
            { key: "mpipe.model_type", value: manifest.modelType },
          ],
          `Registered by model-pipeline from setup "${name}".`,
        );
        const record: VersionRecord = {
          record: 1,
          modelType: manifest.modelType,
          flavour: manifest.flavour,
          runtime: manifest.runtime,
          metrics: manifest.metrics,
          lineage: manifest.lineage,
          manifestSha256: sha256(manifestBytes),
          ...(evaluationPath ? { evaluationPath } : {}),
        };
        const created = await this.client.createModelVersion({
          name: mlflowName,
          source: `${run.artifact_uri.replace(/\/+$/, "")}/${MODEL_FOLDER}`,
          runId: run.run_id,
          tags: versionTags(record),
          description: `${manifest.modelType}/${manifest.flavour} trained from ${runName}`,
        });
        await this.client.updateRun(run.run_id, "FINISHED", Date.now()).catch(() => {});
        const known = this.toKnown(created);
        if (!known)
          throw new ArtifactIntegrityError(
            `MLflow returned version ${created.version} of ${name} without its record`,
          );
        if (evaluation !== undefined)
          this.evaluations.set(`${name}@${known.version}`, Promise.resolve(evaluation));
        return this.toEntry(name, known, []);
      } catch (error) {
        await this.client.updateRun(run.run_id, "FAILED", Date.now()).catch(() => {});
        throw error;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async resolve(ref: string): Promise<ModelVersionEntry> {
    const { name, version, alias } = parseModelRef(ref);
    const snapshot = await this.snapshotOrThrow(name);
    const { versions, aliases } = snapshot;
    const latest = versions[versions.length - 1];
    let found: KnownVersion | undefined = latest;
    if (version !== undefined) {
      found = versions.find((v) => v.version === version);
      if (!found)
        throw unknownVersionError(
          name,
          version,
          versions.map((v) => v.version),
        );
    } else if (alias !== undefined) {
      const target = aliases.get(alias);
      found = versions.find((v) => v.version === target);
      if (!found) throw unknownAliasError(name, alias, aliases, latest.version);
    }
    return this.toEntry(name, found, aliasesOf(snapshot, found.version));
  }

  async load(entry: ModelVersionEntry): Promise<LoadedArtifact> {
    const label = `${entry.name}@${entry.version}`;
    const current = await this.client.getModelVersion(this.mlflowName(entry.name), entry.version);
    const known = current ? this.toKnown(current) : undefined;
    if (!known) {
      throw new ArtifactIntegrityError(
        `${label} is no longer in the MLflow registry at ${this.trackingUri}.`,
        {
          hint: RESTORE_HINT,
        },
      );
    }
    const folder = proxyPath(known.source);
    const local = await mkdtemp(join(tmpdir(), "mpipe-mlflow-load-"));
    try {
      const manifestBytes = await this.client.downloadArtifact(`${folder}/${MANIFEST_FILE}`);
      if (!manifestBytes) {
        throw new ArtifactIntegrityError(
          `The artifact of ${label} is missing: MLflow has no ${known.source}/${MANIFEST_FILE}.`,
          {
            hint: RESTORE_HINT,
          },
        );
      }
      await writeFile(join(local, MANIFEST_FILE), manifestBytes);
      // Fetch the parts the manifest lists; missing ones stay missing, and readArtifact says so.
      for (const path of listedParts(manifestBytes)) {
        const bytes = await this.client.downloadArtifact(`${folder}/${path}`);
        if (!bytes) continue;
        await mkdir(dirname(join(local, path)), { recursive: true });
        await writeFile(join(local, path), bytes);
      }
      const loaded = await readArtifact(local);
      if (sha256(manifestBytes) !== known.record.manifestSha256) {
        throw new ArtifactIntegrityError(
          `The manifest of ${label} in MLflow was changed after it was registered.`,
          {
            location: { file: `${known.source}/${MANIFEST_FILE}` },
            hint: RESTORE_HINT,
          },
        );
      }
      checkBelongs(label, entry, loaded);
      return loaded;
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    checkModelName(name);
    checkAliasName(alias);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new UsageError(`A model version must be a whole number from 1, got ${version}.`);
    }
    const { versions } = await this.snapshotOrThrow(name);
    if (!versions.some((v) => v.version === version))
      throw unknownVersionError(
        name,
        version,
        versions.map((v) => v.version),
      );
    await this.client.setAlias(this.mlflowName(name), alias, version);
  }

  async removeAlias(name: string, alias: string): Promise<void> {
    checkModelName(name);
    checkAliasName(alias);
    const snapshot = await this.snapshotOrThrow(name);
    if (!snapshot.aliases.has(alias)) {
      throw unknownAliasError(
        name,
        alias,
        snapshot.aliases,
        snapshot.versions[snapshot.versions.length - 1].version,
      );
    }
    await this.client.deleteAlias(this.mlflowName(name), alias);
  }

  async listModels(): Promise<ModelVersionEntry[]> {
    const models = await this.managedModels();
    const entries = await Promise.all(
      models.map(async (model) => {
        const name = model.name.slice(this.prefix.length);
        const snapshot = await this.snapshot(model);
        const latest = snapshot.versions[snapshot.versions.length - 1];
        return latest ? this.toEntry(name, latest, aliasesOf(snapshot, latest.version)) : undefined;
      }),
    );
    return entries
      .filter((e): e is ModelVersionEntry => e !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async listVersions(name: string): Promise<ModelVersionEntry[]> {
    checkModelName(name);
    const snapshot = await this.snapshotOrThrow(name);
    return Promise.all(snapshot.versions.map((v) => this.toEntry(name, v, aliasesOf(snapshot, v.version))));
  }

  /** The MLflow registered-model name of a model. */
  mlflowName(name: string): string {
    return `${this.prefix}${name}`;
  }

  // ---- internals ----------------------------------------------------------------------------

  private experimentFor(mlflowName: string): Promise<string> {
    const experiment = `${EXPERIMENT_PREFIX}${mlflowName}`;
    let id = this.experimentIds.get(experiment);
    if (!id) {
      id = this.findOrCreateExperiment(experiment);
      // A failed lookup is not cached: the next registration tries again.
      id.catch(() => this.experimentIds.delete(experiment));
      this.experimentIds.set(experiment, id);
    }
    return id;
  }

  private async findOrCreateExperiment(name: string): Promise<string> {
    const existing = await this.client.getExperimentByName(name);
    if (existing) return existing.experiment_id;
    try {
      return await this.client.createExperiment(name);
    } catch (error) {
      // Another process created it in the meantime.
      const raced = await this.client.getExperimentByName(name);
      if (raced) return raced.experiment_id;
      throw error;
    }
  }

  private async managedModels(): Promise<RegisteredModel[]> {
    const all = await this.client.searchRegisteredModels();
    return all.filter(
      (m) =>
        m.name.startsWith(this.prefix) &&
        m.tags.some((t) => t.key === MANAGED_TAG && t.value === MANAGED_VALUE),
    );
  }

  private async snapshot(model: RegisteredModel): Promise<ModelSnapshot> {
    const versions = (await this.client.searchModelVersions(model.name))
      .map((v) => this.toKnown(v))
      .filter((v): v is KnownVersion => v !== undefined)
      .sort((a, b) => a.version - b.version);
    return { versions, aliases: new Map(model.aliases.map((a) => [a.alias, a.version])) };
  }

  /** The model's versions and aliases; NotFoundError (listing the models) if it has none. */
  private async snapshotOrThrow(name: string): Promise<ModelSnapshot> {
    const model = await this.client.getRegisteredModel(this.mlflowName(name));
    const snapshot = model ? await this.snapshot(model) : undefined;
    if (!snapshot || snapshot.versions.length === 0) {
      const names = (await this.listModels()).map((e) => e.name);
      const existing =
        names.length === 0 ? "No models are registered yet." : `Registered models: ${listForMessage(names)}.`;
      throw new NotFoundError(
        `No model named "${name}" in the MLflow registry at ${this.trackingUri}. ${existing}`,
        {
          hint: model
            ? `MLflow has a registered model "${this.mlflowName(name)}", but model-pipeline did not register its versions.`
            : "Check the spelling; a model is registered under its setup's name when the setup is trained.",
        },
      );
    }
    return snapshot;
  }

  private toKnown(version: ModelVersion): KnownVersion | undefined {
    const record = readVersionRecord(version);
    if (!record) return undefined;
    const created = version.creation_timestamp;
    return {
      version: version.version,
      createdAt: new Date(created ?? Date.parse(record.lineage.createdAt)).toISOString(),
      source: version.source,
      record,
    };
  }

  private async toEntry(name: string, known: KnownVersion, aliases: string[]): Promise<ModelVersionEntry> {
    const { record } = known;
    const evaluation = await this.evaluation(name, known);
    return {
      name,
      version: known.version,
      createdAt: known.createdAt,
      modelType: record.modelType,
      flavour: record.flavour,
      runtime: record.runtime,
      metrics: record.metrics,
      lineage: record.lineage,
      aliases,
      artifactUri: known.source,
      ...(evaluation !== undefined ? { evaluation } : {}),
    };
  }

  /** Evaluation details are immutable per version: each is downloaded once per registry. */
  private evaluation(name: string, known: KnownVersion): Promise<JsonObject | undefined> {
    const path = known.record.evaluationPath;
    if (!path) return Promise.resolve(undefined);
    const key = `${name}@${known.version}`;
    let pending = this.evaluations.get(key);
    if (!pending) {
      pending = this.client.downloadArtifact(path).then((bytes) => parseEvaluation(bytes));
      pending.catch(() => this.evaluations.delete(key));
      this.evaluations.set(key, pending);
    }
    return pending;
  }
}

/** Part paths listed by a manifest, if it parses; unsafe paths are skipped (readArtifact rejects them). */
function listedParts(manifestBytes: Uint8Array): string[] {
  try {
    const manifest = JSON.parse(Buffer.from(manifestBytes).toString("utf8")) as {
      parts?: { path?: unknown }[];
    };
    return (manifest.parts ?? [])
      .map((part) => part?.path)
      .filter(
        (path): path is string =>
          typeof path === "string" && SAFE_RELATIVE_PATH.test(path) && path !== MANIFEST_FILE,
      );
  } catch {
    return [];
  }
}

function parseEvaluation(bytes: Uint8Array | undefined): JsonObject | undefined {
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as JsonObject)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The artifact must describe the version it was loaded for. */
function checkBelongs(label: string, entry: ModelVersionEntry, { manifest }: LoadedArtifact): void {
  const pairs: [string, unknown, unknown][] = [
    ["modelType", manifest.modelType, entry.modelType],
    ["flavour", manifest.flavour, entry.flavour],
    ["runtime", manifest.runtime, entry.runtime],
    ["lineage", JSON.stringify(manifest.lineage), JSON.stringify(entry.lineage)],
    ["metrics", JSON.stringify(manifest.metrics), JSON.stringify(entry.metrics)],
  ];
  for (const [field, artifact, expected] of pairs) {
    if (artifact !== expected) {
      throw new ArtifactIntegrityError(
        `The artifact loaded for ${label} does not belong to it: its ${field} is ${String(artifact)}, the registry says ${String(expected)}.`,
        { location: { field }, hint: RESTORE_HINT },
      );
    }
  }
}

function aliasesOf(snapshot: ModelSnapshot, version: number): string[] {
  return [...snapshot.aliases]
    .filter(([, target]) => target === version)
    .map(([alias]) => alias)
    .sort();
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
