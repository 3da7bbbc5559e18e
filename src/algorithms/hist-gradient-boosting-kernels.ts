/**
 * The per-row passes of the histogram gradient-boosting fit (see hist-gradient-boosting.ts),
 * shared by the main thread and its helper thread. Every pass works on a range — of rows,
 * partition positions or features — so the two threads can split one pass between them:
 *
 * - gradients, partitions and leaf updates are split by rows (or positions): each row's result
 *   does not depend on the others;
 * - histograms are split by features: every (feature, bin) sum is accumulated by one thread,
 *   over the node's samples in partition order, exactly as a single thread would.
 *
 * Where the work can be cut into chunks, the threads claim chunks from a shared counter as
 * they go ({@link claimChunk}), so that neither waits long for the other when one runs slower
 * (another process, a cache miss storm). Sums over rows are never split (the root's gradient
 * totals are accumulated in row order by the thread that builds the first features' histogram),
 * so the fitted model is bit for bit the same whatever the number of threads.
 */

/**
 * The fit's shared state: arrays both threads read and write (SharedArrayBuffers when a helper
 * thread is used), plus the sizes that describe them.
 */
export interface HgbWorkspace {
  /** Training rows. */
  n: number;
  dims: number;
  /** Histogram slots per feature (non-missing bins + the missing bin). */
  nBins: number;
  missingBin: number;
  /** Bin codes, column-major: feature `f` of row `r` at `f * n + r`. */
  binned: Uint8Array;
  /** 1 if the feature has missing values in the training rows. */
  hasMissing: Uint8Array;
  /** Root histogram template: zero sums and the (fixed) per-bin counts of all rows. */
  rootCounts: Float64Array;
  /**
   * Two buffers of sample indices. Every node owns a contiguous, ascending range
   * `[start, end)` of one of them; a split writes its children's ranges into the other
   * buffer, so partitioning is a single pass with one write per sample.
   */
  partitions: [Uint32Array, Uint32Array];
  /**
   * Gradient and hessian (float32) of the sample at each partition position, interleaved:
   * pair k of `gradHess[b]` belongs to row `partitions[b][k]`. Splits move them along with the
   * indices (sequential copies), so a node's gradients are always contiguous and histograms
   * never gather them. `gradHess[0]` in row order is the root's.
   */
  gradHess: [Float32Array, Float32Array];
  /**
   * The same buffers viewed as one float64 per (gradient, hessian) pair, to move a pair with a
   * single load and store. The hessian (≥ 0, ≤ 0.25) sits in the high half, so the 64-bit
   * pattern is never a NaN and survives the copy bit for bit.
   */
  gradPairs: [Float64Array, Float64Array];
  /**
   * Feature groups of a shared node histogram, claimed one at a time by the threads: group `g`
   * is features `[featureGroups[g], featureGroups[g + 1])`. See {@link featureGroups}.
   */
  featureGroups: Int32Array;
  /**
   * Work-sharing counter (one slot) for passes split into chunks that the threads claim as they
   * go, so that neither waits for the other when one runs slower.
   */
  claims: Int32Array;
  /** Raw scores (log-odds) of the training rows. */
  raw: Float64Array;
  /** Labels of the training rows. */
  y: Uint8Array;
}

/** Operation codes of the tasks the helper thread runs (arguments listed per code). */
export const Op = {
  /** []: gradients of the chunks of rows it claims (see {@link computeGradientChunks}). */
  gradients: 1,
  /** [histogramId, featureStart, featureEnd]: root histogram of those features. */
  rootHistogram: 2,
  /**
   * [histogramId, parentHistogramId, buffer, start, end]: histogram of a node's samples for the
   * feature groups it claims (see {@link nodeHistogramGroups}).
   */
  nodeHistogram: 3,
  /**
   * [buffer, start, end, feature, bin, missingGoesLeft, countLeft]: partitions the chunks it
   * claims from the end of the node (see {@link partitionTail}); returns how many samples of
   * those went left.
   */
  partitionTail: 4,
  /** [leafTableId, leafCount, positionStart, positionEnd]: adds leaf values to raw scores. */
  applyLeaves: 5,
} as const;

/**
 * Start of each feature group (plus `dims` at the end) of a node histogram shared by two
 * threads. Groups of four features while eight or more remain (one pass over the node's
 * samples per group), then of two, then one: the small groups at the end let the thread that
 * finishes first take more of them, so neither waits long for the other.
 */
