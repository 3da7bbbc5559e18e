/**
 * Clustering quality metrics matching scikit-learn: the mean silhouette coefficient (Euclidean
 * distance) and the adjusted Rand index.
 */
import type { Matrix } from "./matrix.ts";
import { SeededRandom } from "./random.ts";

/** Options of {@link silhouetteScore}. */
export interface SilhouetteOptions {
  /**
   * Score a seeded random sample of this many rows instead of all of them (the exact computation is
   * quadratic in the row count). Ignored when it is not smaller than the row count.
   */
  sampleSize?: number;
  /** Seed of the {@link SeededRandom} drawing the sample. Default 0. */
  seed?: number;
}

/**
 * Mean silhouette coefficient over the rows, like scikit-learn's `silhouette_score` with the
 * Euclidean metric: for a row, `a` is its mean distance to the other members of its cluster, `b` the
 * smallest mean distance to the members of another cluster, and `s = (b - a) / max(a, b)`; rows of
 * singleton clusters (and rows with `a = b = 0`) score 0. Labels may be any integers, each distinct
 * value being one cluster.
 *
 * Cost is O(m² · cols) for m scored rows; pass `sampleSize` for large inputs.
 *
 * @throws RangeError when `labels` does not have one entry per row, when `sampleSize` is not a
 *   positive integer, or when the (sampled) rows do not have between 2 and m - 1 distinct labels.
 */
export function silhouetteScore(x: Matrix, labels: Int32Array, options: SilhouetteOptions = {}): number {
  const n = x.rows;
  const d = x.cols;
  if (x.data.length !== n * d) {
    throw new RangeError(
      `silhouetteScore: matrix data has length ${x.data.length}, expected rows*cols = ${n * d}.`,
    );
  }
  if (labels.length !== n) {
    throw new RangeError(
      `Found input variables with inconsistent numbers of samples: [${n}, ${labels.length}]`,
    );
  }
  let data = x.data;
  let rowLabels = labels;
  let m = n;
  const { sampleSize } = options;
  if (sampleSize !== undefined) {
    if (!Number.isInteger(sampleSize) || sampleSize < 1) {
      throw new RangeError(`silhouetteScore: sampleSize must be a positive integer, got ${sampleSize}.`);
    }
    if (sampleSize < n) {
      // Partial Fisher–Yates: the first `sampleSize` slots become a uniform sample without replacement.
      const rng = new SeededRandom(options.seed ?? 0);
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      for (let i = 0; i < sampleSize; i++) {
        const j = i + rng.nextInt(n - i);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      m = sampleSize;
      data = new Float64Array(m * d);
      rowLabels = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const row = order[i];
        rowLabels[i] = labels[row];
        for (let j = 0; j < d; j++) data[i * d + j] = x.data[row * d + j];
      }
    }
  }

  const { codes, count: clusters } = encodeLabels(rowLabels);
  if (clusters < 2 || clusters > m - 1) {
    throw new RangeError(`Number of labels is ${clusters}. Valid values are 2 to n_samples - 1 (inclusive)`);
  }
  const sizes = new Float64Array(clusters);
  for (let i = 0; i < m; i++) sizes[codes[i]]++;

  // sums[i * clusters + c]: total distance from row i to the members of cluster c.
  const symmetric = m * clusters <= 1 << 22;
  const sums = new Float64Array(symmetric ? m * clusters : clusters);
  let total = 0;
  if (symmetric) {
    // Each pair once, credited to both rows: half the square roots of the row-by-row form.
    for (let i = 0; i < m; i++) {
      const ib = i * d;
      const ci = codes[i];
      for (let j = i + 1; j < m; j++) {
        const distance = Math.sqrt(squaredDistance(data, ib, j * d, d));
        sums[i * clusters + codes[j]] += distance;
        sums[j * clusters + ci] += distance;
      }
    }
    for (let i = 0; i < m; i++) total += silhouetteOf(sums, i * clusters, codes[i], sizes, clusters);
  } else {
    // Too many rows × clusters to hold: one row at a time (every pair twice).
    for (let i = 0; i < m; i++) {
      sums.fill(0);
      const ib = i * d;
      for (let j = 0; j < m; j++)
        if (j !== i) sums[codes[j]] += Math.sqrt(squaredDistance(data, ib, j * d, d));
      total += silhouetteOf(sums, 0, codes[i], sizes, clusters);
    }
  }
  return total / m;
}

