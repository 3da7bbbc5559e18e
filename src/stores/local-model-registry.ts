/**
 * {@link ModelRegistry} on the local disk: artifacts under `<root>/artifacts/<name>/<version>/`,
 * entries and aliases as records in a {@link DocumentStore}.
 *
 * Registering is three steps, so concurrent processes get distinct versions and a crash leaves
 * nothing half-visible:
 * 1. in one transaction, reserve `latest+1` as a `pending` record;
 * 2. write the artifact to a temp folder and rename it into place (see artifact-io);
 * 3. in one transaction, turn the record `ready`.
 * Readers ignore pending records. A failure in 2 or 3 removes the reservation and the folder; a
 * crash leaves a pending record, which only costs a version number.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Lineage, LoadedArtifact } from "../core/artifact-types.ts";
import { ArtifactIntegrityError, NotFoundError, UsageError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import { readArtifact, writeArtifact } from "./artifact-io.ts";
import type { DocumentStore, DocumentTransaction, StoredRecord } from "./document-store.ts";
import { assertJsonObject } from "./json-values.ts";
import {
  checkAliasName,
  checkModelName,
  type ModelRegistry,
  type ModelVersionEntry,
  parseModelRef,
  type RegisterRequest,
  unknownAliasError,
  unknownModelError,
  unknownVersionError,
} from "./model-registry.ts";

/** Document-store collection of version records, keyed `<name>/<zero-padded version>`. */
export const MODELS_COLLECTION = "models";
/** Document-store collection of aliases, keyed `<name>/<alias>`. */
export const ALIASES_COLLECTION = "model-aliases";

/** Stored form of a version. `pending` records are reservations of a registration in progress. */
interface VersionRecord {
  status: "pending" | "ready";
  name: string;
  version: number;
  reservedAt: string;
  createdAt?: string;
  modelType?: string;
  flavour?: string;
  runtime?: string;
  metrics?: Record<string, number>;
  lineage?: Lineage;
  evaluation?: JsonObject;
}

type ReadyRecord = Required<Omit<VersionRecord, "evaluation">> & { evaluation?: JsonObject };

interface AliasRecord {
  name: string;
  alias: string;
  version: number;
}

/** What one model has: ready versions ascending and alias → version. */
interface ModelSnapshot {
  versions: ReadyRecord[];
  aliases: Map<string, number>;
}

const RESTORE_HINT = "Restore the artifact folder from a backup, or re-train and register the model again.";

export interface LocalModelRegistryOptions {
  /** Workspace root; artifacts go to `<root>/artifacts`. */
  root: string;
  /** Where entries and aliases are kept (shared with the rest of the engine). */
  store: DocumentStore;
}

/** The model registry of a local workspace. */
export class LocalModelRegistry implements ModelRegistry {
  readonly kind = "local";
  readonly root: string;
  private readonly store: DocumentStore;

  constructor(options: LocalModelRegistryOptions) {
    this.root = resolve(options.root);
    this.store = options.store;
  }

  /** The folder holding a version's artifact. */
  artifactDir(name: string, version: number): string {
    return join(this.root, "artifacts", name, String(version));
  }

  async register(request: RegisterRequest): Promise<ModelVersionEntry> {
    const { name, evaluation } = request;
    checkModelName(name);
    // Validate before reserving, so bad input does not cost a version number.
    if (evaluation !== undefined) assertJsonObject(evaluation, "The evaluation details");

    const version = await this.store.transaction((tx) => this.reserveVersion(tx, name));
    const dir = this.artifactDir(name, version);
    let wroteArtifact = false;
    try {
      const manifest = await writeArtifact(dir, request.manifest, request.model);
      wroteArtifact = true;
      const record: ReadyRecord = {
        status: "ready",
        name,
        version,
        reservedAt: new Date().toISOString(),
        createdAt: new Date().toISOString(),
        modelType: manifest.modelType,
        flavour: manifest.flavour,
        runtime: manifest.runtime,
        metrics: manifest.metrics,
        lineage: manifest.lineage,
        ...(evaluation !== undefined ? { evaluation } : {}),
      };
      await this.store.transaction((tx) => {
        const reserved = tx.get(MODELS_COLLECTION, versionKey(name, version)) as VersionRecord | undefined;
        record.reservedAt = reserved?.reservedAt ?? record.reservedAt;
        tx.put(MODELS_COLLECTION, versionKey(name, version), record as unknown as JsonObject);
      });
      return this.toEntry(record, []);
    } catch (error) {
      // Nothing was published: drop what this call created; the version number may be reused.
      if (wroteArtifact) await rm(dir, { recursive: true, force: true }).catch(() => {});
      await this.store
        .transaction((tx) => {
          const record = tx.get(MODELS_COLLECTION, versionKey(name, version)) as VersionRecord | undefined;
          if (record?.status === "pending") tx.remove(MODELS_COLLECTION, versionKey(name, version));
        })
        .catch(() => {});
      throw error;
    }
  }

