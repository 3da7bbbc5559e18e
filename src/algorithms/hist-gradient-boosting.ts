/**
 * Histogram-based gradient boosting for binary classification, following scikit-learn's
 * `HistGradientBoostingClassifier` (binary log-loss):
 *
 * - every feature is binned into at most `maxBins` quantile bins fitted on (a ≤ 200 000-row
 *   subsample of) the training rows, plus one dedicated bin for missing values (NaN);
 * - each iteration fits a regression tree to the gradient/hessian of the log-loss, grown
 *   best-first (the leaf with the largest gain is split next) up to `maxLeafNodes` leaves;
 * - split search scans each feature's histogram left-to-right (missing values go right) and,
 *   when the feature had missing values during training, right-to-left (missing values go left),
 *   keeping whichever direction gains more — so the tree learns where missing values belong;
 * - a child's histogram is built from its samples only for the smaller child; the larger one is
 *   the parent's histogram minus the smaller one (the subtraction trick);
 * - optional early stopping on the log-loss of a stratified, seeded validation split.
 *
 * Trees are stored flat with thresholds on raw feature values, so prediction needs no binning.
 * Gradients and hessians are stored as float32 like scikit-learn's (histogram sums are
 * float64); on the Titanic fixture the 5-fold predictions match scikit-learn's accuracies
 * fold for fold, but bit-for-bit equality is not a goal (summation order differs).
 *
 * Where the time goes (1e6 × 12 with defaults: 82 iterations, about 13 s on one thread of the
 * 2-core reference machine): child histograms ~30 %, partitioning ~25 %, root histograms
 * ~18 %, gradients ~12 % (mostly Math.exp), leaf updates and validation scoring ~8 %, binning
 * ~5 %. Choices made: bin codes column-major (a node's rows are ascending, so each column is
 * read nearly sequentially), four features per pass over a node's rows (six at the root),
 * gradients moved along with the sample indices when a node is split (so a node's gradients
 * are contiguous and never gathered: gathering them for the smaller child instead, as
 * scikit-learn does, measured slower here), root bin counts computed once, and a partition
 * that looks up a chunk's sides first and then scatters them into a second buffer.
 *
 * Parallel scheme (`threads: 2`, data sets of at least {@link PARALLEL_MIN_ROWS} rows): one
 * helper thread works in lockstep with this one on shared memory (parallel/sync-helper.ts; the
 * kernels both run are in hist-gradient-boosting-kernels.ts). The helper is started first and
 * loads while this thread bins the data. Then every pass over the rows is shared:
 * - gradients: chunks of rows, claimed by either thread as it goes;
 * - root histogram: half of the features each (this thread's half also sums the gradient
 *   totals, in row order);
 * - histogram of a smaller child of at least {@link PARALLEL_NODE_ROWS} samples: groups of
 *   features, claimed as they go, each subtracted from the parent's histogram at once;
 * - partition of a node of that size: chunks of positions claimed from both ends — this thread
 *   fills the children's ranges from their starts, the helper from their ends, so neither needs
 *   the other's counts;
 * - leaf values: added to the training scores by the helper while this thread scores the
 *   validation rows.
 * Split search, tree bookkeeping and smaller nodes stay on this thread. No sum is ever split
 * between threads — each (feature, bin) sum and the gradient totals are accumulated in the same
 * order as with one thread — so the fitted model is the same, bit for bit, for any number of
 * threads. Two threads fit 1e6 rows in a little over half the time of one.
 */

import { availableParallelism } from "node:os";
import { workerEntry } from "../core/paths.ts";
import {
  applyLeaves,
  computeGradientChunks,
  computeGradients,
  featureGroups,
  fillGoesLeft,
  type HgbWorkspace,
  LEAF_FIELDS,
  nodeHistogram,
  nodeHistogramGroups,
  Op,
  PARTITION_CHUNK,
  partitionHead,
  rootHistogram,
  subtractHistogram,
  workspaceMessage,
} from "./hist-gradient-boosting-kernels.ts";
import type { KernelState, Matrix } from "./matrix.ts";
import { SyncHelper } from "./parallel/sync-helper.ts";
import { SeededRandom } from "./random.ts";
import { checkBinaryLabels, checkPredictInput, checkShape, outputBuffer } from "./validation.ts";

/** Hyper-parameters of {@link fitHistGradientBoosting} (defaults as in scikit-learn). */
export interface HistGradientBoostingOptions {
  /** Shrinkage applied to every leaf value. Default 0.1. */
  learningRate?: number;
  /** Maximum number of boosting iterations (trees). Default 100. */
  maxIter?: number;
  /** Maximum number of leaves per tree; `null` for no limit. Default 31. */
  maxLeafNodes?: number | null;
  /** Maximum depth of a tree (root has depth 0); `null` for no limit. Default null. */
  maxDepth?: number | null;
  /** Minimum number of training samples per leaf. Default 20. */
  minSamplesLeaf?: number;
  /** L2 penalty on leaf values (added to the hessian sums). Default 0. */
  l2Regularization?: number;
  /** Maximum number of bins for non-missing values, in [2, 255]. Default 255. */
  maxBins?: number;
  /** `"auto"` enables early stopping when there are more than 10 000 rows. Default "auto". */
  earlyStopping?: "auto" | boolean;
  /** Share of rows held out (stratified) for early stopping. Default 0.1. */
  validationFraction?: number;
  /** Stop when the validation loss has not improved by `tol` for this many iterations. Default 10. */
  nIterNoChange?: number;
  /** Minimum improvement of the validation score counted as progress. Default 1e-7. */
  tol?: number;
  /** Seed of the validation split and of the bin-edge subsample. */
  seed: number;
  /**
   * Threads to use: 1 or 2 (more are treated as 2: a single helper thread). The fitted model is
   * the same for any value. Data sets under {@link PARALLEL_MIN_ROWS} rows are always fitted
   * on one thread. Default `min(2, os.availableParallelism())`.
   */
  threads?: number;
}

/**
 * All trees, flattened. Node `k` of the ensemble is a split when `featureIndex[k] >= 0`: a row
 * goes to `left[k]` if its value `v` satisfies `v <= threshold[k]`, or if `v` is NaN and
 * `missingGoesLeft[k]` is 1; otherwise to `right[k]`. Child indices are absolute (into these
 * arrays). Leaves have `featureIndex = -1`, `left = right = -1` and a `value` that already
 * includes the learning rate. Tree `t` occupies nodes `treeOffsets[t] .. treeOffsets[t + 1] - 1`
 * and its root is `treeOffsets[t]`.
 */
export interface HistGradientBoostingTrees {
  featureIndex: Int32Array;
  threshold: Float64Array;
  missingGoesLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  /** Length = number of trees + 1. */
  treeOffsets: Int32Array;
}

/** A fitted binary gradient-boosting classifier. */
export interface HistGradientBoostingModel {
  /** Number of input columns. */
  dims: number;
  /** Raw score (log-odds) before any tree: logit of the training positive rate. */
  baseline: number;
  /** The boosted trees. */
  trees: HistGradientBoostingTrees;
  /**
   * Total split gain per feature over all trees (unnormalised importance by gain). The gain of
   * a split is the loss reduction G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ); scikit-learn leaves
   * out the last term at the root (a quirk that does not change which split is chosen).
   */
  featureGain: Float64Array;
  /** Number of boosting iterations performed (= number of trees). */
  iterations: number;
}

