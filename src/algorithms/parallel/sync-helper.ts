/**
 * A helper thread that works in lockstep with a synchronous kernel on the main thread.
 *
 * The kernels are synchronous (a fit is one function call), so the helper is not driven by
 * messages and promises: both threads share memory (SharedArrayBuffers) and a small Int32
 * control block. The main thread writes a task (operation code and integer arguments), bumps
 * a generation counter and wakes the helper (Atomics.notify); it then does its own share of the
 * work and blocks (Atomics.wait) until the helper reports the same generation as done. Buffers
 * the helper does not know yet are posted on a MessagePort before the task that needs them;
 * the helper drains that port synchronously (`receiveMessageOnPort`) when it wakes.
 *
 * Between tasks, both sides spin briefly on the control block before going to sleep: a task
 * usually follows within microseconds (the main thread only picks the next split), and a
 * futex wake-up costs more than that.
 *
 * This module holds both sides: {@link SyncHelper} (main thread) and {@link serveTasks}
 * (helper thread). Kernels that use it define their own operation codes and entry module.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";

// Control block slots (Int32). Entry modules (.js, which cannot import this file before the
// TypeScript loader is registered) duplicate STATE, DONE and STATE_FAILED.
/** Generation of the latest task; bumped by the main thread to post one. */
const GEN = 0;
/** Generation of the latest finished task; set by the helper. */
const DONE = 1;
/** Helper state, see the STATE_* values. */
const STATE = 2;
/** Number of messages the main thread has posted on the port (the helper drains up to it). */
const POSTED = 3;
/** Integer result of the latest task. */
const RESULT = 4;
/** Operation code of the latest task. */
const OP = 5;
/** First of {@link MAX_ARGS} integer arguments of the latest task. */
const ARGS = 6;

/** Most integer arguments a task can take. */
export const MAX_ARGS = 10;
const CONTROL_SLOTS = ARGS + MAX_ARGS;

const STATE_STARTING = 0;
const STATE_READY = 1;
/** The helper failed outside a task (set by the entry module, which also wakes DONE waiters). */
const STATE_FAILED = 2;
/** A task threw; its error message follows on the port. */
const STATE_TASK_FAILED = 3;

/** Operation code that ends the helper's loop. */
const OP_EXIT = -1;

/**
 * How long a waiting side polls the control block before it goes to sleep. Waking a sleeping
 * thread costs tens to hundreds of microseconds (more in virtual machines, where an idle core
 * is halted), and the other side usually comes back within microseconds (the main thread only
 * picks the next split; the two shares of a task take about as long). But the poll must stay
 * short: when other processes leave the fit a single core, a polling thread holds that core
 * while the thread it waits for cannot run (with 2 ms of polling, a fit took twice as long as
 * with one thread; with 50 µs, no longer than with one).
 */
const SPIN_MS = 0.05;
/** Polls between two clock reads while spinning. */
const POLLS_PER_CLOCK_READ = 256;
/** The longest a task may take before the main thread gives up on the helper. */
const TASK_TIMEOUT_MS = 10 * 60_000;

/** What the helper receives as `workerData`. */
export interface HelperData {
  control: SharedArrayBuffer;
  port: MessagePort;
}

/** Counts of helper threads, for tests and diagnostics (see {@link helperThreadCounts}). */
const counts = { started: 0, ready: 0, running: 0 };

/**
 * How many helper threads this process has started, how many of those finished loading, and
 * how many have not exited yet.
 */
export function helperThreadCounts(): { started: number; ready: number; running: number } {
  return { ...counts };
}

/**
 * Main-thread handle on one helper thread. Never keeps the process alive (the worker is
 * unref'd); call {@link SyncHelper.close} when done, also on errors.
 */
