/**
 * Typed arrays for per-chunk work (parsed columns, design matrices), reused chunk after chunk.
 *
 * Why: a fresh typed array of a few hundred KiB comes from malloc, whose per-thread arenas hand
 * freed memory back to the kernel; the next chunk's array then faults its pages in again and
 * zeroes them. With two prediction workers that doubled the process's page faults and the
 * kernel's TLB work across both cores (bench/RESULTS.md, two workers vs one). Reused arrays stay
 * mapped.
 */

/** Where per-chunk code gets its arrays; {@link FRESH_ARRAYS} allocates, {@link ArrayPool} reuses. */
export interface ArraySource {
  /** A zero-filled array of `length` numbers. */
  float64(length: number): Float64Array;
  /** A zero-filled array of `length` 32-bit integers. */
  int32(length: number): Int32Array;
}

/** New arrays every time: for callers whose arrays outlive the chunk. */
export const FRESH_ARRAYS: ArraySource = {
  float64: (length) => new Float64Array(length),
  int32: (length) => new Int32Array(length),
};

type Pooled = Float64Array | Int32Array;

/**
 * Hands out zero-filled views of kept buffers and takes them back, one by one (`release`) or all
 * at once (`releaseAll`, when a chunk is done). The owner guarantees a released array is no longer
 * used. Arrays sent to another thread meanwhile (detached) are simply not reused.
 */
export class ArrayPool implements ArraySource {
  private readonly free: Pooled[] = [];
  private readonly lent = new Map<ArrayBufferLike, Pooled>();

  /** @param keep - free buffers kept at most; more are left to the garbage collector. */
  constructor(private readonly keep = 64) {}

  float64(length: number): Float64Array {
    return this.take(Float64Array, length);
  }

  int32(length: number): Int32Array {
    return this.take(Int32Array, length);
  }

  /** Takes back one array handed out by this pool (a view of it will do). */
  release(array: Pooled): void {
    const whole = this.lent.get(array.buffer);
    if (!whole) return;
    this.lent.delete(array.buffer);
    this.keepFree(whole);
  }

  /** Takes back every array handed out and not yet released. */
  releaseAll(): void {
    for (const whole of this.lent.values()) this.keepFree(whole);
    this.lent.clear();
  }

  private take<T extends Pooled>(type: { new (length: number): T }, length: number): T {
    const at = this.free.findIndex((whole) => whole instanceof type && whole.length >= length);
    let whole: T;
    if (at >= 0) {
      whole = this.free[at] as T;
      this.free.splice(at, 1);
    } else {
      // Some room to spare, so that a slightly longer chunk next time still fits.
      whole = new type(Math.ceil(length * 1.25) + 64);
    }
    this.lent.set(whole.buffer, whole);
    const view = whole.subarray(0, length) as T;
    view.fill(0);
    return view;
  }

  private keepFree(whole: Pooled): void {
    // A buffer transferred to another thread has been detached: its length reads 0.
    if (whole.length > 0 && this.free.length < this.keep) this.free.push(whole);
  }
}
