/**
 * A prediction worker thread: restores the model once from the artifact in `workerData`, then
 * answers chunk tasks — parse (CSV bytes) → predict in batches → output columns, formatted as CSV
 * records when the output is CSV — so that all per-row work runs in parallel.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ModelCore } from "../../core/model-core.ts";
import { PipelineRegistry } from "../../core/pipeline-registry.ts";
import { ArrayPool } from "../../data/array-pool.ts";
import { CsvChunkParser } from "../../data/csv-chunk-parser.ts";
import { appendCsvRecords, RecordBuffer } from "../../data/csv-records.ts";
import { type Column, type Frame, numberColumn, sliceFrame } from "../../data/frame.ts";
import { builtinPipelines } from "../../models/builtin.ts";
import { registerPlugins } from "../config.ts";
import {
  type ChunkInput,
  serializeError,
  transferablesOf,
  type WorkerInit,
  type WorkerReply,
  type WorkerTask,
} from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("predict-worker.ts must run in a worker thread");
const init = workerData as WorkerInit;
// V8 compiles typed-array code on the assumption that no buffer of this thread was ever detached,
// and throws all of it away the first time one is (here: the first reply's transfer), so every hot
// function would be compiled twice. Detaching a buffer now, before any of it is compiled, avoids
// that.
const detached = new ArrayBuffer(0);
structuredClone(detached, { transfer: [detached] });
/** Output records of the current chunk; reused, so formatting allocates only while it grows. */
const records = new RecordBuffer();
/** Parsed columns of the current chunk; taken back once its output has been sent. */
const columnArrays = new ArrayPool();
const LF = 10;
/** One parser per CSV input file, for the whole run. */
const parsers = (init.csvLayouts ?? []).map((layout) => new CsvChunkParser(layout));

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function restore(): Promise<ModelCore> {
  const registry = new PipelineRegistry(builtinPipelines());
  await registerPlugins(registry, init.config);
  const model = registry.get(init.modelType).factory.restore(init.artifact);
  model.applyRuntimeParams(init.params);
  return model;
}

/** Predicts `frame` in batches of `batchSize` rows and assembles the output columns. */
async function predictChunk(model: ModelCore, frame: Frame, startRow: number): Promise<Frame> {
  const n = frame.rowCount;
  const parts: Frame[] = [];
  for (let from = 0; from < n; from += init.batchSize) {
    const part = init.batchSize >= n ? frame : sliceFrame(frame, from, Math.min(n, from + init.batchSize));
    parts.push(await model.predict(part));
  }
  const columns = new Map<string, Column>();
  const { key } = init;
  if (key.fromInput) columns.set(key.spec.name, frame.columns.get(key.spec.name)!);
  else {
    const rows = new Float64Array(n);
    for (let i = 0; i < n; i++) rows[i] = startRow + i;
    columns.set(key.spec.name, numberColumn(rows));
  }
  for (const spec of init.predictionColumns) columns.set(spec.name, joinColumn(parts, spec.name));
  for (const spec of init.passthrough) columns.set(spec.name, frame.columns.get(spec.name)!);
  return { rowCount: n, columns };
}

/** One column of consecutive prediction batches as one column. */
function joinColumn(parts: readonly Frame[], name: string): Column {
  const first = parts[0].columns.get(name)!;
  if (parts.length === 1) return first;
  const total = parts.reduce((sum, p) => sum + p.rowCount, 0);
  if (first.kind === "string") {
    return {
      kind: "string",
      values: parts.flatMap((p) => [...(p.columns.get(name) as typeof first).values]),
    };
  }
  const out = first.kind === "number" ? new Float64Array(total) : new Int32Array(total);
  let at = 0;
  for (const p of parts) {
    const c = p.columns.get(name)!;
    const values = c.kind === "category" ? c.codes : (c.values as Float64Array);
    out.set(values, at);
    at += p.rowCount;
  }
  return first.kind === "number"
    ? { kind: "number", values: out as Float64Array }
    : { kind: "category", codes: out as Int32Array, levels: first.levels };
}

/**
 * The output records copied into the input chunk's buffer, whose CSV bytes are parsed and no
 * longer needed, or undefined when they do not fit. Sending that buffer back lets the main
 * thread reuse it for a later read: no fresh buffer per chunk on either side.
 */
