/**
 * Dataset profiles: per column the type, missing, invalid and distinct counts, min, max, mean
 * and standard deviation, and a histogram, computed with DuckDB SQL straight over the files.
 *
 * A profile describes the file as it is: where training would stop at the first bad value, the
 * profile counts bad values (`invalid`) and carries on.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { DatasetSchemaError } from "../core/errors.ts";
import { sqlStringList, withDuckDB } from "./duckdb.ts";
import { fingerprintFiles } from "./files.ts";
import type { ColumnMetadata, ColumnProfile, DatasetProfile } from "./metadata.ts";
import {
  describeSource,
  inputExpr,
  missingTexts,
  numberExpr,
  readError,
  type Source,
  textExpr,
} from "./source.ts";

/** Bins of a numeric histogram. */
export const PROFILE_BINS = 20;
/** Values listed in a text column's histogram. */
export const PROFILE_TOP_VALUES = 20;

/** Options of {@link profileFiles}. */
export interface ProfileOptions {
  /** Files in reading order (all CSV or all Parquet), e.g. from `resolveInputFiles`. */
  files: readonly string[];
  /** The columns to profile, with their declared types (and roles); other file columns are skipped. */
  columns: readonly ColumnMetadata[];
  /** Texts meaning missing, default `["", "NA"]`; an empty field is always missing. */
  missingValues?: readonly string[];
  /** Profiling time, default now (tests pin it). */
  now?: Date;
}

interface ColumnSql {
  column: ColumnMetadata;
  /** The value as text, NULL when missing. */
  text: string;
  /** The value as a finite DOUBLE, NULL when missing or not a finite number (numeric types only). */
  number: string | undefined;
}

/**
 * Profiles `files` as the columns describe them.
 *
 * @throws DatasetSchemaError when a file lacks one of the columns.
 * @throws BadDataError, NotFoundError when a file cannot be read.
 */
export async function profileFiles(options: ProfileOptions): Promise<DatasetProfile> {
  const missing = missingTexts(options.missingValues);
  const { rows, columns } = await withDuckDB(async ({ connection }) => {
    const sources: Source[] = [];
    for (const file of options.files) sources.push(await describeSource(connection, file, missing));
    await materialise(connection, sources, options.columns, missing);
    const sql = columnSql(sources[0], options.columns);
    const [stats] = await run(connection, options.files[0], statsQuery(sql));
    const profiles: ColumnProfile[] = [];
    for (let i = 0; i < sql.length; i++)
      profiles.push(await profileColumn(connection, options.files[0], sql[i], i, stats));
    return { rows: toNumber(stats.total), columns: profiles };
  });
  return {
    rows,
    files: [...options.files],
    fingerprint: await fingerprintFiles(options.files),
    profiledAt: (options.now ?? new Date()).toISOString(),
    columns,
  };
}

/** Reads every file once into a temporary table `profiled` with one text-or-native column per profiled column. */
async function materialise(
  connection: DuckDBConnection,
  sources: readonly Source[],
  columns: readonly ColumnMetadata[],
  missing: readonly string[],
): Promise<void> {
  const selects = sources.map((source) => {
    const exprs = columns.map((column, i) => {
      const found = source.columns.filter((c) => c.name === column.name);
      if (found.length !== 1) {
        throw new DatasetSchemaError(
          found.length === 0
            ? "no such column"
            : `the column name appears ${found.length} times in the file's header`,
          {
            location: { file: source.file, column: column.name },
            hint: `the file's columns are: ${source.columns.map((c) => c.name).join(", ")}`,
          },
        );
      }
      return `${inputExpr(found[0], missing)} AS s${i}`;
    });
    return `SELECT ${exprs.join(", ")} FROM ${source.from}`;
  });
  await run(connection, sources[0].file, `CREATE TEMP TABLE profiled AS ${selects.join(" UNION ALL ")}`);
}

function columnSql(source: Source, columns: readonly ColumnMetadata[]): ColumnSql[] {
  return columns.map((column, i) => {
    const stored = source.columns.find((c) => c.name === column.name)!;
    const numeric = column.type === "number" || column.type === "integer";
    const raw = numeric ? numberExpr(stored, `s${i}`) : undefined;
    return {
      column,
      text: textExpr(stored, `s${i}`),
      number: raw ? `(CASE WHEN isfinite(${raw}) THEN ${raw} END)` : undefined,
    };
  });
}

/** One pass computing every column's counts and moments. */
function statsQuery(columns: readonly ColumnSql[]): string {
  const parts: string[] = ["count(*) AS total"];
  columns.forEach(({ column, text, number }, i) => {
    parts.push(`count(${text}) AS present${i}`, `count(DISTINCT ${text}) AS distinct${i}`);
    if (number) {
      parts.push(
        `count(${number}) AS numbers${i}`,
        `min(${number}) AS min${i}`,
        `max(${number}) AS max${i}`,
        `avg(${number}) AS mean${i}`,
        `stddev_pop(${number}) AS std${i}`,
        `count(*) FILTER (WHERE ${number} <> trunc(${number})) AS fractions${i}`,
      );
    }
    if (column.type === "category") {
      const levels = sqlStringList(column.categories ?? []);
      parts.push(
        `count(*) FILTER (WHERE ${text} IS NOT NULL AND NOT list_contains(${levels}, ${text})) AS outside${i}`,
      );
    }
  });
  return `SELECT ${parts.join(", ")} FROM profiled`;
}

