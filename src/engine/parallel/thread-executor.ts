import { UsageError } from "../../core/errors.ts";
import type { PredictExecutor, PredictionPlan } from "../../core/predict-executor.ts";
import type { CsvChunkLayout } from "../../data/csv-chunk-parser.ts";
import { readCsvHeader } from "../../data/csv-header.ts";
import { CsvLayoutUnsupported, csvRecordChunks } from "../../data/csv-record-chunks.ts";
import { fileFormatOf } from "../../data/files.ts";
import { extraColumnsMessage, scanFrames } from "../../data/scan.ts";
import { openFrameWriter } from "../../data/writer.ts";
import type { LoadedConfig } from "../config.ts";
import type { ChunkInput, WorkerInit } from "./protocol.ts";
import { transferablesOf } from "./protocol.ts";
import { type ChunkResult, PredictWorkerPool } from "./worker-pool.ts";

/** Options of {@link ThreadPredictExecutor}. */
export interface ThreadExecutorOptions {
  /** Worker threads (at least 1). */
  workers: number;
  /** The engine's config, so workers register the same plug-in model types. */
  config: LoadedConfig;
  /**
   * Chunks queued per worker beyond the one it is working on; bounds memory (chunks in flight)
   * while keeping every worker busy.
   * @defaultValue 2
   */
  queuePerWorker?: number;
}

/**
 * Bytes of CSV records a worker parses and predicts at a time ("block"): about `batchSize` rows,
 * between these bounds. The upper bound keeps a block's working set (its bytes, parsed columns,
 * design matrix and output records) within the CPU caches: with two workers, 2 MiB blocks ran
 * markedly slower per row than 512 KiB.
 */
const MIN_CSV_BLOCK_BYTES = 256;
const MAX_CSV_BLOCK_BYTES = 512 * 1024;
const BYTES_PER_ROW_GUESS = 128;
/**
 * Blocks per chunk (one message to a worker) when the output is CSV: the main thread's work per
 * chunk (a read, two messages, a write) is then paid once per four blocks. Frame outputs keep one
 * block per chunk, since a worker sends a chunk's output columns back as they are.
 */
const CSV_BLOCKS_PER_CHUNK = 4;
/** Room in a chunk buffer for the partial record carried over from the previous read. */
const CARRY_SLACK_BYTES = 16 * 1024;
/** Rows per frame chunk (Parquet, and the DuckDB CSV path) at most, for the same reason. */
const MAX_FRAME_CHUNK_ROWS = 8192;

/**
 * Chunk buffers of finished CSV chunks, kept for the next reads. A chunk's buffer makes a round
 * trip: the records are read into it, it is transferred to a worker, which parses them and writes
 * the output records into the same buffer (they usually fit), transfers it back, and once those
 * are written it serves another read. Without this, every 512 KiB chunk allocated fresh off-heap
 * memory on both threads, whose external-memory pressure made V8 run extra garbage collections.
 */
class ChunkBuffers {
  private readonly free: ArrayBuffer[] = [];

  /**
   * @param size - bytes of each new buffer: a chunk's target plus slack for the partial record
   *   carried over from the previous read, so that pooled buffers nearly always fit.
   * @param keep - buffers kept at most (memory stays bounded whatever the input size).
   */
  constructor(
    private readonly size: number,
    private readonly keep: number,
  ) {}

  /** A buffer of at least `minBytes`: a returned one when it fits, else a new one. */
  take(minBytes: number): ArrayBuffer {
    const last = this.free.at(-1);
    if (last && last.byteLength >= minBytes) return this.free.pop()!;
    return new ArrayBuffer(Math.max(minBytes, this.size));
  }

  /** Hands back a buffer no longer in use (smaller ones, e.g. a worker's own copies, are dropped). */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength >= this.size && this.free.length < this.keep) this.free.push(buffer);
  }
}

/** The fast CSV path met input it does not read exactly like DuckDB: re-read with DuckDB. */
class FastPathUnsupported extends Error {}

