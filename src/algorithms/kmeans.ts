/**
 * K-means clustering (Lloyd's algorithm with greedy k-means++ seeding), following scikit-learn's
 * `KMeans(algorithm="lloyd")`: same seeding scheme, same tolerance rule (relative to the mean
 * feature variance), same convergence tests and empty-cluster relocation, best of `nInit` restarts.
 * Runs that need more than a few iterations switch to Hamerly's bounds, which give the same
 * assignments while skipping most distance computations.
 *
 * Distances are computed directly as `Σ (x - c)²` rather than with the `‖x‖² - 2x·c + ‖c‖²` expansion:
 * without BLAS the expansion saves nothing, and the direct form needs no data centring to stay exact.
 * Hot loops are unrolled for 4 columns (narrower data is zero-padded to 4 during the fit) and use
 * branch-free arg-mins; wider data goes through generic loops.
 */
import type { KernelState, Matrix } from "./matrix.ts";
import { SeededRandom } from "./random.ts";
import {
  checkFinite,
  checkFloat,
  checkInt,
  checkMatrix,
  checkPredictInput,
  checkSeed,
} from "./validation.ts";

/** Hyper-parameters of {@link fitKMeans}. */
export interface KMeansOptions {
  /** Number of clusters, an integer in `[1, rows]`. */
  k: number;
  /** Number of seeded restarts; the run with the lowest inertia is kept. Default 10. */
  nInit?: number;
  /** Maximum Lloyd iterations per restart. Default 300. */
  maxIter?: number;
  /**
   * Convergence tolerance on the total squared centre shift, relative to the mean per-feature
   * variance of the data (as scikit-learn does). Default 1e-4.
   */
  tol?: number;
  /** Seed of the {@link SeededRandom} driving the seeding; the same seed gives bit-identical models. */
  seed: number;
}

/** A fitted k-means model. */
export interface KMeansModel {
  /** Number of clusters. */
  k: number;
  /** Number of features. */
  dims: number;
  /** Cluster centres, `k × dims` row-major. */
  centers: Float64Array;
  /** Sum of squared distances of the training rows to their nearest centre. */
  inertia: number;
  /** Lloyd iterations run by the kept restart. */
  iterations: number;
}

/** A fitted model together with the training rows' cluster labels (like scikit-learn's `labels_`). */
export interface KMeansFit {
  /** The fitted model. */
  model: KMeansModel;
  /** Index of the nearest centre of every training row, consistent with `model.centers`. */
  labels: Int32Array;
}

const STATE_KIND = "kmeans";
const STATE_VERSION = 1;
/** Plain Lloyd iterations before a run switches to Hamerly's bounds (see the fit loop). */
const LLOYD_ITERATIONS = 5;

/**
 * Fits k-means: for each of `nInit` restarts, greedy k-means++ seeding on the full data then Lloyd
 * iterations until the labels stop changing, the squared centre shift falls under the tolerance, or
 * `maxIter` is reached. Keeps the restart with the lowest inertia. Deterministic for a given seed.
 *
 * An empty cluster takes the row farthest from its centre, as in scikit-learn; unlike scikit-learn
 * that row is relabelled at once (it makes no difference after the next assignment).
 *
 * @throws RangeError when an option is out of range or the input contains NaN or infinity.
 */
export function fitKMeans(x: Matrix, options: KMeansOptions): KMeansModel {
  return fitKMeansWithLabels(x, options).model;
}

/**
 * Same as {@link fitKMeans}, also returning the training labels (saves a prediction pass, e.g. for
 * initialising a Gaussian mixture).
 *
 * @throws RangeError when an option is out of range or the input contains NaN or infinity.
 */