/**
 * Adjusted Rand index between two labelings of the same rows, exactly like scikit-learn's
 * `adjusted_rand_score` (pair counts in exact integer arithmetic, 1.0 for identical partitions and
 * for empty input). Labels may be any integers, compared only for equality; in particular -1 is just
 * another label, so callers should drop rows with missing labels first.
 *
 * @throws RangeError when the labelings differ in length.
 */
export function adjustedRandIndex(a: Int32Array, b: Int32Array): number {
  const n = a.length;
  if (b.length !== n) {
    throw new RangeError(`Found input variables with inconsistent numbers of samples: [${n}, ${b.length}]`);
  }
  const ea = encodeLabels(a);
  const eb = encodeLabels(b);
  const rowSums = new Float64Array(ea.count);
  const colSums = new Float64Array(eb.count);
  for (let i = 0; i < n; i++) {
    rowSums[ea.codes[i]]++;
    colSums[eb.codes[i]]++;
  }
  // Σ n_ij² over the contingency table: dense when small, sparse otherwise. Every count and sum of
  // squares is an integer below n² ≤ 2⁵³ for any realistic n, so plain numbers are exact here.
  let sumSquares = 0;
  const cells = ea.count * eb.count;
  if (cells <= 1 << 24) {
    const table = new Float64Array(cells);
    for (let i = 0; i < n; i++) table[ea.codes[i] * eb.count + eb.codes[i]]++;
    for (let c = 0; c < cells; c++) sumSquares += table[c] * table[c];
  } else {
    const table = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const key = ea.codes[i] * eb.count + eb.codes[i];
      table.set(key, (table.get(key) ?? 0) + 1);
    }
    for (const v of table.values()) sumSquares += v * v;
  }
  let rowSquares = 0;
  for (let c = 0; c < ea.count; c++) rowSquares += rowSums[c] * rowSums[c];
  let colSquares = 0;
  for (let c = 0; c < eb.count; c++) colSquares += colSums[c] * colSums[c];

  // scikit-learn's pair_confusion_matrix (ordered pairs).
  const tp = BigInt(sumSquares - n);
  const fp = BigInt(colSquares - sumSquares);
  const fn = BigInt(rowSquares - sumSquares);
  const tn = BigInt(n) * BigInt(n) - fp - fn - BigInt(sumSquares);
  if (fn === 0n && fp === 0n) return 1;
  // The products reach n⁴, beyond 2⁵³: BigInt keeps them exact and each side is rounded once, as
  // Python's int-to-float conversions do in scikit-learn.
  const numerator = 2 * Number(tp * tn - fn * fp);
  const denominator = Number((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
  return numerator / denominator;
}

/** Silhouette of one row from its per-cluster distance totals `sums[at..at+clusters)`. */
function silhouetteOf(
  sums: Float64Array,
  at: number,
  own: number,
  sizes: Float64Array,
  clusters: number,
): number {
  // Singleton cluster: scikit-learn's 0/0 becomes 0 through nan_to_num.
  if (sizes[own] <= 1) return 0;
  const intra = sums[at + own] / (sizes[own] - 1);
  let inter = Number.POSITIVE_INFINITY;
  for (let c = 0; c < clusters; c++) {
    if (c === own) continue;
    const mean = sums[at + c] / sizes[c];
    if (mean < inter) inter = mean;
  }
  const denominator = Math.max(intra, inter);
  return denominator > 0 ? (inter - intra) / denominator : 0;
}

function squaredDistance(data: Float64Array, ib: number, jb: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const u = data[ib + t] - data[jb + t];
    s += u * u;
  }
  return s;
}

/** Maps arbitrary integer labels to dense codes 0..count-1 (in order of first appearance). */
function encodeLabels(labels: Int32Array): { codes: Int32Array; count: number } {
  const n = labels.length;
  const codes = new Int32Array(n);
  if (n === 0) return { codes, count: 0 };
  let min = labels[0];
  let max = labels[0];
  for (let i = 1; i < n; i++) {
    const v = labels[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  let count = 0;
  if (max - min <= 4 * n + 1024) {
    // Compact label range (the usual case): a direct lookup table.
    const lookup = new Int32Array(max - min + 1).fill(-1);
    for (let i = 0; i < n; i++) {
      const slot = labels[i] - min;
      let code = lookup[slot];
      if (code < 0) {
        code = count++;
        lookup[slot] = code;
      }
      codes[i] = code;
    }
  } else {
    const lookup = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      let code = lookup.get(labels[i]);
      if (code === undefined) {
        code = count++;
        lookup.set(labels[i], code);
      }
      codes[i] = code;
    }
  }
  return { codes, count };
}