  async resolve(ref: string): Promise<ModelVersionEntry> {
    const { name, version, alias } = parseModelRef(ref);
    const snapshot = await this.snapshot(name);
    const { versions, aliases } = snapshot;
    if (versions.length === 0) throw await this.unknownModel(name);
    const latest = versions[versions.length - 1];
    if (version !== undefined) {
      const found = versions.find((record) => record.version === version);
      if (!found)
        throw unknownVersionError(
          name,
          version,
          versions.map((record) => record.version),
        );
      return this.toEntry(found, aliasesOf(snapshot, version));
    }
    if (alias !== undefined) {
      const target = aliases.get(alias);
      const found = versions.find((record) => record.version === target);
      if (!found) throw unknownAliasError(name, alias, aliases, latest.version);
      return this.toEntry(found, aliasesOf(snapshot, found.version));
    }
    return this.toEntry(latest, aliasesOf(snapshot, latest.version));
  }

  async load(entry: ModelVersionEntry): Promise<LoadedArtifact> {
    const label = `${entry.name}@${entry.version}`;
    if (!entry.artifactUri.startsWith("file:")) {
      throw new UsageError(`The local registry cannot load ${label} from ${entry.artifactUri}.`, {
        hint: "Load the entry with the registry that resolved it.",
      });
    }
    const dir = fileURLToPath(entry.artifactUri);
    let loaded: LoadedArtifact;
    try {
      loaded = await readArtifact(dir);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      throw new ArtifactIntegrityError(`The artifact of ${label} is missing: no folder ${dir}.`, {
        location: { file: dir },
        hint: RESTORE_HINT,
        cause: error,
      });
    }
    const mismatch = findMismatch(entry, loaded);
    if (mismatch) {
      throw new ArtifactIntegrityError(
        `The artifact in ${dir} does not belong to ${label}: its ${mismatch.field} is ${mismatch.artifact}, the registry says ${mismatch.entry}.`,
        { location: { file: dir, field: mismatch.field }, hint: RESTORE_HINT },
      );
    }
    return loaded;
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    checkModelName(name);
    checkAliasName(alias);
    checkVersion(version);
    await this.store.transaction((tx) => {
      const versions = readyVersions(tx.list(MODELS_COLLECTION, `${name}/`));
      if (versions.length === 0) throw unknownModelFrom(name, tx.list(MODELS_COLLECTION));
      if (!versions.some((record) => record.version === version))
        throw unknownVersionError(
          name,
          version,
          versions.map((record) => record.version),
        );
      const record: AliasRecord = { name, alias, version };
      tx.put(ALIASES_COLLECTION, aliasKey(name, alias), record as unknown as JsonObject);
    });
  }

  async removeAlias(name: string, alias: string): Promise<void> {
    checkModelName(name);
    checkAliasName(alias);
    await this.store.transaction((tx) => {
      if (tx.remove(ALIASES_COLLECTION, aliasKey(name, alias))) return;
      const versions = readyVersions(tx.list(MODELS_COLLECTION, `${name}/`));
      if (versions.length === 0) throw unknownModelFrom(name, tx.list(MODELS_COLLECTION));
      const aliases = aliasMap(tx.list(ALIASES_COLLECTION, `${name}/`));
      throw unknownAliasError(name, alias, aliases, versions[versions.length - 1].version);
    });
  }

