/**
 * {@link DocumentStore} on an embedded LMDB environment (lmdb-js). LMDB allows one writer at a
 * time across every process that opens the folder, so each write runs in `transactionSync`:
 * read-compute-write sequences such as "latest version + 1" cannot interleave with another CLI
 * process and no update is lost.
 *
 * Layout (one database, ordered array keys, JSON values):
 * - `["r", collection, key]` → record value
 * - `["v", collection, name, version]` → {@link VersionedDocument}
 * - `["l", collection, name]` → `{ version }`, the latest version, kept in the same transaction
 */
import { mkdirSync } from "node:fs";
import { type Key, open, type RootDatabase } from "lmdb";
import { ConflictError, NotFoundError, UsageError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type {
  DocumentStore,
  DocumentTransaction,
  PutVersionOptions,
  StoredRecord,
  VersionedDocument,
} from "./document-store.ts";
import { assertJsonObject } from "./json-values.ts";

/** LMDB keys are limited to ~2 KB; two parts of this size plus the tag stay well below. */
const MAX_PART_BYTES = 512;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Opens (creating if needed) the LMDB store in `dir`. Several processes may open the same folder. */
export function openLmdbDocumentStore(dir: string): LmdbDocumentStore {
  mkdirSync(dir, { recursive: true });
  const db = open<JsonObject, Key>({ path: dir, encoding: "json", compression: false, cache: false });
  return new LmdbDocumentStore(dir, db);
}

/** A {@link DocumentStore} backed by an LMDB environment folder. */
export class LmdbDocumentStore implements DocumentStore {
  readonly dir: string;
  private db: RootDatabase<JsonObject, Key> | undefined;

  /** Use {@link openLmdbDocumentStore}. */
  constructor(dir: string, db: RootDatabase<JsonObject, Key>) {
    this.dir = dir;
    this.db = db;
  }

  async putVersion(
    collection: string,
    name: string,
    body: JsonObject,
    options?: PutVersionOptions,
  ): Promise<VersionedDocument> {
    return this.transactionSync((tx) => tx.putVersion(collection, name, body, options));
  }

  async getVersion(
    collection: string,
    name: string,
    version?: number,
  ): Promise<VersionedDocument | undefined> {
    return this.read((view) => view.getVersion(collection, name, version));
  }

  async listLatest(collection: string): Promise<VersionedDocument[]> {
    return this.read((view) => view.listLatest(collection));
  }

  async listVersions(collection: string, name: string): Promise<number[]> {
    return this.read((view) => view.listVersions(collection, name));
  }

  async put(collection: string, key: string, value: JsonObject): Promise<void> {
    this.transactionSync((tx) => tx.put(collection, key, value));
  }

  async get(collection: string, key: string): Promise<JsonObject | undefined> {
    return this.read((view) => view.get(collection, key));
  }

  async remove(collection: string, key: string): Promise<boolean> {
    return this.transactionSync((tx) => tx.remove(collection, key));
  }

  async list(collection: string, prefix?: string): Promise<StoredRecord[]> {
    return this.read((view) => view.list(collection, prefix));
  }

  async transaction<T>(fn: (tx: DocumentTransaction) => T): Promise<T> {
    return this.transactionSync(fn);
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  private open(): RootDatabase<JsonObject, Key> {
    if (!this.db) throw new Error(`The document store in ${this.dir} is closed.`);
    return this.db;
  }

  /** Runs a read against a fresh snapshot, so commits by other processes are seen. */
  private read<T>(fn: (view: LmdbView) => T): T {
    const db = this.open();
    db.resetReadTxn();
    return fn(new LmdbView(db));
  }

  private transactionSync<T>(fn: (tx: DocumentTransaction) => T): T {
    const db = this.open();
    const view = new LmdbView(db);
    try {
      return db.transactionSync(() => {
        const result = fn(view);
        if (isThenable(result)) {
          // The LMDB write lock must not be held across awaits; throwing aborts the transaction.
          result.then(undefined, () => {});
          throw new UsageError("A document store transaction callback must be synchronous.", {
            hint: "Do async work (file I/O, network) before or after the transaction.",
          });
        }
        return result;
      });
    } finally {
      view.expire();
    }
  }
}

/** Synchronous operations on the database; inside `transactionSync` they use the write transaction. */
class LmdbView implements DocumentTransaction {
  private active = true;

  constructor(private readonly db: RootDatabase<JsonObject, Key>) {}

  /** Called when the transaction ends, so a leaked view cannot write outside it. */
  expire(): void {
    this.active = false;
  }

  get(collection: string, key: string): JsonObject | undefined {
    this.check();
    return this.db.get(["r", checkPart("collection", collection), checkPart("key", key)]);
  }

  put(collection: string, key: string, value: JsonObject): void {
    this.check();
    const recordKey = ["r", checkPart("collection", collection), checkPart("key", key)];
    assertJsonObject(value, `record "${key}" in "${collection}"`);
    this.db.putSync(recordKey, value);
  }

  remove(collection: string, key: string): boolean {
    this.check();
    return this.db.removeSync(["r", checkPart("collection", collection), checkPart("key", key)]);
  }

  list(collection: string, prefix = ""): StoredRecord[] {
    this.check();
    checkPart("collection", collection);
    if (typeof prefix !== "string") throw new UsageError("A list prefix must be a string.");
    const records: StoredRecord[] = [];
    // Keys sharing a prefix are contiguous, so stop at the first key past it.
    for (const { key, value } of this.db.getRange({ start: ["r", collection, prefix] })) {
      if (!Array.isArray(key) || key[0] !== "r" || key[1] !== collection) break;
      const recordKey = key[2];
      if (typeof recordKey !== "string" || !recordKey.startsWith(prefix)) break;
      records.push({ key: recordKey, value });
    }
    return records.sort((a, b) => compareStrings(a.key, b.key));
  }

  getVersion(collection: string, name: string, version?: number): VersionedDocument | undefined {
    this.check();
    checkPart("collection", collection);
    checkPart("name", name);
    if (version === undefined) {
      const latest = this.latestVersion(collection, name);
      if (latest === 0) return undefined;
      version = latest;
    } else if (!Number.isSafeInteger(version) || version < 1) {
      throw new UsageError(`A document version must be a positive integer, got ${version}.`);
    }
    return this.db.get(["v", collection, name, version]) as VersionedDocument | undefined;
  }

  putVersion(
    collection: string,
    name: string,
    body: JsonObject,
    options: PutVersionOptions = {},
  ): VersionedDocument {
    this.check();
    checkPart("collection", collection);
    checkPart("name", name);
    assertJsonObject(body, `document "${name}" in "${collection}"`);
    if (options.create && options.update) {
      throw new UsageError("putVersion takes either `create` or `update`, not both.");
    }
    const latest = this.latestVersion(collection, name);
    if (options.create && latest > 0) {
      throw new ConflictError(
        `Document "${name}" in "${collection}" already exists (latest version ${latest}).`,
        { hint: "Choose another name, or add a new version of the existing document as an update." },
      );
    }
    if (options.update && latest === 0) {
      throw new NotFoundError(`Document "${name}" in "${collection}" does not exist.`, {
        hint: "Create it first, or check the name's spelling.",
      });
    }
    const document: VersionedDocument = {
      name,
      version: latest + 1,
      createdAt: new Date().toISOString(),
      body,
    };
    this.db.putSync(["v", collection, name, document.version], document as unknown as JsonObject);
    this.db.putSync(["l", collection, name], { version: document.version });
    return document;
  }

  listVersions(collection: string, name: string): number[] {
    this.check();
    checkPart("collection", collection);
    checkPart("name", name);
    const versions: number[] = [];
    const range = this.db.getKeys({
      start: ["v", collection, name, 0],
      end: ["v", collection, name, Number.MAX_SAFE_INTEGER],
      inclusiveEnd: true,
    });
    for (const key of range) {
      if (Array.isArray(key) && key[2] === name && typeof key[3] === "number") versions.push(key[3]);
    }
    return versions;
  }

  /** Latest version of every document in a collection, sorted by name. */
  listLatest(collection: string): VersionedDocument[] {
    this.check();
    checkPart("collection", collection);
    const documents: VersionedDocument[] = [];
    for (const { key, value } of this.db.getRange({ start: ["l", collection, ""] })) {
      if (!Array.isArray(key) || key[0] !== "l" || key[1] !== collection) break;
      const document = this.db.get(["v", collection, key[2] as string, value.version as number]);
      if (document) documents.push(document as unknown as VersionedDocument);
    }
    return documents.sort((a, b) => compareStrings(a.name, b.name));
  }

  private latestVersion(collection: string, name: string): number {
    const pointer = this.db.get(["l", collection, name]);
    return typeof pointer?.version === "number" ? pointer.version : 0;
  }

  private check(): void {
    if (!this.active) throw new Error("This document transaction has already ended.");
  }
}

function checkPart(what: string, value: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new UsageError(`A ${what} must be a non-empty string, got ${JSON.stringify(value)}.`);
  }
  if (CONTROL_CHARS.test(value)) {
    throw new UsageError(`The ${what} ${JSON.stringify(value)} contains control characters.`);
  }
  if (Buffer.byteLength(value) > MAX_PART_BYTES) {
    throw new UsageError(`The ${what} "${value.slice(0, 40)}…" is longer than ${MAX_PART_BYTES} bytes.`);
  }
  return value;
}

/** Code-unit order, the same on every machine (unlike `localeCompare`). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}