const ESTIMATOR = "HistGradientBoostingClassifier";
/** Splits need at least this much hessian on each side (scikit-learn's constant). */
const MIN_HESSIAN_TO_SPLIT = 1e-3;
/** Bin edges are computed from at most this many training rows. */
const BIN_SUBSAMPLE = 200_000;
/** Finite stand-in for +∞ thresholds; a true +∞ threshold marks a "split on missing". */
const ALMOST_INF = 1e300;
/** `"auto"` early stopping switches on above this many rows. */
const AUTO_EARLY_STOPPING_ROWS = 10_000;
/** Rows per block when predicting: the block's rows stay in cache while all trees visit them. */
const PREDICT_BLOCK = 256;
/**
 * Fewest rows for which a fit uses a helper thread. Loading it takes a few hundred milliseconds
 * (the TypeScript loader), hidden behind the binning of large data sets only: with 1e5 rows a
 * fit was slower with the helper than without, with 2e5 rows slightly faster.
 */
export const PARALLEL_MIN_ROWS = 200_000;
/**
 * Fewest samples in a node for its histogram or partition to be shared with the helper thread.
 * Smaller nodes take well under a millisecond, and the hand-off costs microseconds when the
 * helper is polling but up to a tenth of a millisecond when it has gone to sleep (4096 and
 * 16384 measured the same as this).
 */
export const PARALLEL_NODE_ROWS = 8192;
/** How long a fit waits for its helper thread to load before fitting alone. */
const HELPER_READY_TIMEOUT_MS = 30_000;
/** The helper's module: the bundled helper beside the bundle, else tsx's loader plus the source. */
const HELPER_ENTRY = workerEntry("hgb-helper.js", "algorithms/parallel/hgb-helper-entry.js");

/**
 * Fits a binary gradient-boosted tree ensemble on `x` (NaN = missing) and labels `y` ∈ {0, 1}.
 *
 * @throws RangeError on invalid options, shapes or labels.
 */
export function fitHistGradientBoosting(
  x: Matrix,
  y: Uint8Array,
  options: HistGradientBoostingOptions,
): HistGradientBoostingModel {
  const opts = resolveOptions(options);
  validateTrainingData(x, y);
  // Started first so that it loads while this thread splits and bins the data.
  const helper = opts.threads >= 2 && x.rows >= PARALLEL_MIN_ROWS ? SyncHelper.start(HELPER_ENTRY) : null;
  try {
    return fitWithHelper(x, y, opts, helper);
  } finally {
    helper?.close();
  }
}

/** The fit proper; `helper`, when given, may share the work once it has loaded. */
function fitWithHelper(
  x: Matrix,
  y: Uint8Array,
  opts: ResolvedOptions,
  helper: SyncHelper | null,
): HistGradientBoostingModel {
  const n = x.rows;
  const dims = x.cols;
  const rng = new SeededRandom(opts.seed);
  const splitRng = rng.fork();
  const binRng = rng.fork();
  // Arrays the helper thread works on must live in shared memory.
  const allocate = helper === null ? plainBuffer : sharedBuffer;

  const earlyStopping = opts.earlyStopping === "auto" ? n > AUTO_EARLY_STOPPING_ROWS : opts.earlyStopping;
  let trainRows: Uint32Array;
  let validationRows: Uint32Array | null = null;
  if (earlyStopping) {
    const split = stratifiedSplit(y, opts.validationFraction, splitRng);
    trainRows = split.train;
    validationRows = split.validation;
  } else {
    trainRows = new Uint32Array(n);
    for (let i = 0; i < n; i++) trainRows[i] = i;
  }

  const mapper = fitBinMapper(x, trainRows, opts.maxBins, binRng);
  const nTrain = trainRows.length;
  const binned = binRows(x, trainRows, mapper, allocate);
  const hasMissing = new Uint8Array(dims);
  for (let f = 0; f < dims; f++) {
    const col = binned.subarray(f * nTrain, (f + 1) * nTrain);
    hasMissing[f] = col.indexOf(mapper.missingBin) >= 0 ? 1 : 0;
  }
  const trainY = new Uint8Array(allocate(nTrain));
  let positives = 0;
  for (let r = 0; r < nTrain; r++) {
    trainY[r] = y[trainRows[r]];
    positives += trainY[r];
  }
  // Intercept-only optimum of the log-loss, clipped so a (near-)pure class stays finite.
  const rate = Math.min(Math.max(positives / nTrain, 1e-15), 1 - 1e-15);
  const baseline = Math.log(rate / (1 - rate));

  const ws = createWorkspace(binned, trainY, nTrain, dims, mapper, hasMissing, allocate);
  ws.raw.fill(baseline);
  const ctx = createContext(ws, mapper, opts);
  if (helper?.waitUntilReady(HELPER_READY_TIMEOUT_MS)) attachHelper(ctx, helper);
  const output = new TreeOutput(opts.maxLeafNodes);

  let validation: ValidationState | null = null;
  if (validationRows !== null) {
    validation = {
      binned: binRows(x, validationRows, mapper, plainBuffer),
      n: validationRows.length,
      y: Uint8Array.from(validationRows, (row) => y[row]),
      raw: new Float64Array(validationRows.length).fill(baseline),
      scores: [],
    };
    validation.scores.push(-meanLogLoss(validation.y, validation.raw));
  }

  let iterations = 0;
  for (let iter = 0; iter < opts.maxIter; iter++) {
    const rootHist = takeHistogram(ctx);
    const sums = gradientsAndRootHistogram(ctx, rootHist);
    const tree = growTree(ctx, rootHist, sums.sumGrad, sums.sumHess);
    applyTree(ctx, tree, validation);
    output.append(tree, mapper);
    iterations++;
    if (validation !== null && shouldStop(validation.scores, opts.nIterNoChange, opts.tol)) break;
  }

  return {
    dims,
    baseline,
    trees: output.finish(),
    featureGain: ctx.featureGain,
    iterations,
  };
}

/**
 * Predicts P(y = 1) for every row of `x` (raw values; NaN follows `missingGoesLeft`).
 *
 * @param out - optional output buffer of length `x.rows`.
 */
