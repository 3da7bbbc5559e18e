import type { Frame } from "../data/frame.ts";
import type { ColumnSpec } from "../data/metadata.ts";

/** A read of tabular files, validated against the requested columns. */
export interface ReadRequest {
  files: readonly string[];
  columns: readonly ColumnSpec[];
  missingValues: readonly string[];
  /** Rows per chunk for scans. */
  chunkRows?: number;
  onNotice?: (message: string) => void;
  /** Columns that may be present without being read (not worth a notice). */
  knownColumns?: readonly string[];
}

/** An output that becomes visible whole on `commit` or not at all. */
export interface OutputWriter {
  write(frame: Frame): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * The I/O a pipeline needs, injected so that the core does no I/O of its own
 * (the engine wires in the DuckDB-backed implementation).
 */
export interface DataAccess {
  readFrame(request: ReadRequest): Promise<Frame>;
  scanFrames(request: ReadRequest): AsyncIterable<Frame>;
  openWriter(path: string, columns: readonly ColumnSpec[]): Promise<OutputWriter>;
  fingerprint(files: readonly string[]): Promise<string>;
}

/** Progress of long work: `total` is undefined when unknown (e.g. a streamed input). */
export type ProgressListener = (event: { phase: string; done: number; total?: number }) => void;
