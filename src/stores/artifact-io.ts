/**
 * Reads and writes model artifact folders:
 *
 * ```text
 * <dir>/manifest.json      ArtifactManifest, with a sha256 per part
 * <dir>/state.json         SerializedModel.state
 * <dir>/arrays/<i>.bin     one typed array each, raw little-endian bytes
 * ```
 *
 * Writing builds the whole folder beside `dir` and renames it into place, so a reader never sees
 * half an artifact. Reading trusts nothing: every part's size and checksum is verified, and typed
 * arrays are only constructed from a fixed whitelist of dtypes.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { TypedArray } from "../algorithms/matrix.ts";
import {
  ARTIFACT_FORMAT_VERSION,
  type ArtifactManifest,
  type ArtifactPart,
  type LoadedArtifact,
  type SerializedModel,
} from "../core/artifact-types.ts";
import { ArtifactIntegrityError, ConflictError, NotFoundError, UsageError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import { parseManifest } from "./artifact-manifest-schema.ts";
import { assertJsonObject } from "./json-values.ts";
import {
  bytesPerElement,
  DTYPE_NAMES,
  type DType,
  dtypeOf,
  fromLittleEndianBytes,
  isDType,
  toLittleEndianBytes,
} from "./typed-arrays.ts";

/** File names inside an artifact folder. */
export const MANIFEST_FILE = "manifest.json";
export const STATE_FILE = "state.json";

const DAMAGED_HINT =
  "The artifact was changed or damaged after it was written: restore it from a backup or re-train the model.";
/** Relative paths made of plain segments: no absolute paths, no `.`/`..`, no hidden files. */
const SAFE_PART_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

/**
 * Writes an artifact into the new folder `dir` and returns the complete manifest.
 *
 * @throws ConflictError if `dir` already exists (artifacts are immutable).
 * @throws UsageError if the manifest or state is not plain JSON, an array has an unsupported type,
 *   or `formatVersion` is not the one this engine writes.
 */