export function predictProbaHistGradientBoosting(
  model: HistGradientBoostingModel,
  x: Matrix,
  out?: Float64Array,
): Float64Array {
  checkPredictInput(model.dims, x, ESTIMATOR);
  const n = x.rows;
  const d = x.cols;
  const result = outputBuffer(out, n);
  const { threshold, meta, value, roots } = compileTrees(model.trees);
  const nTrees = roots.length;
  const data = x.data;
  result.fill(model.baseline);
  // Trees outer, rows inner within a block of rows: the tree stays in L1 and the block's rows
  // are re-read from cache by every tree. Four rows walk the tree together: their steps are
  // independent, so the load latencies of one step (node → feature → value → child) overlap
  // instead of forming one long chain per row; the direction is computed without a branch
  // (a branch on the comparison would mispredict about half the time). Rows that reach a leaf
  // first idle there (leaves are self-loops) until all four are done.
  for (let r0 = 0; r0 < n; r0 += PREDICT_BLOCK) {
    const r1 = Math.min(n, r0 + PREDICT_BLOCK);
    for (let t = 0; t < nTrees; t++) {
      const root = roots[t];
      let r = r0;
      for (; r + 3 < r1; r += 4) {
        const baseA = r * d;
        const baseB = baseA + d;
        const baseC = baseB + d;
        const baseD = baseC + d;
        let a = root;
        let b = root;
        let c = root;
        let e = root;
        for (;;) {
          // meta[2k + 1] = 2 · (left child) + nanRight; a leaf's "left child" is itself.
          const ma = meta[2 * a + 1];
          const mb = meta[2 * b + 1];
          const mc = meta[2 * c + 1];
          const me = meta[2 * e + 1];
          if (ma >> 1 === a && mb >> 1 === b && mc >> 1 === c && me >> 1 === e) break;
          const va = data[baseA + meta[2 * a]];
          const vb = data[baseB + meta[2 * b]];
          const vc = data[baseC + meta[2 * c]];
          const ve = data[baseD + meta[2 * e]];
          // Right child = left + 1. `v > t` is false for NaN, which then goes right only when
          // the node's nanRight bit (the low bit of meta) is set. Unary plus maps the booleans
          // to 0/1 without branching.
          a = (ma >> 1) + (+(va > threshold[a]) | (+Number.isNaN(va) & ma));
          b = (mb >> 1) + (+(vb > threshold[b]) | (+Number.isNaN(vb) & mb));
          c = (mc >> 1) + (+(vc > threshold[c]) | (+Number.isNaN(vc) & mc));
          e = (me >> 1) + (+(ve > threshold[e]) | (+Number.isNaN(ve) & me));
        }
        result[r] += value[a];
        result[r + 1] += value[b];
        result[r + 2] += value[c];
        result[r + 3] += value[e];
      }
      for (; r < r1; r++) {
        const base = r * d;
        let a = root;
        for (;;) {
          const ma = meta[2 * a + 1];
          if (ma >> 1 === a) break;
          const va = data[base + meta[2 * a]];
          a = (ma >> 1) + (+(va > threshold[a]) | (+Number.isNaN(va) & ma));
        }
        result[r] += value[a];
      }
    }
  }
  for (let r = 0; r < n; r++) result[r] = 1 / (1 + Math.exp(-result[r]));
  return result;
}

/** Prediction-friendly copy of the trees (see {@link compileTrees}). */
interface CompiledTrees {
  /** Split threshold; +∞ for leaves so that every value "goes left" (stays). */
  threshold: Float64Array;
  /** Per node: [feature, 2 · left child + nanRight]; leaves: [0, 2 · itself]. */
  meta: Int32Array;
  value: Float64Array;
  roots: Int32Array;
}

/**
 * Packs the node fields prediction needs into two arrays and turns leaves into self-loops,
 * so a row can keep stepping once it has arrived (lets several rows walk a tree in lockstep).
 */
function compileTrees(trees: HistGradientBoostingTrees): CompiledTrees {
  const { featureIndex, threshold, missingGoesLeft, left, value, treeOffsets } = trees;
  const nNodes = featureIndex.length;
  const thresholds = new Float64Array(nNodes);
  const meta = new Int32Array(2 * nNodes);
  for (let k = 0; k < nNodes; k++) {
    if (featureIndex[k] >= 0) {
      thresholds[k] = threshold[k];
      meta[2 * k] = featureIndex[k];
      meta[2 * k + 1] = 2 * left[k] + (missingGoesLeft[k] === 1 ? 0 : 1);
    } else {
      thresholds[k] = Infinity;
      meta[2 * k] = 0;
      meta[2 * k + 1] = 2 * k;
    }
  }
  return { threshold: thresholds, meta, value, roots: treeOffsets.subarray(0, treeOffsets.length - 1) };
}

/** Serialises a fitted model into a {@link KernelState}. */
export function histGradientBoostingToState(model: HistGradientBoostingModel): KernelState {
  const t = model.trees;
  return {
    meta: {
      kind: "hist-gradient-boosting",
      version: 1,
      dims: model.dims,
      baseline: model.baseline,
      iterations: model.iterations,
    },
    arrays: {
      featureIndex: t.featureIndex.slice(),
      threshold: t.threshold.slice(),
      missingGoesLeft: t.missingGoesLeft.slice(),
      left: t.left.slice(),
      right: t.right.slice(),
      value: t.value.slice(),
      treeOffsets: t.treeOffsets.slice(),
      featureGain: model.featureGain.slice(),
    },
  };
}

/**
 * Restores a model written by {@link histGradientBoostingToState}.
 *
 * @throws RangeError if the state is not a hist-gradient-boosting state or is inconsistent.
 */
export function histGradientBoostingFromState(state: KernelState): HistGradientBoostingModel {
  const { meta, arrays } = state;
  if (meta.kind !== "hist-gradient-boosting") {
    throw new RangeError(`Expected a hist-gradient-boosting state, got kind ${JSON.stringify(meta.kind)}.`);
  }
  const { dims, baseline, iterations } = meta;
  if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 0) {
    throw new RangeError("Invalid hist-gradient-boosting state: 'dims' must be a non-negative integer.");
  }
  if (typeof baseline !== "number" || typeof iterations !== "number") {
    throw new RangeError(
      "Invalid hist-gradient-boosting state: 'baseline' and 'iterations' must be numbers.",
    );
  }
  const featureIndex = expectArray(arrays.featureIndex, Int32Array, "featureIndex");
  const nNodes = featureIndex.length;
  const threshold = expectArray(arrays.threshold, Float64Array, "threshold", nNodes);
  const missingGoesLeft = expectArray(arrays.missingGoesLeft, Uint8Array, "missingGoesLeft", nNodes);
  const left = expectArray(arrays.left, Int32Array, "left", nNodes);
  const right = expectArray(arrays.right, Int32Array, "right", nNodes);
  const value = expectArray(arrays.value, Float64Array, "value", nNodes);
  const treeOffsets = expectArray(arrays.treeOffsets, Int32Array, "treeOffsets");
  const featureGain = expectArray(arrays.featureGain, Float64Array, "featureGain", dims);
  if (treeOffsets.length < 1 || treeOffsets[0] !== 0 || treeOffsets[treeOffsets.length - 1] !== nNodes) {
    throw new RangeError("Invalid hist-gradient-boosting state: 'treeOffsets' does not cover the nodes.");
  }
  // Prediction follows child indices until it reaches a leaf; children that point backwards
  // or out of their tree could make it loop forever, so check the structure once here.
  for (let t = 0; t + 1 < treeOffsets.length; t++) {
    const first = treeOffsets[t];
    const end = treeOffsets[t + 1];
    if (end <= first) throw new RangeError(`Invalid hist-gradient-boosting state: tree ${t} is empty.`);
    for (let k = first; k < end; k++) {
      const f = featureIndex[k];
      if (f >= 0) {
        if (f >= dims || left[k] <= k || left[k] + 1 >= end || right[k] !== left[k] + 1) {
          throw new RangeError(`Invalid hist-gradient-boosting state: malformed split node ${k}.`);
        }
      } else if (f !== -1) {
        throw new RangeError(`Invalid hist-gradient-boosting state: bad feature index at node ${k}.`);
      }
    }
  }
  return {
    dims,
    baseline,
    trees: { featureIndex, threshold, missingGoesLeft, left, right, value, treeOffsets },
    featureGain,
    iterations,
  };
}

// ---------------------------------------------------------------------------------------------
// Options and validation

interface ResolvedOptions {
  learningRate: number;
  maxIter: number;
  maxLeafNodes: number | null;
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  maxBins: number;
  earlyStopping: "auto" | boolean;
  validationFraction: number;
  nIterNoChange: number;
  tol: number;
  seed: number;
  threads: number;
}

