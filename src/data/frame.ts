/**
 * Columnar frames: one typed array per column, never an object per row.
 *
 * - `number` columns hold float64 values; a missing value is NaN.
 * - `category` columns hold int32 codes into `levels`; a missing value is -1.
 * - `string` columns hold free text (names, tickets, ids that are not numbers); missing is null.
 *   They are read only when something needs the text (an id or a passthrough column).
 */

export interface NumberColumn {
  readonly kind: "number";
  readonly values: Float64Array;
}

export interface CategoryColumn {
  readonly kind: "category";
  readonly codes: Int32Array;
  readonly levels: readonly string[];
}

export interface StringColumn {
  readonly kind: "string";
  readonly values: ReadonlyArray<string | null>;
}

export type Column = NumberColumn | CategoryColumn | StringColumn;

/** A batch of rows stored column by column. */
export interface Frame {
  readonly rowCount: number;
  readonly columns: ReadonlyMap<string, Column>;
}

/** Missing-code of category columns. */
export const MISSING_CODE = -1;

export function numberColumn(values: Float64Array): NumberColumn {
  return { kind: "number", values };
}

export function categoryColumn(codes: Int32Array, levels: readonly string[]): CategoryColumn {
  return { kind: "category", codes, levels };
}

export function stringColumn(values: ReadonlyArray<string | null>): StringColumn {
  return { kind: "string", values };
}

/** Builds a frame, checking that every column has `rowCount` values. */
export function makeFrame(columns: ReadonlyMap<string, Column> | Iterable<[string, Column]>): Frame {
  const map = columns instanceof Map ? columns : new Map(columns);
  let rowCount = -1;
  for (const [name, column] of map) {
    const length = columnLength(column);
    if (rowCount === -1) rowCount = length;
    else if (length !== rowCount) {
      throw new Error(`column "${name}" has ${length} values, expected ${rowCount}`);
    }
  }
  return { rowCount: Math.max(rowCount, 0), columns: map };
}

export function columnLength(column: Column): number {
  return column.kind === "category" ? column.codes.length : column.values.length;
}

/** Returns the named column, failing with a programming error when it is absent. */
export function requireColumn(frame: Frame, name: string): Column {
  const column = frame.columns.get(name);
  if (!column) throw new Error(`frame has no column "${name}"`);
  return column;
}

/** The value of one cell as text, for writers (`""` for missing). */
export function cellText(column: Column, row: number): string {
  switch (column.kind) {
    case "number": {
      const v = column.values[row];
      return Number.isNaN(v) ? "" : String(v);
    }
    case "category": {
      const code = column.codes[row];
      return code < 0 ? "" : column.levels[code];
    }
    case "string":
      return column.values[row] ?? "";
  }
}

/** Returns rows [start, end) of a frame; typed arrays are views, not copies. */
export function sliceFrame(frame: Frame, start: number, end: number): Frame {
  const columns = new Map<string, Column>();
  for (const [name, column] of frame.columns) {
    switch (column.kind) {
      case "number":
        columns.set(name, numberColumn(column.values.subarray(start, end)));
        break;
      case "category":
        columns.set(name, categoryColumn(column.codes.subarray(start, end), column.levels));
        break;
      case "string":
        columns.set(name, stringColumn(column.values.slice(start, end)));
        break;
    }
  }
  return { rowCount: Math.max(0, Math.min(end, frame.rowCount) - start), columns };
}

/** Returns the rows at `indices`, in that order (used for train/test splits). */
export function takeRows(frame: Frame, indices: Int32Array | Uint32Array): Frame {
  const columns = new Map<string, Column>();
  const n = indices.length;
  for (const [name, column] of frame.columns) {
    if (column.kind === "number") {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = column.values[indices[i]];
      columns.set(name, numberColumn(out));
    } else if (column.kind === "category") {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = column.codes[indices[i]];
      columns.set(name, categoryColumn(out, column.levels));
    } else {
      const out = new Array<string | null>(n);
      for (let i = 0; i < n; i++) out[i] = column.values[indices[i]];
      columns.set(name, stringColumn(out));
    }
  }
  return { rowCount: n, columns };
}

/** Concatenates frames with the same columns (e.g. chunks read for training). */
export function concatFrames(frames: readonly Frame[]): Frame {
  if (frames.length === 1) return frames[0];
  if (frames.length === 0) return { rowCount: 0, columns: new Map() };
  const total = frames.reduce((sum, f) => sum + f.rowCount, 0);
  const columns = new Map<string, Column>();
  for (const [name, first] of frames[0].columns) {
    if (first.kind === "number") {
      const out = new Float64Array(total);
      let offset = 0;
      for (const f of frames) {
        const c = requireColumn(f, name) as NumberColumn;
        out.set(c.values, offset);
        offset += f.rowCount;
      }
      columns.set(name, numberColumn(out));
    } else if (first.kind === "category") {
      const out = new Int32Array(total);
      let offset = 0;
      for (const f of frames) {
        const c = requireColumn(f, name) as CategoryColumn;
        out.set(c.codes, offset);
        offset += f.rowCount;
      }
      columns.set(name, categoryColumn(out, first.levels));
    } else {
      const out: (string | null)[] = [];
      for (const f of frames) for (const v of (requireColumn(f, name) as StringColumn).values) out.push(v);
      columns.set(name, stringColumn(out));
    }
  }
  return { rowCount: total, columns };
}