export function featureGroups(dims: number): Int32Array {
  const starts = [0];
  let f = 0;
  while (f < dims) {
    const left = dims - f;
    f += left >= 8 ? 4 : left >= 2 ? 2 : 1;
    starts.push(f);
  }
  return Int32Array.from(starts);
}

/** Rows per claimed chunk of the gradient pass (a fraction of a millisecond of work). */
const GRADIENT_CHUNK = 32_768;
/**
 * Positions per chunk of a partition: the chunk's sides (one byte per sample) stay in the
 * first-level cache between the look-up and the scatter pass.
 */
export const PARTITION_CHUNK = 4096;

/**
 * Claims the next chunk of a shared pass: returns its index, or −1 once all `count` are taken.
 * The counter must be reset (to 0) before the pass starts.
 */
function claimChunk(claims: Int32Array, count: number): number {
  const index = Atomics.add(claims, 0, 1);
  return index < count ? index : -1;
}

/** Layout of the leaf table: per leaf [buffer, start, end, value]. */
export const LEAF_FIELDS = 4;

/** A {@link HgbWorkspace} as posted to the helper thread (buffers shared, not copied). */
export interface WorkspaceMessage {
  kind: "workspace";
  n: number;
  dims: number;
  nBins: number;
  missingBin: number;
  hasMissing: Uint8Array;
  rootCounts: Float64Array;
  buffers: {
    binned: ArrayBufferLike;
    partitions: [ArrayBufferLike, ArrayBufferLike];
    gradHess: [ArrayBufferLike, ArrayBufferLike];
    claims: ArrayBufferLike;
    raw: ArrayBufferLike;
    y: ArrayBufferLike;
  };
}

/** A float64 buffer (histogram or leaf table) registered under an id, posted to the helper. */
export interface BufferMessage {
  kind: "buffer";
  id: number;
  buffer: ArrayBufferLike;
}

/** Describes the workspace for the helper thread; all bulk arrays must be shared. */
export function workspaceMessage(ws: HgbWorkspace): WorkspaceMessage {
  return {
    kind: "workspace",
    n: ws.n,
    dims: ws.dims,
    nBins: ws.nBins,
    missingBin: ws.missingBin,
    hasMissing: ws.hasMissing,
    rootCounts: ws.rootCounts,
    buffers: {
      binned: ws.binned.buffer,
      partitions: [ws.partitions[0].buffer, ws.partitions[1].buffer],
      gradHess: [ws.gradHess[0].buffer, ws.gradHess[1].buffer],
      claims: ws.claims.buffer,
      raw: ws.raw.buffer,
      y: ws.y.buffer,
    },
  };
}

/** Rebuilds the workspace views in the helper thread. */
export function workspaceFromMessage(m: WorkspaceMessage): HgbWorkspace {
  const b = m.buffers;
  return {
    n: m.n,
    dims: m.dims,
    nBins: m.nBins,
    missingBin: m.missingBin,
    hasMissing: m.hasMissing,
    rootCounts: m.rootCounts,
    binned: new Uint8Array(b.binned),
    partitions: [new Uint32Array(b.partitions[0]), new Uint32Array(b.partitions[1])],
    gradHess: [new Float32Array(b.gradHess[0]), new Float32Array(b.gradHess[1])],
    gradPairs: [new Float64Array(b.gradHess[0]), new Float64Array(b.gradHess[1])],
    claims: new Int32Array(b.claims),
    featureGroups: featureGroups(m.dims),
    raw: new Float64Array(b.raw),
    y: new Uint8Array(b.y),
  };
}

// ---------------------------------------------------------------------------------------------
// Gradients

/**
 * Gradient p − y and hessian p(1 − p) of the log-loss for rows `[start, end)`, in row order
 * (the root's partition order), and the root partition (the identity) over the same rows.
 */
export function computeGradients(ws: HgbWorkspace, start: number, end: number): void {
  const { raw, y } = ws;
  const gradHess = ws.gradHess[0];
  const partition = ws.partitions[0];
  for (let k = start; k < end; k++) {
    const p = 1 / (1 + Math.exp(-raw[k]));
    // Stored as float32 like scikit-learn (half the bytes to move and read); node sums use the
    // stored values so that they match their histograms.
    gradHess[2 * k] = Math.fround(p - y[k]);
    gradHess[2 * k + 1] = Math.fround(p * (1 - p));
  }
  for (let k = start; k < end; k++) partition[k] = k;
}