export async function writeArtifact(
  dir: string,
  manifest: Omit<ArtifactManifest, "parts">,
  model: SerializedModel,
): Promise<ArtifactManifest> {
  const target = resolve(dir);
  if (manifest.formatVersion !== ARTIFACT_FORMAT_VERSION) {
    throw new UsageError(
      `This engine writes artifact format ${ARTIFACT_FORMAT_VERSION}, but the manifest says ${manifest.formatVersion}.`,
      { location: { field: "formatVersion" } },
    );
  }
  const { parts: _ignored, ...header } = manifest as ArtifactManifest;
  assertJsonObject(header, "The artifact manifest");
  assertJsonObject(model.state, "The model state");
  const arrays = checkArrays(model.arrays);
  if (await pathExists(target)) {
    throw new ConflictError(`An artifact already exists at ${target}.`, {
      location: { file: target },
      hint: "Artifacts are never overwritten: write the new one to another folder.",
    });
  }

  await mkdir(dirname(target), { recursive: true });
  const temp = await mkdtemp(join(dirname(target), `.${basename(target)}.tmp-`));
  try {
    const parts: ArtifactPart[] = [
      await writePart(temp, STATE_FILE, Buffer.from(JSON.stringify(model.state))),
    ];
    if (arrays.length > 0) await mkdir(join(temp, "arrays"));
    for (const [index, { name, dtype, array }] of arrays.entries()) {
      const part = await writePart(temp, `arrays/${index}.bin`, toLittleEndianBytes(array));
      parts.push({ ...part, name, dtype, length: array.length });
    }
    const complete = { ...header, formatVersion: ARTIFACT_FORMAT_VERSION, parts } as ArtifactManifest;
    await writeSynced(join(temp, MANIFEST_FILE), Buffer.from(`${JSON.stringify(complete, null, 2)}\n`));
    if (arrays.length > 0) await syncDirectory(join(temp, "arrays"));
    await syncDirectory(temp);
    try {
      await rename(temp, target);
    } catch (error) {
      if (isErrno(error, "EEXIST") || isErrno(error, "ENOTEMPTY")) {
        throw new ConflictError(`An artifact already exists at ${target}.`, {
          location: { file: target },
          hint: "Another process wrote it at the same time; write to another folder.",
        });
      }
      throw error;
    }
    await syncDirectory(dirname(target));
    return complete;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Reads and verifies the artifact in `dir`.
 *
 * @throws NotFoundError if `dir` does not exist.
 * @throws ArtifactIntegrityError if the manifest is missing, unreadable, of an unknown or newer
 *   format, or any part is missing, has the wrong size or checksum, or an unknown dtype.
 */
export async function readArtifact(dir: string): Promise<LoadedArtifact> {
  const root = resolve(dir);
  const info = await stat(root).catch((error: unknown) => {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  });
  if (!info?.isDirectory()) {
    throw new NotFoundError(`No artifact folder at ${root}.`, {
      location: { file: root },
      hint: "Check the path, or resolve the model through the registry.",
    });
  }
  const manifest = await readManifest(root);
  checkParts(root, manifest.parts);

  let state: JsonObject | undefined;
  const arrays: [string, TypedArray][] = [];
  for (const part of manifest.parts) {
    const bytes = await readPart(root, part);
    if (part.name !== undefined) {
      arrays.push([part.name, fromLittleEndianBytes(part.dtype as DType, bytes, part.length!)]);
    } else if (part.path === STATE_FILE) {
      state = parseState(root, bytes);
    }
  }
  // Object.fromEntries defines own properties, so an array named "__proto__" cannot touch the prototype.
  return { manifest, model: { state: state!, arrays: Object.fromEntries(arrays) } };
}

interface ArrayToWrite {
  name: string;
  dtype: string;
  array: TypedArray;
}

function checkArrays(arrays: SerializedModel["arrays"]): ArrayToWrite[] {
  if (typeof arrays !== "object" || arrays === null || Array.isArray(arrays)) {
    throw new UsageError("The model's `arrays` must be an object of named typed arrays.");
  }
  return Object.entries(arrays).map(([name, array]) => {
    const dtype = dtypeOf(array);
    if (!dtype) {
      const found = (array as object | null)?.constructor?.name ?? String(array);
      throw new UsageError(
        `Model array "${name}" is a ${found}; artifacts hold only ${DTYPE_NAMES.join(", ")}.`,
        {
          location: { field: `arrays.${name}` },
        },
      );
    }
    return { name, dtype, array };
  });
}

async function writePart(dir: string, path: string, bytes: Uint8Array): Promise<ArtifactPart> {
  await writeSynced(join(dir, path), bytes);
  return { path, sha256: sha256(bytes), bytes: bytes.byteLength };
}

/** Writes and fsyncs, so the rename that publishes the folder never exposes unflushed data. */
async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, "wx");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes directory entries; not supported everywhere (Windows), where it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the data files themselves are already synced.
  }
}

