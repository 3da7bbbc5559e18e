/**
 * Accumulates DuckDB result chunks (2048 rows each) into frames of a chosen size, copying vector
 * values straight into typed arrays.
 */
import type { DuckDBDataChunk, DuckDBVector } from "@duckdb/node-api";
import { type Column, categoryColumn, type Frame, numberColumn, stringColumn } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";

/** Rows allocated up front per frame; larger frames grow by doubling up to their size. */
const INITIAL_ROWS = 65_536;

type Buffer = Float64Array | Int32Array | (string | null)[];

/**
 * Builds frames whose columns are `specs`, from chunks whose first `specs.length` columns are
 * the values in that order (DOUBLE without NULLs, INTEGER codes without NULLs, VARCHAR).
 */
export class FrameBuilder {
  private readonly specs: readonly ColumnSpec[];
  private readonly frameRows: number;
  private buffers: Buffer[] = [];
  private capacity = 0;
  private filled = 0;

  constructor(specs: readonly ColumnSpec[], frameRows: number) {
    this.specs = specs;
    this.frameRows = frameRows;
  }

  /** Copies rows [start, end) of `chunk`; returns the frames this completed (often none). */
  append(chunk: DuckDBDataChunk, start: number, end: number): Frame[] {
    const frames: Frame[] = [];
    let from = start;
    while (from < end) {
      if (this.filled === this.capacity) this.grow();
      const take = Math.min(end - from, this.capacity - this.filled);
      for (let c = 0; c < this.specs.length; c++) {
        copyVector(chunk.getColumnVector(c), from, take, this.buffers[c], this.filled);
      }
      this.filled += take;
      from += take;
      if (this.filled === this.frameRows) frames.push(this.take(false));
    }
    return frames;
  }

  /** The rows not yet returned as a frame, or undefined if there are none. */
  finish(): Frame | undefined {
    return this.filled > 0 ? this.take(true) : undefined;
  }

  private grow(): void {
    const rows =
      this.capacity === 0
        ? Math.min(this.frameRows, INITIAL_ROWS)
        : Math.min(this.frameRows, this.capacity * 2);
    this.buffers = this.specs.map((spec, c) => {
      const old = this.buffers[c];
      if (spec.type === "string") return old ?? [];
      const next = spec.type === "category" ? new Int32Array(rows) : new Float64Array(rows);
      if (old) (next as Float64Array).set(old as Float64Array);
      return next;
    });
    this.capacity = rows;
  }

  private take(last: boolean): Frame {
    const n = this.filled;
    const columns = new Map<string, Column>();
    this.specs.forEach((spec, c) => {
      const buffer = this.buffers[c];
      // A short last frame is copied so that it does not pin a mostly empty allocation.
      const trim = <T extends Float64Array | Int32Array>(a: T): T =>
        (last && n < a.length ? a.slice(0, n) : a) as T;
      if (spec.type === "string") columns.set(spec.name, stringColumn(buffer as (string | null)[]));
      else if (spec.type === "category") {
        columns.set(spec.name, categoryColumn(trim(buffer as Int32Array), spec.categories ?? []));
      } else columns.set(spec.name, numberColumn(trim(buffer as Float64Array)));
    });
    this.buffers = [];
    this.capacity = 0;
    this.filled = 0;
    return { rowCount: n, columns };
  }
}

function copyVector(vector: DuckDBVector, from: number, count: number, out: Buffer, at: number): void {
  if (Array.isArray(out)) {
    for (let i = 0; i < count; i++) out.push(vector.getItem(from + i) as string | null);
    return;
  }
  // The SQL never yields NULL for number and category columns (NaN / -1 instead), so the
  // vector's items are the values: copy them in bulk (DOUBLE → Float64Array, INTEGER → Int32Array).
  const items = (vector as unknown as { items?: unknown }).items;
  if (
    (items instanceof Float64Array && out instanceof Float64Array) ||
    (items instanceof Int32Array && out instanceof Int32Array)
  ) {
    out.set(items.subarray(from, from + count), at);
    return;
  }
  for (let i = 0; i < count; i++) out[at + i] = vector.getItem(from + i) as number;
}
