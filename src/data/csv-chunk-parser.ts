/**
 * A byte-level CSV parser for the prediction fast path: turns a run of whole CSV records (no
 * header) straight into typed-array columns, with no string per cell for number and category
 * columns.
 *
 * It accepts only input it understands exactly as the DuckDB scanner would read it: plain
 * decimal numbers, category texts equal to a level, missing texts, RFC 4180 quoting. Anything
 * else — a malformed record, an unparsable number, an unknown category, exotic number syntax —
 * makes it answer "unsupported" rather than guess, and the caller re-reads the input with the
 * DuckDB scanner, which produces the validated frame or the exact error (file, row, column, value,
 * hint). So the fast path changes speed, never results or messages.
 */
import { isUtf8 } from "node:buffer";
import { type ArraySource, FRESH_ARRAYS } from "./array-pool.ts";
import { type Column, categoryColumn, type Frame, numberColumn, stringColumn } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";

/** How the records of one file map to the requested columns. */
export interface CsvChunkLayout {
  /** Fields per record (the header's count). */
  fieldCount: number;
  /** Requested columns, in output order. */
  specs: readonly ColumnSpec[];
  /** `positions[i]`: the field index in the file of `specs[i]`. */
  positions: readonly number[];
  /** Texts meaning missing (the empty field is always missing). */
  missing: readonly string[];
}

/** The parse of a chunk, or why the fast path cannot take it (a 0-based record index). */
export type CsvChunkParse = { ok: true; frame: Frame } | { ok: false; record: number; reason: string };

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;

/** 1 for bytes that may appear inside an unquoted field: all but `,` `"` LF and CR. */
const FIELD_BYTE = new Uint8Array(256).fill(1);
for (const b of [COMMA, QUOTE, LF, CR]) FIELD_BYTE[b] = 0;

/** Column kinds, as small integers for the hot loop. */
const KIND = { number: 0, integer: 1, category: 2, string: 3 } as const;

/** Exact powers of ten: a mantissa below 2^53 times or divided by these rounds correctly. */
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Returned by {@link parseDecimal} for text the fast path does not handle. */
const UNSUPPORTED = Number.POSITIVE_INFINITY;

const encoder = new TextEncoder();

/**
 * Parses runs of records of one file layout. Everything derived from the layout is worked out
 * once, here, so that each chunk's parse only runs the byte loop; a worker keeps one parser per
 * input file for the whole run, which also keeps the objects the hot loop reads the same from
 * chunk to chunk (V8 optimises that loop once, instead of again for every chunk's fresh copies).
 */
export class CsvChunkParser {
  private readonly specs: readonly ColumnSpec[];
  private readonly fieldCount: number;
  /** `target[field]`: the index in `specs` of the file's field, or -1 when it is not read. */
  private readonly target: Int32Array;
  private readonly kinds: Int32Array;
  /** Per spec, the UTF-8 bytes of its category levels (empty for other kinds). */
  private readonly levels: readonly (readonly Uint8Array[])[];
  /** Non-empty texts meaning missing, as UTF-8 bytes. */
  private readonly missing: readonly Uint8Array[];

  constructor(layout: CsvChunkLayout) {
    this.specs = layout.specs;
    this.fieldCount = layout.fieldCount;
    this.target = new Int32Array(layout.fieldCount).fill(-1);
    layout.positions.forEach((field, i) => {
      this.target[field] = i;
    });
    this.kinds = Int32Array.from(layout.specs, (s) => KIND[s.type]);
    this.levels = layout.specs.map((s) => (s.categories ?? []).map((l) => encoder.encode(l)));
    this.missing = [...new Set(layout.missing)].filter((m) => m !== "").map((m) => encoder.encode(m));
  }

