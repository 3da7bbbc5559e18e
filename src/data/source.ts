/**
 * One input file as DuckDB sees it: its columns, the SQL that reads it, and how each column's
 * values become text or numbers. The scanner and the metadata inference share this, so a
 * proposed metadata document reads back exactly as it was inferred.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { BadDataError, NotFoundError, UsageError } from "../core/errors.ts";
import { readCsvHeader } from "./csv-header.ts";
import { explainDuckDBError, sqlIdent, sqlString, sqlStringList } from "./duckdb.ts";
import { type FileFormat, fileFormatOf, SUPPORTED_EXTENSIONS } from "./files.ts";

/** A column of an input file. */
export interface SourceColumn {
  /** The name in the file's header or schema. */
  readonly name: string;
  /** SQL that refers to the column in {@link Source.from}. */
  readonly ref: string;
  /** DuckDB's type name: always `VARCHAR` for CSV (values are validated here, not sniffed). */
  readonly type: string;
}

/** How to read one file. */
export interface Source {
  readonly file: string;
  readonly format: FileFormat;
  /** In file order. */
  readonly columns: readonly SourceColumn[];
  /** A table expression for the FROM clause. */
  readonly from: string;
  /**
   * The number of data rows, when the file states it (Parquet's footer); a scan checks that it
   * read them all. Otherwise (CSV) the scan's query ends with a marker row instead.
   */
  readonly rowCount?: number;
}

/** Texts that mean missing: always the empty field, plus the caller's list, without repeats. */
export function missingTexts(missingValues: readonly string[] | undefined): string[] {
  return [...new Set(["", ...(missingValues ?? ["NA"])])];
}

/**
 * Reads a file's header (CSV) or schema (Parquet) and returns how to query it.
 * CSV columns get positional aliases (`c0`, `c1`, …) so that empty or repeated header names
 * cannot break the SQL; the texts in `missing` are read as NULL.
 *
 * @throws BadDataError for an empty or unreadable file.
 */
export async function describeSource(
  connection: DuckDBConnection,
  file: string,
  missing: readonly string[],
): Promise<Source> {
  const format = fileFormatOf(file);
  if (format === "csv") return describeCsv(file, missing);
  if (format === "parquet") return describeParquet(connection, file);
  throw new UsageError("unsupported file type", {
    location: { file },
    hint: `datasets must be ${Object.values(SUPPORTED_EXTENSIONS).join(" or ")} files`,
  });
}

async function describeCsv(file: string, missing: readonly string[]): Promise<Source> {
  let header: string[] | null;
  try {
    header = await readCsvHeader(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NotFoundError("no such file", { location: { file }, cause: error });
    }
    throw error;
  }
  if (!header) {
    throw new BadDataError("the file is empty", {
      location: { file },
      hint: "a CSV file needs a header row naming its columns, followed by one row per record",
    });
  }
  const columns = header.map((name, i) => ({ name, ref: `c${i}`, type: "VARCHAR" }));
  const types = columns.map((c) => `${sqlString(c.ref)}: 'VARCHAR'`).join(", ");
  // Everything is explicit: no sniffing, strict RFC 4180 quoting, every value read as text.
  const from =
    `read_csv(${sqlString(file)}, auto_detect = false, header = true, delim = ',', quote = '"', ` +
    `escape = '"', strict_mode = true, columns = {${types}}, nullstr = ${sqlStringList(missing)})`;
  return { file, format: "csv", columns, from };
}

async function describeParquet(connection: DuckDBConnection, file: string): Promise<Source> {
  const from = `read_parquet(${sqlString(file)})`;
  let rows: unknown[][];
  try {
    rows = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRows();
  } catch (error) {
    throw readError(file, error);
  }
  const columns = rows.map(([name, type]) => ({
    name: String(name),
    ref: sqlIdent(String(name)),
    type: String(type),
  }));
  let rowCount: number;
  try {
    const [[count]] = (
      await connection.runAndReadAll(`SELECT sum(num_rows) FROM parquet_file_metadata(${sqlString(file)})`)
    ).getRows();
    rowCount = Number(count);
  } catch (error) {
    throw readError(file, error);
  }
  return { file, format: "parquet", columns, from, rowCount };
}

/**
 * Turns an error DuckDB raised while reading `queriedFile` into the engine's error: bad data as
 * BadDataError (with the 1-based data row for CSV), anything else as an internal Error.
 */