export function fitKMeansWithLabels(x: Matrix, options: KMeansOptions): KMeansFit {
  checkMatrix(x, "KMeans");
  const k = checkInt("KMeans", "k", options.k, 1, x.rows, "n_samples");
  const nInit = checkInt("KMeans", "nInit", options.nInit ?? 10, 1, Number.POSITIVE_INFINITY);
  const maxIter = checkInt("KMeans", "maxIter", options.maxIter ?? 300, 1, Number.POSITIVE_INFINITY);
  const tol = checkFloat("KMeans", "tol", options.tol ?? 1e-4);
  const seed = checkSeed("KMeans", options.seed);
  checkFinite(x);

  const n = x.rows;
  const d = x.cols;
  const absTol = tol === 0 ? 0 : tol * meanVariance(x.data, n, d);
  // Narrow data is zero-padded to 4 columns so that the unrolled 4-wide kernels apply: the padding
  // adds nothing to any distance and stays zero in every centre, and one copy is cheap next to the
  // dozens of passes a fit makes.
  const wd = Math.max(d, 4);
  const data = d < 4 ? padColumns(x.data, n, d, wd) : x.data;
  const rng = new SeededRandom(seed);

  // All scratch is allocated once per fit and reused by every restart.
  const labels = new Int32Array(n);
  const bestLabels = nInit > 1 ? new Int32Array(n) : labels;
  const closest = new Float64Array(n);
  const bounds: Bounds = {
    upper: new Float64Array(n),
    lower: new Float64Array(n),
    half: new Float64Array(k),
    shift: new Float64Array(k),
    lowerShift: new Float64Array(k),
  };
  let centers = new Float64Array(k * wd);
  let next = new Float64Array(k * wd);
  const bestCenters = new Float64Array(k * wd);
  const sums = new Float64Array(k * wd);
  const counts = new Float64Array(k);
  const dist = new Float64Array(Math.max(k, 2));
  const two = new Float64Array(2);
  const stats = new Float64Array(1);
  let bestInertia = Number.POSITIVE_INFINITY;
  let bestIterations = 0;

  for (let run = 0; run < nInit; run++) {
    // `closest` doubles as k-means++ scratch.
    kmeansPlusPlus(data, n, wd, k, rng.fork(), centers, closest, dist);

    labels.fill(-1);
    let iterations = 0;
    let inertia = Number.NaN;
    let bounded = false;
    // Whether the centres in use came from sums altered by an empty-cluster relocation.
    let relocated = false;
    for (let it = 0; it < maxIter; it++) {
      // Plain Lloyd passes first: early iterations move many rows, and most runs are over within a
      // handful of them. Longer runs switch to Hamerly's bounds, which skip almost every distance
      // computation once the centres settle, at the cost of one two-nearest pass to set them up.
      let changed: number;
      if (it < LLOYD_ITERATIONS) {
        changed = assignAccumulate(data, n, wd, centers, k, labels, sums, counts, dist, stats);
      } else if (!bounded) {
        changed = initialAssignment(data, n, wd, centers, k, labels, bounds, sums, counts, dist, two);
        bounded = true;
      } else {
        changed = hamerlyStep(data, n, wd, centers, k, labels, bounds, sums, counts, dist, two);
      }
      const relocatedBefore = relocated;
      relocated = relocateEmptyClusters(data, n, wd, centers, k, labels, bounds, sums, counts);
      let shiftTotal = 0;
      for (let c = 0; c < k; c++) {
        // Like scikit-learn, a cluster that is still empty keeps its (zero) sum as its centre.
        const scale = counts[c] > 0 ? 1 / counts[c] : 1;
        let moved = 0;
        for (let j = c * wd, end = j + wd; j < end; j++) {
          const value = sums[j] * scale;
          const delta = value - centers[j];
          moved += delta * delta;
          next[j] = value;
        }
        bounds.shift[c] = Math.sqrt(moved);
        shiftTotal += moved;
      }
      const swap = centers;
      centers = next;
      next = swap;
      iterations = it + 1;
      // scikit-learn's tests: labels unchanged ("strict convergence"), or total squared shift ≤ tol.
      if (changed === 0) {
        // After a Lloyd pass with no relocation around, the new centres are bit-identical to the
        // ones just used, so the inertia accumulated during the assignment is the final one.
        if (!bounded && !relocated && !relocatedBefore) inertia = stats[0];
        break;
      }
      if (shiftTotal <= absTol) break;
      if (bounded) prepareBounds(centers, k, wd, bounds);
    }
    // Otherwise relabel with the final centres so that labels, centres and inertia are consistent,
    // as scikit-learn does.
    if (Number.isNaN(inertia)) inertia = assignLabels(data, n, wd, centers, k, labels, dist);

    if (inertia < bestInertia) {
      bestInertia = inertia;
      bestIterations = iterations;
      bestCenters.set(centers);
      if (bestLabels !== labels) bestLabels.set(labels);
    }
  }

  const model: KMeansModel = {
    k,
    dims: d,
    centers: wd === d ? bestCenters : padColumns(bestCenters, k, wd, d),
    inertia: bestInertia,
    iterations: bestIterations,
  };
  return { model, labels: bestLabels };
}