  /**
   * Parses the records in `bytes` (each ending in LF or CRLF, the last one possibly without);
   * `rows` is their expected count, or -1 when not counted beforehand.
   * Returns the frame of the requested columns, or `ok: false` for anything the fast path does
   * not read exactly like the DuckDB scanner (the caller then falls back to it). Number and
   * category columns are views of arrays from `arrays` (a worker passes its pool and reclaims
   * them per chunk).
   */
  parse(bytes: Uint8Array, rows: number, arrays: ArraySource = FRESH_ARRAYS): CsvChunkParse {
    if (!isUtf8(bytes)) return { ok: false, record: 0, reason: "not valid UTF-8" };
    const { specs } = this;
    // Uncounted: one record per line feed (plus a last one without), unless quoted fields hold
    // line feeds, which only makes the count too high.
    const capacity = rows >= 0 ? rows : countLineFeeds(bytes) + 1;
    const numbers: (Float64Array | undefined)[] = specs.map((s) =>
      s.type === "number" || s.type === "integer" ? arrays.float64(capacity) : undefined,
    );
    const codes: (Int32Array | undefined)[] = specs.map((s) =>
      s.type === "category" ? arrays.int32(capacity) : undefined,
    );
    const texts: ((string | null)[] | undefined)[] = specs.map((s) =>
      s.type === "string" ? ([] as (string | null)[]) : undefined,
    );
    const row = this.scan(bytes, capacity, numbers, codes, texts);
    if (typeof row !== "number") return row;
    if (rows >= 0 && row !== rows) return { ok: false, record: row, reason: "fewer records than counted" };

    const columns = new Map<string, Column>();
    specs.forEach((spec, c) => {
      if (spec.type === "category")
        columns.set(spec.name, categoryColumn(codes[c]!.subarray(0, row), spec.categories ?? []));
      else if (spec.type === "string") columns.set(spec.name, stringColumn(texts[c]!));
      else columns.set(spec.name, numberColumn(numbers[c]!.subarray(0, row)));
    });
    return { ok: true, frame: { rowCount: row, columns } };
  }

  /**
   * The byte loop: fills the columns' arrays record by record; returns the number of records, or
   * why the fast path cannot take them. It returns right after the loop, with nothing after it:
   * V8 compiles a long-running loop mid-way (on-stack replacement), and code behind the loop that
   * had not run yet at that moment would throw that compiled code away on every chunk.
   */
  private scan(
    bytes: Uint8Array,
    capacity: number,
    numbers: readonly (Float64Array | undefined)[],
    codes: readonly (Int32Array | undefined)[],
    texts: readonly ((string | null)[] | undefined)[],
  ): number | Extract<CsvChunkParse, { ok: false }> {
    const { fieldCount, target, kinds, levels, missing } = this;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = bytes.length;
    const missingLength = missing.length === 1 ? missing[0].length : -1;
    const missing0 = missing.length === 1 ? missing[0] : new Uint8Array(0);
    let pos = 0;
    let row = 0;
    while (pos < n) {
      if (row >= capacity) return { ok: false, record: row, reason: "more records than counted" };
      const first = bytes[pos];
      if (first === LF || first === CR) return { ok: false, record: row, reason: "blank line" };
      let field = 0;
      for (;;) {
        let start = pos;
        let end = pos;
        let escaped = false;
        if (pos < n && bytes[pos] === QUOTE) {
          let i = pos + 1;
          start = i;
          for (;;) {
            while (i < n && bytes[i] !== QUOTE) i++;
            if (i >= n) return { ok: false, record: row, reason: "unterminated quote" };
            if (i + 1 < n && bytes[i + 1] === QUOTE) {
              escaped = true;
              i += 2;
              continue;
            }
            break;
          }
          end = i;
          pos = i + 1;
        } else {
          let i = pos;
          while (i < n && FIELD_BYTE[bytes[i]] === 1) i++;
          if (i < n && bytes[i] === QUOTE)
            return { ok: false, record: row, reason: "quote inside an unquoted field" };
          end = i;
          pos = i;
        }
        if (field >= fieldCount) return { ok: false, record: row, reason: "too many fields" };
        const c = target[field];
        if (c >= 0) {
          const length = end - start;
          const isMissing =
            length === 0 ||
            (missingLength >= 0
              ? length === missingLength && equalBytes(bytes, start, end, missing0)
              : matchesAny(bytes, start, end, missing));
          const kind = kinds[c];
          if (kind === KIND.string) {
            let text: string | null = null;
            if (!isMissing) {
              text = buffer.toString("utf8", start, end);
              if (escaped) text = text.replaceAll('""', '"');
            }
            texts[c]!.push(text);
          } else if (escaped && !isMissing) {
            return { ok: false, record: row, reason: "quoted text in a typed column" };
          } else if (kind === KIND.category) {
            let code = -1;
            if (!isMissing) {
              code = levelIndex(bytes, start, end, levels[c]);
              if (code < 0) return { ok: false, record: row, reason: "not a level" };
            }
            (codes[c] as Int32Array)[row] = code;
          } else {
            let value = Number.NaN;
            if (!isMissing) {
              value = parseDecimal(bytes, start, end);
              if (value === UNSUPPORTED) return { ok: false, record: row, reason: "not a plain number" };
              if (kind === KIND.integer && value !== Math.trunc(value)) {
                return { ok: false, record: row, reason: "not a whole number" };
              }
            }
            (numbers[c] as Float64Array)[row] = value;
          }
        }
        field++;
        if (pos >= n) break;
        const b = bytes[pos];
        if (b === COMMA) {
          pos++;
          continue;
        }
        if (b === LF) {
          pos++;
          break;
        }
        if (b === CR && pos + 1 < n && bytes[pos + 1] === LF) {
          pos += 2;
          break;
        }
        return { ok: false, record: row, reason: "unexpected character after a field" };
      }
      if (field !== fieldCount) return { ok: false, record: row, reason: "too few fields" };
      row++;
    }
    return row;
  }
}

