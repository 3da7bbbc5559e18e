/** The CSV format of the frame writer: records formatted per frame and streamed to the file. */
import { type FileHandle, open } from "node:fs/promises";
import { csvField, csvRecord } from "./csv-format.ts";
import { appendCsvRecords, RecordBuffer } from "./csv-records.ts";
import type { Frame } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";
import type { FrameSink } from "./sink.ts";

/** Creates `temp` (which must not exist) and writes the header. `path` is named in errors. */
export async function openCsvSink(
  temp: string,
  columns: readonly ColumnSpec[],
  path: string,
): Promise<FrameSink> {
  const handle = await open(temp, "wx");
  try {
    await writeAll(handle, Buffer.from(csvRecord(columns.map((c) => csvField(c.name))), "utf8"));
  } catch (error) {
    await handle.close();
    throw error;
  }
  return new CsvSink(handle, columns, path);
}

class CsvSink implements FrameSink {
  private closed = false;
  /** Reused for every frame, so formatting allocates only while the buffer grows. */
  private readonly records = new RecordBuffer();

  constructor(
    private readonly handle: FileHandle,
    private readonly columns: readonly ColumnSpec[],
    private readonly path: string,
  ) {}

  async write(frame: Frame, rowsBefore: number): Promise<void> {
    this.records.clear();
    appendCsvRecords(this.records, this.columns, frame, this.path, rowsBefore);
    await this.writeFormatted(this.records.view());
  }

  /** Appends records already formatted by {@link appendCsvRecords} (e.g. on a worker thread). */
  writeFormatted(bytes: Uint8Array): Promise<void> {
    return writeAll(this.handle, bytes);
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

/** Writes all of `bytes`, looping over short writes. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