function intoInputBuffer(input: Extract<ChunkInput, { kind: "csv" }>): Uint8Array | undefined {
  const buffer = input.bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < records.length) return undefined;
  const bytes = new Uint8Array(buffer, 0, records.length);
  bytes.set(records.view());
  return bytes;
}

async function handle(model: ModelCore, task: WorkerTask): Promise<void> {
  const { input } = task;
  if (input.kind === "csv" && init.output === "csv") {
    await handleCsvToCsv(model, task, input);
    return;
  }
  let frame: Frame;
  if (input.kind === "csv") {
    const parsed = parsers[input.file].parse(input.bytes, input.rows, columnArrays);
    if (!parsed.ok) {
      reply({ kind: "unsupported", seq: task.seq, record: parsed.record, reason: parsed.reason });
      return;
    }
    frame = parsed.frame;
  } else frame = input.frame;
  const output = await predictChunk(model, frame, task.startRow);
  if (init.output === "csv") {
    records.clear();
    appendCsvRecords(records, init.outputColumns, output, init.outPath, task.startRow);
    const bytes = records.copy();
    reply({ kind: "done", seq: task.seq, rows: output.rowCount, csv: bytes }, [bytes.buffer as ArrayBuffer]);
  } else {
    reply({ kind: "done", seq: task.seq, rows: output.rowCount, frame: output }, transferablesOf(output));
  }
  // Nothing of this chunk is used any more (output columns sent with the reply are detached).
  columnArrays.releaseAll();
}

/**
 * CSV in, CSV out: the chunk is parsed, predicted and formatted block by block (records cut at
 * a line feed after about `csvBlockBytes`), so that one block's columns, design matrix and output
 * stay in the CPU caches however large the chunk. Each block's arrays are reused by the next.
 */
async function handleCsvToCsv(
  model: ModelCore,
  task: WorkerTask,
  input: Extract<ChunkInput, { kind: "csv" }>,
): Promise<void> {
  const { bytes } = input;
  const parser = parsers[input.file];
  const blockBytes = init.csvBlockBytes ?? bytes.length;
  records.clear();
  let rows = 0;
  for (let from = 0; from < bytes.length; ) {
    const to = blockEnd(bytes, from, blockBytes);
    const parsed = parser.parse(bytes.subarray(from, to), -1, columnArrays);
    if (!parsed.ok) {
      columnArrays.releaseAll();
      reply({ kind: "unsupported", seq: task.seq, record: rows + parsed.record, reason: parsed.reason });
      return;
    }
    const output = await predictChunk(model, parsed.frame, task.startRow + rows);
    appendCsvRecords(records, init.outputColumns, output, init.outPath, task.startRow + rows);
    columnArrays.releaseAll();
    rows += output.rowCount;
    from = to;
  }
  if (input.rows >= 0 && rows !== input.rows) {
    const reason = rows < input.rows ? "fewer records than counted" : "more records than counted";
    reply({ kind: "unsupported", seq: task.seq, record: Math.min(rows, input.rows), reason });
    return;
  }
  const csv = intoInputBuffer(input) ?? records.copy();
  reply({ kind: "done", seq: task.seq, rows, csv }, [csv.buffer as ArrayBuffer]);
}

/** Where the block starting at `from` ends: past the first line feed from byte `from + size - 1` on. */
function blockEnd(bytes: Uint8Array, from: number, size: number): number {
  if (from + size >= bytes.length) return bytes.length;
  const lf = bytes.indexOf(LF, from + size - 1);
  return lf < 0 ? bytes.length : lf + 1;
}

try {
  const model = await restore();
  // Tasks run one at a time, in arrival order: the executor bounds how many are queued.
  let queue: Promise<void> = Promise.resolve();
  port.on("message", (task: WorkerTask) => {
    queue = queue.then(() =>
      handle(model, task).catch((error: unknown) =>
        reply({ kind: "failed", seq: task.seq, error: serializeError(error) }),
      ),
    );
  });
  reply({ kind: "ready" });
} catch (error) {
  reply({ kind: "init-failed", error: serializeError(error) });
}
