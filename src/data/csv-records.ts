/**
 * CSV records formatted straight into bytes. The writer's hot loop: one record per row of a
 * frame, with no string built per record and no UTF-8 pass over a whole chunk afterwards.
 * Whole numbers (ids, class labels, cluster numbers) are written digit by digit; other numbers
 * get JavaScript's shortest round-trip text (`String(v)`), written by `writeShortestNumber`
 * without building the string wherever it covers the value.
 */
import { csvField } from "./csv-format.ts";
import type { Column, Frame } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";
import { writeShortestNumber } from "./shortest-number.ts";
import { notWholeError } from "./sink.ts";

/** Widest text of a number: `-1.2345678901234567e-308` is 24 characters. */
const NUMBER_WIDTH = 24;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * A growable byte buffer that records are appended to. Reusing one across frames keeps the
 * hot loop free of allocations once it has grown to a frame's size.
 */
export class RecordBuffer {
  /** The bytes; only `[0, length)` are meaningful. Replaced when the buffer grows. */
  bytes: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** The bytes written so far, as a view (valid until the next write or `clear`). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** A copy of the bytes written so far, in a buffer of its own (to transfer or keep). */
  copy(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  /** Forgets the contents; the capacity stays. */
  clear(): void {
    this.length = 0;
  }
}

/** Writes one cell of row `row` into the buffer; room for a fixed-width cell is reserved. */
type CellWriter = (out: RecordBuffer, row: number) => void;

const encoder = new TextEncoder();

/**
 * Appends the CSV records (no header) of every row of `frame` to `out`, byte for byte what
 * the CSV writer's format gives: `csvNumber` for numbers (empty for NaN), quoted-if-needed
 * category levels and strings (`csvField`), empty fields for missing values, LF after each
 * record. `rowsBefore` numbers rows in errors; `path` names the output in them.
 *
 * @throws BadDataError for a non-whole value in an integer column.
 */
export function appendCsvRecords(
  out: RecordBuffer,
  columns: readonly ColumnSpec[],
  frame: Frame,
  path: string,
  rowsBefore: number,
): void {
  let fixedWidth = 1;
  const writers: CellWriter[] = [];
  for (const spec of columns) {
    const column = frame.columns.get(spec.name);
    if (!column) throw new Error(`the frame has no column "${spec.name}" to format`);
    const cell = cellWriter(spec, column, path, rowsBefore);
    writers.push(cell.write);
    fixedWidth += cell.width + 1;
  }
  const last = writers.length - 1;
  for (let row = 0; row < frame.rowCount; row++) {
    out.reserve(fixedWidth);
    for (let c = 0; c < last; c++) {
      writers[c](out, row);
      out.bytes[out.length++] = COMMA;
    }
    if (last >= 0) writers[last](out, row);
    out.bytes[out.length++] = NEWLINE;
  }
}

/** The writer of one column's cells and the widest fixed-width cell it writes (0 if variable). */
function cellWriter(
  spec: ColumnSpec,
  column: Column,
  path: string,
  rowsBefore: number,
): { write: CellWriter; width: number } {
  switch (column.kind) {
    case "number": {
      const values = column.values;
      if (spec.type !== "integer")
        return { write: (out, row) => writeNumber(out, values[row]), width: NUMBER_WIDTH };
      return {
        write: (out, row) => {
          const v = values[row];
          if (!Number.isNaN(v) && !Number.isInteger(v))
            throw notWholeError(path, spec, rowsBefore + row + 1, v);
          writeNumber(out, v);
        },
        width: NUMBER_WIDTH,
      };
    }
    case "category": {
      // Levels are quoted and encoded once per frame, not once per cell.
      const levels = column.levels.map((level) => encoder.encode(csvField(level)));
      const codes = column.codes;
      return {
        write: (out, row) => {
          const code = codes[row];
          if (code < 0) return;
          const level = levels[code];
          if (level === undefined)
            throw new Error(`column "${spec.name}": category code ${code} has no level`);
          const bytes = out.bytes;
          let at = out.length;
          for (let i = 0; i < level.length; i++) bytes[at++] = level[i];
          out.length = at;
        },
        width: levels.reduce((widest, level) => Math.max(widest, level.length), 0),
      };
    }
    case "string": {
      const values = column.values;
      return {
        write: (out, row) => {
          const v = values[row];
          if (v === null) return;
          const text = csvField(v);
          // Room for the cell plus the separator the caller writes after it.
          out.reserve(3 * text.length + 1);
          out.length += encoder.encodeInto(text, out.bytes.subarray(out.length)).written;
        },
        width: 0,
      };
    }
  }
}

/** Appends `csvNumber(v)`: digits for 32-bit integers, `String(v)`'s text otherwise, nothing for NaN. */
function writeNumber(out: RecordBuffer, v: number): void {
  const bytes = out.bytes;
  let at = out.length;
  // Also true for −0, which String() writes as "0" too.
  if (v === (v | 0)) {
    if (v < 0) bytes[at++] = MINUS;
    // |v| ≤ 2³¹ fits an unsigned 32-bit integer, so the digit loop stays in integer arithmetic.
    let rest = (v < 0 ? -v : v) >>> 0;
    let digits = 1;
    for (let bound = 10; bound <= rest; bound *= 10) digits++;
    at += digits;
    // Digits come out last first: fill backwards from the end.
    for (let i = at - 1; i >= at - digits; i--) {
      const next = (rest / 10) >>> 0;
      bytes[i] = ZERO + rest - next * 10;
      rest = next;
    }
  } else if (!Number.isNaN(v)) {
    // Written without a string where the exact method covers v, the usual case (see its module).
    const end = v < 0 ? writeShortestNumber(bytes, at + 1, -v) : writeShortestNumber(bytes, at, v);
    if (end >= 0) {
      if (v < 0) bytes[at] = MINUS;
      at = end;
    } else {
      const text = String(v);
      for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    }
  }
  out.length = at;
}