/**
 * Index of the nearest centre of every row of `x` (ties go to the lower index). Rows whose distances
 * are all NaN get -1.
 *
 * @param out optional output of length `x.rows`, reused to avoid allocation.
 */
export function predictKMeans(model: KMeansModel, x: Matrix, out?: Int32Array): Int32Array {
  checkPredictInput(model.dims, x, "KMeans");
  const n = x.rows;
  const labels = out ?? new Int32Array(n);
  if (labels.length !== n) throw new RangeError(`KMeans: out has length ${labels.length}, expected ${n}.`);
  assignLabels(x.data, n, model.dims, model.centers, model.k, labels, new Float64Array(Math.max(model.k, 2)));
  return labels;
}

/**
 * Squared Euclidean distance of every row of `x` to every centre, `rows × k` row-major (scikit-learn's
 * `transform` returns the square roots).
 *
 * @param out optional output of length `x.rows * model.k`, reused to avoid allocation.
 */
export function transformKMeans(model: KMeansModel, x: Matrix, out?: Float64Array): Float64Array {
  checkPredictInput(model.dims, x, "KMeans");
  const n = x.rows;
  const d = model.dims;
  const k = model.k;
  const result = out ?? new Float64Array(n * k);
  if (result.length !== n * k) {
    throw new RangeError(`KMeans: out has length ${result.length}, expected ${n * k}.`);
  }
  const data = x.data;
  const centers = model.centers;
  for (let i = 0, base = 0, at = 0; i < n; i++, base += d) {
    for (let cb = 0; cb < k * d; cb += d) result[at++] = sqDist(data, base, centers, cb, d);
  }
  return result;
}

/** Learned state of a k-means model, for the model artifact. */
export function kmeansToState(model: KMeansModel): KernelState {
  return {
    meta: {
      kind: STATE_KIND,
      version: STATE_VERSION,
      k: model.k,
      dims: model.dims,
      inertia: model.inertia,
      iterations: model.iterations,
    },
    arrays: { centers: model.centers },
  };
}

/**
 * Rebuilds a k-means model from {@link kmeansToState}'s output.
 *
 * @throws Error when the state is not a k-means state or its shapes are inconsistent.
 */
export function kmeansFromState(state: KernelState): KMeansModel {
  const meta = state.meta;
  if (meta.kind !== STATE_KIND)
    throw new Error(`kmeans state: kind must be "${STATE_KIND}", got ${String(meta.kind)}`);
  if (meta.version !== STATE_VERSION) {
    throw new Error(`kmeans state: unsupported version ${String(meta.version)} (expected ${STATE_VERSION})`);
  }
  const k = meta.k;
  const dims = meta.dims;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1) {
    throw new Error(`kmeans state: "k" must be a positive integer, got ${String(k)}`);
  }
  if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 1) {
    throw new Error(`kmeans state: "dims" must be a positive integer, got ${String(dims)}`);
  }
  const centers = state.arrays.centers;
  if (!(centers instanceof Float64Array) || centers.length !== k * dims) {
    throw new Error(`kmeans state: "centers" must be a Float64Array of length k*dims = ${k * dims}`);
  }
  for (let i = 0; i < centers.length; i++) {
    if (!Number.isFinite(centers[i])) throw new Error(`kmeans state: "centers" contains a non-finite value`);
  }
  const inertia = meta.inertia;
  const iterations = meta.iterations;
  if (typeof inertia !== "number" || !(inertia >= 0)) {
    throw new Error(`kmeans state: "inertia" must be a non-negative number, got ${String(inertia)}`);
  }
  if (typeof iterations !== "number" || !Number.isInteger(iterations) || iterations < 0) {
    throw new Error(`kmeans state: "iterations" must be a non-negative integer, got ${String(iterations)}`);
  }
  return { k, dims, centers, inertia, iterations };
}

