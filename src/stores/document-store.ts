/**
 * The engine's metadata store: versioned JSON documents (setups, dataset metadata) and plain
 * keyed records (registry entries, aliases, run records), grouped in named collections.
 * Implementations must be safe for several CLI processes writing at the same time.
 */
import type { JsonObject } from "../core/json.ts";

/** One immutable version of a named document. */
export interface VersionedDocument<T extends JsonObject = JsonObject> {
  name: string;
  /** 1, 2, 3, … without gaps per (collection, name). */
  version: number;
  /** ISO-8601 time the version was written. */
  createdAt: string;
  body: T;
}

/** Preconditions for {@link DocumentStore.putVersion}. */
export interface PutVersionOptions {
  /** Fail with ConflictError if the name already has a version. */
  create?: boolean;
  /** Fail with NotFoundError if the name has no version yet. */
  update?: boolean;
}

/** A keyed record as returned by `list`. */
export interface StoredRecord {
  key: string;
  value: JsonObject;
}

/**
 * A synchronous view of the store inside one write transaction. Everything read sees the
 * transaction's own writes; everything written commits together or not at all. Only valid while
 * the transaction callback runs.
 */
export interface DocumentTransaction {
  get(collection: string, key: string): JsonObject | undefined;
  put(collection: string, key: string, value: JsonObject): void;
  remove(collection: string, key: string): boolean;
  /** Records whose key starts with `prefix`, sorted by key. */
  list(collection: string, prefix?: string): StoredRecord[];
  getVersion(collection: string, name: string, version?: number): VersionedDocument | undefined;
  putVersion(
    collection: string,
    name: string,
    body: JsonObject,
    options?: PutVersionOptions,
  ): VersionedDocument;
  listVersions(collection: string, name: string): number[];
}

/**
 * Versioned documents and keyed records. Collection names, document names and keys are
 * non-empty strings without control characters; values must be plain JSON (no NaN, no typed
 * arrays — those throw UsageError instead of being silently mangled).
 */
export interface DocumentStore {
  /**
   * Appends a new version (latest+1, from 1), atomically across processes. With `{ create: true }`
   * fails with ConflictError if the name exists; with `{ update: true }` fails with NotFoundError if
   * it does not.
   */
  putVersion(
    collection: string,
    name: string,
    body: JsonObject,
    options?: PutVersionOptions,
  ): Promise<VersionedDocument>;
  /** The given version, or the latest when `version` is omitted; undefined if absent. */
  getVersion(collection: string, name: string, version?: number): Promise<VersionedDocument | undefined>;
  /** The latest version of every document in the collection, sorted by name. */
  listLatest(collection: string): Promise<VersionedDocument[]>;
  /** Version numbers of a document, ascending; empty if the name is unknown. */
  listVersions(collection: string, name: string): Promise<number[]>;
  /** Creates or replaces an unversioned record (registry entries, aliases, run records). */
  put(collection: string, key: string, value: JsonObject): Promise<void>;
  get(collection: string, key: string): Promise<JsonObject | undefined>;
  /** Deletes a record; false if it did not exist. */
  remove(collection: string, key: string): Promise<boolean>;
  /** Records whose key starts with `prefix` (all when omitted), sorted by key. */
  list(collection: string, prefix?: string): Promise<StoredRecord[]>;
  /**
   * Runs `fn` in one write transaction, serialised with every other writer in any process. `fn`
   * must be synchronous; if it throws, nothing it wrote is kept and the error is rethrown.
   */
  transaction<T>(fn: (tx: DocumentTransaction) => T): Promise<T>;
  /** Releases the store; later calls fail. */
  close(): Promise<void>;
}
