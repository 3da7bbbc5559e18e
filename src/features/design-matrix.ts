import type { KernelState, Matrix } from "../algorithms/matrix.ts";
import { type ArraySource, FRESH_ARRAYS } from "../data/array-pool.ts";
import type { CategoryColumn, Frame } from "../data/frame.ts";

/**
 * Turns a frame into the dense row-major matrix a kernel trains on: numeric columns imputed and
 * optionally standardised, category columns one-hot or ordinal encoded. Everything it learns
 * (medians, means, scales) is fitted once on training rows and serialised with the model, so
 * prediction applies exactly the training-time preprocessing.
 */
export interface DesignMatrixSpec {
  numeric: string[];
  categorical: string[];
  /** `median`/`mean` fill missing numbers; `none` keeps NaN (for kernels that handle missing values). */
  impute: "median" | "mean" | "none";
  /** Standardise numeric columns to zero mean and unit variance (population std, like scikit-learn). */
  scale: boolean;
  /** `one-hot`: one 0/1 column per level (missing → all zeros); `ordinal`: the level code (missing → NaN). */
  categoricalEncoding: "one-hot" | "ordinal";
}

export class DesignMatrix {
  private fill: Float64Array;
  private center: Float64Array;
  private scaleBy: Float64Array;
  private levels: string[][] = [];

  constructor(readonly spec: DesignMatrixSpec) {
    this.fill = new Float64Array(spec.numeric.length);
    this.center = new Float64Array(spec.numeric.length);
    this.scaleBy = new Float64Array(spec.numeric.length).fill(1);
  }

  /** Number of matrix columns produced. */
  get width(): number {
    const categorical =
      this.spec.categoricalEncoding === "one-hot"
        ? this.levels.reduce((sum, l) => sum + l.length, 0)
        : this.spec.categorical.length;
    return this.spec.numeric.length + categorical;
  }

  /** Names of the matrix columns, e.g. `Age`, `Sex=male` (for feature importance). */
  get featureNames(): string[] {
    const names = [...this.spec.numeric];
    this.spec.categorical.forEach((column, j) => {
      if (this.spec.categoricalEncoding === "one-hot")
        for (const level of this.levels[j]) names.push(`${column}=${level}`);
      else names.push(column);
    });
    return names;
  }

  /** Learns fill values, centres and scales from training rows. */
  fit(frame: Frame): this {
    this.spec.numeric.forEach((name, j) => {
      const values = numberValues(frame, name);
      const present = values.filter((v) => !Number.isNaN(v));
      let fill = 0;
      if (present.length > 0) fill = this.spec.impute === "mean" ? mean(present) : median(present);
      this.fill[j] = this.spec.impute === "none" ? Number.NaN : fill;
      if (this.spec.scale) {
        // Statistics of the imputed column, as scikit-learn's SimpleImputer → StandardScaler computes them.
        const n = values.length;
        let sum = 0;
        for (let i = 0; i < n; i++) sum += Number.isNaN(values[i]) ? fill : values[i];
        const mu = n > 0 ? sum / n : 0;
        let ss = 0;
        for (let i = 0; i < n; i++) {
          const d = (Number.isNaN(values[i]) ? fill : values[i]) - mu;
          ss += d * d;
        }
        const sd = n > 0 ? Math.sqrt(ss / n) : 0;
        this.center[j] = mu;
        this.scaleBy[j] = sd > 0 ? sd : 1;
      }
    });
    this.levels = this.spec.categorical.map((name) => [...categoryColumnOf(frame, name).levels]);
    return this;
  }

