/**
 * The typed-array kinds an artifact may hold, and their on-disk form: raw little-endian bytes.
 * Reading constructs arrays only through this fixed table — a manifest can never make the
 * engine instantiate an arbitrary global by name.
 */
import type { TypedArray } from "../algorithms/matrix.ts";

type TypedArrayConstructor = {
  new (length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

const DTYPES = Object.freeze({
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} satisfies Record<string, TypedArrayConstructor>);

/** Name of an allowed typed-array constructor, as recorded in `ArtifactPart.dtype`. */
export type DType = keyof typeof DTYPES;

/** Allowed dtype names, for messages. */
export const DTYPE_NAMES: readonly DType[] = Object.freeze(Object.keys(DTYPES) as DType[]);

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether `name` is an allowed dtype (own key of the table, so `"constructor"` etc. are rejected). */
export function isDType(name: unknown): name is DType {
  return typeof name === "string" && Object.hasOwn(DTYPES, name);
}

/** Bytes per element of a dtype. */
export function bytesPerElement(dtype: DType): number {
  return DTYPES[dtype].BYTES_PER_ELEMENT;
}

/**
 * The dtype of an allowed typed array, or undefined for anything else (DataView, BigInt64Array,
 * Uint8ClampedArray, plain arrays). Subclasses such as Node's Buffer count as their base type.
 */
export function dtypeOf(value: unknown): DType | undefined {
  for (const name of DTYPE_NAMES) {
    if (value instanceof DTYPES[name]) return name;
  }
  return undefined;
}

/** The array's elements as little-endian bytes (a view when the host is little-endian, else a copy). */
export function toLittleEndianBytes(array: TypedArray): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return HOST_IS_LITTLE_ENDIAN ? bytes : swapBytes(bytes.slice(), array.BYTES_PER_ELEMENT);
}

/**
 * Rebuilds an array from little-endian bytes. Always copies into a fresh, correctly aligned
 * ArrayBuffer: a file buffer's offset need not be a multiple of the element size.
 * The caller has checked that `bytes.length === length * bytesPerElement(dtype)`.
 */
export function fromLittleEndianBytes(dtype: DType, bytes: Uint8Array, length: number): TypedArray {
  const array = new DTYPES[dtype](length);
  const target = new Uint8Array(array.buffer);
  target.set(bytes);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(target, array.BYTES_PER_ELEMENT);
  return array;
}

/** Reverses the byte order of each `width`-byte element in place. */
function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  if (width === 1) return bytes;
  for (let start = 0; start < bytes.length; start += width) {
    bytes.subarray(start, start + width).reverse();
  }
  return bytes;
}