/**
 * {@link computeGradients} for the chunks of rows this thread claims; both threads run it at
 * once (each row's gradient depends on that row only, so who computes which does not matter).
 */
export function computeGradientChunks(ws: HgbWorkspace): void {
  const n = ws.n;
  const count = Math.ceil(n / GRADIENT_CHUNK);
  for (let c = claimChunk(ws.claims, count); c >= 0; c = claimChunk(ws.claims, count)) {
    computeGradients(ws, c * GRADIENT_CHUNK, Math.min(n, (c + 1) * GRADIENT_CHUNK));
  }
}

// ---------------------------------------------------------------------------------------------
// Histograms: [Σg, Σh, count] per (feature, bin), `nBins * 3` slots per feature.

/**
 * Root histogram of features `[fStart, fEnd)`: counts from the `rootCounts` template (they never
 * change), gradient sums accumulated over all rows. With `sums`, also stores the total gradient
 * and hessian (summed in row order) in `sums[0]`, `sums[1]`.
 */
export function rootHistogram(
  ws: HgbWorkspace,
  hist: Float64Array,
  fStart: number,
  fEnd: number,
  sums: Float64Array | null,
): void {
  const { n, binned, nBins } = ws;
  const gradHess = ws.gradHess[0];
  const width = nBins * 3;
  hist.set(ws.rootCounts.subarray(fStart * width, fEnd * width), fStart * width);
  let f = fStart;
  if (sums !== null) {
    // The totals ride along with the first six features' pass when there is one.
    if (fEnd - f >= 6) {
      accumulateRootSixWithSums(binned, f * n, n, gradHess, hist, f * width, width, sums);
      f += 6;
    } else {
      sumGradients(gradHess, n, sums);
    }
  }
  // Six features per pass over the rows where possible: the root reads every row, so loading a
  // row's gradient pair once for more features pays off (a thread's share is often six).
  for (; f + 5 < fEnd; f += 6) accumulateRootSix(binned, f * n, n, gradHess, hist, f * width, width);
  for (; f + 3 < fEnd; f += 4) accumulateRootFour(binned, f * n, n, gradHess, hist, f * width, width);
  for (; f + 1 < fEnd; f += 2) accumulateRootTwo(binned, f * n, n, gradHess, hist, f * width, width);
  for (; f < fEnd; f++) accumulateRootOne(binned, f * n, n, gradHess, hist, f * width);
}

/**
 * Histogram of features `[fStart, fEnd)` over the samples at positions `[start, end)` of
 * partition `buffer`. The node's gradients are already contiguous (`gradHess` follows the
 * partition order), so only the bin codes are gathered. Each feature group's loop lives in its
 * own small function: V8 optimises a long-running loop on the fly (on-stack replacement), and
 * code after that loop which the interpreter never reached would otherwise deoptimise the whole
 * function again.
 */
export function nodeHistogram(
  ws: HgbWorkspace,
  hist: Float64Array,
  buffer: number,
  start: number,
  end: number,
  fStart: number,
  fEnd: number,
): void {
  const { n, binned, nBins } = ws;
  const rows = ws.partitions[buffer].subarray(start, end);
  const ordered = ws.gradHess[buffer].subarray(2 * start, 2 * end);
  const width = nBins * 3;
  hist.fill(0, fStart * width, fEnd * width);
  let f = fStart;
  for (; f + 3 < fEnd; f += 4) accumulateFour(binned, f * n, n, rows, ordered, hist, f * width, width);
  for (; f + 1 < fEnd; f += 2) accumulateTwo(binned, f * n, n, rows, ordered, hist, f * width, width);
  for (; f < fEnd; f++) accumulateOne(binned, f * n, rows, ordered, hist, f * width);
}

/**
 * {@link nodeHistogram} for the feature groups this thread claims, each subtracted from the
 * parent's histogram `parent` right away; both threads run it at once.
 */
