/**
 * The shortest round-trip decimal text of a double, written straight into bytes: the same
 * characters as `String(v)`, without the string. Formatting prediction probabilities is the
 * CSV writer's hottest step; `String(v)` builds a heap string per value and V8 keeps recent ones
 * in its number-to-string cache, so a worker formatting millions of values keeps the garbage
 * collector's threads busy. With two workers on two cores those threads take CPU time from the
 * workers themselves (see bench/RESULTS.md, two workers vs one).
 *
 * Method: with k chosen so that X = v·10^k lies in [1e16, 1e17), X is held exactly as a sum
 * hi + lo of two doubles (Dekker's product), as are the edges of the interval of reals that
 * round to v (half the gap to each neighbouring double). Every whole number in that interval
 * is a decimal that reads back as v; the one with the most trailing zeros is the shortest text,
 * and among several such the one nearest X wins, which is ECMAScript's Number::toString rule.
 * The interval is at least 1.1 wide at this scale, so a whole number always fits and at most
 * 23 do. Values whose scaled parts would not stay exact (|v| below about 1.2e-4 or from 1e17
 * up, subnormals), and the rare values with a candidate exactly on an edge or two equally near,
 * are left to `String(v)` (the function returns -1).
 */

const SCRATCH = new Float64Array(1);
const SCRATCH_WORDS = new Uint32Array(SCRATCH.buffer);
/** 10^k for k = 0..22: the powers of ten that are exact doubles. */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Veltkamp's splitting constant 2^27 + 1: a double splits into two halves of 26 bits. */
const SPLIT = 134217729;
const POW10_HIGH = POW10.map((p) => {
  const t = SPLIT * p;
  return t - (t - p);
});
const POW10_LOW = POW10.map((p, k) => p - POW10_HIGH[k]);
const LOG10_2 = 0.3010299956639812;
/** The digits of the chosen whole number (up to 18), most significant first. */
const DIGITS = new Uint8Array(24);
const ZERO = 0x30;
const DOT = 0x2e;

/**
 * Writes the text of the positive finite `v` at `bytes[at]` exactly as `String(v)` spells it and
 * returns the end offset, or returns -1 without writing when `v` is outside the range this method
 * covers (see the module comment). The caller has room for 24 bytes.
 */
