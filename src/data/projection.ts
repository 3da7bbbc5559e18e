/**
 * The SQL that turns one input file into the requested columns, with validation done in the same
 * pass: every row carries a `__bad` code naming its first invalid cell, so the scanner finds a
 * bad row by reading one int column, and fetches the offending text only for that row.
 */
import { BadDataError, DatasetSchemaError } from "../core/errors.ts";
import { sqlStringList } from "./duckdb.ts";
import type { ColumnSpec } from "./metadata.ts";
import { inputExpr, numberExpr, type Source, type SourceColumn, textExpr } from "./source.ts";

/** What is wrong with a cell; the `__bad` code is `columnIndex * PROBLEM_SLOTS + problem`. */
export const Problem = { NotANumber: 1, NotWhole: 2, NotALevel: 3, Infinite: 4 } as const;
export type Problem = (typeof Problem)[keyof typeof Problem];
const PROBLEM_SLOTS = 8;

/** `__bad` of a valid row. */
export const ROW_OK = -1;
/**
 * `__bad` of the end-marker row appended after the last row. A streaming DuckDB result that fails
 * half-way ends exactly like a finished one (the C API returns no chunk and the Node binding does
 * not expose the error), so a scan that did not see this row did not read the whole file.
 */
export const ROW_END = -2;

/** Category code of a text that is not one of the levels (only ever seen with a `__bad` code). */
const NOT_A_LEVEL_CODE = -2;

/** A query over one file, and where its bookkeeping columns are. */
export interface Projection {
  /** The rows in file order, then (for a source without a row count) the end marker. */
  readonly sql: string;
  /** The rows without the end marker (to re-run when the stream stopped early). */
  readonly body: string;
  /** Result column of the `__bad` code; the requested columns are 0 … badIndex-1, in order. */
  readonly badIndex: number;
  /** Result column holding the text of a bad row's bad cell, when the stream carries it. */
  readonly badTextIndex?: number;
  /** Whether `sql` ends with the {@link ROW_END} marker row. */
  readonly endMarker: boolean;
  /** A query giving the text of the bad cell of the 0-based data row `row` (one row, one column). */
  badTextSql(row: number): string;
}

/**
 * Builds the query producing `specs` (in order) from `source`, where `positions[i]` is the index
 * in `source.columns` of `specs[i]`. Result types: number/integer → DOUBLE (missing = NaN, never
 * NULL), category → INTEGER codes (missing = -1, never NULL), string → VARCHAR.
 *
 * @throws DatasetSchemaError when a number column's stored type cannot hold numbers.
 */