export function nodeHistogramGroups(
  ws: HgbWorkspace,
  hist: Float64Array,
  parent: Float64Array,
  buffer: number,
  start: number,
  end: number,
): void {
  const groups = ws.featureGroups;
  const count = groups.length - 1;
  for (let g = claimChunk(ws.claims, count); g >= 0; g = claimChunk(ws.claims, count)) {
    nodeHistogram(ws, hist, buffer, start, end, groups[g], groups[g + 1]);
    subtractHistogram(ws, parent, hist, groups[g], groups[g + 1]);
  }
}

/** `target -= minus` over features `[fStart, fEnd)` (the subtraction trick). */
export function subtractHistogram(
  ws: HgbWorkspace,
  target: Float64Array,
  minus: Float64Array,
  fStart: number,
  fEnd: number,
): void {
  const width = ws.nBins * 3;
  const end = fEnd * width;
  for (let k = fStart * width; k < end; k++) target[k] -= minus[k];
}

/** Totals of the gradients and hessians in row order, into `sums[0]` and `sums[1]`. */
function sumGradients(gradHess: Float32Array, n: number, sums: Float64Array): void {
  let sumGrad = 0;
  let sumHess = 0;
  for (let k = 0; k < n; k++) {
    sumGrad += gradHess[2 * k];
    sumHess += gradHess[2 * k + 1];
  }
  sums[0] = sumGrad;
  sums[1] = sumHess;
}

/**
 * Accumulates four consecutive features (columns at `col`, `col + n`, …; histograms at `hb`,
 * `hb + width`, …) in one pass: each sample's row index, gradient and hessian are loaded once
 * per four updates, and the four updates are independent of each other (consecutive samples
 * of a low-cardinality feature often hit the same bin, which serialises a single histogram's
 * updates). This is the hot loop of the whole fit.
 */
function accumulateFour(
  binned: Uint8Array,
  col: number,
  n: number,
  rows: Uint32Array,
  ordered: Float32Array,
  hist: Float64Array,
  hb: number,
  width: number,
): void {
  const c0 = col;
  const c1 = c0 + n;
  const c2 = c1 + n;
  const c3 = c2 + n;
  const h0 = hb;
  const h1 = h0 + width;
  const h2 = h1 + width;
  const h3 = h2 + width;
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    const g = ordered[2 * k];
    const h = ordered[2 * k + 1];
    const s0 = h0 + binned[c0 + row] * 3;
    const s1 = h1 + binned[c1 + row] * 3;
    const s2 = h2 + binned[c2 + row] * 3;
    const s3 = h3 + binned[c3 + row] * 3;
    hist[s0] += g;
    hist[s0 + 1] += h;
    hist[s0 + 2] += 1;
    hist[s1] += g;
    hist[s1 + 1] += h;
    hist[s1 + 2] += 1;
    hist[s2] += g;
    hist[s2 + 1] += h;
    hist[s2 + 2] += 1;
    hist[s3] += g;
    hist[s3 + 1] += h;
    hist[s3 + 2] += 1;
  }
}

/**
 * {@link accumulateFour} for two features (a remainder, or one of the small groups at the end of
 * {@link featureGroups}).
 */
function accumulateTwo(
  binned: Uint8Array,
  col: number,
  n: number,
  rows: Uint32Array,
  ordered: Float32Array,
  hist: Float64Array,
  hb: number,
  width: number,
): void {
  const c0 = col;
  const c1 = c0 + n;
  const h0 = hb;
  const h1 = h0 + width;
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    const g = ordered[2 * k];
    const h = ordered[2 * k + 1];
    const s0 = h0 + binned[c0 + row] * 3;
    const s1 = h1 + binned[c1 + row] * 3;
    hist[s0] += g;
    hist[s0 + 1] += h;
    hist[s0 + 2] += 1;
    hist[s1] += g;
    hist[s1 + 1] += h;
    hist[s1 + 2] += 1;
  }
}

/** Accumulates a single feature. */
function accumulateOne(
  binned: Uint8Array,
  col: number,
  rows: Uint32Array,
  ordered: Float32Array,
  hist: Float64Array,
  hb: number,
): void {
  for (let k = 0; k < rows.length; k++) {
    const s = hb + binned[col + rows[k]] * 3;
    hist[s] += ordered[2 * k];
    hist[s + 1] += ordered[2 * k + 1];
    hist[s + 2] += 1;
  }
}

