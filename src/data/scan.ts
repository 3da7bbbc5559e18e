/**
 * Streams CSV or Parquet files as validated, columnar frames.
 *
 * Each file is one streaming DuckDB query (see projection.ts) read chunk by chunk, so memory stays
 * flat however large the input is. Rows keep file order, then row order within a file.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from "@duckdb/node-api";
import { BadDataError, DatasetSchemaError, UsageError } from "../core/errors.ts";
import { openDuckDB } from "./duckdb.ts";
import { type Column, categoryColumn, type Frame, numberColumn, stringColumn } from "./frame.ts";
import { FrameBuilder } from "./frame-builder.ts";
import type { ColumnSpec } from "./metadata.ts";
import { buildProjection, type Projection, problemError, ROW_END, ROW_OK } from "./projection.ts";
import { describeSource, missingTexts, readError, type Source } from "./source.ts";
import { closestName } from "./suggest.ts";

/** What to read and how. */
export interface ScanOptions {
  /** Files in reading order, e.g. from `resolveInputFiles`; all CSV or all Parquet. */
  files: readonly string[];
  /** Exactly these columns are produced, in this order; other columns in the files are ignored. */
  columns: readonly ColumnSpec[];
  /** Texts meaning missing, default `["", "NA"]`; an empty field is always missing. */
  missingValues?: readonly string[];
  /** Rows per yielded frame, default 65 536 (the last frame may be shorter). */
  chunkRows?: number;
  /**
   * Receives notices such as `data/x.csv: ignoring 3 extra columns: Name, Ticket, Cabin`, one per
   * file once the file has been read without error (so a failing read reports only its error).
   */
  onNotice?: (message: string) => void;
  /** Columns that may be present without being read (e.g. a dataset's target at prediction); not noticed. */
  knownColumns?: readonly string[];
  /** Stops the scan; the generator then throws the signal's reason. */
  signal?: AbortSignal;
}

/** Default rows per frame. */
export const DEFAULT_CHUNK_ROWS = 65_536;

/**
 * Yields the rows of `files` as frames of `chunkRows` rows with exactly the requested columns.
 * Values are validated as they stream: the first invalid cell stops the scan with an error naming
 * the file, data row (1-based, header not counted) and column. Frames yielded before an error
 * hold only valid rows. No frame is yielded for an input without rows.
 *
 * DuckDB is opened per scan and closed when the generator finishes, throws or is returned early.
 *
 * @throws DatasetSchemaError when a file lacks a requested column.
 * @throws BadDataError for an unparsable value, a category outside its levels, a malformed or
 *   empty file.
 * @throws UsageError for invalid options.
 */
export async function* scanFrames(options: ScanOptions): AsyncGenerator<Frame> {
  const columns = checkColumns(options.columns);
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1) {
    throw new UsageError(`chunkRows must be a positive whole number, got ${chunkRows}`);
  }
  if (options.files.length === 0) throw new UsageError("no input files to scan");
  const missing = missingTexts(options.missingValues);
  const { signal } = options;
  signal?.throwIfAborted();

  const session = await openDuckDB();
  const { connection } = session;
  // Interrupting makes a pending fetch return at once; the loop then sees the abort.
  const interrupt = () => connection.interrupt();
  signal?.addEventListener("abort", interrupt);
  try {
    const builder = new FrameBuilder(columns, chunkRows);
    for (const file of options.files) {
      signal?.throwIfAborted();
      const source = await describeSource(connection, file, missing);
      const positions = locateColumns(source, columns);
      const projection = buildProjection(source, columns, positions, missing);
      yield* scanFile(connection, source, projection, columns, builder, signal);
      const notice = extraColumnsNotice(source, columns, options.knownColumns);
      if (notice) options.onNotice?.(notice);
    }
    const last = builder.finish();
    if (last) yield last;
  } finally {
    signal?.removeEventListener("abort", interrupt);
    session.close();
  }
}