export function writeShortestNumber(bytes: Uint8Array, at: number, v: number): number {
  SCRATCH[0] = v;
  const highWord = SCRATCH_WORDS[1];
  const lowWord = SCRATCH_WORDS[0];
  const biased = (highWord >>> 20) & 0x7ff;
  if (biased === 0 || biased === 0x7ff || highWord >>> 31 !== 0) return -1;
  const e = biased - 1023; // v in [2^e, 2^(e+1))

  // k with X = v·10^k in [1e16, 1e17): estimated from the binary exponent, then corrected.
  let k = Math.min(22, Math.max(0, 16 - Math.floor((e + 1) * LOG10_2)));
  let hi = v * POW10[k];
  if (hi >= 1e17) {
    if (--k < 0) return -1;
    hi = v * POW10[k];
  } else if (hi < 1e16) {
    if (++k > 22) return -1;
    hi = v * POW10[k];
  }
  // The last mantissa bit of v is 2^lastBit; lo and the edges below are multiples of
  // 2^(lastBit + k - 2) and smaller than 2^6, so they stay exact while lastBit + k ≥ -46.
  const lastBit = e - 52;
  if (lastBit + k < -45) return -1;
  const vSplit = SPLIT * v;
  const vHigh = vSplit - (vSplit - v);
  const vLow = v - vHigh;
  const lo = vHigh * POW10_HIGH[k] - hi + vHigh * POW10_LOW[k] + vLow * POW10_HIGH[k] + vLow * POW10_LOW[k];

  // The edges of the rounding interval as offsets from hi: half a gap up, half a gap down (a
  // quarter when v is a power of two, whose lower neighbour is nearer).
  SCRATCH[0] = 0;
  SCRATCH_WORDS[1] = (lastBit - 1 + 1023) << 20;
  const above = SCRATCH[0] * POW10[k];
  const below = (highWord & 0xfffff) === 0 && lowWord === 0 && biased > 1 ? above / 2 : above;
  const lowEdge = lo - below;
  const highEdge = lo + above;
  // A whole number exactly on an edge reads back as v only when v's mantissa is even: the
  // engine's own algorithm settles that (rare) case.
  if (lowEdge === Math.floor(lowEdge) || highEdge === Math.floor(highEdge)) return -1;
  const lowest = Math.ceil(lowEdge);
  const highest = Math.floor(highEdge);
  const span = highest - lowest;

  // hi as two base-1e8 limbs (hi is a whole number: doubles from 2^53 up are).
  let hi1 = Math.floor(hi / 1e8);
  let hi0 = hi - hi1 * 1e8;
  const hiCarry = carryOf(hi0);
  hi1 += hiCarry;
  hi0 -= hiCarry * 1e8;
  // The interval's top whole number, top1·1e8 + top0; (top mod 10^j) ≤ span means a multiple
  // of 10^j fits in the interval.
  const topCarry = carryOf(hi0 + highest);
  const top1 = hi1 + topCarry;
  const top0 = hi0 + highest - topCarry * 1e8;
  let zeros: number;
  let topRemainder: number;
  if (top0 <= span) {
    zeros = 8;
    for (let q = top1 | 0; q % 10 === 0; q = (q / 10) | 0) zeros++;
    topRemainder = top0;
  } else {
    const t = top0 | 0;
    zeros = 7;
    let m = 10_000_000;
    while (t % m > span) {
      m = (m / 10) | 0;
      zeros--;
    }
    topRemainder = t % m;
  }
  let chosen = highest - topRemainder;
  if (zeros <= 1) {
    // Several multiples of 10^zeros may fit (never more than one of 100, the interval being
    // under 23 wide): take the one nearest X = hi + lo, exactly; leave ties to the engine.
    const step = zeros === 0 ? 1 : 10;
    const further = Math.floor((chosen - lowest) / step);
    let n = Math.min(further, Math.max(0, Math.round((chosen - lo) / step)));
    for (;;) {
      const distance = Math.abs(lo - (chosen - n * step));
      if (n > 0) {
        const above = Math.abs(lo - (chosen - (n - 1) * step));
        if (above === distance) return -1;
        if (above < distance) {
          n--;
          continue;
        }
      }
      if (n < further) {
        const below = Math.abs(lo - (chosen - (n + 1) * step));
        if (below === distance) return -1;
        if (below < distance) {
          n++;
          continue;
        }
      }
      break;
    }
    chosen -= n * step;
  }

  // The chosen whole number c1·1e8 + c0, c1 in [1e7, 1e9], c0 below 1e8: digits by int32 math.
  const chosenCarry = carryOf(hi0 + chosen);
  const c1 = hi1 + chosenCarry;
  const c0 = hi0 + chosen - chosenCarry * 1e8;
  let q1 = c1 | 0;
  const length1 = q1 >= 1e9 ? 10 : q1 >= 1e8 ? 9 : 8;
  for (let i = length1 - 1; i >= 0; i--) {
    const next = (q1 / 10) | 0;
    DIGITS[i] = q1 - next * 10;
    q1 = next;
  }
  let q0 = c0 | 0;
  for (let i = length1 + 7; i >= length1; i--) {
    const next = (q0 / 10) | 0;
    DIGITS[i] = q0 - next * 10;
    q0 = next;
  }
  return layOut(bytes, at, length1 + 8 - zeros, length1 + 8 - k);
}

/** The carry (-1, 0 or 1) that brings a base-1e8 limb off by less than 1e8 back into [0, 1e8). */
function carryOf(limb: number): number {
  return limb < 0 ? -1 : limb >= 1e8 ? 1 : 0;
}

/**
 * Writes `DIGITS[0, count)` as Number::toString lays out the value 0.d₁d₂… × 10^point when
 * 1e-7 < v < 1e21, the only layouts the covered range needs (point from -3 to 17).
 */
function layOut(bytes: Uint8Array, at: number, count: number, point: number): number {
  if (point > 0) {
    if (count <= point) {
      for (let i = 0; i < count; i++) bytes[at++] = ZERO + DIGITS[i];
      for (let i = count; i < point; i++) bytes[at++] = ZERO;
    } else {
      for (let i = 0; i < point; i++) bytes[at++] = ZERO + DIGITS[i];
      bytes[at++] = DOT;
      for (let i = point; i < count; i++) bytes[at++] = ZERO + DIGITS[i];
    }
    return at;
  }
  bytes[at++] = ZERO;
  bytes[at++] = DOT;
  for (let i = point; i < 0; i++) bytes[at++] = ZERO;
  for (let i = 0; i < count; i++) bytes[at++] = ZERO + DIGITS[i];
  return at;
}