/** Root version of {@link accumulateFour}: all rows in order, gradient sums only. */
function accumulateRootFour(
  binned: Uint8Array,
  col: number,
  n: number,
  gradHess: Float32Array,
  hist: Float64Array,
  hb: number,
  width: number,
): void {
  const c0 = col;
  const c1 = c0 + n;
  const c2 = c1 + n;
  const c3 = c2 + n;
  const h0 = hb;
  const h1 = h0 + width;
  const h2 = h1 + width;
  const h3 = h2 + width;
  for (let k = 0; k < n; k++) {
    const g = gradHess[2 * k];
    const h = gradHess[2 * k + 1];
    const s0 = h0 + binned[c0 + k] * 3;
    const s1 = h1 + binned[c1 + k] * 3;
    const s2 = h2 + binned[c2 + k] * 3;
    const s3 = h3 + binned[c3 + k] * 3;
    hist[s0] += g;
    hist[s0 + 1] += h;
    hist[s1] += g;
    hist[s1 + 1] += h;
    hist[s2] += g;
    hist[s2 + 1] += h;
    hist[s3] += g;
    hist[s3 + 1] += h;
  }
}

/** Root pass over six features (see {@link accumulateRootFour}). */
function accumulateRootSix(
  binned: Uint8Array,
  col: number,
  n: number,
  gradHess: Float32Array,
  hist: Float64Array,
  hb: number,
  width: number,
): void {
  const c0 = col;
  const c1 = c0 + n;
  const c2 = c1 + n;
  const c3 = c2 + n;
  const c4 = c3 + n;
  const c5 = c4 + n;
  const h0 = hb;
  const h1 = h0 + width;
  const h2 = h1 + width;
  const h3 = h2 + width;
  const h4 = h3 + width;
  const h5 = h4 + width;
  for (let k = 0; k < n; k++) {
    const g = gradHess[2 * k];
    const h = gradHess[2 * k + 1];
    const s0 = h0 + binned[c0 + k] * 3;
    const s1 = h1 + binned[c1 + k] * 3;
    const s2 = h2 + binned[c2 + k] * 3;
    const s3 = h3 + binned[c3 + k] * 3;
    const s4 = h4 + binned[c4 + k] * 3;
    const s5 = h5 + binned[c5 + k] * 3;
    hist[s0] += g;
    hist[s0 + 1] += h;
    hist[s1] += g;
    hist[s1 + 1] += h;
    hist[s2] += g;
    hist[s2 + 1] += h;
    hist[s3] += g;
    hist[s3 + 1] += h;
    hist[s4] += g;
    hist[s4 + 1] += h;
    hist[s5] += g;
    hist[s5 + 1] += h;
  }
}

/** {@link accumulateRootSix} that also sums all gradients and hessians in row order. */
function accumulateRootSixWithSums(
  binned: Uint8Array,
  col: number,
  n: number,
  gradHess: Float32Array,
  hist: Float64Array,
  hb: number,
  width: number,
  sums: Float64Array,
): void {
  const c0 = col;
  const c1 = c0 + n;
  const c2 = c1 + n;
  const c3 = c2 + n;
  const c4 = c3 + n;
  const c5 = c4 + n;
  const h0 = hb;
  const h1 = h0 + width;
  const h2 = h1 + width;
  const h3 = h2 + width;
  const h4 = h3 + width;
  const h5 = h4 + width;
  let sumGrad = 0;
  let sumHess = 0;
  for (let k = 0; k < n; k++) {
    const g = gradHess[2 * k];
    const h = gradHess[2 * k + 1];
    sumGrad += g;
    sumHess += h;
    const s0 = h0 + binned[c0 + k] * 3;
    const s1 = h1 + binned[c1 + k] * 3;
    const s2 = h2 + binned[c2 + k] * 3;
    const s3 = h3 + binned[c3 + k] * 3;
    const s4 = h4 + binned[c4 + k] * 3;
    const s5 = h5 + binned[c5 + k] * 3;
    hist[s0] += g;
    hist[s0 + 1] += h;
    hist[s1] += g;
    hist[s1 + 1] += h;
    hist[s2] += g;
    hist[s2 + 1] += h;
    hist[s3] += g;
    hist[s3 + 1] += h;
    hist[s4] += g;
    hist[s4 + 1] += h;
    hist[s5] += g;
    hist[s5 + 1] += h;
  }
  sums[0] = sumGrad;
  sums[1] = sumHess;
}