function resolveOptions(options: HistGradientBoostingOptions): ResolvedOptions {
  const o: ResolvedOptions = {
    learningRate: options.learningRate ?? 0.1,
    maxIter: options.maxIter ?? 100,
    maxLeafNodes: options.maxLeafNodes === undefined ? 31 : options.maxLeafNodes,
    maxDepth: options.maxDepth ?? null,
    minSamplesLeaf: options.minSamplesLeaf ?? 20,
    l2Regularization: options.l2Regularization ?? 0,
    maxBins: options.maxBins ?? 255,
    earlyStopping: options.earlyStopping ?? "auto",
    validationFraction: options.validationFraction ?? 0.1,
    nIterNoChange: options.nIterNoChange ?? 10,
    tol: options.tol ?? 1e-7,
    seed: options.seed,
    threads: options.threads ?? Math.min(2, availableParallelism()),
  };
  const fail = (name: string, expected: string, got: unknown): never => {
    throw new RangeError(
      `The '${name}' parameter of ${ESTIMATOR} must be ${expected}. Got ${formatValue(got)} instead.`,
    );
  };
  const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
  const isNum = (v: unknown): v is number => typeof v === "number" && !Number.isNaN(v);
  if (!isNum(o.learningRate) || !(o.learningRate > 0) || o.learningRate === Infinity) {
    fail("learningRate", "a float in the range (0, inf)", o.learningRate);
  }
  if (!isInt(o.maxIter) || o.maxIter < 1) fail("maxIter", "an int in the range [1, inf)", o.maxIter);
  if (o.maxLeafNodes !== null && (!isInt(o.maxLeafNodes) || o.maxLeafNodes < 2)) {
    fail("maxLeafNodes", "an int in the range [2, inf) or None", o.maxLeafNodes);
  }
  if (o.maxDepth !== null && (!isInt(o.maxDepth) || o.maxDepth < 1)) {
    fail("maxDepth", "an int in the range [1, inf) or None", o.maxDepth);
  }
  if (!isInt(o.minSamplesLeaf) || o.minSamplesLeaf < 1) {
    fail("minSamplesLeaf", "an int in the range [1, inf)", o.minSamplesLeaf);
  }
  if (!isNum(o.l2Regularization) || o.l2Regularization < 0 || o.l2Regularization === Infinity) {
    fail("l2Regularization", "a float in the range [0, inf)", o.l2Regularization);
  }
  if (!isInt(o.maxBins) || o.maxBins < 2 || o.maxBins > 255) {
    fail("maxBins", "an int in the range [2, 255]", o.maxBins);
  }
  if (o.earlyStopping !== "auto" && typeof o.earlyStopping !== "boolean") {
    fail("earlyStopping", "a str among {'auto'} or an instance of 'bool'", o.earlyStopping);
  }
  if (!isNum(o.validationFraction) || !(o.validationFraction > 0) || !(o.validationFraction < 1)) {
    fail("validationFraction", "a float in the range (0, 1)", o.validationFraction);
  }
  if (!isInt(o.nIterNoChange) || o.nIterNoChange < 1) {
    fail("nIterNoChange", "an int in the range [1, inf)", o.nIterNoChange);
  }
  if (!isNum(o.tol) || o.tol < 0 || o.tol === Infinity) fail("tol", "a float in the range [0, inf)", o.tol);
  if (!isInt(o.seed)) fail("seed", "an int", o.seed);
  if (!isInt(o.threads) || o.threads < 1) fail("threads", "an int in the range [1, inf)", o.threads);
  return o;
}

function formatValue(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : String(v);
}

function validateTrainingData(x: Matrix, y: Uint8Array): void {
  checkShape(x, ESTIMATOR);
  if (x.rows < 2) {
    throw new RangeError(
      `Found array with ${x.rows} sample(s) (shape=(${x.rows}, ${x.cols})) while a minimum of 2 is required by ${ESTIMATOR}.`,
    );
  }
  if (x.cols < 1) {
    throw new RangeError(
      `Found array with 0 feature(s) (shape=(${x.rows}, 0)) while a minimum of 1 is required by ${ESTIMATOR}.`,
    );
  }
  if (y.length !== x.rows) {
    throw new RangeError(
      `Found input variables with inconsistent numbers of samples: [${x.rows}, ${y.length}]`,
    );
  }
  checkBinaryLabels(
    y,
    (seen) => `y contains only one class (${seen}); binary classification needs both 0 and 1.`,
  );
}

function expectArray<T extends Int32Array | Float64Array | Uint8Array>(
  value: unknown,
  type: { new (length: number): T; name: string },
  name: string,
  length?: number,
): T {
  if (!(value instanceof type) || (length !== undefined && value.length !== length)) {
    throw new RangeError(
      `Invalid hist-gradient-boosting state: '${name}' must be a ${type.name}` +
        (length === undefined ? "." : ` of length ${length}.`),
    );
  }
  return value as T;
}

// ---------------------------------------------------------------------------------------------
// Validation split and early stopping

/** Seeded stratified split; both index lists are returned in ascending (cache-friendly) order. */
function stratifiedSplit(
  y: Uint8Array,
  fraction: number,
  rng: SeededRandom,
): { train: Uint32Array; validation: Uint32Array } {
  const n = y.length;
  let n1 = 0;
  for (let i = 0; i < n; i++) n1 += y[i];
  const n0 = n - n1;
  const nVal = Math.min(n - 1, Math.max(1, Math.ceil(fraction * n)));
  // Same proportions as the full data in the validation part, as scikit-learn's stratify=y.
  let nVal1 = Math.round((nVal * n1) / n);
  nVal1 = Math.min(nVal1, n1);
  const nVal0 = Math.min(nVal - nVal1, n0);
  const class0 = new Uint32Array(n0);
  const class1 = new Uint32Array(n1);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === 1) class1[b++] = i;
    else class0[a++] = i;
  }
  const isValidation = new Uint8Array(n);
  partialShuffleMark(class0, nVal0, rng, isValidation);
  partialShuffleMark(class1, nVal1, rng, isValidation);
  const validation = new Uint32Array(nVal0 + nVal1);
  const train = new Uint32Array(n - validation.length);
  let v = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    if (isValidation[i] === 1) validation[v++] = i;
    else train[t++] = i;
  }
  return { train, validation };
}

/** Marks `k` elements of `pool` chosen uniformly without replacement (partial Fisher–Yates). */
function partialShuffleMark(pool: Uint32Array, k: number, rng: SeededRandom, mark: Uint8Array): void {
  const m = pool.length;
  for (let i = 0; i < k; i++) {
    const j = i + rng.nextInt(m - i);
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
    mark[pool[i]] = 1;
  }
}

interface ValidationState {
  binned: Uint8Array;
  n: number;
  y: Uint8Array;
  raw: Float64Array;
  /** Negative validation log-loss, the initial (baseline-only) score first. */
  scores: number[];
}

/** scikit-learn's rule: stop if none of the last `k` scores beats the one before them by `tol`. */
function shouldStop(scores: number[], k: number, tol: number): boolean {
  const reference = k + 1;
  if (scores.length < reference) return false;
  const referenceScore = scores[scores.length - reference] + tol;
  for (let i = scores.length - reference + 1; i < scores.length; i++) {
    if (scores[i] > referenceScore) return false;
  }
  return true;
}

