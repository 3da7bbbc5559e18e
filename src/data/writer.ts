/**
 * Writes frames to a CSV or Parquet file atomically: rows go to a hidden temporary file next to
 * the target, and only `commit()` moves it into place (fsync, then rename). A reader of the target
 * path therefore sees either the previous file or the complete new one, even if the process dies.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DatasetSchemaError, NotFoundError, UsageError } from "../core/errors.ts";
import { openCsvSink } from "./csv-writer.ts";
import { fileFormatOf, SUPPORTED_EXTENSIONS } from "./files.ts";
import type { Column, Frame } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";
import { openParquetSink } from "./parquet-writer.ts";
import type { FrameSink } from "./sink.ts";

/** Receives frames for one output file. Call `commit()` or `abort()` exactly once at the end. */
export interface FrameWriter {
  /** Appends the frame's rows (its columns named in the writer's specs; others are ignored). */
  write(frame: Frame): Promise<void>;
  /**
   * Appends `rows` records already formatted for this file (CSV outputs only: bytes from
   * `appendCsvRecords` with the writer's columns), in order with `write`.
   */
  writeFormatted(bytes: Uint8Array, rows: number): Promise<void>;
  /** Makes the file durable and moves it to its path, replacing any previous file. */
  commit(): Promise<void>;
  /** Discards everything written; the path is left as it was. Safe to call more than once. */
  abort(): Promise<void>;
}

/**
 * Opens a writer for `path`, whose extension picks the format: `.csv` (written here, streamed)
 * or `.parquet` (via DuckDB; integer → BIGINT, number → DOUBLE, category and string → VARCHAR).
 *
 * @throws UsageError for another extension or invalid column specs.
 * @throws NotFoundError when the output folder does not exist.
 */
export async function openFrameWriter(path: string, columns: readonly ColumnSpec[]): Promise<FrameWriter> {
  const format = fileFormatOf(path);
  if (!format) {
    const supported = Object.values(SUPPORTED_EXTENSIONS).join(" or ");
    throw new UsageError(`cannot write this file: the name must end in ${supported}`, {
      location: { file: path },
      hint: `name the output e.g. "${join(dirname(path), "predictions.csv")}"`,
    });
  }
  checkSpecs(columns);
  await checkOutputFolder(path);
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  const sink =
    format === "csv" ? await openCsvSink(temp, columns, path) : await openParquetSink(temp, columns, path);
  return new AtomicWriter(path, temp, columns, sink);
}

type State = "open" | "committed" | "aborted";

class AtomicWriter implements FrameWriter {
  private state: State = "open";
  private rows = 0;
  /** Calls run one after another even if the caller does not await each. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly temp: string,
    private readonly columns: readonly ColumnSpec[],
    private readonly sink: FrameSink,
  ) {}

  write(frame: Frame): Promise<void> {
    return this.enqueue(async () => {
      this.expectOpen("write to");
      checkFrame(frame, this.columns, this.path);
      await this.sink.write(frame, this.rows);
      this.rows += frame.rowCount;
    });
  }

  writeFormatted(bytes: Uint8Array, rows: number): Promise<void> {
    return this.enqueue(async () => {
      this.expectOpen("write to");
      if (!this.sink.writeFormatted)
        throw new UsageError(`"${this.path}" does not take preformatted records`);
      await this.sink.writeFormatted(bytes);
      this.rows += rows;
    });
  }

  commit(): Promise<void> {
    return this.enqueue(async () => {
      this.expectOpen("commit");
      try {
        await this.sink.finish();
        await rename(this.temp, this.path);
      } catch (error) {
        this.state = "aborted";
        await this.discard();
        throw error;
      }
      this.state = "committed";
      await syncFolder(dirname(this.path));
    });
  }

  abort(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state !== "open") return;
      this.state = "aborted";
      await this.discard();
    });
  }

  private async discard(): Promise<void> {
    await this.sink.discard();
    await rm(this.temp, { force: true });
  }

  private expectOpen(action: string): void {
    if (this.state !== "open")
      throw new UsageError(`cannot ${action} "${this.path}": the writer is ${this.state}`);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function checkSpecs(columns: readonly ColumnSpec[]): void {
  if (columns.length === 0) throw new UsageError("no columns to write");
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column.name)) throw new UsageError(`column "${column.name}" is listed twice`);
    seen.add(column.name);
  }
}

async function checkOutputFolder(path: string): Promise<void> {
  const folder = dirname(path);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new NotFoundError(`the output folder "${folder}" does not exist`, {
      location: { file: path },
      hint: `create it first (mkdir -p ${JSON.stringify(folder)}) or choose another output path`,
    });
  }
}

/** Frame column kind each spec type is written from. */
const KIND_OF: Readonly<Record<ColumnSpec["type"], Column["kind"]>> = {
  number: "number",
  integer: "number",
  category: "category",
  string: "string",
};

function checkFrame(frame: Frame, columns: readonly ColumnSpec[], path: string): void {
  for (const spec of columns) {
    const column = frame.columns.get(spec.name);
    if (!column) {
      throw new DatasetSchemaError(`the rows to write have no column "${spec.name}"`, {
        location: { file: path, column: spec.name },
        hint: `columns present: ${[...frame.columns.keys()].join(", ") || "(none)"}`,
      });
    }
    if (column.kind !== KIND_OF[spec.type]) {
      throw new DatasetSchemaError(
        `column "${spec.name}" holds ${column.kind} values, expected ${spec.type}`,
        {
          location: { file: path, column: spec.name },
        },
      );
    }
  }
}

/** Makes a rename durable; some platforms cannot fsync a folder, which is not an error. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the rename itself is already atomic.
  }
}
