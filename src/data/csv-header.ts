/**
 * Reads the header record of a CSV file. DuckDB is then told the columns explicitly instead of
 * sniffing them, because the sniffer answers a malformed file with a vague "could not detect the
 * dialect" where an explicit read names the bad line.
 */
import { open } from "node:fs/promises";
import { BadDataError } from "../core/errors.ts";

const BLOCK = 64 * 1024;
/** A header longer than this is taken to be a runaway quote rather than column names. */
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

/**
 * The column names of a CSV file's first record (RFC 4180: `,` separator, `"` quotes with `""`
 * inside, record ends at LF or CRLF outside quotes; a UTF-8 byte-order mark is dropped).
 * Returns null for a file with no header (empty, or only blank space).
 *
 * @throws BadDataError when the header has an unterminated quote.
 */
export async function readCsvHeader(file: string): Promise<string[] | null> {
  const handle = await open(file, "r");
  try {
    const decoder = new TextDecoder("utf-8");
    const buffer = Buffer.alloc(BLOCK);
    const parser = new HeaderParser();
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, BLOCK, null);
      const done = bytesRead === 0;
      const text = done ? decoder.decode() : decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
      total += bytesRead;
      if (parser.feed(total === bytesRead ? text.replace(/^\uFEFF/, "") : text) || done) break;
      if (total > MAX_HEADER_BYTES) break;
    }
    if (parser.inQuotes) {
      throw new BadDataError("the header row has an unterminated quote", {
        location: { file },
        hint: 'a field that starts with " must end with " (write a quote inside a field as "")',
      });
    }
    const names = parser.finish();
    return names.length === 1 && names[0].trim() === "" ? null : names;
  } finally {
    await handle.close();
  }
}

/** An incremental RFC 4180 parser that stops at the end of the first record. */
class HeaderParser {
  inQuotes = false;
  private readonly fields: string[] = [];
  private field = "";
  /** The previous character closed a quoted section (so `""` is a literal quote). */
  private closedQuote = false;
  private complete = false;

  /** Consumes text; returns true once the first record is complete. */
  feed(text: string): boolean {
    for (let i = 0; i < text.length && !this.complete; i++) {
      const ch = text[i];
      if (this.inQuotes) {
        if (ch === '"') {
          this.inQuotes = false;
          this.closedQuote = true;
        } else this.field += ch;
        continue;
      }
      if (ch === '"') {
        if (this.closedQuote) this.field += '"';
        this.inQuotes = true;
        this.closedQuote = false;
      } else if (ch === ",") {
        this.endField();
      } else if (ch === "\n" || ch === "\r") {
        // LF, CRLF and a lone CR all end the record; only the first record is wanted.
        this.complete = true;
      } else {
        this.field += ch;
        this.closedQuote = false;
      }
    }
    return this.complete;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = "";
    this.closedQuote = false;
  }

  /** The fields read so far (the whole header once `feed` returned true or the input ended). */
  finish(): string[] {
    this.endField();
    return this.fields;
  }
}