interface ChunkSource {
  input: ChunkInput;
  transfer: ArrayBuffer[];
  rows: number;
}

/**
 * Runs batch prediction on worker threads. The main thread only reads bytes (CSV, cut at record
 * boundaries) or DuckDB frames (Parquet, and the CSV fallback) and writes results in input order;
 * the workers parse, validate, predict and format. At most `workers × (1 + queuePerWorker)`
 * chunks are in flight, so memory stays flat however large the input. The output is identical
 * for any worker count and chunk size.
 *
 * CSV input takes the byte-level parser first; if it meets anything it does not read exactly as
 * the DuckDB scanner would (a bad value, a malformed record, unusual number syntax), the partial
 * output is discarded and the input is re-read by the DuckDB scanner, which gives the same frames
 * or the validation error with file, row, column and value.
 */
export class ThreadPredictExecutor implements PredictExecutor {
  private readonly workers: number;
  private readonly queuePerWorker: number;

  constructor(private readonly options: ThreadExecutorOptions) {
    if (!Number.isSafeInteger(options.workers) || options.workers < 1) {
      throw new UsageError(`workers must be a whole number of at least 1, got ${options.workers}`);
    }
    this.workers = options.workers;
    this.queuePerWorker = options.queuePerWorker ?? 2;
  }

  /** Flavours that run in-process TypeScript; others (e.g. Python) keep their own runtime. */
  accepts(plan: PredictionPlan): boolean {
    return plan.runtime === "typescript";
  }

  async run(plan: PredictionPlan): Promise<{ rows: number }> {
    const outputFormat = fileFormatOf(plan.outPath);
    const layouts = await csvLayouts(plan);
    const init: WorkerInit = {
      modelType: plan.modelType,
      artifact: plan.artifact,
      params: plan.params,
      batchSize: plan.batchSize,
      config: this.options.config,
      key: plan.key,
      predictionColumns: plan.predictionColumns,
      passthrough: plan.passthrough,
      outputColumns: plan.outputColumns,
      output: outputFormat === "csv" ? "csv" : "frame",
      outPath: plan.outPath,
      csvLayouts: layouts,
      csvBlockBytes: csvBlockBytes(plan),
    };
    const pool = await PredictWorkerPool.start(this.workers, init);
    try {
      if (layouts) {
        const notices: string[] = [];
        const target = csvBlockBytes(plan) * (outputFormat === "csv" ? CSV_BLOCKS_PER_CHUNK : 1);
        // Enough for every chunk in flight and every write queued, each holding one buffer.
        const buffers = new ChunkBuffers(target + CARRY_SLACK_BYTES, 2 * this.limit);
        try {
          const chunks = csvChunks(plan, notices, target, buffers);
          const rows = await this.stream(plan, pool, chunks, buffers);
          for (const notice of notices) plan.onNotice?.(notice);
          return { rows };
        } catch (error) {
          if (!(error instanceof FastPathUnsupported)) throw error;
        }
      }
      return { rows: await this.stream(plan, pool, frameChunks(plan)) };
    } finally {
      await pool.close();
    }
  }

  /** Chunks in flight at most. */
  private get limit(): number {
    return this.workers * (1 + this.queuePerWorker);
  }