/** Line feeds in `bytes`, by Buffer's native search (several times faster than Uint8Array's). */
function countLineFeeds(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let i = buffer.indexOf(LF); i >= 0; i = buffer.indexOf(LF, i + 1)) count++;
  return count;
}

function matchesAny(
  bytes: Uint8Array,
  start: number,
  end: number,
  candidates: readonly Uint8Array[],
): boolean {
  for (const candidate of candidates) if (equalBytes(bytes, start, end, candidate)) return true;
  return false;
}

function levelIndex(bytes: Uint8Array, start: number, end: number, levels: readonly Uint8Array[]): number {
  for (let k = 0; k < levels.length; k++) if (equalBytes(bytes, start, end, levels[k])) return k;
  return -1;
}

function equalBytes(bytes: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text[i]) return false;
  return true;
}

/**
 * `-?digits(.digits)?([eE][+-]?digits)?` as the nearest double (what DuckDB's cast gives), or
 * {@link UNSUPPORTED} for any other text and for overflow. Up to 15 significant digits with a
 * small exponent take the exact fast path; longer forms go through `Number`, which is also
 * correctly rounded.
 */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  const intStart = i;
  while (i < end) {
    const d = bytes[i] - ZERO;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i === intStart) return UNSUPPORTED;
  if (i < end && bytes[i] === DOT) {
    i++;
    const fracStart = i;
    while (i < end) {
      const d = bytes[i] - ZERO;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      digits++;
      i++;
    }
    fraction = i - fracStart;
    if (fraction === 0) return UNSUPPORTED;
  }
  let exponent = 0;
  if (i < end && (bytes[i] === 101 || bytes[i] === 69)) {
    i++;
    let expNegative = false;
    if (bytes[i] === MINUS || bytes[i] === 43) {
      expNegative = bytes[i] === MINUS;
      i++;
    }
    const expStart = i;
    while (i < end) {
      const d = bytes[i] - ZERO;
      if (d < 0 || d > 9) break;
      exponent = exponent * 10 + d;
      i++;
    }
    if (i === expStart || i - expStart > 5) return UNSUPPORTED;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return UNSUPPORTED;
  const scale = exponent - fraction;
  let value: number;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    value = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
  } else {
    value = Math.abs(Number(latin1(bytes, negative ? start + 1 : start, end)));
  }
  if (!Number.isFinite(value)) return UNSUPPORTED;
  return negative ? -value : value;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1");
}