// ---------------------------------------------------------------------------------------------
// Seeding

/**
 * Greedy k-means++ (scikit-learn's `_kmeans_plusplus`): the first centre is a uniform row; each next
 * centre is the best of `2 + ⌊ln k⌋` candidates drawn with probability proportional to the squared
 * distance to the nearest chosen centre, "best" meaning the lowest resulting potential.
 * `closest` (length n) receives the squared distance of every row to its nearest chosen centre.
 */
function kmeansPlusPlus(
  data: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: SeededRandom,
  centers: Float64Array,
  closest: Float64Array,
  scratch: Float64Array,
): void {
  const trials = 2 + Math.floor(Math.log(k));
  const thresholds = new Float64Array(trials);
  const candidates = new Int32Array(trials);
  const pots = new Float64Array(trials);
  const candidateRows = new Float64Array(trials * d);

  const first = rng.nextInt(n);
  copyRow(data, first, d, centers, 0);
  let pot = updateClosest(data, n, d, first * d, closest, true, scratch);

  for (let c = 1; c < k; c++) {
    for (let t = 0; t < trials; t++) thresholds[t] = rng.next() * pot;
    // Sorted thresholds let one cumulative-sum scan resolve every draw (searchsorted, side="left").
    thresholds.sort();
    let cumulative = 0;
    let t = 0;
    let target = thresholds[0];
    for (let i = 0; i < n; i++) {
      cumulative += closest[i];
      if (cumulative < target) continue;
      while (t < trials && cumulative >= thresholds[t]) candidates[t++] = i;
      if (t === trials) break;
      target = thresholds[t];
    }
    // Rounding can leave a threshold above the total: clip to the last row like scikit-learn.
    while (t < trials) candidates[t++] = n - 1;
    for (let s = 0; s < trials; s++) copyRow(data, candidates[s], d, candidateRows, s * d);

    candidatePotentials(data, n, d, closest, candidateRows, trials, pots, scratch);
    let best = 0;
    for (let s = 1; s < trials; s++) if (pots[s] < pots[best]) best = s;
    copyRow(data, candidates[best], d, centers, c * d);
    pot = updateClosest(data, n, d, candidates[best] * d, closest, false, scratch);
  }
}

/**
 * Sets (`init`) or lowers `closest` with the squared distance of every row to the row starting at
 * `rb`; returns the new potential (sum of `closest`).
 */
function updateClosest(
  data: Float64Array,
  n: number,
  d: number,
  rb: number,
  closest: Float64Array,
  init: boolean,
  pair: Float64Array,
): number {
  // Starting from +Infinity lets the first centre share the branch-free min path below.
  if (init) closest.fill(Number.POSITIVE_INFINITY);
  let pot = 0;
  if (d === 4) {
    const c0 = data[rb];
    const c1 = data[rb + 1];
    const c2 = data[rb + 2];
    const c3 = data[rb + 3];
    for (let i = 0, base = 0; i < n; i++, base += 4) {
      const t0 = data[base] - c0;
      const t1 = data[base + 1] - c1;
      const t2 = data[base + 2] - c2;
      const t3 = data[base + 3] - c3;
      const s = t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
      // Branch-free min (see `assignAccumulate4`): which of the two wins is data-dependent noise.
      pair[0] = closest[i];
      pair[1] = s;
      const v = pair[+(s < pair[0])];
      closest[i] = v;
      pot += v;
    }
    return pot;
  }
  for (let i = 0, base = 0; i < n; i++, base += d) {
    const s = sqDist(data, base, data, rb, d);
    pair[0] = closest[i];
    pair[1] = s;
    const v = pair[+(s < pair[0])];
    closest[i] = v;
    pot += v;
  }
  return pot;
}

/**
 * Potential (sum of `min(closest, distance to candidate)`) of every candidate, in one data pass.
 * `candidateRows` holds the candidates' rows (`trials × d`); `pair` is scratch of length 2.
 */