/** Root version of {@link accumulateTwo}. */
function accumulateRootTwo(
  binned: Uint8Array,
  col: number,
  n: number,
  gradHess: Float32Array,
  hist: Float64Array,
  hb: number,
  width: number,
): void {
  const c0 = col;
  const c1 = c0 + n;
  const h0 = hb;
  const h1 = h0 + width;
  for (let k = 0; k < n; k++) {
    const g = gradHess[2 * k];
    const h = gradHess[2 * k + 1];
    const s0 = h0 + binned[c0 + k] * 3;
    const s1 = h1 + binned[c1 + k] * 3;
    hist[s0] += g;
    hist[s0 + 1] += h;
    hist[s1] += g;
    hist[s1 + 1] += h;
  }
}

/** Root version of {@link accumulateOne}. */
function accumulateRootOne(
  binned: Uint8Array,
  col: number,
  n: number,
  gradHess: Float32Array,
  hist: Float64Array,
  hb: number,
): void {
  for (let k = 0; k < n; k++) {
    const s = hb + binned[col + k] * 3;
    hist[s] += gradHess[2 * k];
    hist[s + 1] += gradHess[2 * k + 1];
  }
}

// ---------------------------------------------------------------------------------------------
// Partition

/**
 * Fills `goesLeft` (256 entries, bin → 1 if it goes left) for a split at `bin`, so the
 * partition loops need no comparison logic.
 */
export function fillGoesLeft(
  goesLeft: Uint8Array,
  bin: number,
  missingGoesLeft: boolean,
  missingBin: number,
): void {
  for (let b = 0; b < 256; b++) goesLeft[b] = b <= bin ? 1 : 0;
  if (missingGoesLeft) goesLeft[missingBin] = 1;
}

/**
 * Stable partition of the node at positions `[start, end)` of partition `buffer` (and of its
 * gradients) into the other buffer by the bin table `goesLeft` of `feature`: left samples go to
 * `[start, start + countLeft)`, right ones after them, both in ascending order. The node is cut
 * into chunks of {@link PARTITION_CHUNK} positions; this walks them from the first, filling the
 * two ranges from their starts. With `claims`, it only takes the chunks it claims (see
 * {@link claimChunk}) and stops at the first one claimed by {@link partitionTail}, which runs
 * at the same time on the other thread and fills the ranges from their ends; either way the
 * result is the same. Returns how many of the samples it partitioned went left.
 *
 * `sides` is this thread's scratch of {@link PARTITION_CHUNK} bytes.
 */
export function partitionHead(
  ws: HgbWorkspace,
  sides: Uint8Array,
  goesLeft: Uint8Array,
  buffer: number,
  start: number,
  end: number,
  feature: number,
  countLeft: number,
  claims: Int32Array | null,
): number {
  const count = Math.ceil((end - start) / PARTITION_CHUNK);
  const rows = ws.partitions[buffer];
  const pairs = ws.gradPairs[buffer];
  const dstRows = ws.partitions[1 - buffer];
  const dstPairs = ws.gradPairs[1 - buffer];
  const col = feature * ws.n;
  let toLeft = start;
  let toRight = start + countLeft;
  for (let c = 0; c < count; c++) {
    if (claims !== null && claimChunk(claims, count) < 0) break;
    const from = start + c * PARTITION_CHUNK;
    const to = Math.min(end, from + PARTITION_CHUNK);
    // Two passes: the bin look-ups of deep (sparse) nodes miss the cache, and as long as nothing
    // waits on them, the CPU overlaps many misses; fused with the scatter, each destination
    // cursor would wait for the previous sample's look-up.
    lookUpSides(ws.binned, col, rows, from, to, goesLeft, sides);
    const left = scatterUp(rows, pairs, from, to, sides, dstRows, dstPairs, toLeft, toRight);
    toLeft += left;
    toRight += to - from - left;
  }
  return toLeft - start;
}

/**
 * The other end of {@link partitionHead}: claims the node's chunks from the last one backwards
 * and fills the two ranges from their ends (left samples downwards from `start + countLeft`,
 * right ones downwards from `end`). Returns how many of the samples it partitioned went left.
 */