  /**
   * Builds the matrix for `frame` (which must hold the spec's columns), its data from `arrays`
   * (a pool when the caller releases the matrix after use).
   */
  transform(frame: Frame, arrays: ArraySource = FRESH_ARRAYS): Matrix {
    const rows = frame.rowCount;
    const cols = this.width;
    const data = arrays.float64(rows * cols);
    const impute = this.spec.impute !== "none";
    this.spec.numeric.forEach((name, j) => {
      const fill = impute ? this.fill[j] : Number.NaN;
      fillStandardised(data, rows, cols, j, numberValues(frame, name), fill, this.center[j], this.scaleBy[j]);
    });
    let offset = this.spec.numeric.length;
    this.spec.categorical.forEach((name, j) => {
      const codes = categoryColumnOf(frame, name).codes;
      if (this.spec.categoricalEncoding === "one-hot") {
        fillOneHot(data, rows, cols, offset, codes);
        offset += this.levels[j].length;
      } else {
        fillCodes(data, rows, cols, offset, codes);
        offset += 1;
      }
    });
    return { rows, cols, data };
  }

  /** Learned state, for the model artifact. */
  toState(): KernelState {
    return {
      meta: {
        numeric: this.spec.numeric,
        categorical: this.spec.categorical,
        impute: this.spec.impute,
        scale: this.spec.scale,
        categoricalEncoding: this.spec.categoricalEncoding,
        levels: this.levels.map((l) => JSON.stringify(l)),
      },
      arrays: { fill: this.fill, center: this.center, scale: this.scaleBy },
    };
  }

  /** Rebuilds a fitted design matrix from {@link toState}'s output. */
  static fromState(state: KernelState): DesignMatrix {
    const m = state.meta;
    const design = new DesignMatrix({
      numeric: m.numeric as string[],
      categorical: m.categorical as string[],
      impute: m.impute as DesignMatrixSpec["impute"],
      scale: m.scale as boolean,
      categoricalEncoding: m.categoricalEncoding as DesignMatrixSpec["categoricalEncoding"],
    });
    const n = design.spec.numeric.length;
    for (const key of ["fill", "center", "scale"]) {
      const array = state.arrays[key];
      if (!(array instanceof Float64Array) || array.length !== n) {
        throw new Error(`design matrix state: "${key}" must be a Float64Array of length ${n}`);
      }
    }
    design.fill = state.arrays.fill as Float64Array;
    design.center = state.arrays.center as Float64Array;
    design.scaleBy = state.arrays.scale as Float64Array;
    design.levels = (m.levels as string[]).map((l) => JSON.parse(l) as string[]);
    return design;
  }
}

function numberValues(frame: Frame, name: string): Float64Array {
  const column = frame.columns.get(name);
  if (column?.kind !== "number") throw new Error(`design matrix: "${name}" is not a number column`);
  return column.values;
}

function categoryColumnOf(frame: Frame, name: string): CategoryColumn {
  const column = frame.columns.get(name);
  if (column?.kind !== "category") throw new Error(`design matrix: "${name}" is not a category column`);
  return column;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Median as numpy computes it (mean of the two middle values for even counts). */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// The column loops below live in functions of their own, each ending right after its loop: V8
// compiles a long loop mid-way (on-stack replacement), and code after the loop that had not run
// at that moment would discard the compiled loop on every call.

/** Column `j` of the row-major `data` (`cols` wide): `(v - mu) / sd`, missing values as `fill`. */
function fillStandardised(
  data: Float64Array,
  rows: number,
  cols: number,
  j: number,
  values: Float64Array,
  fill: number,
  mu: number,
  sd: number,
): void {
  for (let i = 0, at = j; i < rows; i++, at += cols) {
    const v = values[i];
    data[at] = ((Number.isNaN(v) ? fill : v) - mu) / sd;
  }
}

/** One-hot indicators of `codes` from column `offset` on (missing codes, -1, set none). */
function fillOneHot(data: Float64Array, rows: number, cols: number, offset: number, codes: Int32Array): void {
  for (let i = 0, at = offset; i < rows; i++, at += cols) {
    const code = codes[i];
    if (code >= 0) data[at + code] = 1;
  }
}

/** The codes themselves in column `offset` (missing as NaN). */
function fillCodes(data: Float64Array, rows: number, cols: number, offset: number, codes: Int32Array): void {
  for (let i = 0, at = offset; i < rows; i++, at += cols) data[at] = codes[i] >= 0 ? codes[i] : Number.NaN;
}
