import { describe, expect, it } from "vitest";
import { ArrayPool } from "./array-pool.ts";

describe("ArrayPool", () => {
  it("hands out zero-filled views of the requested length", () => {
    const pool = new ArrayPool();
    const a = pool.float64(5);
    expect(a).toBeInstanceOf(Float64Array);
    expect([...a]).toEqual([0, 0, 0, 0, 0]);
    const b = pool.int32(3);
    expect(b).toBeInstanceOf(Int32Array);
    expect(b.length).toBe(3);
  });

  it("reuses released memory, zeroed again, and never lends one buffer twice at once", () => {
    const pool = new ArrayPool();
    const a = pool.float64(100);
    a.fill(7);
    const b = pool.float64(100);
    expect(b.buffer).not.toBe(a.buffer);
    pool.release(a);
    const c = pool.float64(90);
    expect(c.buffer).toBe(a.buffer);
    expect(c.every((v) => v === 0)).toBe(true);
    // Types are not mixed up: an Int32Array request does not get the Float64Array's buffer.
    pool.release(c);
    expect(pool.int32(10).buffer).not.toBe(a.buffer);
  });

  it("takes everything back with releaseAll, except buffers sent to another thread", () => {
    const pool = new ArrayPool();
    const kept = pool.float64(50);
    const sent = pool.float64(50);
    const buffer = sent.buffer as ArrayBuffer;
    structuredClone(buffer, { transfer: [buffer] });
    pool.releaseAll();
    const next = [pool.float64(50), pool.float64(50)];
    expect(next.map((a) => a.buffer)).toContain(kept.buffer);
    expect(next.every((a) => a.length === 50)).toBe(true);
  });

  it("grows a new buffer when no released one is long enough", () => {
    const pool = new ArrayPool();
    const small = pool.float64(10);
    pool.release(small);
    const big = pool.float64(10_000);
    expect(big.buffer).not.toBe(small.buffer);
    expect(big.length).toBe(10_000);
  });
});