function meanLogLoss(y: Uint8Array, raw: Float64Array): number {
  let total = 0;
  for (let i = 0; i < raw.length; i++) {
    const z = raw[i];
    // log(1 + e^z) − y z, evaluated without overflow.
    total += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y[i] * z;
  }
  return total / raw.length;
}

// ---------------------------------------------------------------------------------------------
// Binning

interface BinMapper {
  /**
   * Per feature `maxBins − 1` thresholds (value ≤ threshold[b] ⇒ bin ≤ b); only the first
   * `nBinsNonMissing[f] − 1` are real, the rest are +∞ padding so the search has a fixed length.
   */
  thresholds: Float64Array;
  /** Stride of `thresholds` per feature: 256 (a power of two for the branch-free search). */
  stride: number;
  nBinsNonMissing: Int32Array;
  /** Bin index of missing values (= maxBins, after all non-missing bins). */
  missingBin: number;
}

const THRESHOLD_STRIDE = 256;

/** Quantile bin edges per feature, as scikit-learn's `_find_binning_thresholds`. */
function fitBinMapper(x: Matrix, trainRows: Uint32Array, maxBins: number, rng: SeededRandom): BinMapper {
  const d = x.cols;
  let rows = trainRows;
  if (rows.length > BIN_SUBSAMPLE) {
    const pool = trainRows.slice();
    for (let i = 0; i < BIN_SUBSAMPLE; i++) {
      const j = i + rng.nextInt(pool.length - i);
      const tmp = pool[i];
      pool[i] = pool[j];
      pool[j] = tmp;
    }
    rows = pool.subarray(0, BIN_SUBSAMPLE).sort();
  }
  const thresholds = new Float64Array(d * THRESHOLD_STRIDE).fill(Infinity);
  const nBinsNonMissing = new Int32Array(d);
  const column = new Float64Array(rows.length);
  const distinct = new Float64Array(rows.length);
  const block = new Float64Array(Math.min(d, GATHER_BLOCK) * rows.length);
  for (let f = 0; f < d; f++) {
    const j = f % GATHER_BLOCK;
    if (j === 0) gatherColumns(x, rows, f, Math.min(d - f, GATHER_BLOCK), block);
    let m = 0;
    for (let r = j * rows.length, end = r + rows.length; r < end; r++) {
      const v = block[r];
      if (!Number.isNaN(v)) column[m++] = v;
    }
    // Most features have a handful of values: collecting them is much cheaper than sorting.
    // Only when there are more than maxBins (and percentiles are needed) is the column sorted.
    let nDistinct = fewDistinctValues(column, m, maxBins, distinct);
    let sorted = column;
    if (nDistinct < 0) {
      sorted = column.subarray(0, m).sort();
      nDistinct = 0;
      for (let k = 0; k < m; k++) {
        if (k === 0 || sorted[k] !== sorted[k - 1]) distinct[nDistinct++] = sorted[k];
      }
    }
    const base = f * THRESHOLD_STRIDE;
    let nThresholds: number;
    if (nDistinct <= maxBins) {
      nThresholds = Math.max(0, nDistinct - 1);
      for (let k = 0; k < nThresholds; k++) thresholds[base + k] = (distinct[k] + distinct[k + 1]) * 0.5;
    } else {
      nThresholds = maxBins - 1;
      for (let k = 1; k < maxBins; k++) {
        // numpy.percentile(method="midpoint") at q = k / maxBins.
        const position = (m - 1) * ((k * (100 / maxBins)) / 100);
        const lo = Math.floor(position);
        const hi = Math.ceil(position);
        const a = sorted[lo];
        const b = sorted[hi];
        thresholds[base + k - 1] = lo === hi ? a : b - (b - a) * 0.5;
      }
    }
    for (let k = 0; k < nThresholds; k++) {
      if (thresholds[base + k] > ALMOST_INF) thresholds[base + k] = ALMOST_INF;
    }
    nBinsNonMissing[f] = nThresholds + 1;
  }
  return { thresholds, stride: THRESHOLD_STRIDE, nBinsNonMissing, missingBin: maxBins };
}

/**
 * Features gathered per pass over the subsample's rows: one 64-byte cache line of a row
 * serves all of them, where gathering one feature at a time would miss the cache once per
 * (row, feature).
 */
const GATHER_BLOCK = 8;

/** Copies features `[f0, f0 + width)` of `rows` into `out`, column after column. */
function gatherColumns(x: Matrix, rows: Uint32Array, f0: number, width: number, out: Float64Array): void {
  const { cols, data } = x;
  const m = rows.length;
  for (let r = 0; r < m; r++) {
    const base = rows[r] * cols + f0;
    for (let j = 0; j < width; j++) out[j * m + r] = data[base + j];
  }
}

/**
 * The distinct values among `values[0..count)` in ascending order, written to `out`; returns
 * how many there are, or −1 as soon as there are more than `limit`. Values equal under `===`
 * count once (so do −0 and +0, as after a sort; either gives the same midpoints).
 */
