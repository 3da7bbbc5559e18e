/**
 * Proposes dataset metadata for a file (`mpipe datasets infer`). DuckDB's sniffer suggests which
 * columns are numeric; one pass over the data then confirms that the scanner will accept every
 * value under the proposed type and counts distinct texts to tell categories from free text.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { BadDataError, DatasetSchemaError, UsageError } from "../core/errors.ts";
import { explainDuckDBError, sqlString, sqlStringList, withDuckDB } from "./duckdb.ts";
import { fingerprintFiles, resolveInputFiles } from "./files.ts";
import { type ColumnMetadata, DatasetMetadata, type DatasetMetadataInput } from "./metadata.ts";
import {
  describeSource,
  inputExpr,
  isFractionalType,
  isIntegerType,
  missingTexts,
  numberExpr,
  readError,
  type Source,
  textExpr,
} from "./source.ts";
import { closestName } from "./suggest.ts";

/** A text column with at most this many distinct values is proposed as a category. */
export const MAX_CATEGORY_LEVELS = 50;

/** Options of {@link inferMetadata}. */
export interface InferOptions {
  /** The label column (role `target`). */
  target?: string;
  /** The row identifier column (role `id`). */
  id?: string;
  /** Texts meaning missing, default `["", "NA"]`. */
  missingValues?: string[];
}

/** What one pass over a column found. */
interface ColumnStats {
  present: number;
  /** Present values the scanner would not read as a finite number. */
  notNumbers: number;
  /** Numbers with a fraction. */
  fractions: number;
  distinct: number;
}

/**
 * Proposes a metadata document for `file` (a path or glob; with several files, all must share
 * the first one's columns): numeric columns become `integer` or `number`, text with at most
 * {@link MAX_CATEGORY_LEVELS} distinct values a `category` with its values sorted, other text a
 * `string` with role `ignore`. `target` and `id` name the label and row-id columns.
 *
 * @throws UsageError when `name` is not kebab-case.
 * @throws DatasetSchemaError when `target` or `id` is not a column, or column names are unusable.
 * @throws BadDataError, NotFoundError as when scanning the file.
 */
export async function inferMetadata(
  file: string,
  name: string,
  options: InferOptions = {},
): Promise<DatasetMetadataInput> {
  checkName(name);
  const files = await resolveInputFiles(file);
  const missingValues = options.missingValues ?? ["", "NA"];
  const missing = missingTexts(missingValues);

  const columns = await withDuckDB(async ({ connection }) => {
    const sources: Source[] = [];
    for (const f of files) sources.push(await describeSource(connection, f, missing));
    const source = sources[0];
    checkHeaders(sources);
    checkRoles(source, options);
    const sniffed = await sniffTypes(connection, source, files, missing);
    const stats = await measure(connection, sources, sniffed, missing);
    const types = source.columns.map((_, i) => proposeType(sniffed[i], stats[i]));
    const levels = await categoryLevels(connection, sources, types, missing);
    return source.columns.map((column, i): ColumnMetadata => {
      const role =
        column.name === options.target
          ? "target"
          : column.name === options.id
            ? "id"
            : types[i] === "string"
              ? "ignore"
              : "feature";
      const categories = levels.get(i);
      return categories
        ? { name: column.name, type: types[i], role, categories }
        : { name: column.name, type: types[i], role };
    });
  });

  const proposal: DatasetMetadataInput = {
    name,
    missingValues,
    columns,
    provenance: { source: file, fingerprint: await fingerprintFiles(files) },
  };
  // A proposal that would not validate is a bug here, not a user error.
  DatasetMetadata.parse(proposal);
  return proposal;
}

function checkName(name: string): void {
  const result = DatasetMetadata.shape.name.safeParse(name);
  if (result.success) return;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  throw new UsageError(`invalid dataset name "${name}": use lower-case letters, digits and dashes`, {
    location: { field: "name" },
    hint: slug ? `try "${slug}"` : "e.g. titanic or palmer-penguins",
  });
}

function checkHeaders(sources: readonly Source[]): void {
  const first = sources[0];
  const names = first.columns.map((c) => c.name);
  const seen = new Set<string>();
  for (const column of first.columns) {
    if (column.name.trim() === "") {
      throw new DatasetSchemaError("a column has no name", {
        location: { file: first.file },
        hint: "give every column a name in the header row",
      });
    }
    if (seen.has(column.name)) {
      throw new DatasetSchemaError("the column name appears twice in the header", {
        location: { file: first.file, column: column.name },
        hint: "give every column a distinct name",
      });
    }
    seen.add(column.name);
  }
  for (const other of sources.slice(1)) {
    const otherNames = other.columns.map((c) => c.name);
    if (otherNames.join("\u0000") !== names.join("\u0000")) {
      throw new DatasetSchemaError(`the columns differ from those of ${first.file}`, {
        location: { file: other.file },
        hint: `expected: ${names.join(", ")}; found: ${otherNames.join(", ")}`,
      });
    }
  }
}