export function partitionTail(
  ws: HgbWorkspace,
  sides: Uint8Array,
  goesLeft: Uint8Array,
  buffer: number,
  start: number,
  end: number,
  feature: number,
  countLeft: number,
  claims: Int32Array,
): number {
  const count = Math.ceil((end - start) / PARTITION_CHUNK);
  const rows = ws.partitions[buffer];
  const pairs = ws.gradPairs[buffer];
  const dstRows = ws.partitions[1 - buffer];
  const dstPairs = ws.gradPairs[1 - buffer];
  const col = feature * ws.n;
  const leftEnd = start + countLeft;
  let toLeft = leftEnd;
  let toRight = end;
  for (let c = count - 1; c >= 0 && claimChunk(claims, count) >= 0; c--) {
    const from = start + c * PARTITION_CHUNK;
    const to = Math.min(end, from + PARTITION_CHUNK);
    lookUpSides(ws.binned, col, rows, from, to, goesLeft, sides);
    const left = scatterDown(rows, pairs, from, to, sides, dstRows, dstPairs, toLeft, toRight);
    toLeft -= left;
    toRight -= to - from - left;
  }
  return leftEnd - toLeft;
}

/** `sides[k − from]` = 1 if sample `rows[k]` goes left, for k in `[from, to)`. */
function lookUpSides(
  binned: Uint8Array,
  col: number,
  rows: Uint32Array,
  from: number,
  to: number,
  goesLeft: Uint8Array,
  sides: Uint8Array,
): void {
  for (let k = from; k < to; k++) sides[k - from] = goesLeft[binned[col + rows[k]]];
}

/**
 * Writes `rows[from..to)` (and their gradient pairs) to `dstRows`/`dstPairs`: left samples from
 * `toLeft`, right ones from `toRight`, upwards. Branch-free: the destination is picked
 * arithmetically and only the matching cursor moves (a branch on the side would mispredict
 * about half the time). Returns the number of left samples.
 */
function scatterUp(
  rows: Uint32Array,
  pairs: Float64Array,
  from: number,
  to: number,
  sides: Uint8Array,
  dstRows: Uint32Array,
  dstPairs: Float64Array,
  toLeft: number,
  toRight: number,
): number {
  const leftStart = toLeft;
  for (let k = from; k < to; k++) {
    const left = sides[k - from];
    const at = toRight + (toLeft - toRight) * left;
    dstRows[at] = rows[k];
    dstPairs[at] = pairs[k];
    toLeft += left;
    toRight += 1 - left;
  }
  return toLeft - leftStart;
}

/**
 * {@link scatterUp} backwards: from the last sample, filling downwards below `leftEnd` and
 * `rightEnd`. Returns the number of left samples.
 */
function scatterDown(
  rows: Uint32Array,
  pairs: Float64Array,
  from: number,
  to: number,
  sides: Uint8Array,
  dstRows: Uint32Array,
  dstPairs: Float64Array,
  leftEnd: number,
  rightEnd: number,
): number {
  let toLeft = leftEnd - 1;
  let toRight = rightEnd - 1;
  for (let k = to - 1; k >= from; k--) {
    const left = sides[k - from];
    const at = toRight + (toLeft - toRight) * left;
    dstRows[at] = rows[k];
    dstPairs[at] = pairs[k];
    toLeft -= left;
    toRight -= 1 - left;
  }
  return leftEnd - 1 - toLeft;
}

// ---------------------------------------------------------------------------------------------
// Leaves

/**
 * Adds every leaf's value to the raw scores of its samples at partition positions
 * `[from, to)`. `leaves` holds {@link LEAF_FIELDS} numbers per leaf: buffer, start, end, value
 * (the leaves' ranges tile all positions, so two threads can take one half each).
 */
export function applyLeaves(
  ws: HgbWorkspace,
  leaves: Float64Array,
  count: number,
  from: number,
  to: number,
): void {
  const raw = ws.raw;
  for (let leaf = 0; leaf < count; leaf++) {
    const at = leaf * LEAF_FIELDS;
    const start = Math.max(from, leaves[at + 1]);
    const end = Math.min(to, leaves[at + 2]);
    if (start >= end) continue;
    addToRows(raw, ws.partitions[leaves[at]], start, end, leaves[at + 3]);
  }
}

function addToRows(
  raw: Float64Array,
  partition: Uint32Array,
  start: number,
  end: number,
  value: number,
): void {
  for (let k = start; k < end; k++) raw[partition[k]] += value;
}
