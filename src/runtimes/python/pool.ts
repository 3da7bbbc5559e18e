import os from "node:os";
import { UsageError } from "../../core/errors.ts";
import { type WorkerCommand, workerCommand } from "./interpreter.ts";
import type { Command, CommandMap } from "./protocol.ts";
import { type CallResult, PythonWorker } from "./worker.ts";

/** Options of a {@link PythonWorkerPool}. */
export interface PythonPoolOptions {
  /**
   * Most workers alive at once; each serves one request at a time.
   * @defaultValue `$MPIPE_PYTHON_WORKERS`, else the number of cores (at most 4)
   */
  maxWorkers?: number;
  /**
   * Time a request may take before its worker is killed.
   * @defaultValue `$MPIPE_PYTHON_TIMEOUT` seconds, else 600 s
   */
  requestTimeoutMs?: number;
  /**
   * Time a new worker may take to import its packages and answer `hello`.
   * @defaultValue 60 s
   */
  startTimeoutMs?: number;
  /** How to start a worker. @defaultValue {@link workerCommand} (interpreter from the environment) */
  command?: WorkerCommand;
}

/**
 * Spawns Python workers on demand, reuses idle ones, and replaces dead ones. `close` stops them
 * all; a pool that is never closed still cannot leave orphans (see {@link PythonWorker}).
 */
export class PythonWorkerPool {
  readonly maxWorkers: number;
  readonly requestTimeoutMs: number;
  readonly startTimeoutMs: number;
  private readonly command: WorkerCommand;
  private readonly idle: PythonWorker[] = [];
  private readonly all = new Set<PythonWorker>();
  private readonly waiters: ((worker: PythonWorker | Error) => void)[] = [];
  private starting = 0;
  private closed = false;

  constructor(options: PythonPoolOptions = {}) {
    this.maxWorkers =
      options.maxWorkers ?? envNumber("MPIPE_PYTHON_WORKERS", 1) ?? Math.min(4, os.availableParallelism());
    this.requestTimeoutMs =
      options.requestTimeoutMs ?? (envNumber("MPIPE_PYTHON_TIMEOUT", 0.001) ?? 600) * 1000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.command = options.command ?? workerCommand();
    if (!Number.isInteger(this.maxWorkers) || this.maxWorkers < 1) {
      throw new UsageError(`maxWorkers must be a whole number greater than 0, got ${this.maxWorkers}`);
    }
    if (!(this.requestTimeoutMs > 0)) throw new UsageError(`requestTimeoutMs must be greater than 0`);
  }

  /** Process ids of the workers alive now. */
  get pids(): number[] {
    return [...this.all].filter((w) => w.alive).map((w) => w.pid);
  }

  /** Runs `work` with a worker to itself; the worker goes back to the pool unless it died. */
  async run<T>(work: (worker: PythonWorker) => Promise<T>): Promise<T> {
    const worker = await this.acquire();
    try {
      return await work(worker);
    } finally {
      this.release(worker);
    }
  }

  /** Sends one command to a pooled worker, with the pool's request timeout. */
  call<C extends Command>(
    cmd: C,
    args: CommandMap[C]["args"],
    blobs: Record<string, Uint8Array>,
    what?: string,
  ): Promise<CallResult<C>> {
    return this.run((worker) => worker.call(cmd, args, blobs, { timeoutMs: this.requestTimeoutMs, what }));
  }

  /** Stops every worker (politely, then by force) and refuses further work. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(new Error("the Python worker pool was closed"));
    await Promise.all([...this.all].map((worker) => worker.stop()));
    this.all.clear();
    this.idle.length = 0;
  }

  private async acquire(): Promise<PythonWorker> {
    if (this.closed) throw new Error("the Python worker pool is closed");
    while (this.idle.length > 0) {
      const worker = this.idle.pop()!;
      if (worker.alive) return worker;
      this.all.delete(worker);
    }
    if (this.liveCount() + this.starting < this.maxWorkers) return this.spawn();
    const next = await new Promise<PythonWorker | Error>((resolve) => this.waiters.push(resolve));
    if (next instanceof Error) throw next;
    return next;
  }

  private async spawn(): Promise<PythonWorker> {
    this.starting++;
    try {
      const worker = await PythonWorker.start(this.command, this.startTimeoutMs);
      this.all.add(worker);
      if (this.closed) {
        await worker.stop();
        throw new Error("the Python worker pool was closed");
      }
      return worker;
    } finally {
      this.starting--;
    }
  }

  private release(worker: PythonWorker): void {
    if (!worker.alive) this.all.delete(worker);
    const waiter = this.waiters.shift();
    if (!waiter) {
      if (worker.alive && !this.closed) this.idle.push(worker);
      return;
    }
    if (worker.alive) {
      waiter(worker);
      return;
    }
    // The worker died: start a fresh one for whoever was waiting.
    this.spawn().then(waiter, waiter);
  }

  private liveCount(): number {
    let count = 0;
    for (const worker of this.all) if (worker.alive) count++;
    return count;
  }
}

function envNumber(name: string, min: number): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    throw new UsageError(`${name}=${text} must be a number of at least ${min}`);
  }
  return value;
}

let shared: PythonWorkerPool | undefined;

/** The process-wide pool that Python flavours use; created on first use. */
export function pythonRuntime(): PythonWorkerPool {
  shared ??= new PythonWorkerPool();
  return shared;
}

/** Stops the process-wide pool if it was ever used (the engine calls this on close). */
export async function shutdownPythonRuntime(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