export function buildProjection(
  source: Source,
  specs: readonly ColumnSpec[],
  positions: readonly number[],
  missing: readonly string[],
): Projection {
  // Layers, each computing what the next needs once:
  //   inputs  s_i: the stored value with missing texts as NULL
  //   typed   n_i (number), k_i (category code), t_i (string)
  //   checked v_i (output value) and __bad
  //   result  v_i, __bad and, for CSV, __bad_text (the text of the bad cell, only for bad rows)
  const inputs: string[] = [];
  const typed: string[] = [];
  const values: string[] = [];
  const checks: string[] = [];
  const texts: string[] = [];
  specs.forEach((spec, i) => {
    const column = source.columns[positions[i]];
    inputs.push(`${inputExpr(column, missing)} AS s${i}`);
    typed.push(`s${i}`);
    switch (spec.type) {
      case "number":
      case "integer": {
        const number = numberExpr(column, `s${i}`);
        if (!number) throw notNumeric(source, spec, column);
        typed.push(`${number} AS n${i}`);
        values.push(`coalesce(n${i}, 'NaN'::DOUBLE) AS v${i}`);
        checks.push(`WHEN s${i} IS NOT NULL AND n${i} IS NULL THEN ${code(i, Problem.NotANumber)}`);
        checks.push(`WHEN isinf(n${i}) THEN ${code(i, Problem.Infinite)}`);
        if (spec.type === "integer")
          checks.push(`WHEN n${i} <> trunc(n${i}) THEN ${code(i, Problem.NotWhole)}`);
        texts.push(`WHEN ${i} THEN CAST(s${i} AS VARCHAR)`);
        break;
      }
      case "category": {
        const text = textExpr(column, `s${i}`);
        const levels = sqlStringList(spec.categories ?? []);
        // list_position is 1-based; older DuckDB versions answer 0 rather than NULL for "absent".
        typed.push(
          `(CASE WHEN ${text} IS NULL THEN -1 ` +
            `ELSE coalesce(nullif(list_position(${levels}, ${text}), 0), ${NOT_A_LEVEL_CODE + 1}) - 1 END)::INTEGER AS k${i}`,
        );
        values.push(`k${i} AS v${i}`);
        checks.push(`WHEN k${i} = ${NOT_A_LEVEL_CODE} THEN ${code(i, Problem.NotALevel)}`);
        texts.push(`WHEN ${i} THEN ${text}`);
        break;
      }
      case "string":
        typed.push(`${textExpr(column, `s${i}`)} AS t${i}`);
        values.push(`t${i} AS v${i}`);
        break;
    }
  });
  const bad = checks.length > 0 ? `CASE ${checks.join(" ")} ELSE ${ROW_OK} END` : `${ROW_OK}`;
  const badText =
    texts.length > 0 ? `CASE __bad // ${PROBLEM_SLOTS} ${texts.join(" ")} END` : "CAST(NULL AS VARCHAR)";
  const typedRows = `SELECT ${typed.join(", ")} FROM (SELECT ${inputs.join(", ")} FROM ${source.from})`;
  const checked = `(${bad})::INTEGER AS __bad`;
  const inputNames = specs.map((_, i) => `s${i}`);
  const withText = `SELECT ${[checked, ...values, ...inputNames].join(", ")} FROM (${typedRows})`;
  const badTextSql = (row: number) => `SELECT ${badText} FROM (${withText}) LIMIT 1 OFFSET ${row}`;
  const valueNames = specs.map((_, i) => `v${i}`);
  if (source.rowCount !== undefined) {
    // The file states its row count (Parquet): the scan checks it, and the bad cell's text is
    // fetched by its own query on the error path; carrying the input values through the stream
    // just for that would slow every scan by a third.
    const body = `SELECT ${[...values, checked].join(", ")} FROM (${typedRows})`;
    return { sql: body, body, badIndex: specs.length, endMarker: false, badTextSql };
  }
  // CSV: the stream carries the bad cell's text, since a second read could stop at a malformed
  // record further on, and ends with a marker row. UNION ALL keeps its inputs' order when
  // insertion order is preserved (pinned in duckdb.ts), so the marker is the very last row.
  const body = `SELECT ${[...valueNames, "__bad", `${badText} AS __bad_text`].join(", ")} FROM (${withText})`;
  const endValues = specs.map((spec) =>
    spec.type === "category" ? "-1::INTEGER" : spec.type === "string" ? "NULL::VARCHAR" : "'NaN'::DOUBLE",
  );
  const sql = `${body} UNION ALL SELECT ${[...endValues, `${ROW_END}::INTEGER`, "NULL::VARCHAR"].join(", ")}`;
  return { sql, body, badIndex: specs.length, badTextIndex: specs.length + 1, endMarker: true, badTextSql };
}

function code(column: number, problem: Problem): number {
  return column * PROBLEM_SLOTS + problem;
}

function notNumeric(source: Source, spec: ColumnSpec, column: SourceColumn): DatasetSchemaError {
  return new DatasetSchemaError(`column "${spec.name}" holds ${column.type} values, expected ${spec.type}s`, {
    location: { file: source.file, column: spec.name },
    hint: `declare "${spec.name}" as a category or string column, or convert it to numbers`,
  });
}

/**
 * The error for a `__bad` code; with its location it reads e.g.
 * `data/x.csv, row 5, column "Age": "abc" is not a number (expected number)`.
 * `row` is the 1-based data row; `text` is the cell as read.
 */
export function problemError(
  file: string,
  row: number,
  badCode: number,
  text: string | null,
  specs: readonly ColumnSpec[],
): BadDataError {
  const spec = specs[Math.floor(badCode / PROBLEM_SLOTS)];
  const problem = badCode % PROBLEM_SLOTS;
  const shown = JSON.stringify(text ?? "");
  const location = { file, row, column: spec.name };
  switch (problem) {
    case Problem.NotANumber:
      return new BadDataError(`${shown} is not a number (expected ${spec.type})`, {
        location,
        hint: `if ${shown} means "missing", add it to the dataset's missingValues`,
      });
    case Problem.Infinite:
      return new BadDataError(`${shown} is not a finite number (expected ${spec.type})`, {
        location,
        hint: "replace infinite values with a number or leave the cell empty (missing)",
      });
    case Problem.NotWhole:
      return new BadDataError(`${shown} is not a whole number (expected integer)`, {
        location,
        hint: `declare "${spec.name}" as type number if it may have a fraction`,
      });
    default: {
      const levels = spec.categories ?? [];
      const listed =
        levels.length <= 20 ? levels.map((l) => JSON.stringify(l)).join(", ") : `${levels.length} levels`;
      return new BadDataError(`${shown} is not one of the allowed values: ${listed}`, {
        location,
        hint: `levels are compared as exact text; add ${shown} to the categories of "${spec.name}" if it is valid`,
      });
    }
  }
}
