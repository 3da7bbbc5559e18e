/**
 * Cuts a CSV file into chunks of whole records, so that chunks can be parsed independently — e.g.
 * on worker threads — and the rows put back in order. Only bytes are read here; parsing is
 * `CsvChunkParser`'s job.
 *
 * A chunk ends at the last line feed of a block. Finding it costs one native search, where
 * tracking quotes would cost a pass over every byte on the reading thread. The cut is therefore
 * only presumed to lie outside quotes: a cut inside a quoted field (one holding a line break)
 * leaves that field unterminated at the chunk's end, which the parser reports as unsupported, and
 * the caller then falls back to a reader that handles it. Every chunk that parses cleanly was cut
 * at a record boundary, since the first one starts right after the header (found quote-aware).
 */
import { open } from "node:fs/promises";

/** One run of records from a file. */
export interface CsvRecordChunk {
  /** The records' bytes; the chunk owns its ArrayBuffer (it may be transferred to a worker). */
  bytes: Uint8Array;
  /** Line feeds in the chunk (plus one for a last record without one), when counted; else -1. */
  rows: number;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Thrown when the file's layout is outside what the record splitter handles (e.g. CR-only line ends). */
export class CsvLayoutUnsupported extends Error {}

/**
 * Yields the data records of `file` (the header record skipped) in chunks of about `targetBytes`.
 * `countRows` counts each chunk's line feeds (needed when rows are numbered before parsing).
 * `allocate` gives each chunk's buffer (at least the bytes asked for); a caller may hand back
 * buffers of finished chunks through it, so that reading does not allocate one per chunk.
 *
 * @throws CsvLayoutUnsupported for a header ended by a lone CR.
 */
export async function* csvRecordChunks(
  file: string,
  targetBytes: number,
  countRows: boolean,
  allocate: (minBytes: number) => ArrayBuffer = (minBytes) => new ArrayBuffer(minBytes),
): AsyncGenerator<CsvRecordChunk> {
  const handle = await open(file, "r");
  try {
    let carry: Uint8Array = new Uint8Array(0);
    let headerDone = false;
    for (;;) {
      // A buffer of the chunk's own (fresh or handed back), so that the consumer may transfer it.
      const buffer = new Uint8Array(allocate(carry.length + targetBytes));
      buffer.set(carry, 0);
      const { bytesRead } = await handle.read(buffer, carry.length, targetBytes, null);
      const filled = carry.length + bytesRead;
      const eof = bytesRead === 0;
      let start = 0;
      if (!headerDone) {
        const end = recordEnd(buffer, 0, filled);
        if (end < 0) {
          if (eof) return;
          carry = buffer.slice(0, filled);
          continue;
        }
        if (buffer.subarray(0, end).includes(CR) && buffer[end - 1] !== CR)
          throw new CsvLayoutUnsupported("lone CR");
        headerDone = true;
        start = end + 1;
      }
      if (eof) {
        if (filled > start) {
          const bytes = buffer.subarray(start, filled);
          const rows = countRows ? countLineFeeds(bytes) + (bytes[bytes.length - 1] === LF ? 0 : 1) : -1;
          yield { bytes, rows };
        }
        return;
      }
      const last = filled > start ? buffer.lastIndexOf(LF, filled - 1) : -1;
      if (last < start) {
        carry = buffer.slice(start, filled);
        continue;
      }
      // Copy the partial record before handing the buffer on.
      carry = buffer.slice(last + 1, filled);
      const bytes = buffer.subarray(start, last + 1);
      yield { bytes, rows: countRows ? countLineFeeds(bytes) : -1 };
    }
  } finally {
    await handle.close();
  }
}

/** Line feeds in `bytes`, by Buffer's native search (several times faster than Uint8Array's). */
function countLineFeeds(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let i = buffer.indexOf(LF); i >= 0; i = buffer.indexOf(LF, i + 1)) count++;
  return count;
}

/** Index of the first LF outside quotes in `bytes[from, to)`, or -1. */
function recordEnd(bytes: Uint8Array, from: number, to: number): number {
  let inQuotes = false;
  for (let i = from; i < to; i++) {
    const b = bytes[i];
    if (b === QUOTE) inQuotes = !inQuotes;
    else if (b === LF && !inQuotes) return i;
  }
  return -1;
}
