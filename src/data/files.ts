/**
 * Which files a dataset argument names, what format they are in, and a content fingerprint.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { NotFoundError, UsageError } from "../core/errors.ts";
import { sqlString, withDuckDB } from "./duckdb.ts";
import { closestName } from "./suggest.ts";

/** The tabular file formats the data layer reads and writes. */
export type FileFormat = "csv" | "parquet";

/** File-name extensions per format, as shown in messages. */
export const SUPPORTED_EXTENSIONS: Readonly<Record<FileFormat, string>> = {
  csv: ".csv",
  parquet: ".parquet",
};

/** The format a file name implies (case-insensitive extension), or undefined. */
export function fileFormatOf(path: string): FileFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".parquet") return "parquet";
  return undefined;
}

const GLOB_CHARS = /[*?[]/;

/**
 * Expands a file path or glob (`data/part-*.csv`, `data/**\/*.parquet`) into the files it names,
 * sorted by path (plain code-unit order, so `part-10` sorts before `part-2`; zero-pad numbers to
 * keep the natural order). All files must be CSV or all Parquet.
 *
 * @throws NotFoundError when the path does not exist or the glob matches nothing.
 * @throws UsageError for a directory, an unsupported extension or a mix of formats.
 */
export async function resolveInputFiles(pathOrGlob: string): Promise<string[]> {
  if (pathOrGlob.trim() === "")
    throw new UsageError("no input file given", { hint: "pass a .csv or .parquet path" });
  const files = GLOB_CHARS.test(pathOrGlob)
    ? await expandGlob(pathOrGlob)
    : [await checkSingleFile(pathOrGlob)];
  checkFormats(pathOrGlob, files);
  return files;
}

async function checkSingleFile(path: string): Promise<string> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    if (isMissing(error)) {
      throw new NotFoundError("no such file", {
        location: { file: path },
        hint: await missingFileHint(path),
        cause: error,
      });
    }
    throw error;
  }
  if (info.isDirectory()) {
    throw new UsageError("this is a folder, not a file", {
      location: { file: path },
      hint: `to read every CSV file in it, pass "${join(path, "*.csv")}"`,
    });
  }
  return path;
}

async function expandGlob(pattern: string): Promise<string[]> {
  // DuckDB's glob() is the same matcher its readers use, and handles `**` and `[...]`.
  const matched = await withDuckDB(async ({ connection }) => {
    const reader = await connection.runAndReadAll(`SELECT file FROM glob(${sqlString(pattern)})`);
    return reader.getColumns()[0]?.map(String) ?? [];
  });
  const files: string[] = [];
  for (const file of matched) {
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile()) files.push(file);
  }
  if (files.length === 0) {
    throw new NotFoundError("no files match the pattern", {
      location: { file: pattern },
      hint: await noMatchHint(pattern),
    });
  }
  return files.sort(compareCodeUnits);
}

function checkFormats(pathOrGlob: string, files: readonly string[]): void {
  const supported = Object.values(SUPPORTED_EXTENSIONS).join(" or ");
  const formats = new Set<FileFormat>();
  for (const file of files) {
    const format = fileFormatOf(file);
    if (!format) {
      throw new UsageError(`unsupported file type "${extname(file) || "(none)"}"`, {
        location: { file },
        hint: `datasets must be ${supported} files`,
      });
    }
    formats.add(format);
  }
  if (formats.size > 1) {
    throw new UsageError("the pattern matches both CSV and Parquet files", {
      location: { file: pathOrGlob },
      hint: `narrow the pattern so that all files are ${supported}, e.g. end it in "*.csv"`,
    });
  }
}

async function missingFileHint(path: string): Promise<string> {
  const dir = dirname(path);
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return `the folder "${dir}" does not exist either (relative paths start at ${process.cwd()})`;
  const close = closestName(basename(path), entries);
  return close
    ? `did you mean "${join(dir, close)}"?`
    : `check the path (relative paths start at ${process.cwd()})`;
}

async function noMatchHint(pattern: string): Promise<string> {
  // The folder is the part of the pattern before the first segment with a wildcard.
  const segments = pattern.split(/[\\/]/);
  const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
  const dir = segments.slice(0, firstGlob).join("/") || ".";
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return `the folder "${dir}" does not exist`;
  if (entries.length === 0) return `the folder "${dir}" is empty`;
  const shown = entries.sort(compareCodeUnits).slice(0, 10);
  const more = entries.length > shown.length ? `, … (${entries.length} in all)` : "";
  return `"${dir}" contains: ${shown.join(", ")}${more}`;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * A fingerprint of the files' contents: `"sha256:<hex>"` over their bytes concatenated in the
 * given order (names and timestamps are not included, so a copy fingerprints the same, and a
 * single file's fingerprint equals its `sha256sum`). Files are streamed, never loaded whole.
 */
export async function fingerprintFiles(files: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const file of files) {
    try {
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    } catch (error) {
      if (isMissing(error)) {
        throw new NotFoundError("no such file", { location: { file }, cause: error });
      }
      throw error;
    }
  }
  return `sha256:${hash.digest("hex")}`;
}
