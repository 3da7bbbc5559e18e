import type { Matrix } from "./matrix.ts";

/*
 * Argument checks shared by the kernels, with scikit-learn's wording so that messages read the
 * same whichever kernel raised them. Every check throws RangeError.
 */

/** Checks that dimensions are whole, non-negative and match `data.length` (empty matrices pass). */
export function checkShape(x: Matrix, estimator: string): void {
  if (!Number.isInteger(x.rows) || !Number.isInteger(x.cols) || x.rows < 0 || x.cols < 0) {
    throw new RangeError(`${estimator}: invalid matrix shape (${x.rows}, ${x.cols}).`);
  }
  if (x.data.length !== x.rows * x.cols) {
    throw new RangeError(
      `${estimator}: matrix data has length ${x.data.length}, expected rows * cols = ${x.rows * x.cols}.`,
    );
  }
}

/** An output buffer of `length` values: `out` when given (and of that length), else a new one. */
export function outputBuffer(out: Float64Array | undefined, length: number): Float64Array {
  const result = out ?? new Float64Array(length);
  if (result.length !== length) {
    throw new RangeError(`The output buffer has length ${result.length}, expected ${length}.`);
  }
  return result;
}

/**
 * Checks that labels are 0 or 1 and that both classes occur; `oneClass` words the error for a
 * single class in the estimator's own terms.
 */
export function checkBinaryLabels(y: Uint8Array, oneClass: (seen: number) => string): void {
  let seen0 = false;
  let seen1 = false;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === 0) seen0 = true;
    else if (v === 1) seen1 = true;
    else throw new RangeError(`Labels must be 0 or 1; got ${v} at index ${i}.`);
  }
  if (!seen0 || !seen1) throw new RangeError(oneClass(seen1 ? 1 : 0));
}

/**
 * Checks a matrix is non-empty and consistent (`data.length === rows * cols`).
 *
 * @throws RangeError otherwise.
 */
export function checkMatrix(x: Matrix, estimator: string): void {
  if (!Number.isInteger(x.rows) || !Number.isInteger(x.cols) || x.rows < 1 || x.cols < 1) {
    throw new RangeError(
      `${estimator}: found array with ${x.rows} sample(s) and ${x.cols} feature(s) while a minimum of 1 is required.`,
    );
  }
  if (x.data.length !== x.rows * x.cols) {
    throw new RangeError(
      `${estimator}: matrix data has length ${x.data.length}, expected rows * cols = ${x.rows * x.cols}.`,
    );
  }
}

/**
 * Rejects NaN and infinite entries (training must see imputed data).
 *
 * @throws RangeError when any entry is not finite.
 */
export function checkFinite(x: Matrix): void {
  const data = x.data;
  // `v - v` is NaN exactly for NaN and ±Infinity, so one accumulated sum checks everything cheaply.
  let acc = 0;
  for (let i = 0; i < data.length; i++) acc += data[i] - data[i];
  if (acc !== 0) throw new RangeError("Input X contains NaN or infinity.");
}

/**
 * Checks that a prediction matrix is consistent and has the fitted number of features.
 *
 * @throws RangeError otherwise.
 */
export function checkPredictInput(dims: number, x: Matrix, estimator: string): void {
  checkShape(x, estimator);
  if (x.cols !== dims) {
    throw new RangeError(
      `X has ${x.cols} features, but ${estimator} is expecting ${dims} features as input.`,
    );
  }
}

/**
 * Validates an integer option in `[min, max]`, with scikit-learn's wording ("The 'k' parameter of
 * KMeans must be an int in the range [1, n_samples]. Got 0 instead."); `maxName` names the bound.
 *
 * @throws RangeError when out of range or not an integer.
 */
export function checkInt(
  estimator: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  maxName?: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const upper = maxName ?? (max === Number.POSITIVE_INFINITY ? "inf" : String(max));
    const close = max === Number.POSITIVE_INFINITY ? ")" : "]";
    throw new RangeError(
      `The '${name}' parameter of ${estimator} must be an int in the range [${min}, ${upper}${close}. Got ${String(value)} instead.`,
    );
  }
  return value;
}

/**
 * Validates a float option in `[0, inf)`, with scikit-learn's wording.
 *
 * @throws RangeError otherwise.
 */
export function checkFloat(estimator: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `The '${name}' parameter of ${estimator} must be a float in the range [0, inf). Got ${String(value)} instead.`,
    );
  }
  return value;
}

/**
 * Validates a seed (any integer; {@link SeededRandom} uses its low 32 bits).
 *
 * @throws RangeError otherwise.
 */
export function checkSeed(estimator: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new RangeError(
      `The 'seed' parameter of ${estimator} must be an int. Got ${String(value)} instead.`,
    );
  }
  return value;
}
