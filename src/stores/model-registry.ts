/**
 * The model registry contract: numbered, immutable model versions with movable aliases.
 * Implementations: {@link ../stores/local-model-registry.ts} (files + document store); an MLflow
 * registry later. Both must pass `model-registry.conformance.ts`.
 */
import type { ArtifactManifest, Lineage, LoadedArtifact, SerializedModel } from "../core/artifact-types.ts";
import { NotFoundError, UsageError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";

/** One registered model version, as listed and resolved. */
export interface ModelVersionEntry {
  name: string;
  version: number;
  /** ISO-8601 time of registration. */
  createdAt: string;
  modelType: string;
  flavour: string;
  runtime: string;
  metrics: Record<string, number>;
  lineage: Lineage;
  /** Aliases currently pointing at this version, sorted. */
  aliases: string[];
  /** Where the artifact lives (a `file:` URL for the local registry). */
  artifactUri: string;
  /** Evaluation details recorded at training (chart material). */
  evaluation?: JsonObject;
}

/** What {@link ModelRegistry.register} stores. */
export interface RegisterRequest {
  name: string;
  manifest: Omit<ArtifactManifest, "parts">;
  model: SerializedModel;
  evaluation?: JsonObject;
}

/** A store of model versions. References are `name` (latest), `name@3` or `name@alias`. */
export interface ModelRegistry {
  /** Which implementation this is, e.g. `"local"`. */
  readonly kind: string;
  /**
   * Stores the artifact as the next version (latest+1, from 1) of `request.name`. Concurrent
   * registrations, also from other processes, get distinct versions; a failure part-way leaves
   * no visible version.
   */
  register(request: RegisterRequest): Promise<ModelVersionEntry>;
  /** Finds a version by reference; NotFoundError listing what exists (models, versions or aliases). */
  resolve(ref: string): Promise<ModelVersionEntry>;
  /** Reads and verifies the version's artifact, checking it matches the entry. */
  load(entry: ModelVersionEntry): Promise<LoadedArtifact>;
  /** Points `alias` at `version`, moving it if it pointed elsewhere. */
  setAlias(name: string, alias: string, version: number): Promise<void>;
  /** Removes an alias; NotFoundError if it is not set. */
  removeAlias(name: string, alias: string): Promise<void>;
  /** The latest version of every model, sorted by name. */
  listModels(): Promise<ModelVersionEntry[]>;
  /** All versions of a model, ascending; NotFoundError for an unknown model. */
  listVersions(name: string): Promise<ModelVersionEntry[]>;
}

/** A parsed model reference: exactly one of `version` / `alias`, or neither for the latest. */
export interface ModelRef {
  name: string;
  version?: number;
  alias?: string;
}

/** Model names are setup names: kebab-case. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** Alias names: kebab-case words. */
export const ALIAS_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 100;
const REF_HINT = "Model references look like 'name' (latest version), 'name@3' or 'name@champion'.";

/**
 * Parses `name`, `name@<version>` or `name@<alias>`. `name@latest` means the latest version.
 *
 * @throws UsageError for a malformed reference.
 */
export function parseModelRef(ref: string): ModelRef {
  if (typeof ref !== "string" || ref.length === 0) {
    throw new UsageError("A model reference must be a non-empty string.", { hint: REF_HINT });
  }
  const at = ref.indexOf("@");
  const name = at === -1 ? ref : ref.slice(0, at);
  checkModelName(name, `in the model reference "${ref}"`);
  if (at === -1) return { name };
  const suffix = ref.slice(at + 1);
  if (/^\d+$/.test(suffix)) {
    const version = Number(suffix);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new UsageError(`Model version "${suffix}" in "${ref}" must be a whole number from 1.`, {
        hint: REF_HINT,
      });
    }
    return { name, version };
  }
  if (suffix === "latest") return { name };
  if (!ALIAS_PATTERN.test(suffix) || suffix.length > MAX_NAME_LENGTH) {
    throw new UsageError(
      `"${suffix}" in the model reference "${ref}" is neither a version number nor an alias.`,
      {
        hint: `${REF_HINT} Aliases are kebab-case (lower-case letters, digits, dashes).`,
      },
    );
  }
  return { name, alias: suffix };
}

/** Formats a reference back: `name`, `name@3` or `name@alias`. */
export function formatModelRef(ref: ModelRef): string {
  if (ref.version !== undefined) return `${ref.name}@${ref.version}`;
  if (ref.alias !== undefined) return `${ref.name}@${ref.alias}`;
  return ref.name;
}

/** @throws UsageError unless `name` is a kebab-case model name of at most 100 characters. */
export function checkModelName(name: string, context = ""): void {
  if (typeof name !== "string" || !MODEL_NAME_PATTERN.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new UsageError(`Invalid model name ${JSON.stringify(name)}${context ? ` ${context}` : ""}.`, {
      hint: "Model names use lower-case letters, digits and dashes (kebab-case), up to 100 characters.",
    });
  }
}

/**
 * @throws UsageError unless `alias` is kebab-case, not all digits (it would read as a version) and
 *   not reserved: `latest` and `v<digits>` are reserved, as in MLflow.
 */
export function checkAliasName(alias: string): void {
  const valid =
    typeof alias === "string" &&
    ALIAS_PATTERN.test(alias) &&
    alias.length <= MAX_NAME_LENGTH &&
    !/^\d+$/.test(alias) &&
    alias !== "latest" &&
    !/^v\d+$/.test(alias);
  if (!valid) {
    throw new UsageError(`Invalid alias ${JSON.stringify(alias)}.`, {
      hint: "Aliases are kebab-case words such as 'champion' or 'prod-eu'; not all digits, not 'latest' or 'v<number>'.",
    });
  }
}

/** NotFoundError for a model name that does not exist, listing the registered ones. */
export function unknownModelError(name: string, registered: readonly string[]): NotFoundError {
  const existing =
    registered.length === 0
      ? "No models are registered yet."
      : `Registered models: ${listForMessage(registered)}.`;
  return new NotFoundError(`No model named "${name}". ${existing}`, {
    hint: "Check the spelling; a model is registered under its setup's name when the setup is trained.",
  });
}

/** NotFoundError for a version a model does not have, listing the versions it has (ascending). */
export function unknownVersionError(
  name: string,
  version: number,
  versions: readonly number[],
): NotFoundError {
  const latest = versions[versions.length - 1];
  return new NotFoundError(
    `Model "${name}" has no version ${version}. Versions: ${listForMessage(versions.map(String))}.`,
    {
      hint: `Use "${name}" for the latest version (${latest}), or one of the versions listed.`,
    },
  );
}

/** NotFoundError for an alias a model does not have, listing its aliases. */
export function unknownAliasError(
  name: string,
  alias: string,
  aliases: ReadonlyMap<string, number>,
  latest: number,
): NotFoundError {
  const known = [...aliases]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, version]) => `${key} → ${version}`);
  const existing = known.length === 0 ? "It has no aliases." : `Aliases: ${listForMessage(known)}.`;
  return new NotFoundError(`Model "${name}" has no alias "${alias}". ${existing}`, {
    hint: `Point the alias at a version first, or use a version number such as "${name}@${latest}".`,
  });
}

/** Lists at most 20 items, so a message stays readable. */
export function listForMessage(items: readonly string[]): string {
  return items.length <= 20
    ? items.join(", ")
    : `${items.slice(0, 20).join(", ")}, … (${items.length} in all)`;
}