function checkRoles(source: Source, options: InferOptions): void {
  const names = source.columns.map((c) => c.name);
  for (const [option, column] of [
    ["--target", options.target],
    ["--id", options.id],
  ] as const) {
    if (column === undefined || names.includes(column)) continue;
    const close = closestName(column, names);
    throw new DatasetSchemaError(`${option} names a column the file does not have`, {
      location: { file: source.file, column },
      hint: close ? `did you mean "${close}"?` : `the columns are: ${names.join(", ")}`,
    });
  }
  if (options.target !== undefined && options.target === options.id) {
    throw new UsageError(`"${options.target}" cannot be both the target and the id column`);
  }
}

/**
 * DuckDB's type per column. For CSV the sniffer reads every row (`sample_size = -1`) with the
 * header, separator and quoting fixed, so it only decides types.
 */
async function sniffTypes(
  connection: DuckDBConnection,
  source: Source,
  files: readonly string[],
  missing: readonly string[],
): Promise<string[]> {
  if (source.format === "parquet") return source.columns.map((c) => c.type);
  const list = `[${files.map(sqlString).join(", ")}]`;
  const sql =
    `DESCRIBE SELECT * FROM read_csv(${list}, header = true, delim = ',', quote = '"', escape = '"', ` +
    `sample_size = -1, nullstr = ${sqlStringList(missing)})`;
  let rows: unknown[][];
  try {
    rows = (await connection.runAndReadAll(sql)).getRows();
  } catch (error) {
    // The sniffer's own message is vague ("could not detect the dialect"); an explicit read
    // names the bad row.
    await connection.run(`SELECT count(*) FROM ${source.from}`).catch((explicit) => {
      throw readError(source.file, explicit);
    });
    throw new BadDataError(`cannot detect the column types: ${explainDuckDBError(error).explanation}`, {
      location: { file: source.file },
      cause: error,
    });
  }
  // The sniffer may rename empty or repeated header names, so columns are matched by position.
  if (rows.length !== source.columns.length) return source.columns.map(() => "VARCHAR");
  return rows.map((row) => String(row[1]));
}

/** One pass over all files counting, per column, what decides its type. */
async function measure(
  connection: DuckDBConnection,
  sources: readonly Source[],
  sniffed: readonly string[],
  missing: readonly string[],
): Promise<ColumnStats[]> {
  const source = sources[0];
  const selects: string[] = [];
  source.columns.forEach((column, i) => {
    const s = `s${i}`;
    const number = numberExpr(column, s);
    const numeric = number !== undefined && (isIntegerType(sniffed[i]) || isFractionalType(sniffed[i]));
    selects.push(`count(${s})`);
    selects.push(
      numeric ? `count(*) FILTER (WHERE ${s} IS NOT NULL AND (${number} IS NULL OR isinf(${number})))` : "0",
    );
    selects.push(numeric ? `count(*) FILTER (WHERE ${number} <> trunc(${number}))` : "0");
    selects.push(`count(DISTINCT ${textExpr(column, s)})`);
  });
  const rows = await query(
    connection,
    source.file,
    `SELECT ${selects.join(", ")} FROM ${inputs(sources, missing)}`,
  );
  const row = rows[0].map(Number);
  return source.columns.map((_, i) => ({
    present: row[4 * i],
    notNumbers: row[4 * i + 1],
    fractions: row[4 * i + 2],
    distinct: row[4 * i + 3],
  }));
}

function proposeType(sniffed: string, stats: ColumnStats): ColumnMetadata["type"] {
  const numeric = isIntegerType(sniffed) || isFractionalType(sniffed);
  if (numeric && stats.present > 0 && stats.notNumbers === 0)
    return stats.fractions === 0 ? "integer" : "number";
  if (stats.distinct > 0 && stats.distinct <= MAX_CATEGORY_LEVELS) return "category";
  return "string";
}

/** The sorted distinct texts of each category column, by column index. */
async function categoryLevels(
  connection: DuckDBConnection,
  sources: readonly Source[],
  types: readonly ColumnMetadata["type"][],
  missing: readonly string[],
): Promise<Map<number, string[]>> {
  const source = sources[0];
  const wanted = types.flatMap((type, i) => (type === "category" ? [i] : []));
  const levels = new Map<number, string[]>();
  if (wanted.length === 0) return levels;
  const selects = wanted.map((i) => {
    const text = textExpr(source.columns[i], `s${i}`);
    return `list(DISTINCT ${text}) FILTER (WHERE ${text} IS NOT NULL)`;
  });
  const rows = await query(
    connection,
    source.file,
    `SELECT ${selects.join(", ")} FROM ${inputs(sources, missing)}`,
  );
  wanted.forEach((i, k) => {
    const values = (rows[0][k] as readonly unknown[]).map(String);
    // Code-unit order: the same on every machine, unlike a locale-aware sort.
    levels.set(
      i,
      values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });
  return levels;
}

/** A FROM clause with every file's columns as `s0, s1, …` (missing texts already NULL). */
function inputs(sources: readonly Source[], missing: readonly string[]): string {
  const parts = sources.map(
    (source) =>
      `SELECT ${source.columns.map((c, i) => `${inputExpr(c, missing)} AS s${i}`).join(", ")} FROM ${source.from}`,
  );
  return `(${parts.join(" UNION ALL ")})`;
}

async function query(connection: DuckDBConnection, file: string, sql: string): Promise<unknown[][]> {
  try {
    return (await connection.runAndReadAll(sql)).getRowsJS() as unknown[][];
  } catch (error) {
    throw readError(file, error);
  }
}