export class SyncHelper {
  private readonly control: Int32Array;
  private generation = 0;
  private posted = 0;
  private ready = false;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    control: SharedArrayBuffer,
  ) {
    this.control = new Int32Array(control);
  }

  /**
   * Starts the helper thread from `entry` (a module that calls {@link serveTasks}). Returns at
   * once: loading proceeds in the background until {@link SyncHelper.waitUntilReady}.
   * Returns null if the thread cannot be created.
   */
  static start(entry: URL): SyncHelper | null {
    const control = new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    let worker: Worker;
    try {
      const data: HelperData = { control, port: port2 };
      worker = new Worker(entry, { workerData: data, transferList: [port2] });
    } catch {
      port1.close();
      return null;
    }
    counts.started++;
    counts.running++;
    worker.once("exit", () => {
      counts.running--;
    });
    // Errors surface through the control block; an 'error' listener keeps an unexpected one
    // from becoming an uncaught exception of the process.
    worker.on("error", () => {});
    worker.unref();
    return new SyncHelper(worker, port1, control);
  }

  /**
   * Blocks until the helper has loaded. Returns false — after closing it — if it failed to
   * load or did not finish within `timeoutMs`; the caller then works alone.
   */
  waitUntilReady(timeoutMs: number): boolean {
    if (this.ready) return true;
    const deadline = performance.now() + timeoutMs;
    let state = Atomics.load(this.control, STATE);
    while (state === STATE_STARTING) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this.control, STATE, STATE_STARTING, left);
      state = Atomics.load(this.control, STATE);
    }
    if (state !== STATE_READY) {
      this.close();
      return false;
    }
    this.ready = true;
    counts.ready++;
    return true;
  }

  /** Posts a message (e.g. new shared buffers) that the helper reads before its next task. */
  send(message: unknown): void {
    this.port.postMessage(message);
    this.posted++;
    Atomics.store(this.control, POSTED, this.posted);
  }

  /** Posts a task; the helper starts on it at once. Call {@link SyncHelper.wait} before the next. */
  post(op: number, args: ArrayLike<number>): void {
    if (args.length > MAX_ARGS) throw new RangeError(`A helper task takes at most ${MAX_ARGS} arguments.`);
    const control = this.control;
    Atomics.store(control, OP, op);
    for (let k = 0; k < args.length; k++) Atomics.store(control, ARGS + k, args[k]);
    this.generation++;
    Atomics.store(control, GEN, this.generation);
    Atomics.notify(control, GEN);
  }

  /**
   * Waits until the helper has finished the posted task and returns its integer result.
   *
   * @throws Error if the task threw in the helper or the helper stopped responding.
   */
  wait(): number {
    const control = this.control;
    const target = this.generation;
    // Until the task is done, DONE holds the previous generation.
    spinWhileEquals(control, DONE, target - 1);
    const deadline = performance.now() + TASK_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done === target) break;
      if (Atomics.load(control, STATE) === STATE_FAILED) throw new Error("The helper thread failed.");
      const left = deadline - performance.now();
      if (left <= 0) throw new Error("The helper thread stopped responding.");
      Atomics.wait(control, DONE, done, left);
    }
    if (Atomics.load(control, STATE) === STATE_TASK_FAILED) {
      const reply = receiveMessageOnPort(this.port);
      const message = typeof reply?.message === "string" ? reply.message : "unknown error";
      throw new Error(`A task failed in the helper thread: ${message}`);
    }
    return Atomics.load(control, RESULT);
  }

  /**
   * Ends the helper: lets a task still running finish (briefly), asks the loop to exit and
   * terminates the thread. Safe to call more than once.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const control = this.control;
    if (this.ready && Atomics.load(control, STATE) === STATE_READY) {
      // A task may still be running if the main thread threw mid-task; the loop only sees the
      // exit request between tasks.
      const done = Atomics.load(control, DONE);
      if (done !== this.generation) Atomics.wait(control, DONE, done, 1000);
      this.post(OP_EXIT, []);
    }
    void this.worker.terminate();
    this.port.close();
  }
}

/**
 * The helper thread's loop: signals readiness, then runs tasks until the main thread asks it
 * to exit. `receive` gets every message posted with {@link SyncHelper.send}, in order, before
 * the task that follows it; `run` executes one task and returns its integer result.
 */
export function serveTasks(
  data: HelperData,
  receive: (message: unknown) => void,
  run: (op: number, args: Int32Array) => number,
): void {
  const control = new Int32Array(data.control);
  const args = new Int32Array(MAX_ARGS);
  let received = 0;
  let generation = 0;
  Atomics.store(control, STATE, STATE_READY);
  Atomics.notify(control, STATE);
  for (;;) {
    spinWhileEquals(control, GEN, generation);
    while (Atomics.load(control, GEN) === generation) Atomics.wait(control, GEN, generation);
    generation = Atomics.load(control, GEN);
    const op = Atomics.load(control, OP);
    if (op === OP_EXIT) break;
    for (let k = 0; k < MAX_ARGS; k++) args[k] = Atomics.load(control, ARGS + k);
    try {
      const posted = Atomics.load(control, POSTED);
      while (received < posted) {
        const next = receiveMessageOnPort(data.port);
        if (next === undefined) throw new Error("a message announced by the main thread is missing");
        received++;
        receive(next.message);
      }
      Atomics.store(control, RESULT, run(op, args));
    } catch (error) {
      data.port.postMessage({ message: error instanceof Error ? error.message : String(error) });
      Atomics.store(control, STATE, STATE_TASK_FAILED);
    }
    Atomics.store(control, DONE, generation);
    Atomics.notify(control, DONE);
  }
  data.port.close();
}

/** Polls `control[index]` for up to {@link SPIN_MS} while it equals `value`. */
function spinWhileEquals(control: Int32Array, index: number, value: number): void {
  if (Atomics.load(control, index) !== value) return;
  const deadline = performance.now() + SPIN_MS;
  do {
    for (let k = 0; k < POLLS_PER_CLOCK_READ; k++) if (Atomics.load(control, index) !== value) return;
  } while (performance.now() < deadline);
}
