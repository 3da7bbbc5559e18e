/**
 * Matrices to and from Arrow IPC streams, the table format of the worker protocol. A matrix
 * travels as float64 columns `x0 … x{p-1}` (NaN = missing) plus an optional label column `y`,
 * in record batches of at most {@link BATCH_ROWS} rows. apache-arrow is loaded only here, and
 * this module only when a Python flavour runs.
 */
import { RecordBatchStreamWriter, tableFromArrays, tableFromIPC } from "apache-arrow";
import type { Matrix } from "../../algorithms/matrix.ts";
import { RuntimeFailureError } from "../../core/errors.ts";

/** Rows per record batch, so one huge matrix is not one huge Arrow buffer on either side. */
export const BATCH_ROWS = 65_536;

/** Encodes a row-major matrix (and labels) as an Arrow IPC stream. */
export function encodeMatrix(x: Matrix, labels?: ArrayLike<number>): Uint8Array {
  const batches = [];
  const batchCount = Math.max(1, Math.ceil(x.rows / BATCH_ROWS));
  for (let b = 0; b < batchCount; b++) {
    const start = b * BATCH_ROWS;
    const end = Math.min(x.rows, start + BATCH_ROWS);
    const columns: Record<string, Float64Array | Int32Array> = {};
    for (let j = 0; j < x.cols; j++) {
      const column = new Float64Array(end - start);
      for (let i = start; i < end; i++) column[i - start] = x.data[i * x.cols + j];
      columns[`x${j}`] = column;
    }
    if (labels) columns.y = Int32Array.from({ length: end - start }, (_, i) => labels[start + i]);
    batches.push(...tableFromArrays(columns).batches);
  }
  return RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
}

/** Numeric columns of a reply table, by name. */
export type ReplyColumns = Map<string, Float64Array | Int32Array>;

/**
 * Decodes a reply table into its numeric columns, checking the row count.
 *
 * @throws RuntimeFailureError if the bytes are not an Arrow stream, a column is not numeric, or
 *   the table has the wrong number of rows.
 */
export function decodeColumns(bytes: Uint8Array, expectedRows: number, what: string): ReplyColumns {
  let table: ReturnType<typeof tableFromIPC>;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new RuntimeFailureError(`the Python worker answered "${what}" with a table that is not Arrow IPC`, {
      cause: error,
    });
  }
  if (table.schema.fields.length === 0) {
    throw new RuntimeFailureError(
      `the Python worker answered "${what}" with a table that is not Arrow IPC (no columns)`,
    );
  }
  if (table.numRows !== expectedRows) {
    throw new RuntimeFailureError(
      `the Python worker answered "${what}" with ${table.numRows} rows for ${expectedRows}`,
    );
  }
  const columns: ReplyColumns = new Map();
  for (const field of table.schema.fields) {
    const values = table.getChild(field.name)!.toArray() as unknown;
    if (values instanceof Float64Array || values instanceof Int32Array) columns.set(field.name, values);
    else if (
      ArrayBuffer.isView(values) &&
      !(values instanceof DataView) &&
      !(values instanceof BigInt64Array)
    ) {
      columns.set(field.name, Float64Array.from(values as unknown as ArrayLike<number>));
    } else {
      throw new RuntimeFailureError(
        `the Python worker answered "${what}" with a non-numeric column "${field.name}"`,
      );
    }
  }
  return columns;
}