/** Reads all rows into one frame (for data that fits in memory, e.g. training sets). */
export async function readFrame(options: ScanOptions): Promise<Frame> {
  // One unbounded frame grows by doubling, which copies less than concatenating chunks.
  for await (const frame of scanFrames({ ...options, chunkRows: Number.MAX_SAFE_INTEGER })) return frame;
  return emptyFrame(options.columns);
}

async function* scanFile(
  connection: DuckDBConnection,
  source: Source,
  projection: Projection,
  columns: readonly ColumnSpec[],
  builder: FrameBuilder,
  signal: AbortSignal | undefined,
): AsyncGenerator<Frame> {
  let result: DuckDBResult;
  try {
    result = await connection.stream(projection.sql);
  } catch (error) {
    signal?.throwIfAborted();
    throw readError(source.file, error);
  }
  let rowsRead = 0;
  let ended = false;
  // The next chunk is fetched while the current one is checked, copied and consumed: DuckDB
  // produces it on a libuv thread, so the overlap hides most of each fetch's round trip. Only
  // one fetch is ever outstanding, and none while another query runs on the connection.
  let next: Promise<DuckDBDataChunk | null> | undefined = result.fetchChunk();
  try {
    for (;;) {
      signal?.throwIfAborted();
      let chunk: DuckDBDataChunk | null;
      try {
        chunk = await next;
      } catch (error) {
        signal?.throwIfAborted();
        throw readError(source.file, error);
      } finally {
        next = undefined;
      }
      if (!chunk || chunk.rowCount === 0) break;
      if (ended) throw new Error(`${source.file}: DuckDB returned rows after the end marker`);
      const check = checkChunk(chunk, projection.badIndex);
      if (check.badCode !== undefined) {
        const row = rowsRead + check.rows;
        const text =
          projection.badTextIndex === undefined
            ? await badCellText(connection, projection, row)
            : (chunk.getColumnVector(projection.badTextIndex).getItem(check.rows) as string | null);
        throw problemError(source.file, row + 1, check.badCode, text, columns);
      }
      ended = check.rows < chunk.rowCount;
      next = result.fetchChunk();
      for (const frame of builder.append(chunk, 0, check.rows)) {
        yield frame;
        // One DuckDB chunk may complete many small frames; stop between them, too.
        signal?.throwIfAborted();
      }
      rowsRead += check.rows;
    }
  } finally {
    // Closing the connection under a running fetch is not safe: let it finish first.
    await next?.catch(() => null);
  }
  signal?.throwIfAborted();
  const complete = projection.endMarker ? ended : rowsRead === source.rowCount;
  if (!complete) throw await explainEarlyEnd(connection, source.file, projection, rowsRead);
}

/**
 * How many leading rows of `chunk` are good data: all of them, or up to the end marker, or up
 * to the first bad row, whose `__bad` code is then returned too.
 */
function checkChunk(chunk: DuckDBDataChunk, badIndex: number): { rows: number; badCode?: number } {
  const bad = chunk.getColumnVector(badIndex);
  const n = chunk.rowCount;
  // The INTEGER vector's items, read in bulk (the code is never NULL); getItem is the fallback.
  const items = (bad as unknown as { items?: unknown }).items;
  const codes = items instanceof Int32Array ? items : undefined;
  for (let i = 0; i < n; i++) {
    const code = codes ? codes[i] : (bad.getItem(i) as number);
    if (code === ROW_OK) continue;
    if (code === ROW_END) return { rows: i };
    return { rows: i, badCode: code };
  }
  return { rows: n };
}

/** The text of the bad cell in the 0-based data row `row`, as read from the file. */
async function badCellText(
  connection: DuckDBConnection,
  projection: Projection,
  row: number,
): Promise<string | null> {
  const rows = (await connection.runAndReadAll(projection.badTextSql(row))).getRows();
  const text = rows[0]?.[0];
  return text === null || text === undefined ? null : String(text);
}