async function readManifest(root: string): Promise<ArtifactManifest> {
  const file = join(root, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error;
    throw new ArtifactIntegrityError(`The artifact at ${root} has no ${MANIFEST_FILE}.`, {
      location: { file },
      hint: DAMAGED_HINT,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ArtifactIntegrityError(`${MANIFEST_FILE} is not valid JSON (${(error as Error).message}).`, {
      location: { file },
      hint: DAMAGED_HINT,
    });
  }
  const formatVersion = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof formatVersion !== "number" || !Number.isSafeInteger(formatVersion) || formatVersion < 1) {
    throw new ArtifactIntegrityError(
      `${MANIFEST_FILE} has no valid formatVersion (expected a positive integer, got ${JSON.stringify(formatVersion)}).`,
      { location: { file, field: "formatVersion" }, hint: DAMAGED_HINT },
    );
  }
  if (formatVersion > ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactIntegrityError(
      `The artifact was written by a newer engine (artifact format ${formatVersion}; this engine reads format ${ARTIFACT_FORMAT_VERSION} and older).`,
      {
        location: { file, field: "formatVersion" },
        hint: "Upgrade model-pipeline to load this artifact, or re-train the model with this version.",
      },
    );
  }
  const parsed = parseManifest(raw);
  if (!parsed.ok) {
    throw new ArtifactIntegrityError(`${MANIFEST_FILE} is malformed: ${parsed.message}.`, {
      location: { file, field: parsed.field || undefined },
      hint: DAMAGED_HINT,
    });
  }
  return parsed.manifest;
}

/** Structural checks on the part list, before any file is read. */
function checkParts(root: string, parts: readonly ArtifactPart[]): void {
  const manifestFile = join(root, MANIFEST_FILE);
  const fail = (index: number, message: string): never => {
    throw new ArtifactIntegrityError(`${MANIFEST_FILE}: ${message}`, {
      location: { file: manifestFile, field: `parts[${index}]` },
      hint: DAMAGED_HINT,
    });
  };
  const paths = new Set<string>();
  const names = new Set<string>();
  let hasState = false;
  parts.forEach((part, index) => {
    if (!SAFE_PART_PATH.test(part.path))
      fail(index, `part path "${part.path}" is not a plain relative path.`);
    if (part.path === MANIFEST_FILE) fail(index, `the manifest cannot list itself as a part.`);
    if (paths.has(part.path)) fail(index, `part "${part.path}" is listed twice.`);
    paths.add(part.path);
    if (part.path === STATE_FILE && part.name === undefined) hasState = true;
    if (part.name === undefined) return;
    if (names.has(part.name)) fail(index, `array "${part.name}" is listed twice.`);
    names.add(part.name);
    if (!isDType(part.dtype)) {
      fail(
        index,
        `array "${part.name}" has dtype ${JSON.stringify(part.dtype)}; expected one of ${DTYPE_NAMES.join(", ")}.`,
      );
    }
    if (part.length === undefined) fail(index, `array "${part.name}" has no length.`);
    const expected = part.length! * bytesPerElement(part.dtype as DType);
    if (part.bytes !== expected) {
      fail(
        index,
        `array "${part.name}" is ${part.bytes} bytes, but ${part.length} × ${part.dtype} needs ${expected}.`,
      );
    }
  });
  if (!hasState) {
    throw new ArtifactIntegrityError(`${MANIFEST_FILE} lists no ${STATE_FILE} part.`, {
      location: { file: manifestFile, field: "parts" },
      hint: DAMAGED_HINT,
    });
  }
}

async function readPart(root: string, part: ArtifactPart): Promise<Uint8Array> {
  const file = join(root, part.path);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if (!isErrno(error, "ENOENT") && !isErrno(error, "EISDIR")) throw error;
    throw new ArtifactIntegrityError(
      `Artifact part ${part.path} is missing (expected ${part.bytes} bytes).`,
      {
        location: { file },
        hint: DAMAGED_HINT,
      },
    );
  }
  if (bytes.byteLength !== part.bytes) {
    throw new ArtifactIntegrityError(
      `Artifact part ${part.path} is ${bytes.byteLength} bytes; the manifest expects ${part.bytes}.`,
      { location: { file }, hint: DAMAGED_HINT },
    );
  }
  const actual = sha256(bytes);
  if (actual !== part.sha256) {
    throw new ArtifactIntegrityError(
      `Artifact part ${part.path} fails its checksum: expected sha256 ${part.sha256}, found ${actual}.`,
      { location: { file }, hint: DAMAGED_HINT },
    );
  }
  return bytes;
}

function parseState(root: string, bytes: Uint8Array): JsonObject {
  const file = join(root, STATE_FILE);
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch (error) {
    throw new ArtifactIntegrityError(`${STATE_FILE} is not valid JSON (${(error as Error).message}).`, {
      location: { file },
      hint: DAMAGED_HINT,
    });
  }
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw new ArtifactIntegrityError(`${STATE_FILE} must hold a JSON object.`, {
      location: { file },
      hint: DAMAGED_HINT,
    });
  }
  return state as JsonObject;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return false;
    throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === code;
}