  async listModels(): Promise<ModelVersionEntry[]> {
    const [records, aliasRecords] = await Promise.all([
      this.store.list(MODELS_COLLECTION),
      this.store.list(ALIASES_COLLECTION),
    ]);
    const latest = new Map<string, ReadyRecord>();
    // Keys sort by name then zero-padded version, so the last ready record per name is the latest.
    for (const record of readyVersions(records)) latest.set(record.name, record);
    const aliases = aliasMap(aliasRecords, true);
    return [...latest.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((record) =>
        this.toEntry(record, aliasesOf({ versions: [], aliases }, record.version, `${record.name}/`)),
      );
  }

  async listVersions(name: string): Promise<ModelVersionEntry[]> {
    checkModelName(name);
    const snapshot = await this.snapshot(name);
    if (snapshot.versions.length === 0) throw await this.unknownModel(name);
    return snapshot.versions.map((record) => this.toEntry(record, aliasesOf(snapshot, record.version)));
  }

  /** Picks the next free version and records it as pending (inside the caller's transaction). */
  private reserveVersion(tx: DocumentTransaction, name: string): number {
    let version = 1;
    for (const { value } of tx.list(MODELS_COLLECTION, `${name}/`)) {
      version = Math.max(version, (value as unknown as VersionRecord).version + 1);
    }
    // A folder left behind (e.g. the store was reset but artifacts were kept) is never overwritten.
    while (existsSync(this.artifactDir(name, version))) version++;
    const record: VersionRecord = { status: "pending", name, version, reservedAt: new Date().toISOString() };
    tx.put(MODELS_COLLECTION, versionKey(name, version), record as unknown as JsonObject);
    return version;
  }

  private async snapshot(name: string): Promise<ModelSnapshot> {
    const [records, aliasRecords] = await Promise.all([
      this.store.list(MODELS_COLLECTION, `${name}/`),
      this.store.list(ALIASES_COLLECTION, `${name}/`),
    ]);
    return { versions: readyVersions(records), aliases: aliasMap(aliasRecords) };
  }

  private async unknownModel(name: string): Promise<NotFoundError> {
    return unknownModelFrom(name, await this.store.list(MODELS_COLLECTION));
  }

  private toEntry(record: ReadyRecord, aliases: string[]): ModelVersionEntry {
    return {
      name: record.name,
      version: record.version,
      createdAt: record.createdAt,
      modelType: record.modelType,
      flavour: record.flavour,
      runtime: record.runtime,
      metrics: record.metrics,
      lineage: record.lineage,
      aliases,
      // Derived from the current root, so a moved workspace keeps working.
      artifactUri: pathToFileURL(this.artifactDir(record.name, record.version)).href,
      ...(record.evaluation !== undefined ? { evaluation: record.evaluation } : {}),
    };
  }
}

/** Zero-padded so keys sort by version. */
function versionKey(name: string, version: number): string {
  return `${name}/${String(version).padStart(10, "0")}`;
}

function aliasKey(name: string, alias: string): string {
  return `${name}/${alias}`;
}

function readyVersions(records: readonly StoredRecord[]): ReadyRecord[] {
  return records
    .map(({ value }) => value as unknown as VersionRecord)
    .filter((record): record is ReadyRecord => record.status === "ready");
}

/** alias → version; with `qualified`, keyed `<name>/<alias>` across models. */
function aliasMap(records: readonly StoredRecord[], qualified = false): Map<string, number> {
  const map = new Map<string, number>();
  for (const { key, value } of records) {
    const record = value as unknown as AliasRecord;
    map.set(qualified ? key : record.alias, record.version);
  }
  return map;
}

/** Sorted aliases pointing at `version`; `prefix` strips qualified keys. */
function aliasesOf(snapshot: ModelSnapshot, version: number, prefix = ""): string[] {
  const names: string[] = [];
  for (const [key, target] of snapshot.aliases) {
    if (target === version && key.startsWith(prefix)) names.push(key.slice(prefix.length));
  }
  return names.sort();
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new UsageError(`A model version must be a whole number from 1, got ${version}.`);
  }
}

function unknownModelFrom(name: string, records: readonly StoredRecord[]): NotFoundError {
  return unknownModelError(name, [...new Set(readyVersions(records).map((record) => record.name))].sort());
}

function findMismatch(
  entry: ModelVersionEntry,
  { manifest }: LoadedArtifact,
): { field: string; artifact: string; entry: string } | undefined {
  const pairs: [string, unknown, unknown][] = [
    ["modelType", manifest.modelType, entry.modelType],
    ["flavour", manifest.flavour, entry.flavour],
    ["runtime", manifest.runtime, entry.runtime],
  ];
  for (const key of Object.keys({ ...manifest.lineage, ...entry.lineage }) as (keyof Lineage)[]) {
    pairs.push([`lineage.${key}`, manifest.lineage[key], entry.lineage[key]]);
  }
  for (const key of Object.keys({ ...manifest.metrics, ...entry.metrics })) {
    pairs.push([`metrics.${key}`, manifest.metrics[key], entry.metrics[key]]);
  }
  for (const [field, artifact, expected] of pairs) {
    if (artifact !== expected) {
      return { field, artifact: JSON.stringify(artifact), entry: JSON.stringify(expected) };
    }
  }
  return undefined;
}
