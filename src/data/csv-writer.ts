/** The CSV format of the frame writer: text built per frame and streamed to the file. */
import { type FileHandle, open } from "node:fs/promises";
import { csvField, csvNumber, csvRecord } from "./csv-format.ts";
import type { Column, Frame } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";
import { type FrameSink, notWholeError } from "./sink.ts";

/** Text is handed to the file in pieces of about this many characters. */
const FLUSH_CHARS = 1 << 20;

/** Creates `temp` (which must not exist) and writes the header. `path` is named in errors. */
export async function openCsvSink(
  temp: string,
  columns: readonly ColumnSpec[],
  path: string,
): Promise<FrameSink> {
  const handle = await open(temp, "wx");
  try {
    await writeAll(handle, csvRecord(columns.map((c) => csvField(c.name))));
  } catch (error) {
    await handle.close();
    throw error;
  }
  return new CsvSink(handle, columns, path);
}

class CsvSink implements FrameSink {
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly columns: readonly ColumnSpec[],
    private readonly path: string,
  ) {}

  async write(frame: Frame, rowsBefore: number): Promise<void> {
    const cells = this.columns.map((spec) =>
      cellFormatter(spec, frame.columns.get(spec.name)!, this.path, rowsBefore),
    );
    const last = cells.length - 1;
    let text = "";
    for (let row = 0; row < frame.rowCount; row++) {
      for (let c = 0; c < last; c++) text += `${cells[c](row)},`;
      text += `${cells[last](row)}\n`;
      if (text.length >= FLUSH_CHARS) {
        await writeAll(this.handle, text);
        text = "";
      }
    }
    if (text) await writeAll(this.handle, text);
  }

  /** Appends records already formatted by {@link formatCsvRecords} (e.g. on a worker thread). */
  async writeFormatted(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  }

  async finish(): Promise<void> {
    await this.handle.sync();
    this.closed = true;
    await this.handle.close();
  }

  async discard(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

/**
 * The CSV records (no header) of every row of `frame`, formatted exactly as the CSV writer
 * formats them, so formatting can run where the rows are produced (e.g. a worker thread) and
 * the bytes be appended with `writeFormatted`. `rowsBefore` numbers rows in errors.
 *
 * @throws BadDataError for a non-whole value in an integer column.
 */
export function formatCsvRecords(
  columns: readonly ColumnSpec[],
  frame: Frame,
  path: string,
  rowsBefore: number,
): string {
  const cells = columns.map((spec) => cellFormatter(spec, frame.columns.get(spec.name)!, path, rowsBefore));
  const last = cells.length - 1;
  let text = "";
  for (let row = 0; row < frame.rowCount; row++) {
    for (let c = 0; c < last; c++) text += `${cells[c](row)},`;
    text += `${cells[last](row)}\n`;
  }
  return text;
}

/** A function giving the CSV text of one cell of `column`, per the spec's type. */
function cellFormatter(
  spec: ColumnSpec,
  column: Column,
  path: string,
  rowsBefore: number,
): (row: number) => string {
  switch (column.kind) {
    case "number": {
      const values = column.values;
      if (spec.type !== "integer") return (row) => csvNumber(values[row]);
      return (row) => {
        const v = values[row];
        if (!Number.isNaN(v) && !Number.isInteger(v))
          throw notWholeError(path, spec, rowsBefore + row + 1, v);
        return csvNumber(v);
      };
    }
    case "category": {
      // Levels are quoted once per frame, not once per cell.
      const levels = column.levels.map(csvField);
      const codes = column.codes;
      return (row) => {
        const code = codes[row];
        if (code < 0) return "";
        const text = levels[code];
        if (text === undefined) throw new Error(`column "${spec.name}": category code ${code} has no level`);
        return text;
      };
    }
    case "string": {
      const values = column.values;
      return (row) => {
        const v = values[row];
        return v === null ? "" : csvField(v);
      };
    }
  }
}

/** Writes all of `text`, looping over short writes. */
async function writeAll(handle: FileHandle, text: string): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