  /**
   * Sends chunks to the pool and writes the results in input order; commits at the end. The
   * buffers of written CSV results go to `buffers`, for reuse.
   */
  private async stream(
    plan: PredictionPlan,
    pool: PredictWorkerPool,
    chunks: AsyncIterable<ChunkSource>,
    buffers?: ChunkBuffers,
  ): Promise<number> {
    const writer = await openFrameWriter(plan.outPath, plan.outputColumns);
    const inFlight: Promise<ChunkResult>[] = [];
    const limit = this.limit;
    // Writes are queued on the writer and run behind the reading: awaiting each one would stall
    // the reading (and so the workers) for every round trip to the disk. At most `limit` wait.
    const writes: Promise<void>[] = [];
    let rows = 0;
    let startRow = 0;
    const writeNext = async () => {
      const result = await inFlight.shift()!;
      if (result.kind === "unsupported") throw new FastPathUnsupported(result.reason);
      const { csv } = result;
      const written = csv
        ? writer.writeFormatted(csv, result.rows).then(() => buffers?.give(csv.buffer as ArrayBuffer))
        : result.frame
          ? writer.write(result.frame)
          : Promise.resolve();
      // Awaited in order below; this only keeps a rejection from counting as unhandled meanwhile.
      written.catch(() => undefined);
      writes.push(written);
      while (writes.length > limit) await writes.shift();
      rows += result.rows;
      plan.onProgress?.({ phase: "predicting", done: rows });
    };
    try {
      for await (const chunk of chunks) {
        const pending = pool.run(startRow, chunk.input, chunk.transfer);
        // Awaited in order below; this only keeps a rejection from counting as unhandled meanwhile.
        pending.catch(() => undefined);
        inFlight.push(pending);
        startRow += chunk.rows;
        while (inFlight.length >= limit) await writeNext();
      }
      while (inFlight.length > 0) await writeNext();
      for (const written of writes) await written;
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return rows;
  }
}

/**
 * How each input file's records map to the requested columns, or undefined when the fast path
 * does not apply (not all CSV, or a header problem, which the DuckDB scanner reports properly).
 */
async function csvLayouts(plan: PredictionPlan): Promise<CsvChunkLayout[] | undefined> {
  if (!plan.files.every((file) => fileFormatOf(file) === "csv")) return undefined;
  const layouts: CsvChunkLayout[] = [];
  for (const file of plan.files) {
    const header = await readCsvHeader(file).catch(() => null);
    if (!header) return undefined;
    const positions: number[] = [];
    for (const spec of plan.readColumns) {
      const at = header.indexOf(spec.name);
      if (at < 0 || header.lastIndexOf(spec.name) !== at) return undefined;
      positions.push(at);
    }
    layouts.push({
      fieldCount: header.length,
      specs: plan.readColumns,
      positions,
      missing: plan.missingValues,
    });
  }
  return layouts;
}

/** Bytes of CSV records per block. */
function csvBlockBytes(plan: PredictionPlan): number {
  return Math.min(MAX_CSV_BLOCK_BYTES, Math.max(MIN_CSV_BLOCK_BYTES, plan.batchSize * BYTES_PER_ROW_GUESS));
}

async function* csvChunks(
  plan: PredictionPlan,
  notices: string[],
  target: number,
  buffers: ChunkBuffers,
): AsyncGenerator<ChunkSource> {
  const allocate = (minBytes: number) => buffers.take(minBytes);
  for (const [i, file] of plan.files.entries()) {
    try {
      // Rows are counted up front only when the output numbers them (no id column).
      for await (const chunk of csvRecordChunks(file, target, !plan.key.fromInput, allocate)) {
        const input: ChunkInput = { kind: "csv", bytes: chunk.bytes, rows: chunk.rows, file: i };
        yield { input, transfer: [chunk.bytes.buffer as ArrayBuffer], rows: Math.max(0, chunk.rows) };
      }
    } catch (error) {
      if (error instanceof CsvLayoutUnsupported) throw new FastPathUnsupported(error.message);
      throw error;
    }
    const header = (await readCsvHeader(file)) ?? [];
    const notice = extraColumnsMessage(file, header, plan.readColumns, plan.knownColumns);
    if (notice) notices.push(notice);
  }
}

async function* frameChunks(plan: PredictionPlan): AsyncGenerator<ChunkSource> {
  const frames = scanFrames({
    files: plan.files,
    columns: plan.readColumns,
    missingValues: plan.missingValues,
    chunkRows: Math.min(plan.batchSize, MAX_FRAME_CHUNK_ROWS),
    onNotice: plan.onNotice,
    knownColumns: plan.knownColumns,
  });
  for await (const frame of frames) {
    yield { input: { kind: "frame", frame }, transfer: transferablesOf(frame), rows: frame.rowCount };
  }
}
