import type { DataAccess } from "../core/data-access.ts";
import { fingerprintFiles } from "../data/files.ts";
import { readFrame, scanFrames } from "../data/scan.ts";
import { openFrameWriter } from "../data/writer.ts";

/** The DuckDB-backed I/O the pipelines run on. */
export const duckdbDataAccess: DataAccess = {
  readFrame: (request) => readFrame(request),
  scanFrames: (request) => scanFrames(request),
  openWriter: (path, columns) => openFrameWriter(path, columns),
  fingerprint: (files) => fingerprintFiles([...files]),
};