export function readError(queriedFile: string, error: unknown): Error {
  const problem = explainDuckDBError(error);
  // A query over several files fails in one of them, which DuckDB names for CSV.
  const file = problem.file ?? queriedFile;
  if (problem.line !== undefined) {
    const row = problem.line - 1;
    const quoted = problem.excerpt ? ` (the row reads ${JSON.stringify(problem.excerpt)})` : "";
    return new BadDataError(`malformed row: ${readableCsvProblem(problem.explanation)}${quoted}`, {
      location: { file, row },
      hint: csvHint(problem.explanation),
      cause: error,
    });
  }
  if (/No files found/i.test(problem.explanation)) {
    return new NotFoundError("no such file", { location: { file }, cause: error });
  }
  if (problem.kind === "Invalid Input" || problem.kind === "IO" || problem.kind === "Conversion") {
    return new BadDataError(`cannot read the file: ${problem.explanation}`, {
      location: { file },
      hint:
        fileFormatOf(file) === "parquet"
          ? "check that the file is a complete Parquet file (it may be truncated or still being written)"
          : "check that the file is a complete, comma-separated UTF-8 CSV file",
      cause: error,
    });
  }
  // Anything else is a fault here or in DuckDB (a binder error in the SQL built here, an
  // INTERNAL error), not in the data.
  return new Error(`DuckDB failed reading ${file}: ${problem.explanation}`, { cause: error });
}

function readableCsvProblem(explanation: string): string {
  const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(explanation);
  if (counts) return `expected ${counts[1]} fields (as in the header), found ${counts[2]}`;
  return explanation.replace(/\.$/, "").replace(/^./, (c) => c.toLowerCase());
}

function csvHint(explanation: string): string {
  if (/unterminated quote/i.test(explanation)) {
    return 'a field that starts with " must end with "; write a quote inside a quoted field as ""';
  }
  if (/Number of Columns/i.test(explanation)) {
    return "every row needs as many fields as the header; put fields that contain commas in double quotes";
  }
  if (/unicode|utf-8/i.test(explanation)) return "save the file with UTF-8 encoding";
  return "export the file again as standard CSV (comma-separated, RFC 4180 quoting)";
}

const INTEGER_TYPES = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
  "UBIGINT",
  "UHUGEINT",
]);
const FLOAT_TYPES = new Set(["FLOAT", "DOUBLE"]);

/** Whether a DuckDB type holds whole numbers only. */
export function isIntegerType(type: string): boolean {
  return INTEGER_TYPES.has(type);
}

/** Whether a DuckDB type holds numbers that may have a fraction. */
export function isFractionalType(type: string): boolean {
  return FLOAT_TYPES.has(type) || type.startsWith("DECIMAL");
}

/**
 * SQL for a column's value with missing texts made NULL. CSV does this while reading; a Parquet
 * text column may still hold e.g. "NA".
 */
export function inputExpr(column: SourceColumn, missing: readonly string[]): string {
  if (column.type !== "VARCHAR" || missing.length === 0) return column.ref;
  return `CASE WHEN ${column.ref} IN (${missing.map(sqlString).join(", ")}) THEN NULL ELSE ${column.ref} END`;
}

/**
 * SQL that turns an {@link inputExpr} value into a DOUBLE: NULL when a text does not parse, and
 * undefined when the column's type cannot hold numbers at all (dates, lists, …).
 */
export function numberExpr(column: SourceColumn, input: string): string | undefined {
  if (column.type === "VARCHAR") return `TRY_CAST(${input} AS DOUBLE)`;
  if (isIntegerType(column.type) || isFractionalType(column.type) || column.type === "BOOLEAN") {
    return `CAST(${input} AS DOUBLE)`;
  }
  return undefined;
}

/**
 * SQL that turns an {@link inputExpr} value into the text a category level is compared with.
 * Whole floats print without a fraction ("1", not "1.0") and NaN counts as missing, so a number
 * stored as DOUBLE in Parquet matches the level its CSV form would.
 */
export function textExpr(column: SourceColumn, input: string): string {
  if (column.type === "VARCHAR") return input;
  if (isFractionalType(column.type)) {
    const x = `CAST(${input} AS DOUBLE)`;
    return (
      `CASE WHEN isnan(${x}) THEN NULL ` +
      `WHEN ${x} = trunc(${x}) AND abs(${x}) < 1e15 THEN CAST(CAST(${x} AS BIGINT) AS VARCHAR) ` +
      `ELSE CAST(${x} AS VARCHAR) END`
    );
  }
  return `CAST(${input} AS VARCHAR)`;
}