function candidatePotentials(
  data: Float64Array,
  n: number,
  d: number,
  closest: Float64Array,
  candidateRows: Float64Array,
  trials: number,
  pots: Float64Array,
  pair: Float64Array,
): void {
  pots.fill(0);
  const td = trials * d;
  if (d === 4) {
    for (let i = 0, base = 0; i < n; i++, base += 4) {
      const ci = closest[i];
      const x0 = data[base];
      const x1 = data[base + 1];
      const x2 = data[base + 2];
      const x3 = data[base + 3];
      for (let t = 0, cb = 0; cb < td; t++, cb += 4) {
        const t0 = x0 - candidateRows[cb];
        const t1 = x1 - candidateRows[cb + 1];
        const t2 = x2 - candidateRows[cb + 2];
        const t3 = x3 - candidateRows[cb + 3];
        const s = t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
        // Branch-free min (a `?:` here is mispredicted often enough to double the pass time).
        pair[0] = ci;
        pair[1] = s;
        pots[t] += pair[+(s < ci)];
      }
    }
    return;
  }
  for (let i = 0, base = 0; i < n; i++, base += d) {
    const ci = closest[i];
    for (let t = 0, cb = 0; cb < td; t++, cb += d) {
      const s = sqDist(data, base, candidateRows, cb, d);
      pair[0] = ci;
      pair[1] = s;
      pots[t] += pair[+(s < ci)];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Lloyd steps

/**
 * Assigns every row to its nearest centre and accumulates per-cluster sums and counts for the next
 * centres (one fused pass). Stores the inertia in `stats[0]`; returns the number of changed labels.
 * `dist` is scratch of length ≥ k.
 */
function assignAccumulate(
  data: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  sums: Float64Array,
  counts: Float64Array,
  dist: Float64Array,
  stats: Float64Array,
): number {
  sums.fill(0);
  counts.fill(0);
  if (d === 4) return assignAccumulate4(data, n, centers, k, labels, sums, counts, dist, stats);
  let changed = 0;
  let inertia = 0;
  for (let i = 0, base = 0; i < n; i++, base += d) {
    dist[0] = sqDist(data, base, centers, 0, d);
    let label = 0;
    for (let c = 1, cb = d; c < k; c++, cb += d) {
      const s = sqDist(data, base, centers, cb, d);
      dist[c] = s;
      label ^= (label ^ c) & -+(s < dist[label]);
    }
    if (labels[i] !== label) {
      labels[i] = label;
      changed++;
    }
    inertia += dist[label];
    counts[label]++;
    for (let j = 0, sb = label * d; j < d; j++) sums[sb + j] += data[base + j];
  }
  stats[0] = inertia;
  return changed;
}

/**
 * `assignAccumulate` unrolled for 4 columns (narrower data is zero-padded to 4 by the fit). The row
 * stays in registers across centres, and the argmin is branch-free: which centre wins is close to
 * random for overlapping clusters, so a branch would be mispredicted about once per row (that alone
 * doubled the pass time). The running minimum is read back from `dist` by label instead of being
 * carried in a variable, because V8 only emits branches for a floating-point select.
 */
function assignAccumulate4(
  data: Float64Array,
  n: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  sums: Float64Array,
  counts: Float64Array,
  dist: Float64Array,
  stats: Float64Array,
): number {
  let changed = 0;
  let inertia = 0;
  for (let i = 0, base = 0; i < n; i++, base += 4) {
    const x0 = data[base];
    const x1 = data[base + 1];
    const x2 = data[base + 2];
    const x3 = data[base + 3];
    let t0 = x0 - centers[0];
    let t1 = x1 - centers[1];
    let t2 = x2 - centers[2];
    let t3 = x3 - centers[3];
    dist[0] = t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
    let label = 0;
    for (let c = 1, cb = 4; c < k; c++, cb += 4) {
      t0 = x0 - centers[cb];
      t1 = x1 - centers[cb + 1];
      t2 = x2 - centers[cb + 2];
      t3 = x3 - centers[cb + 3];
      const s = t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
      dist[c] = s;
      // Strictly smaller wins, so ties keep the lower index like scikit-learn.
      label ^= (label ^ c) & -+(s < dist[label]);
    }
    if (labels[i] !== label) {
      labels[i] = label;
      changed++;
    }
    inertia += dist[label];
    counts[label]++;
    const sb = label * 4;
    sums[sb] += x0;
    sums[sb + 1] += x1;
    sums[sb + 2] += x2;
    sums[sb + 3] += x3;
  }
  stats[0] = inertia;
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Hamerly steps (exact acceleration of long runs)

/**
 * Per-row distance bounds of Hamerly's algorithm (Euclidean, not squared) and per-centre helpers.
 * `upper[i]` bounds the distance of row i to its centre from above, `lower[i]` the distance to every
 * other centre from below. A row whose upper bound is below `max(lower, half)` cannot change cluster,
 * so steady-state iterations skip the distance computations of almost every row.
 */
interface Bounds {
  upper: Float64Array;
  lower: Float64Array;
  /** Half the distance from each centre to its nearest other centre. */
  half: Float64Array;
  /** How far each centre moved in the last update. */
  shift: Float64Array;
  /** For each centre, the largest move among the *other* centres (what lower bounds lose). */
  lowerShift: Float64Array;
}

/**
 * Full assignment that also sets Hamerly's bounds: nearest and second-nearest centre of every row,
 * fresh per-cluster sums and counts. Returns the number of rows whose label changed.
 */
function initialAssignment(
  data: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  bounds: Bounds,
  sums: Float64Array,
  counts: Float64Array,
  dist: Float64Array,
  two: Float64Array,
): number {
  const { upper, lower } = bounds;
  sums.fill(0);
  counts.fill(0);
  let changed = 0;
  for (let i = 0, base = 0; i < n; i++, base += d) {
    const label = nearestTwo(data, base, d, centers, k, dist, two);
    if (labels[i] !== label) {
      labels[i] = label;
      changed++;
    }
    upper[i] = Math.sqrt(two[0]);
    lower[i] = Math.sqrt(two[1]);
    counts[label]++;
    for (let j = 0, sb = label * d; j < d; j++) sums[sb + j] += data[base + j];
  }
  return changed;
}

/**
 * After the centres moved by `bounds.shift`: the per-centre lower-bound decay and half distances to
 * the nearest other centre (k² distances, negligible next to a data pass).
 */
function prepareBounds(centers: Float64Array, k: number, d: number, bounds: Bounds): void {
  const { shift, lowerShift, half } = bounds;
  let first = -1;
  for (let c = 0; c < k; c++) if (first < 0 || shift[c] > shift[first]) first = c;
  let second = 0;
  for (let c = 0; c < k; c++) if (c !== first && shift[c] > second) second = shift[c];
  for (let c = 0; c < k; c++) lowerShift[c] = c === first ? second : shift[first];
  for (let c = 0; c < k; c++) {
    let nearest = Number.POSITIVE_INFINITY;
    for (let o = 0; o < k; o++) {
      if (o === c) continue;
      const s = sqDist(centers, c * d, centers, o * d, d);
      if (s < nearest) nearest = s;
    }
    half[c] = 0.5 * Math.sqrt(nearest);
  }
}

/**
 * One Hamerly step: update each row's bounds by the centre moves, and only when they no longer prove
 * the row's cluster, recompute its distance to its centre, then (if still needed) to all centres.
 * Rows that change cluster move their contribution between the running sums. Returns how many
 * rows changed cluster. Assignments are those of a plain Lloyd step (up to exact ties).
 */
function hamerlyStep(
  data: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  bounds: Bounds,
  sums: Float64Array,
  counts: Float64Array,
  dist: Float64Array,
  two: Float64Array,
): number {
  const { upper, lower, half, shift, lowerShift } = bounds;
  let changed = 0;
  for (let i = 0, base = 0; i < n; i++, base += d) {
    const a = labels[i];
    let u = upper[i] + shift[a];
    const l = lower[i] - lowerShift[a];
    const h = half[a];
    if (u <= h || u <= l) {
      upper[i] = u;
      lower[i] = l;
      continue;
    }
    // Tighten the upper bound to the exact distance, and test again.
    u = Math.sqrt(sqDist4(data, base, centers, a * d, d));
    if (u <= h || u <= l) {
      upper[i] = u;
      lower[i] = l;
      continue;
    }
    const b = nearestTwo(data, base, d, centers, k, dist, two);
    upper[i] = Math.sqrt(two[0]);
    lower[i] = Math.sqrt(two[1]);
    if (b !== a) {
      labels[i] = b;
      counts[a]--;
      counts[b]++;
      for (let j = 0, ab = a * d, bb = b * d; j < d; j++) {
        const v = data[base + j];
        sums[ab + j] -= v;
        sums[bb + j] += v;
      }
      changed++;
    }
  }
  return changed;
}

/**
 * Nearest centre of the row at `base` (ties to the lower index); its squared distance goes to
 * `two[0]` and the second smallest to `two[1]` (+∞ when k = 1). Both arg-mins are branch-free:
 * which centre wins is close to random for overlapping clusters, so a branch would be mispredicted
 * about once per row (that alone doubled the pass time). The running minimum is read back from
 * `dist` by index rather than carried in a variable, because V8 only emits branches for a
 * floating-point select.
 */
function nearestTwo(
  data: Float64Array,
  base: number,
  d: number,
  centers: Float64Array,
  k: number,
  dist: Float64Array,
  two: Float64Array,
): number {
  if (d === 4) {
    // Unrolled for 4 columns (narrower data is zero-padded to 4 by the fit): the row stays in registers.
    const x0 = data[base];
    const x1 = data[base + 1];
    const x2 = data[base + 2];
    const x3 = data[base + 3];
    for (let c = 0, cb = 0; c < k; c++, cb += 4) {
      const t0 = x0 - centers[cb];
      const t1 = x1 - centers[cb + 1];
      const t2 = x2 - centers[cb + 2];
      const t3 = x3 - centers[cb + 3];
      dist[c] = t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
    }
  } else {
    for (let c = 0; c < k; c++) dist[c] = sqDist(data, base, centers, c * d, d);
  }
  let best = 0;
  for (let c = 1; c < k; c++) best ^= (best ^ c) & -+(dist[c] < dist[best]);
  two[0] = dist[best];
  if (k === 1) {
    two[1] = Number.POSITIVE_INFINITY;
    return 0;
  }
  dist[best] = Number.POSITIVE_INFINITY;
  let second = +(best === 0);
  for (let c = 0; c < k; c++) second ^= (second ^ c) & -+(dist[c] < dist[second]);
  two[1] = dist[second];
  return best;
}

/** Squared distance between a row and a centre, unrolled when d = 4. */
function sqDist4(a: Float64Array, ab: number, b: Float64Array, bb: number, d: number): number {
  if (d !== 4) return sqDist(a, ab, b, bb, d);
  const t0 = a[ab] - b[bb];
  const t1 = a[ab + 1] - b[bb + 1];
  const t2 = a[ab + 2] - b[bb + 2];
  const t3 = a[ab + 3] - b[bb + 3];
  return t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
}

/**
 * Assigns every row to its nearest centre (ties to the lower index); returns the inertia. Rows with
 * a NaN distance get -1 (only possible at prediction time: fitting rejects non-finite input).
 */
function assignLabels(
  data: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
): number {
  let inertia = 0;
  if (d === 4) {
    for (let i = 0, base = 0; i < n; i++, base += 4) {
      const x0 = data[base];
      const x1 = data[base + 1];
      const x2 = data[base + 2];
      const x3 = data[base + 3];
      let t0 = x0 - centers[0];
      let t1 = x1 - centers[1];
      let t2 = x2 - centers[2];
      let t3 = x3 - centers[3];
      dist[0] = t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
      let label = 0;
      for (let c = 1, cb = 4; c < k; c++, cb += 4) {
        t0 = x0 - centers[cb];
        t1 = x1 - centers[cb + 1];
        t2 = x2 - centers[cb + 2];
        t3 = x3 - centers[cb + 3];
        const s = t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
        dist[c] = s;
        label ^= (label ^ c) & -+(s < dist[label]);
      }
      const best = dist[label];
      labels[i] = Number.isNaN(best) ? -1 : label;
      inertia += best;
    }
    return inertia;
  }
  for (let i = 0, base = 0; i < n; i++, base += d) {
    dist[0] = sqDist(data, base, centers, 0, d);
    let label = 0;
    for (let c = 1, cb = d; c < k; c++, cb += d) {
      const s = sqDist(data, base, centers, cb, d);
      dist[c] = s;
      label ^= (label ^ c) & -+(s < dist[label]);
    }
    const best = dist[label];
    labels[i] = Number.isNaN(best) ? -1 : label;
    inertia += best;
  }
  return inertia;
}

/**
 * scikit-learn's `_relocate_empty_clusters_dense`: each empty cluster takes the row farthest from its
 * assigned centre, whose contribution moves from its old cluster's sum. Unlike scikit-learn, the row
 * is also relabelled at once (the running sums must stay the sums of the labelled rows) and its
 * bounds are reset so that the next step recomputes it. Returns whether anything was relocated.
 */
function relocateEmptyClusters(
  data: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  bounds: Bounds,
  sums: Float64Array,
  counts: Float64Array,
): boolean {
  let empty = 0;
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty++;
  if (empty === 0) return false;

  // Keep the `empty` farthest rows, farthest first (ties: lower row index first). Rare path.
  const farRows = new Int32Array(empty).fill(-1);
  const farDist = new Float64Array(empty).fill(-1);
  for (let i = 0, base = 0; i < n; i++, base += d) {
    const s = sqDist(data, base, centers, labels[i] * d, d);
    if (s <= farDist[empty - 1]) continue;
    let at = empty - 1;
    while (at > 0 && s > farDist[at - 1]) {
      farDist[at] = farDist[at - 1];
      farRows[at] = farRows[at - 1];
      at--;
    }
    farDist[at] = s;
    farRows[at] = i;
  }

  let slot = 0;
  for (let c = 0; c < k && slot < empty; c++) {
    if (counts[c] !== 0) continue;
    const row = farRows[slot++];
    if (row < 0) break;
    const old = labels[row];
    for (let j = 0; j < d; j++) {
      const value = data[row * d + j];
      sums[old * d + j] -= value;
      sums[c * d + j] = value;
    }
    counts[c] = 1;
    counts[old] -= 1;
    labels[row] = c;
    bounds.upper[row] = Number.POSITIVE_INFINITY;
    bounds.lower[row] = 0;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Squared Euclidean distance between `a[ab..ab+d)` and `b[bb..bb+d)` (two accumulators for ILP). */
function sqDist(a: Float64Array, ab: number, b: Float64Array, bb: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let j = 0;
  for (; j + 1 < d; j += 2) {
    const t0 = a[ab + j] - b[bb + j];
    const t1 = a[ab + j + 1] - b[bb + j + 1];
    s0 += t0 * t0;
    s1 += t1 * t1;
  }
  if (j < d) {
    const t = a[ab + j] - b[bb + j];
    s0 += t * t;
  }
  return s0 + s1;
}

/** Copies a `rows × from` matrix into a new `rows × to` one, truncating or zero-padding columns. */
function padColumns(data: Float64Array, rows: number, from: number, to: number): Float64Array {
  const out = new Float64Array(rows * to);
  const width = Math.min(from, to);
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) out[i * to + j] = data[i * from + j];
  return out;
}

function copyRow(data: Float64Array, row: number, d: number, target: Float64Array, at: number): void {
  for (let j = 0; j < d; j++) target[at + j] = data[row * d + j];
}

/** Mean over features of the population variance (scikit-learn's `_tolerance` scale). */
function meanVariance(data: Float64Array, n: number, d: number): number {
  const mean = new Float64Array(d);
  for (let i = 0, base = 0; i < n; i++, base += d) for (let j = 0; j < d; j++) mean[j] += data[base + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  // Two-pass variance: the naive E[x²] - E[x]² cancels badly for offset data.
  const variance = new Float64Array(d);
  for (let i = 0, base = 0; i < n; i++, base += d) {
    for (let j = 0; j < d; j++) {
      const t = data[base + j] - mean[j];
      variance[j] += t * t;
    }
  }
  let total = 0;
  for (let j = 0; j < d; j++) total += variance[j] / n;
  return total / d;
}
