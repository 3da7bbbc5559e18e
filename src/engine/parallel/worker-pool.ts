import { Worker } from "node:worker_threads";
import { RuntimeFailureError } from "../../core/errors.ts";
import { workerEntry } from "../../core/paths.ts";
import { type ChunkInput, errorFromWorker, type WorkerInit, type WorkerReply } from "./protocol.ts";

/** A finished chunk: its output, or the fast path's refusal. */
export type ChunkResult = Extract<WorkerReply, { kind: "done" } | { kind: "unsupported" }>;

interface Pending {
  resolve: (result: ChunkResult) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** The worker's module: the bundled worker beside the bundled CLI, else tsx's loader plus the source. */
const ENTRY = workerEntry("predict-worker.js", "engine/parallel/worker-entry.js");

/**
 * Prediction worker threads, each holding the restored model. `run` sends a chunk to the worker
 * with the fewest chunks queued; the caller bounds how many are in flight and restores order.
 */
export class PredictWorkerPool {
  private seq = 0;
  private closed = false;

  private constructor(private readonly workers: PoolWorker[]) {}

  /** Starts `count` workers and waits until each has restored the model. */
  static async start(count: number, init: WorkerInit): Promise<PredictWorkerPool> {
    const workers: PoolWorker[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(ENTRY, { workerData: init });
      const entry: PoolWorker = { worker, pending: new Map() };
      workers.push(entry);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once("message", (message: WorkerReply) => {
            if (message.kind === "ready") resolve();
            else if (message.kind === "init-failed") reject(errorFromWorker(message.error));
            else reject(new Error(`prediction worker sent ${message.kind} before it was ready`));
          });
          worker.once("error", reject);
          worker.once("exit", (code) =>
            reject(new RuntimeFailureError(`a prediction worker exited with code ${code} while starting`)),
          );
        }),
      );
    }
    const pool = new PredictWorkerPool(workers);
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.close();
      throw error;
    }
    for (const entry of workers) pool.listen(entry);
    return pool;
  }

  /** Predicts one chunk; `startRow` is its first row's index in the whole input. */
  run(startRow: number, input: ChunkInput, transfer: ArrayBuffer[]): Promise<ChunkResult> {
    if (this.closed) return Promise.reject(new Error("the prediction worker pool is closed"));
    const seq = this.seq++;
    let target = this.workers[0];
    for (const entry of this.workers) if (entry.pending.size < target.pending.size) target = entry;
    return new Promise<ChunkResult>((resolve, reject) => {
      target.pending.set(seq, { resolve, reject });
      target.worker.postMessage({ seq, startRow, input }, transfer);
    });
  }

  /** Stops every worker; chunks still queued are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
  }

  private listen(entry: PoolWorker): void {
    const { worker, pending } = entry;
    for (const event of ["message", "error", "exit"]) worker.removeAllListeners(event);
    worker.on("message", (message: WorkerReply) => {
      if (message.kind === "ready" || message.kind === "init-failed") return;
      const waiter = pending.get(message.seq);
      if (!waiter) return;
      pending.delete(message.seq);
      if (message.kind === "failed") waiter.reject(errorFromWorker(message.error));
      else waiter.resolve(message);
    });
    const failAll = (error: Error) => {
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    };
    worker.on("error", (error) =>
      failAll(new RuntimeFailureError(`a prediction worker failed: ${error.message}`, { cause: error })),
    );
    worker.on("exit", (code) => {
      if (!this.closed)
        failAll(new RuntimeFailureError(`a prediction worker exited unexpectedly (code ${code})`));
    });
  }
}
