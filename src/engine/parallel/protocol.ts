/**
 * The messages between the prediction executor (main thread) and its worker threads. Typed-array
 * buffers are transferred, not copied; text columns travel only when the output needs them.
 */
import type { LoadedArtifact } from "../../core/artifact-types.ts";
import {
  ArtifactIntegrityError,
  BadDataError,
  DatasetSchemaError,
  EngineError,
  type EngineErrorOptions,
  type ErrorCode,
  NotFoundError,
  RuntimeFailureError,
  SetupValidationError,
  UsageError,
} from "../../core/errors.ts";
import type { JsonObject } from "../../core/json.ts";
import type { CsvChunkLayout } from "../../data/csv-chunk-parser.ts";
import type { Frame } from "../../data/frame.ts";
import type { ColumnSpec } from "../../data/metadata.ts";
import type { LoadedConfig } from "../config.ts";

/** Sent once as `workerData`: the model to restore and how to shape the output. */
export interface WorkerInit {
  modelType: string;
  artifact: LoadedArtifact;
  params: JsonObject;
  batchSize: number;
  /** Plug-in modules to register, so plug-in model types restore in the worker too. */
  config: LoadedConfig;
  key: { spec: ColumnSpec; fromInput: boolean };
  predictionColumns: readonly ColumnSpec[];
  passthrough: readonly ColumnSpec[];
  outputColumns: readonly ColumnSpec[];
  /** `csv`: reply with formatted CSV records; `frame`: reply with the output columns. */
  output: "csv" | "frame";
  /** Named in formatting errors. */
  outPath: string;
  /** How each input file's records map to the columns, when the input is read as CSV bytes. */
  csvLayouts?: readonly CsvChunkLayout[];
  /** Bytes of CSV records parsed and predicted at a time, when the output is CSV. */
  csvBlockBytes?: number;
}

/**
 * Input of one chunk: raw CSV records of input file `file` (parsed in the worker with that file's
 * entry of {@link WorkerInit.csvLayouts}) or an already validated frame.
 */
export type ChunkInput =
  | { kind: "csv"; bytes: Uint8Array; rows: number; file: number }
  | { kind: "frame"; frame: Frame };

/** One chunk to predict; `startRow` is its first row's 0-based index in the whole input. */
export interface WorkerTask {
  seq: number;
  startRow: number;
  input: ChunkInput;
}

/** An error crossing the thread boundary, rebuilt by {@link errorFromWorker}. */
export interface SerializedError {
  name: string;
  message: string;
  code?: ErrorCode;
  options?: { location?: EngineErrorOptions["location"]; hint?: string };
  stack?: string;
}

export type WorkerReply =
  | { kind: "ready" }
  | { kind: "init-failed"; error: SerializedError }
  /**
   * `csv`: the formatted records, usually in the chunk's input buffer (handed back so that the
   * executor reuses it for a later read); `frame`: the output columns.
   */
  | { kind: "done"; seq: number; rows: number; csv?: Uint8Array; frame?: Frame }
  /** The fast CSV path cannot read this chunk exactly; the executor re-reads with DuckDB. */
  | { kind: "unsupported"; seq: number; record: number; reason: string }
  | { kind: "failed"; seq: number; error: SerializedError };

/** Flattens an error for `postMessage` (engine errors keep their class, code, location and hint). */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof EngineError) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      options: { location: error.location, hint: error.hint },
      stack: error.stack,
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, stack: e.stack };
}

const ENGINE_ERRORS: Record<string, new (message: string, options?: EngineErrorOptions) => EngineError> = {
  UsageError,
  SetupValidationError,
  DatasetSchemaError,
  BadDataError,
  NotFoundError,
  ArtifactIntegrityError,
  RuntimeFailureError,
};

/** Rebuilds a worker's error on the main thread, as the same engine error class where possible. */
export function errorFromWorker(error: SerializedError): Error {
  const cls = ENGINE_ERRORS[error.name];
  const rebuilt = cls
    ? new cls(error.message, error.options)
    : error.code
      ? new EngineError(error.code, error.message, error.options)
      : new Error(error.message);
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

/** The typed-array buffers of a frame that can be transferred (each owned whole by its array). */
export function transferablesOf(frame: Frame): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const column of frame.columns.values()) {
    const array =
      column.kind === "category" ? column.codes : column.kind === "number" ? column.values : undefined;
    if (array && array.buffer instanceof ArrayBuffer && array.byteLength === array.buffer.byteLength) {
      buffers.add(array.buffer);
    }
  }
  return [...buffers];
}
