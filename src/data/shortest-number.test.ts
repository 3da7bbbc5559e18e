import { describe, expect, it } from "vitest";
import { SeededRandom } from "../algorithms/random.ts";
import { writeShortestNumber } from "./shortest-number.ts";

const decoder = new TextDecoder();
const bytes = new Uint8Array(64);
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);

/** The text written for `v`, or undefined when the method leaves `v` to `String(v)`. */
function written(v: number): string | undefined {
  const end = writeShortestNumber(bytes, 0, v);
  return end < 0 ? undefined : decoder.decode(bytes.subarray(0, end));
}

/** `v` and the doubles on either side of it. */
function withNeighbours(v: number): number[] {
  scratch[0] = v;
  const out = [v];
  for (const step of [-1, 1]) {
    scratch[0] = v;
    const low = words[0] + step;
    words[0] = low >>> 0;
    if (low < 0) words[1] -= 1;
    else if (low > 0xffffffff) words[1] += 1;
    out.push(scratch[0]);
  }
  return out;
}

/** Checks every value: written exactly as String(v), or left to it; returns how many were left. */
function expectSameAsString(values: Iterable<number>): { checked: number; left: number } {
  let checked = 0;
  let left = 0;
  const mismatches: string[] = [];
  for (const v of values) {
    checked++;
    const text = written(v);
    if (text === undefined) left++;
    else if (text !== String(v) && mismatches.length < 10) mismatches.push(`${String(v)} written as ${text}`);
  }
  expect(mismatches).toEqual([]);
  return { checked, left };
}

function* generate(
  count: number,
  make: (random: SeededRandom, i: number) => number,
  seed = 7,
): Generator<number> {
  const random = new SeededRandom(seed);
  for (let i = 0; i < count; i++) yield make(random, i);
}

describe("writeShortestNumber", () => {
  it("spells hand-picked values as String() does", () => {
    for (const v of [0.1, 0.2, 0.30000000000000004, 0.5, 1.5, 2 / 3, 1 / 3, 123.456, 0.000123456, 99.99]) {
      expect(written(v)).toBe(String(v));
    }
    // Whole numbers beyond 32 bits (the engine settles those from 2^52 up: their edges are whole).
    for (const v of [2 ** 31, 3e9, 1234567890123]) expect(written(v)).toBe(String(v));
    expectSameAsString([2 ** 53 + 2, 12345678901234568, 99999999999999980]);
  });

  it("leaves values outside its range to String()", () => {
    for (const v of [
      0,
      -0.5,
      1e-5,
      5e-324,
      2.2250738585072014e-308,
      1e17,
      1e21,
      Number.MAX_VALUE,
      Infinity,
      NaN,
    ]) {
      expect(written(v)).toBeUndefined();
    }
  });

  it("matches String() on random probabilities and covers nearly all of them", () => {
    const { checked, left } = expectSameAsString(
      generate(200_000, (random) => 1 / (1 + Math.exp(-(random.next() * 16 - 8)))),
    );
    // Only values with a candidate exactly on an interval edge or two equally near are left.
    expect(left / checked).toBeLessThan(0.001);
  });

  it("matches String() across magnitudes, including values of few digits and their neighbours", () => {
    const { checked, left } = expectSameAsString(
      generate(100_000, (random) => random.next() * 10 ** (random.nextInt(21) - 4)),
    );
    expect(left / checked).toBeLessThan(0.1);
    const short = [...generate(30_000, (random) => random.nextInt(1_000_000) / 10 ** random.nextInt(9), 11)];
    expectSameAsString(short.flatMap(withNeighbours));
  });

  it("matches String() at powers of two and ten and their neighbours (uneven rounding gaps)", () => {
    const values: number[] = [];
    for (let e = -14; e < 57; e++) values.push(...withNeighbours(2 ** e));
    for (let e = -3; e < 17; e++) values.push(...withNeighbours(10 ** e));
    const { left } = expectSameAsString(values);
    expect(left).toBeLessThan(values.length / 4);
  });

  it("matches String() on random bit patterns in range", () => {
    const random = new SeededRandom(3);
    const values = generate(200_000, () => {
      // Exponent spread over [2^-13, 2^40), mantissa bits at random.
      words[1] = ((1010 + random.nextInt(53)) << 20) | random.nextInt(1 << 20);
      words[0] = random.nextInt(2 ** 32);
      return scratch[0];
    });
    const { checked, left } = expectSameAsString(values);
    expect(left / checked).toBeLessThan(0.001);
  });
});