/** The stream stopped without its end marker: re-run the query to get DuckDB's error. */
async function explainEarlyEnd(
  connection: DuckDBConnection,
  file: string,
  projection: Projection,
  rowsRead: number,
): Promise<Error> {
  try {
    await connection.run(`SELECT count(*), min(__bad) FROM (${projection.body})`);
  } catch (error) {
    return readError(file, error);
  }
  return new BadDataError(`reading stopped after row ${rowsRead} without an explanation from DuckDB`, {
    location: { file, row: rowsRead + 1 },
    hint: "check that the file is complete and readable, then try again",
  });
}

function checkColumns(columns: readonly ColumnSpec[]): readonly ColumnSpec[] {
  if (columns.length === 0) throw new UsageError("no columns requested");
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column.name)) throw new UsageError(`column "${column.name}" is requested twice`);
    seen.add(column.name);
    if (column.type === "category" && !column.categories?.length) {
      throw new UsageError(`category column "${column.name}" has no categories`, {
        location: { column: column.name },
        hint: 'list the allowed values in "categories"',
      });
    }
  }
  return columns;
}

/**
 * The index in `source.columns` of each requested column.
 *
 * @throws DatasetSchemaError when a column is absent or its name appears twice in the file.
 */
function locateColumns(source: Source, columns: readonly ColumnSpec[]): number[] {
  const byName = new Map<string, number[]>();
  source.columns.forEach((column, i) => {
    const list = byName.get(column.name);
    if (list) list.push(i);
    else byName.set(column.name, [i]);
  });
  const names = source.columns.map((c) => c.name);
  const positions = columns.map((spec) => {
    const found = byName.get(spec.name);
    if (!found) {
      const close = closestName(spec.name, names);
      throw new DatasetSchemaError(
        `no such column; the file has ${names.length} columns: ${names.join(", ")}`,
        {
          location: { file: source.file, column: spec.name },
          hint: close
            ? `did you mean "${close}"? Column names must match exactly, including case`
            : "check the column names in the dataset metadata against the file's header",
        },
      );
    }
    if (found.length > 1) {
      throw new DatasetSchemaError(`the column name appears ${found.length} times in the file's header`, {
        location: { file: source.file, column: spec.name },
        hint: "give every column of the file a distinct name",
      });
    }
    return found[0];
  });
  return positions;
}

/** The notice naming the file's columns that were not requested, if there are any. */
function extraColumnsNotice(
  source: Source,
  columns: readonly ColumnSpec[],
  known: readonly string[] = [],
): string | undefined {
  return extraColumnsMessage(
    source.file,
    source.columns.map((c) => c.name),
    columns,
    known,
  );
}

/**
 * The notice naming a file's columns (`names`) that were neither requested nor known, if any:
 * `data/x.csv: ignoring 3 extra columns: Name, Ticket, Cabin`.
 */
export function extraColumnsMessage(
  file: string,
  names: readonly string[],
  columns: readonly ColumnSpec[],
  known: readonly string[] = [],
): string | undefined {
  const wanted = new Set([...columns.map((c) => c.name), ...known]);
  const extra = names.filter((name) => !wanted.has(name));
  if (extra.length === 0) return undefined;
  const shown = extra.length > 20 ? `${extra.slice(0, 20).join(", ")}, …` : extra.join(", ");
  return `${file}: ignoring ${extra.length} extra ${extra.length === 1 ? "column" : "columns"}: ${shown}`;
}

/** A frame with the requested columns and no rows. */
export function emptyFrame(columns: readonly ColumnSpec[]): Frame {
  const map = new Map<string, Column>();
  for (const spec of columns) {
    if (spec.type === "category")
      map.set(spec.name, categoryColumn(new Int32Array(0), spec.categories ?? []));
    else if (spec.type === "string") map.set(spec.name, stringColumn([]));
    else map.set(spec.name, numberColumn(new Float64Array(0)));
  }
  return { rowCount: 0, columns: map };
}
