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

/**
 * Bytes written after which the sink starts flushing them to disk in the background. Without
 * it the kernel holds a large output in memory until the final flush, which then waits for all
 * of it at the very end (about 0.2 s for 300 MB here); flushed along the way, the last flush
 * only has the tail left.
 */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

class CsvSink implements FrameSink {
  private closed = false;
  /** Reused for every frame, so formatting allocates only while the buffer grows. */
  private readonly records = new RecordBuffer();
  private unflushed = 0;
  /** The background flush, if one was started; it never rejects (see `failure`). */
  private flush: { done: boolean; promise: Promise<void> } | undefined;
  /** The error of a background flush, reported by `finish`. */
  private failure: unknown;

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
  async writeFormatted(bytes: Uint8Array): Promise<void> {
    await writeAll(this.handle, bytes);
    this.unflushed += bytes.length;
    if (this.unflushed >= FLUSH_EVERY_BYTES && (!this.flush || this.flush.done)) {
      this.unflushed = 0;
      this.startFlush();
    }
  }

  async finish(): Promise<void> {
    await this.flush?.promise;
    if (this.failure !== undefined) throw this.failure;
    await this.handle.sync();
    this.closed = true;
    await this.handle.close();
  }

  async discard(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The handle stays open until a background flush on it has ended.
    await this.flush?.promise;
    await this.handle.close().catch(() => undefined);
  }

  private startFlush(): void {
    const flush = { done: false, promise: Promise.resolve() };
    flush.promise = this.handle.datasync().then(
      () => {
        flush.done = true;
      },
      (error: unknown) => {
        flush.done = true;
        this.failure ??= error;
      },
    );
    this.flush = flush;
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
