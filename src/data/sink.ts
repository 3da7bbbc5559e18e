/** What the frame writer's formats share: the sink contract and helpers for their output. */
import { open } from "node:fs/promises";
import { BadDataError } from "../core/errors.ts";
import type { Frame } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";

/**
 * Where a format writes rows: a temporary file, which it completes (`finish`) or drops
 * (`discard`). Frames arrive already checked against the specs; row numbers in errors are
 * `rowsBefore + i + 1`.
 */
export interface FrameSink {
  write(frame: Frame, rowsBefore: number): Promise<void>;
  /** Appends records formatted elsewhere (CSV only: see `appendCsvRecords`). */
  writeFormatted?(bytes: Uint8Array): Promise<void>;
  /** Completes the file and flushes it to disk. */
  finish(): Promise<void>;
  /** Releases resources and removes any staging files (not the temporary file itself). */
  discard(): Promise<void>;
}

/** The error for a non-whole value in an integer column. */
export function notWholeError(path: string, spec: ColumnSpec, row: number, value: number): BadDataError {
  return new BadDataError(`${value} is not a whole number (the column is integer)`, {
    location: { file: path, row, column: spec.name },
    hint: `round the values or declare "${spec.name}" as type number`,
  });
}

/** Flushes a file's contents to disk. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
