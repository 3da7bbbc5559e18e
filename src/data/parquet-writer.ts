/**
 * The Parquet format of the frame writer. Parquet cannot be appended to, so rows are staged in a
 * DuckDB database file next to the output (on disk, so memory stays bounded however many rows
 * arrive) and copied into one Parquet file at the end.
 */

import { rm } from "node:fs/promises";
import type { DuckDBAppender, DuckDBType } from "@duckdb/node-api";
import {
  type DuckDBModule,
  type DuckDBSession,
  loadDuckDB,
  openDuckDB,
  sqlIdent,
  sqlString,
} from "./duckdb.ts";
import type { Column, Frame } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";
import { type FrameSink, notWholeError, syncFile } from "./sink.ts";

/** DuckDB's chunk size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;
/** Cap on DuckDB's memory while staging; beyond it DuckDB spills to disk. */
const MEMORY_LIMIT = "512MB";

/**
 * Opens the staging database for a Parquet file to be written at `temp`. Staged columns are
 * DOUBLE for number and integer (the cast to BIGINT happens in the final copy) and VARCHAR for
 * category and string. `path` is named in errors.
 */
export async function openParquetSink(
  temp: string,
  columns: readonly ColumnSpec[],
  path: string,
): Promise<FrameSink> {
  const staging = `${temp}.staging.duckdb`;
  const duckdb = await loadDuckDB();
  const session = await openDuckDB(staging, { memory_limit: MEMORY_LIMIT });
  try {
    const definitions = columns.map((spec, i) => `c${i} ${stagedType(spec)}`);
    await session.connection.run(`CREATE TABLE staged (${definitions.join(", ")})`);
    const appender = await session.connection.createAppender("staged");
    return new ParquetSink(temp, staging, columns, path, duckdb, session, appender);
  } catch (error) {
    session.close();
    await removeStaging(staging);
    throw error;
  }
}

class ParquetSink implements FrameSink {
  private readonly types: DuckDBType[];
  private closed = false;

  constructor(
    private readonly temp: string,
    private readonly staging: string,
    private readonly columns: readonly ColumnSpec[],
    private readonly path: string,
    private readonly duckdb: DuckDBModule,
    private readonly session: DuckDBSession,
    private readonly appender: DuckDBAppender,
  ) {
    this.types = columns.map((spec) => (stagedType(spec) === "DOUBLE" ? duckdb.DOUBLE : duckdb.VARCHAR));
  }

  async write(frame: Frame, rowsBefore: number): Promise<void> {
    for (let start = 0; start < frame.rowCount; start += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, frame.rowCount - start);
      const chunk = this.duckdb.DuckDBDataChunk.create(this.types, n);
      this.columns.forEach((spec, c) => {
        const vector = chunk.getColumnVector(c);
        const column = frame.columns.get(spec.name)!;
        fillVector(spec, column, start, n, (i, value) => vector.setItem(i, value), this.path, rowsBefore);
        vector.flush();
      });
      this.appender.appendDataChunk(chunk);
    }
    // Committing each frame moves its rows from the appender's buffer into the database, which
    // may then spill them to disk.
    this.appender.flushSync();
  }

  async finish(): Promise<void> {
    this.appender.closeSync();
    const select = this.columns
      .map(
        (spec, i) =>
          `${spec.type === "integer" ? `CAST(c${i} AS BIGINT)` : `c${i}`} AS ${sqlIdent(spec.name)}`,
      )
      .join(", ");
    // With insertion order preserved (pinned in duckdb.ts) the copy keeps the staged row order.
    await this.session.connection.run(
      `COPY (SELECT ${select} FROM staged) TO ${sqlString(this.temp)} (FORMAT parquet)`,
    );
    await this.discard();
    await syncFile(this.temp);
  }

  async discard(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.session.close();
    }
    await removeStaging(this.staging);
  }
}

function stagedType(spec: ColumnSpec): "DOUBLE" | "VARCHAR" {
  return spec.type === "number" || spec.type === "integer" ? "DOUBLE" : "VARCHAR";
}

/**
 * Passes rows [start, start+n) of `column` to `set` as staged values (null for missing).
 * Category codes become their level text; integers must be whole.
 */
function fillVector(
  spec: ColumnSpec,
  column: Column,
  start: number,
  n: number,
  set: (i: number, value: number | string | null) => void,
  path: string,
  rowsBefore: number,
): void {
  switch (column.kind) {
    case "number": {
      const values = column.values;
      for (let i = 0; i < n; i++) {
        const v = values[start + i];
        if (Number.isNaN(v)) set(i, null);
        else if (spec.type === "integer" && !Number.isInteger(v)) {
          throw notWholeError(path, spec, rowsBefore + start + i + 1, v);
        } else set(i, v);
      }
      return;
    }
    case "category": {
      const { codes, levels } = column;
      for (let i = 0; i < n; i++) {
        const code = codes[start + i];
        if (code >= levels.length)
          throw new Error(`column "${spec.name}": category code ${code} has no level`);
        set(i, code < 0 ? null : levels[code]);
      }
      return;
    }
    case "string": {
      const values = column.values;
      for (let i = 0; i < n; i++) set(i, values[start + i]);
      return;
    }
  }
}

/** Removes the staging database with its write-ahead log and spill folder. */
async function removeStaging(staging: string): Promise<void> {
  await Promise.all(
    [staging, `${staging}.wal`, `${staging}.tmp`].map((p) => rm(p, { recursive: true, force: true })),
  );
}