async function profileColumn(
  connection: DuckDBConnection,
  file: string,
  sql: ColumnSql,
  i: number,
  stats: Record<string, unknown>,
): Promise<ColumnProfile> {
  const { column } = sql;
  const total = toNumber(stats.total);
  const present = toNumber(stats[`present${i}`]);
  const distinct = toNumber(stats[`distinct${i}`]);
  const numbers = sql.number ? toNumber(stats[`numbers${i}`]) : 0;
  let invalid = 0;
  if (sql.number)
    invalid = present - numbers + (column.type === "integer" ? toNumber(stats[`fractions${i}`]) : 0);
  if (column.type === "category") invalid = toNumber(stats[`outside${i}`]);
  const moment = (key: string) => (sql.number && numbers > 0 ? toNullableNumber(stats[`${key}${i}`]) : null);
  const profile: ColumnProfile = {
    name: column.name,
    type: column.type,
    role: column.role,
    missing: total - present,
    invalid,
    distinct,
    min: moment("min"),
    max: moment("max"),
    mean: moment("mean"),
    std: moment("std"),
    histogram: null,
  };
  if (sql.number && profile.min !== null && profile.max !== null) {
    profile.histogram = await numericHistogram(
      connection,
      file,
      sql.number,
      profile.min,
      profile.max,
      column.type === "integer",
    );
  } else if (column.type === "category") {
    profile.histogram = await levelHistogram(
      connection,
      file,
      sql.text,
      column.categories ?? [],
      present,
      distinct,
    );
  } else if (column.type === "string") {
    profile.histogram = await topValues(connection, file, sql.text, present, distinct);
  }
  return profile;
}

async function numericHistogram(
  connection: DuckDBConnection,
  file: string,
  number: string,
  min: number,
  max: number,
  integer: boolean,
): Promise<ColumnProfile["histogram"]> {
  // Whole numbers with a small range get one bin per value, so counts of 0, 1, 2 … read directly.
  const perValue = integer && max - min + 1 <= PROFILE_BINS;
  const bins = min === max ? 1 : perValue ? max - min + 1 : PROFILE_BINS;
  const width = perValue ? 1 : (max - min) / bins || 1;
  const rows = await run(
    connection,
    file,
    `SELECT least(CAST(floor((${number} - ${min}) / ${width}) AS INTEGER), ${bins - 1}) AS bin, count(*) AS n ` +
      `FROM profiled WHERE ${number} IS NOT NULL GROUP BY bin`,
  );
  const counts = new Array<number>(bins).fill(0);
  for (const row of rows) counts[toNumber(row.bin)] = toNumber(row.n);
  return {
    kind: "numeric",
    bins: counts.map((count, b) => ({
      start: min + b * width,
      end: perValue ? min + b + 1 : b === bins - 1 ? max : min + (b + 1) * width,
      count,
    })),
  };
}

async function levelHistogram(
  connection: DuckDBConnection,
  file: string,
  text: string,
  levels: readonly string[],
  present: number,
  distinct: number,
): Promise<ColumnProfile["histogram"]> {
  const rows = await run(
    connection,
    file,
    `SELECT ${text} AS value, count(*) AS n FROM profiled WHERE list_contains(${sqlStringList(levels)}, ${text}) GROUP BY value`,
  );
  const counts = new Map(rows.map((row) => [String(row.value), toNumber(row.n)]));
  const values = levels.map((value) => ({ value, count: counts.get(value) ?? 0 }));
  const listed = values.reduce((sum, v) => sum + v.count, 0);
  return { kind: "values", values, otherCount: present - listed, otherValues: distinct - counts.size };
}

async function topValues(
  connection: DuckDBConnection,
  file: string,
  text: string,
  present: number,
  distinct: number,
): Promise<ColumnProfile["histogram"]> {
  const rows = await run(
    connection,
    file,
    `SELECT ${text} AS value, count(*) AS n FROM profiled WHERE ${text} IS NOT NULL ` +
      `GROUP BY value ORDER BY n DESC, value LIMIT ${PROFILE_TOP_VALUES}`,
  );
  const values = rows.map((row) => ({ value: String(row.value), count: toNumber(row.n) }));
  // Free text where no value repeats (names, ids) has no distribution worth drawing.
  if (values.length === 0 || values[0].count < 2) return null;
  const listed = values.reduce((sum, v) => sum + v.count, 0);
  return { kind: "values", values, otherCount: present - listed, otherValues: distinct - values.length };
}

async function run(
  connection: DuckDBConnection,
  file: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjects() as Record<string, unknown>[];
  } catch (error) {
    throw readError(file, error);
  }
}

function toNumber(value: unknown): number {
  return typeof value === "bigint" ? Number(value) : Number(value ?? 0);
}

function toNullableNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = toNumber(value);
  return Number.isFinite(n) ? n : null;
}
