/**
 * The engine's reporting operations: a model version's HTML report, a side-by-side comparison
 * of model versions, and dataset profiles. They read only the registry, the artifacts and the
 * document store (and, for profiles, the dataset's file); the CLI prints what they return.
 */
import path from "node:path";
import { EngineError, NotFoundError, UsageError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import { resolveInputFiles } from "../data/files.ts";
import { inferMetadata } from "../data/infer.ts";
import { DatasetMetadata, type DatasetProfile } from "../data/metadata.ts";
import { profileFiles } from "../data/profile.ts";
import type { FeatureImportance } from "../reports/charts/classification-charts.ts";
import { compareModels, type ModelComparison } from "../reports/compare.ts";
import { buildModelReport, type ModelReport } from "../reports/model-report.ts";
import { buildProfilePage } from "../reports/profile-page.ts";
import { writeFileAtomically } from "../reports/write-file.ts";
import type { ModelVersionEntry } from "../stores/model-registry.ts";
import type { Engine } from "./engine.ts";
import { ENGINE_VERSION } from "./version.ts";
import { COLLECTIONS } from "./workspace.ts";

/** What {@link writeModelReport} wrote. */
export interface ModelReportResult extends Omit<ModelReport, "html"> {
  entry: ModelVersionEntry;
  /** Absolute path of the HTML file. */
  out: string;
}

/** Writes the report of a model version to `out` (default `<home>/reports/<name>@<version>.html`). */
export async function writeModelReport(
  engine: Engine,
  ref: string,
  out?: string,
): Promise<ModelReportResult> {
  const entry = await engine.registry.resolve(ref);
  const target = path.resolve(out ?? path.join(engine.paths.reports, `${entry.name}@${entry.version}.html`));
  const { setup, importance, notes } = await readModelArtifact(engine, entry);
  const report = await buildModelReport({ entry, setup, importance, notes, engineVersion: ENGINE_VERSION });
  await writeFileAtomically(target, report.html);
  const { html: _html, ...rest } = report;
  return { ...rest, entry, out: target };
}

/** Compares the metrics of two or more model versions (see {@link compareModels}). */
export async function compareModelVersions(
  engine: Engine,
  refs: readonly string[],
): Promise<ModelComparison> {
  if (refs.length < 2) {
    throw new UsageError(`a comparison needs at least two models, got ${refs.length}`, {
      hint: "e.g. 'mpipe models compare titanic-logreg titanic-gbdt' or 'mpipe models compare titanic-gbdt@1 titanic-gbdt@2'.",
    });
  }
  const inputs = [];
  for (const ref of refs) {
    const entry = await engine.registry.resolve(ref);
    const { setup } = await readModelArtifact(engine, entry);
    const evaluation = setup?.evaluation;
    inputs.push({
      entry,
      evaluation:
        evaluation && typeof evaluation === "object" && !Array.isArray(evaluation) ? evaluation : null,
    });
  }
  return compareModels(inputs);
}

/**
 * The setup and feature importance of a model version, read from its artifact (verified on
 * load); the setup falls back to the document store. Problems become notes for the page, not
 * failures: a report of the registry entry is still worth having.
 */
async function readModelArtifact(
  engine: Engine,
  entry: ModelVersionEntry,
): Promise<{ setup?: JsonObject; importance?: FeatureImportance; notes: string[] }> {
  const notes: string[] = [];
  try {
    const artifact = await engine.registry.load(entry);
    const model = engine.pipelines.get(entry.modelType).factory.restore(artifact);
    return { setup: artifact.manifest.setup, importance: featureImportanceOf(model), notes };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    notes.push(`The model's artifact could not be used (${error.message}); feature importance is not shown.`);
  }
  try {
    const stored = await engine.getSetup(`${entry.lineage.setupName}@${entry.lineage.setupVersion}`);
    return { setup: stored.body, notes };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { notes };
  }
}

/** Feature importance, for model types that offer it (a `featureImportance()` method). */
function featureImportanceOf(model: unknown): FeatureImportance | undefined {
  const candidate = model as { featureImportance?: () => FeatureImportance | undefined };
  return typeof candidate.featureImportance === "function" ? candidate.featureImportance() : undefined;
}

/** Options of {@link profileDataset}. */
export interface ProfileDatasetOptions {
  /** The data to profile for a dataset NAME (default: the built-in dataset's bundled file). */
  data?: string;
  /** The HTML profile (default `<home>/reports/datasets/<name>.html`). */
  out?: string;
}

/** What {@link profileDataset} did. */
export interface ProfileDatasetResult {
  /** The dataset metadata the profile belongs to; absent when a bare file was profiled. */
  dataset?: {
    name: string;
    /** The metadata version holding this profile. */
    version: number;
    /** Whether a new metadata version was written (false when the data's profile was already stored). */
    stored: boolean;
  };
  profile: DatasetProfile;
  /** Absolute path of the HTML profile. */
  out: string;
  charts: { id: string; title: string }[];
}

/**
 * Profiles a dataset by NAME (its metadata's columns and types; the bundled file or `--data`),
 * storing the profile as a new version of the metadata, or a file by PATH (types inferred as
 * `datasets infer` would; nothing stored). Writes the HTML profile either way.
 */
export async function profileDataset(
  engine: Engine,
  target: string,
  options: ProfileDatasetOptions = {},
): Promise<ProfileDatasetResult> {
  const named = await findDataset(engine, target);
  if (!named) {
    if (options.data) {
      throw new NotFoundError(`unknown dataset "${target}"`, {
        hint: `Known datasets: ${(await engine.listDatasets()).map((d) => d.name).join(", ")}. Without --data, pass a file path instead of a name.`,
      });
    }
    return profileFile(engine, target, options.out);
  }
  const { name, version, latest, metadata } = named;
  const files = await resolveInputFiles(options.data ?? bundledFile(engine, name));
  const profile = await profileFiles({
    files,
    columns: metadata.columns,
    missingValues: metadata.missingValues,
  });

  // A profile is stored on the latest version only: storing one made from an older version
  // would bring that version's columns back as the newest.
  let storedVersion = version;
  let stored = false;
  if (version === latest && metadata.profile?.fingerprint !== profile.fingerprint) {
    const body = DatasetMetadata.parse({ ...metadata, profile });
    const doc = await engine.store.putVersion(
      COLLECTIONS.datasets,
      name,
      JSON.parse(JSON.stringify(body)) as JsonObject,
    );
    storedVersion = doc.version;
    stored = true;
  }
  const out = path.resolve(options.out ?? path.join(engine.paths.reports, "datasets", `${name}.html`));
  const page = await buildProfilePage({
    profile,
    dataset: `${name}@${storedVersion}`,
    description: metadata.description,
    engineVersion: ENGINE_VERSION,
  });
  await writeFileAtomically(out, page.html);
  return { dataset: { name, version: storedVersion, stored }, profile, out, charts: page.charts };
}

async function profileFile(
  engine: Engine,
  target: string,
  out: string | undefined,
): Promise<ProfileDatasetResult> {
  let files: string[];
  try {
    files = await resolveInputFiles(target);
  } catch (error) {
    if (error instanceof NotFoundError && /^[a-z0-9][a-z0-9-]*(@[0-9]+)?$/.test(target)) {
      const known = (await engine.listDatasets()).map((d) => d.name);
      throw new NotFoundError(`no dataset or file named "${target}"`, {
        hint: `Known datasets: ${known.join(", ") || "none"}; or pass the path of a CSV or Parquet file.`,
      });
    }
    throw error;
  }
  // Types as `datasets infer` proposes them, so the profile reads the file as training would.
  const inferred = DatasetMetadata.parse(await inferMetadata(target, "profiled-file"));
  const profile = await profileFiles({
    files,
    columns: inferred.columns,
    missingValues: inferred.missingValues,
  });
  // A bare file has no roles; the inferred ones are only a proposal.
  for (const column of profile.columns) delete column.role;
  const base = path.basename(files[0]).replace(/\.[^.]+$/, "");
  const outFile = path.resolve(out ?? path.join(engine.paths.reports, "datasets", `${base}.html`));
  const page = await buildProfilePage({ profile, engineVersion: ENGINE_VERSION });
  await writeFileAtomically(outFile, page.html);
  return { profile, out: outFile, charts: page.charts };
}

async function findDataset(
  engine: Engine,
  ref: string,
): Promise<{ name: string; version: number; latest: number; metadata: DatasetMetadata } | undefined> {
  const match = /^([a-z0-9][a-z0-9-]*)(?:@([1-9][0-9]*))?$/.exec(ref);
  if (!match) return undefined;
  const versions = await engine.store.listVersions(COLLECTIONS.datasets, match[1]);
  if (versions.length === 0) return undefined;
  const doc = await engine.getDataset(ref);
  return { name: doc.name, version: doc.version, latest: Math.max(...versions), metadata: doc.metadata };
}

function bundledFile(engine: Engine, name: string): string {
  for (const pipeline of engine.pipelines.list()) {
    const bundled = pipeline.builtinDatasets.find((d) => d.metadata.name === name);
    if (bundled) return bundled.file;
  }
  throw new UsageError(`dataset "${name}" has no bundled file to profile`, {
    hint: `Name the data with --data PATH, e.g. 'mpipe datasets profile ${name} --data ${name}.csv'.`,
  });
}