function fewDistinctValues(values: Float64Array, count: number, limit: number, out: Float64Array): number {
  let size = 0;
  let last = Number.NaN;
  for (let k = 0; k < count; k++) {
    const v = values[k];
    // Repeats of the previous value are common and need no search.
    if (v === last) continue;
    last = v;
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (out[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo < size && out[lo] === v) continue;
    if (size === limit) return -1;
    out.copyWithin(lo + 1, lo, size);
    out[lo] = v;
    size++;
  }
  return size;
}

/** Thresholds up to which {@link binRows} counts them one by one instead of searching. */
const LINEAR_BINNING_THRESHOLDS = 8;

/** Bins the given rows into a column-major Uint8Array (`rows.length` values per feature). */
function binRows(
  x: Matrix,
  rows: Uint32Array,
  mapper: BinMapper,
  allocate: (bytes: number) => ArrayBufferLike,
): Uint8Array {
  const d = x.cols;
  const n = rows.length;
  const out = new Uint8Array(allocate(n * d));
  const thresholds = mapper.thresholds;
  const missingBin = mapper.missingBin;
  const data = x.data;
  const nThresholds = Int32Array.from(mapper.nBinsNonMissing, (bins) => bins - 1);
  for (let r = 0; r < n; r++) {
    const base = rows[r] * d;
    for (let f = 0; f < d; f++) {
      const v = data[base + f];
      const t = f * THRESHOLD_STRIDE;
      const few = nThresholds[f];
      let bin: number;
      if (Number.isNaN(v)) {
        bin = missingBin;
      } else if (few <= LINEAR_BINNING_THRESHOLDS) {
        // A few thresholds: count those below v directly (independent comparisons).
        bin = 0;
        for (let k = 0; k < few; k++) bin += +(thresholds[t + k] < v);
      } else {
        // Fixed 8-step binary search over 255 (+∞-padded) thresholds: counts thresholds < v,
        // which is the bin of v. Each step adds 0 or 2^k computed from the comparison (unary
        // plus, no branch): the outcomes are data-dependent and would mispredict as branches.
        let pos = +(thresholds[t + 127] < v) << 7;
        pos += +(thresholds[t + pos + 63] < v) << 6;
        pos += +(thresholds[t + pos + 31] < v) << 5;
        pos += +(thresholds[t + pos + 15] < v) << 4;
        pos += +(thresholds[t + pos + 7] < v) << 3;
        pos += +(thresholds[t + pos + 3] < v) << 2;
        pos += +(thresholds[t + pos + 1] < v) << 1;
        pos += +(thresholds[t + pos] < v);
        bin = pos;
      }
      out[f * n + r] = bin;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tree growing

/**
 * A float64 buffer with the id by which the helper thread knows it: a histogram (dims × nBins ×
 * 3 values: [sum g, sum h, count] per bin) or a leaf table.
 */
interface NumberedBuffer {
  id: number;
  data: Float64Array;
}

interface Context {
  ws: HgbWorkspace;
  nBinsNonMissing: Int32Array;
  /** Scratch: per-bin "goes left" table of the split being applied. */
  goesLeft: Uint8Array;
  /** Scratch: per sample of a partition chunk, 1 if it goes left. */
  sides: Uint8Array;
  /** Free histogram buffers. */
  histPool: NumberedBuffer[];
  /** Shared buffers created so far (histograms and leaf tables take ids from here). */
  bufferCount: number;
  /** Per leaf of the current tree: {@link LEAF_FIELDS} numbers, see {@link applyLeaves}. */
  leafTable: NumberedBuffer;
  /** Scratch for the root's gradient totals. */
  sums: Float64Array;
  featureGain: Float64Array;
  opts: ResolvedOptions;
  /** The helper thread sharing the work, or null when fitting alone. */
  helper: SyncHelper | null;
  /** Root histogram features `[0, featureSplit)` are this thread's, the rest the helper's. */
  featureSplit: number;
}

function plainBuffer(bytes: number): ArrayBuffer {
  return new ArrayBuffer(bytes);
}

function sharedBuffer(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes);
}

/**
 * The arrays of the fit that both threads may touch, allocated with `allocate` (shared memory
 * when a helper thread may join), and the root's bin counts.
 */
function createWorkspace(
  binned: Uint8Array,
  y: Uint8Array,
  n: number,
  dims: number,
  mapper: BinMapper,
  hasMissing: Uint8Array,
  allocate: (bytes: number) => ArrayBufferLike,
): HgbWorkspace {
  const nBins = mapper.missingBin + 1;
  const gradHess0 = new Float32Array(allocate(8 * n));
  const gradHess1 = new Float32Array(allocate(8 * n));
  const rootCounts = new Float64Array(dims * nBins * 3);
  for (let f = 0; f < dims; f++) {
    const col = f * n;
    const hb = f * nBins * 3;
    for (let i = 0; i < n; i++) rootCounts[hb + binned[col + i] * 3 + 2] += 1;
  }
  return {
    n,
    dims,
    nBins,
    missingBin: mapper.missingBin,
    binned,
    hasMissing,
    rootCounts,
    partitions: [new Uint32Array(allocate(4 * n)), new Uint32Array(allocate(4 * n))],
    gradHess: [gradHess0, gradHess1],
    gradPairs: [new Float64Array(gradHess0.buffer), new Float64Array(gradHess1.buffer)],
    claims: new Int32Array(allocate(4)),
    featureGroups: featureGroups(dims),
    raw: new Float64Array(allocate(8 * n)),
    y,
  };
}

function createContext(ws: HgbWorkspace, mapper: BinMapper, opts: ResolvedOptions): Context {
  const maxLeaves = opts.maxLeafNodes ?? 64;
  return {
    ws,
    nBinsNonMissing: mapper.nBinsNonMissing,
    goesLeft: new Uint8Array(256),
    sides: new Uint8Array(PARTITION_CHUNK),
    histPool: [],
    bufferCount: 1,
    leafTable: { id: 0, data: new Float64Array(LEAF_FIELDS * maxLeaves) },
    sums: new Float64Array(2),
    featureGain: new Float64Array(ws.dims),
    opts,
    helper: null,
    featureSplit: Math.ceil(ws.dims / 2),
  };
}

/** Makes `helper` share the work of the fit from now on. */
function attachHelper(ctx: Context, helper: SyncHelper): void {
  helper.send(workspaceMessage(ctx.ws));
  ctx.helper = helper;
  ctx.leafTable = newSharedBuffer(ctx, ctx.leafTable.data.length);
}

/** A new float64 buffer, shared with the helper thread when there is one. */
function newSharedBuffer(ctx: Context, length: number): NumberedBuffer {
  const id = ctx.bufferCount++;
  if (ctx.helper === null) return { id, data: new Float64Array(length) };
  const buffer = new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT);
  ctx.helper.send({ kind: "buffer", id, buffer });
  return { id, data: new Float64Array(buffer) };
}

/** A node while its tree grows (a handful per tree, never per row). */
interface GrowNode {
  /** Which of the two partition buffers holds this node's range. */
  buffer: number;
  start: number;
  end: number;
  depth: number;
  sumGrad: number;
  sumHess: number;
  hist: NumberedBuffer | null;
  // Best split found (gain ≤ 0 means none).
  gain: number;
  feature: number;
  bin: number;
  missingGoesLeft: boolean;
  gradLeft: number;
  hessLeft: number;
  countLeft: number;
  /** Index of the left child in the tree's node list (right child = left + 1), −1 for leaves. */
  left: number;
  /** Leaf output including the learning rate (set when the tree is complete). */
  value: number;
}

/** A grown tree in creation order (root first, children in consecutive pairs). */
interface GrownTree {
  nodes: GrowNode[];
}

function newNode(
  buffer: number,
  start: number,
  end: number,
  depth: number,
  sumGrad: number,
  sumHess: number,
): GrowNode {
  return {
    buffer,
    start,
    end,
    depth,
    sumGrad,
    sumHess,
    hist: null,
    gain: -1,
    feature: -1,
    bin: 0,
    missingGoesLeft: false,
    gradLeft: 0,
    hessLeft: 0,
    countLeft: 0,
    left: -1,
    value: 0,
  };
}

function takeHistogram(ctx: Context): NumberedBuffer {
  return ctx.histPool.pop() ?? newSharedBuffer(ctx, ctx.ws.dims * ctx.ws.nBins * 3);
}

function releaseHistogram(ctx: Context, node: GrowNode): void {
  if (node.hist !== null) {
    ctx.histPool.push(node.hist);
    node.hist = null;
  }
}

/**
 * Grows one tree best-first on the current gradients (scikit-learn's TreeGrower), starting
 * from the root histogram and gradient sums of {@link gradientsAndRootHistogram}.
 */
function growTree(ctx: Context, rootHist: NumberedBuffer, sumGrad: number, sumHess: number): GrownTree {
  const { opts } = ctx;
  const n = ctx.ws.n;
  const root = newNode(0, 0, n, 0, sumGrad, sumHess);
  root.hist = rootHist;
  const nodes: GrowNode[] = [root];
  const splittable: GrowNode[] = [];
  const minSamplesLeaf = opts.minSamplesLeaf;
  if (n >= 2 * minSamplesLeaf && sumHess >= MIN_HESSIAN_TO_SPLIT) findBestSplit(ctx, root);
  if (root.gain > 0) splittable.push(root);
  else releaseHistogram(ctx, root);
  let nLeaves = 1;

  while (splittable.length > 0) {
    // Best-first: the splittable leaf with the largest gain (first one on ties).
    let bestIndex = 0;
    for (let k = 1; k < splittable.length; k++) {
      if (splittable[k].gain > splittable[bestIndex].gain) bestIndex = k;
    }
    const node = splittable[bestIndex];
    splittable.splice(bestIndex, 1);

    applySplit(ctx, node);
    const mid = node.start + node.countLeft;
    const depth = node.depth + 1;
    const buffer = 1 - node.buffer;
    const left = newNode(buffer, node.start, mid, depth, node.gradLeft, node.hessLeft);
    const right = newNode(
      buffer,
      mid,
      node.end,
      depth,
      node.sumGrad - node.gradLeft,
      node.sumHess - node.hessLeft,
    );
    node.left = nodes.length;
    nodes.push(left, right);
    nLeaves++;
    ctx.featureGain[node.feature] += node.gain;
    if (ctx.ws.hasMissing[node.feature] === 0) {
      // No missing values seen for this feature: send future ones to the bigger child.
      node.missingGoesLeft = mid - node.start > node.end - mid;
    }

    if (opts.maxLeafNodes !== null && nLeaves >= opts.maxLeafNodes) {
      releaseHistogram(ctx, node);
      for (const other of splittable) releaseHistogram(ctx, other);
      splittable.length = 0;
      break;
    }
    if (opts.maxDepth !== null && depth >= opts.maxDepth) {
      releaseHistogram(ctx, node);
      continue;
    }
    const splitLeft = left.end - left.start >= 2 * minSamplesLeaf;
    const splitRight = right.end - right.start >= 2 * minSamplesLeaf;
    if (!splitLeft && !splitRight) {
      releaseHistogram(ctx, node);
      continue;
    }
    // Build the smaller child's histogram from its samples; the larger child's is the
    // parent's minus it, computed in the parent's buffer (the parent is done with it).
    const leftSmaller = left.end - left.start < right.end - right.start;
    const smaller = leftSmaller ? left : right;
    const larger = leftSmaller ? right : left;
    const parentHist = node.hist!;
    node.hist = null;
    smaller.hist = childHistogram(ctx, smaller, parentHist);
    larger.hist = parentHist;

    if (splitLeft) findBestSplit(ctx, left);
    if (splitRight) findBestSplit(ctx, right);
    for (const child of [left, right]) {
      if (child.gain > 0 && (child === left ? splitLeft : splitRight)) splittable.push(child);
      else releaseHistogram(ctx, child);
    }
  }
  const lambda = opts.l2Regularization;
  for (const node of nodes) {
    if (node.left < 0) node.value = opts.learningRate * leafValue(node.sumGrad, node.sumHess, lambda);
  }
  return { nodes };
}

/**
 * Computes the log-loss gradient and hessian of every training row (in row order, which is the
 * partition order at the start of a tree) and the root histogram, and returns the gradient
 * totals. With a helper, each thread takes half of the rows, then half of the features.
 */
function gradientsAndRootHistogram(ctx: Context, hist: NumberedBuffer): { sumGrad: number; sumHess: number } {
  const { ws, helper, featureSplit, sums } = ctx;
  const { n, dims } = ws;
  if (helper === null) {
    computeGradients(ws, 0, n);
    rootHistogram(ws, hist.data, 0, dims, sums);
  } else {
    Atomics.store(ws.claims, 0, 0);
    helper.post(Op.gradients, []);
    computeGradientChunks(ws);
    helper.wait();
    // The totals are summed in row order by this thread (with its first features), as alone.
    helper.post(Op.rootHistogram, [hist.id, featureSplit, dims]);
    rootHistogram(ws, hist.data, 0, featureSplit, sums);
    helper.wait();
  }
  return { sumGrad: sums[0], sumHess: sums[1] };
}

/**
 * Builds the histogram of `node` (the smaller child) from its samples and subtracts it from
 * `parent`, the parent's histogram, which becomes the larger child's. For a large node both
 * threads take groups of features until none are left.
 */
function childHistogram(ctx: Context, node: GrowNode, parent: NumberedBuffer): NumberedBuffer {
  const { ws, helper } = ctx;
  const { buffer, start, end } = node;
  const dims = ws.dims;
  const hist = takeHistogram(ctx);
  if (helper !== null && dims > 1 && end - start >= PARALLEL_NODE_ROWS) {
    Atomics.store(ws.claims, 0, 0);
    helper.post(Op.nodeHistogram, [hist.id, parent.id, buffer, start, end]);
    nodeHistogramGroups(ws, hist.data, parent.data, buffer, start, end);
    helper.wait();
  } else {
    nodeHistogram(ws, hist.data, buffer, start, end, 0, dims);
    subtractHistogram(ws, parent.data, hist.data, 0, dims);
  }
  return hist;
}

/** Scans every feature's histogram for the best split of `node` (scikit-learn's Splitter). */
function findBestSplit(ctx: Context, node: GrowNode): void {
  const { dims, nBins, hasMissing } = ctx.ws;
  const { nBinsNonMissing, opts } = ctx;
  const hist = node.hist!.data;
  const lambda = opts.l2Regularization;
  const minLeaf = opts.minSamplesLeaf;
  const nSamples = node.end - node.start;
  const sumG = node.sumGrad;
  const sumH = node.sumHess;
  // Loss of the unsplit node, −G²/(H + λ); the gain is the loss reduction of a split.
  const parentTerm = (sumG * sumG) / (sumH + lambda + 1e-15);
  let bestGain = -1;
  for (let f = 0; f < dims; f++) {
    const hb = f * nBins * 3;
    const nonMissing = nBinsNonMissing[f];
    const missing = hasMissing[f];
    // Left to right, missing values (if any) on the right. With missing values the last
    // non-missing bin is a candidate too: "all values left, missing right".
    const end = nonMissing - 1 + missing;
    let countL = 0;
    let gradL = 0;
    let hessL = 0;
    for (let b = 0; b < end; b++) {
      const slot = hb + b * 3;
      gradL += hist[slot];
      hessL += hist[slot + 1];
      countL += hist[slot + 2];
      const countR = nSamples - countL;
      const hessR = sumH - hessL;
      if (countL < minLeaf) continue;
      if (countR < minLeaf) break;
      if (hessL < MIN_HESSIAN_TO_SPLIT) continue;
      if (hessR < MIN_HESSIAN_TO_SPLIT) break;
      const gradR = sumG - gradL;
      const gain =
        (gradL * gradL) / (hessL + lambda + 1e-15) + (gradR * gradR) / (hessR + lambda + 1e-15) - parentTerm;
      if (gain > bestGain && gain > 0) {
        bestGain = gain;
        node.feature = f;
        node.bin = b;
        node.missingGoesLeft = false;
        node.gradLeft = gradL;
        node.hessLeft = hessL;
        node.countLeft = countL;
      }
    }
    if (missing === 1) {
      // Right to left over the non-missing bins, missing values on the left.
      let countR = 0;
      let gradR = 0;
      let hessR = 0;
      for (let b = nonMissing - 2; b >= 0; b--) {
        const slot = hb + (b + 1) * 3;
        gradR += hist[slot];
        hessR += hist[slot + 1];
        countR += hist[slot + 2];
        const countLeft = nSamples - countR;
        const hessLeft = sumH - hessR;
        if (countR < minLeaf) continue;
        if (countLeft < minLeaf) break;
        if (hessR < MIN_HESSIAN_TO_SPLIT) continue;
        if (hessLeft < MIN_HESSIAN_TO_SPLIT) break;
        const gradLeft = sumG - gradR;
        const gain =
          (gradLeft * gradLeft) / (hessLeft + lambda + 1e-15) +
          (gradR * gradR) / (hessR + lambda + 1e-15) -
          parentTerm;
        if (gain > bestGain && gain > 0) {
          bestGain = gain;
          node.feature = f;
          node.bin = b;
          node.missingGoesLeft = true;
          node.gradLeft = gradLeft;
          node.hessLeft = hessLeft;
          node.countLeft = countLeft;
        }
      }
    }
  }
  node.gain = bestGain;
}

/**
 * Stable partition of the node's samples (and their gradients) by its split into the other
 * buffer: the left child's samples go to `[start, start + countLeft)`, the right child's after
 * them, both in ascending sample order. `countLeft` is known from the histogram, so the
 * scatter is a single pass with one write per sample. With a helper, this thread takes a large
 * node's chunks from the first and the helper from the last, until they meet.
 */
function applySplit(ctx: Context, node: GrowNode): void {
  const { ws, helper, goesLeft, sides } = ctx;
  const { buffer, start, end, feature, bin, countLeft } = node;
  const missingGoesLeft = node.missingGoesLeft && ws.hasMissing[feature] === 1;
  fillGoesLeft(goesLeft, bin, missingGoesLeft, ws.missingBin);
  let sentLeft: number;
  if (helper !== null && end - start >= PARALLEL_NODE_ROWS) {
    Atomics.store(ws.claims, 0, 0);
    helper.post(Op.partitionTail, [buffer, start, end, feature, bin, missingGoesLeft ? 1 : 0, countLeft]);
    sentLeft = partitionHead(ws, sides, goesLeft, buffer, start, end, feature, countLeft, ws.claims);
    sentLeft += helper.wait();
  } else {
    sentLeft = partitionHead(ws, sides, goesLeft, buffer, start, end, feature, countLeft, null);
  }
  if (sentLeft !== countLeft) {
    // Histogram counts are exact integers, so this only fires on a bug; fail loudly rather
    // than train on a corrupted partition.
    throw new Error(`Internal error: split sent ${sentLeft} samples left, expected ${countLeft}.`);
  }
}

/**
 * Adds the tree's leaf values to the training rows' raw scores and, with early stopping, to the
 * validation rows' (recording the new validation score). With a helper, the helper updates the
 * training rows while this thread scores the validation rows (or takes half of the training
 * rows when there are none).
 */
function applyTree(ctx: Context, tree: GrownTree, validation: ValidationState | null): void {
  const { ws, helper } = ctx;
  const n = ws.n;
  const table = fillLeafTable(ctx, tree);
  const count = table.data.length / LEAF_FIELDS;
  // Positions [0, own) are this thread's, [own, n) the helper's.
  const own = helper === null ? n : validation === null ? n >> 1 : 0;
  helper?.post(Op.applyLeaves, [table.id, count, own, n]);
  applyLeaves(ws, table.data, count, 0, own);
  if (validation !== null) {
    addTreeBinned(tree, validation.binned, validation.n, ws.missingBin, validation.raw);
    validation.scores.push(-meanLogLoss(validation.y, validation.raw));
  }
  helper?.wait();
}

/** Writes the tree's leaves into the leaf table (grown if needed); returns a view of the rows used. */
function fillLeafTable(ctx: Context, tree: GrownTree): NumberedBuffer {
  let leaves = 0;
  for (const node of tree.nodes) if (node.left < 0) leaves++;
  if (ctx.leafTable.data.length < LEAF_FIELDS * leaves) {
    ctx.leafTable = newSharedBuffer(
      ctx,
      LEAF_FIELDS * Math.max(leaves, 2 * (ctx.leafTable.data.length / LEAF_FIELDS)),
    );
  }
  const table = ctx.leafTable.data;
  let at = 0;
  for (const node of tree.nodes) {
    if (node.left >= 0) continue;
    table[at] = node.buffer;
    table[at + 1] = node.start;
    table[at + 2] = node.end;
    table[at + 3] = node.value;
    at += LEAF_FIELDS;
  }
  return { id: ctx.leafTable.id, data: table.subarray(0, at) };
}

function leafValue(sumGrad: number, sumHess: number, lambda: number): number {
  return -sumGrad / (sumHess + lambda + 1e-15);
}

/** Adds the tree's output to `raw` for pre-binned rows (validation set). */
function addTreeBinned(
  tree: GrownTree,
  binned: Uint8Array,
  n: number,
  missingBin: number,
  raw: Float64Array,
): void {
  const nodes = tree.nodes;
  for (let r = 0; r < n; r++) {
    let node = nodes[0];
    while (node.left >= 0) {
      const b = binned[node.feature * n + r];
      const goLeft = b <= node.bin || (node.missingGoesLeft && b === missingBin);
      node = nodes[goLeft ? node.left : node.left + 1];
    }
    raw[r] += node.value;
  }
}

/** Accumulates trees into growable flat arrays. */
class TreeOutput {
  private featureIndex: Int32Array;
  private threshold: Float64Array;
  private missingGoesLeft: Uint8Array;
  private left: Int32Array;
  private right: Int32Array;
  private value: Float64Array;
  private offsets: number[] = [0];
  private size = 0;

  constructor(maxLeafNodes: number | null) {
    const capacity = 64 * (maxLeafNodes === null ? 64 : 2 * maxLeafNodes);
    this.featureIndex = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.missingGoesLeft = new Uint8Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
  }

  append(tree: GrownTree, mapper: BinMapper): void {
    const nodes = tree.nodes;
    this.reserve(this.size + nodes.length);
    const offset = this.size;
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k];
      const at = offset + k;
      if (node.left >= 0) {
        this.featureIndex[at] = node.feature;
        // A split after the last non-missing bin separates missing values only: +∞ sends
        // every number left and NaN (which fails `<=`) right.
        this.threshold[at] =
          node.bin === mapper.nBinsNonMissing[node.feature] - 1
            ? Infinity
            : mapper.thresholds[node.feature * mapper.stride + node.bin];
        this.missingGoesLeft[at] = node.missingGoesLeft ? 1 : 0;
        this.left[at] = offset + node.left;
        this.right[at] = offset + node.left + 1;
        this.value[at] = 0;
      } else {
        this.featureIndex[at] = -1;
        this.threshold[at] = 0;
        this.missingGoesLeft[at] = 0;
        this.left[at] = -1;
        this.right[at] = -1;
        this.value[at] = node.value;
      }
    }
    this.size += nodes.length;
    this.offsets.push(this.size);
  }

  finish(): HistGradientBoostingTrees {
    return {
      featureIndex: this.featureIndex.slice(0, this.size),
      threshold: this.threshold.slice(0, this.size),
      missingGoesLeft: this.missingGoesLeft.slice(0, this.size),
      left: this.left.slice(0, this.size),
      right: this.right.slice(0, this.size),
      value: this.value.slice(0, this.size),
      treeOffsets: Int32Array.from(this.offsets),
    };
  }

  private reserve(size: number): void {
    if (size <= this.featureIndex.length) return;
    const capacity = Math.max(size, 2 * this.featureIndex.length);
    this.featureIndex = grow(this.featureIndex, new Int32Array(capacity));
    this.threshold = grow(this.threshold, new Float64Array(capacity));
    this.missingGoesLeft = grow(this.missingGoesLeft, new Uint8Array(capacity));
    this.left = grow(this.left, new Int32Array(capacity));
    this.right = grow(this.right, new Int32Array(capacity));
    this.value = grow(this.value, new Float64Array(capacity));
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
