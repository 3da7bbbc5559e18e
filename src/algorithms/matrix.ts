/**
 * Numeric containers shared by the kernels. Kernels import nothing from the engine: they see
 * row-major `Float64Array` matrices and return learned state as plain JSON plus typed arrays.
 */

/** Any typed array a kernel may keep as learned state. */
export type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** A dense row-major matrix: element (i, j) is `data[i * cols + j]`. Missing values are NaN. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Creates a zero-filled matrix. */
export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Learned state of a kernel: small values as JSON, bulk numbers as named typed arrays. */
export interface KernelState {
  /** JSON-serialisable scalars and small arrays (hyper-parameters, shapes, counts). */
  meta: { [key: string]: string | number | boolean | null | number[] | string[] };
  /** Bulk numbers (centres, covariances, coefficients, tree nodes). */
  arrays: { [name: string]: TypedArray };
}
