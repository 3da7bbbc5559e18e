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
 * Gradients are kept in float64 (scikit-learn uses float32), so results agree with scikit-learn
 * statistically rather than bit-for-bit.
 */

import type { KernelState, Matrix } from "./matrix.ts";
import { SeededRandom } from "./random.ts";

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
  /** Total split gain per feature (unnormalised importance by gain). */
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
  const n = x.rows;
  const dims = x.cols;
  const rng = new SeededRandom(opts.seed);
  const splitRng = rng.fork();
  const binRng = rng.fork();

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
  const binned = binRows(x, trainRows, mapper);
  const hasMissing = new Uint8Array(dims);
  for (let f = 0; f < dims; f++) {
    const col = binned.subarray(f * nTrain, (f + 1) * nTrain);
    hasMissing[f] = col.indexOf(mapper.missingBin) >= 0 ? 1 : 0;
  }
  const trainY = new Uint8Array(nTrain);
  let positives = 0;
  for (let r = 0; r < nTrain; r++) {
    trainY[r] = y[trainRows[r]];
    positives += trainY[r];
  }
  // Intercept-only optimum of the log-loss, clipped so a (near-)pure class stays finite.
  const rate = Math.min(Math.max(positives / nTrain, 1e-15), 1 - 1e-15);
  const baseline = Math.log(rate / (1 - rate));

  const ctx = createContext(binned, nTrain, dims, mapper, hasMissing, opts);
  const raw = new Float64Array(nTrain).fill(baseline);
  const output = new TreeOutput(opts.maxLeafNodes);

  let validation: ValidationState | null = null;
  if (validationRows !== null) {
    validation = {
      binned: binRows(x, validationRows, mapper),
      n: validationRows.length,
      y: validationRows.reduce((labels, row, r) => {
        labels[r] = y[row];
        return labels;
      }, new Uint8Array(validationRows.length)),
      raw: new Float64Array(validationRows.length).fill(baseline),
      scores: [],
    };
    validation.scores.push(-meanLogLoss(validation.y, validation.raw));
  }

  let iterations = 0;
  for (let iter = 0; iter < opts.maxIter; iter++) {
    const rootHist = takeHistogram(ctx);
    const sums = gradientsAndRootHistogram(ctx, raw, trainY, rootHist);
    const tree = growTree(ctx, rootHist, sums.sumGrad, sums.sumHess);
    applyLeaves(ctx, tree, raw);
    output.append(tree, mapper);
    iterations++;
    if (validation !== null) {
      addTreeBinned(tree, validation.binned, validation.n, mapper.missingBin, validation.raw);
      validation.scores.push(-meanLogLoss(validation.y, validation.raw));
      if (shouldStop(validation.scores, opts.nIterNoChange, opts.tol)) break;
    }
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
  checkMatrix(x);
  if (x.cols !== model.dims) {
    throw new RangeError(
      `X has ${x.cols} features, but ${ESTIMATOR} is expecting ${model.dims} features as input.`,
    );
  }
  const n = x.rows;
  const d = x.cols;
  const result = out ?? new Float64Array(n);
  if (result.length !== n) {
    throw new RangeError(`The output buffer has length ${result.length}, expected ${n}.`);
  }
  const compiled = compileTrees(model.trees);
  const { feature, threshold, nanRight, next, value, roots, depths } = compiled;
  const nTrees = roots.length;
  const data = x.data;
  const cursor = new Int32Array(PREDICT_BLOCK);
  const rowBase = new Int32Array(PREDICT_BLOCK);
  result.fill(model.baseline);
  // Rows advance through a tree level by level, all rows of a block at once: the per-row
  // steps are independent, so their memory latencies overlap instead of forming one long
  // dependency chain per row, and the direction is computed without a branch (a branch on
  // the comparison mispredicts about half the time). Rows that reach a leaf early simply
  // stay there (leaves are compiled to self-loops), which costs some wasted steps on
  // unbalanced trees but is still much faster than walking rows one by one.
  for (let r0 = 0; r0 < n; r0 += PREDICT_BLOCK) {
    const m = Math.min(PREDICT_BLOCK, n - r0);
    for (let i = 0; i < m; i++) rowBase[i] = (r0 + i) * d;
    for (let t = 0; t < nTrees; t++) {
      const root = roots[t];
      const depth = depths[t];
      cursor.fill(root, 0, m);
      for (let level = 0; level < depth; level++) {
        for (let i = 0; i < m; i++) {
          const node = cursor[i];
          const v = data[rowBase[i] + feature[node]];
          // Children are pairs (right = left + 1); NaN fails `>` and goes right only if
          // nanRight. Unary plus turns the comparisons into 0/1 without branching.
          cursor[i] = next[node] + (+(v > threshold[node]) | (+(v !== v) & nanRight[node]));
        }
      }
      for (let i = 0; i < m; i++) result[r0 + i] += value[cursor[i]];
    }
  }
  for (let r = 0; r < n; r++) result[r] = 1 / (1 + Math.exp(-result[r]));
  return result;
}

/** Prediction-friendly copy of the trees: leaves become self-loops, per-tree depths known. */
interface CompiledTrees {
  feature: Int32Array;
  threshold: Float64Array;
  nanRight: Uint8Array;
  next: Int32Array;
  value: Float64Array;
  roots: Int32Array;
  depths: Int32Array;
}

function compileTrees(trees: HistGradientBoostingTrees): CompiledTrees {
  const { featureIndex, threshold, missingGoesLeft, left, value, treeOffsets } = trees;
  const nNodes = featureIndex.length;
  const nTrees = treeOffsets.length - 1;
  const feature = new Int32Array(nNodes);
  const thresholds = new Float64Array(nNodes);
  const nanRight = new Uint8Array(nNodes);
  const next = new Int32Array(nNodes);
  const nodeDepth = new Int32Array(nNodes);
  const roots = new Int32Array(nTrees);
  const depths = new Int32Array(nTrees);
  for (let t = 0; t < nTrees; t++) {
    roots[t] = treeOffsets[t];
    let maxDepth = 0;
    for (let k = treeOffsets[t]; k < treeOffsets[t + 1]; k++) {
      if (featureIndex[k] >= 0) {
        feature[k] = featureIndex[k];
        thresholds[k] = threshold[k];
        nanRight[k] = missingGoesLeft[k] === 1 ? 0 : 1;
        next[k] = left[k];
        // Children always come after their parent, so depths propagate in one forward pass.
        nodeDepth[left[k]] = nodeDepth[k] + 1;
        nodeDepth[left[k] + 1] = nodeDepth[k] + 1;
      } else {
        // A leaf: "go left" to itself for any value, NaN included (v > +∞ is false).
        feature[k] = 0;
        thresholds[k] = Infinity;
        nanRight[k] = 0;
        next[k] = k;
        if (nodeDepth[k] > maxDepth) maxDepth = nodeDepth[k];
      }
    }
    depths[t] = maxDepth;
  }
  return { feature, threshold: thresholds, nanRight, next, value, roots, depths };
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
    throw new RangeError(
      `Expected a hist-gradient-boosting state, got kind ${JSON.stringify(meta.kind)}.`,
    );
  }
  const { dims, baseline, iterations } = meta;
  if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 0) {
    throw new RangeError("Invalid hist-gradient-boosting state: 'dims' must be a non-negative integer.");
  }
  if (typeof baseline !== "number" || typeof iterations !== "number") {
    throw new RangeError("Invalid hist-gradient-boosting state: 'baseline' and 'iterations' must be numbers.");
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
  // Prediction walks child indices without bounds checks, so verify the tree structure once.
  for (let k = 0; k < nNodes; k++) {
    const f = featureIndex[k];
    if (f >= 0) {
      if (f >= dims || left[k] <= k || left[k] + 1 >= nNodes || right[k] !== left[k] + 1) {
        throw new RangeError(`Invalid hist-gradient-boosting state: malformed split node ${k}.`);
      }
    } else if (f !== -1) {
      throw new RangeError(`Invalid hist-gradient-boosting state: bad feature index at node ${k}.`);
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
  return o;
}

function formatValue(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : String(v);
}

function checkMatrix(x: Matrix): void {
  if (!Number.isInteger(x.rows) || !Number.isInteger(x.cols) || x.rows < 0 || x.cols < 0) {
    throw new RangeError(`Invalid matrix shape (${x.rows}, ${x.cols}).`);
  }
  if (x.data.length !== x.rows * x.cols) {
    throw new RangeError(
      `Matrix data has length ${x.data.length}, expected rows * cols = ${x.rows * x.cols}.`,
    );
  }
}

function validateTrainingData(x: Matrix, y: Uint8Array): void {
  checkMatrix(x);
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
  let seen0 = false;
  let seen1 = false;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === 0) seen0 = true;
    else if (v === 1) seen1 = true;
    else throw new RangeError(`Labels must be 0 or 1; got ${v} at index ${i}.`);
  }
  if (!seen0 || !seen1) {
    throw new RangeError(
      `y contains only one class (${seen1 ? 1 : 0}); binary classification needs both 0 and 1.`,
    );
  }
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
    total += (z > 0 ? z : 0) + Math.log1p(Math.exp(-Math.abs(z))) - y[i] * z;
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
  for (let f = 0; f < d; f++) {
    let m = 0;
    for (let r = 0; r < rows.length; r++) {
      const v = x.data[rows[r] * d + f];
      if (v === v) column[m++] = v;
    }
    const sorted = column.subarray(0, m).sort();
    let nDistinct = 0;
    for (let k = 0; k < m; k++) {
      if (k === 0 || sorted[k] !== sorted[k - 1]) distinct[nDistinct++] = sorted[k];
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

/** Bins the given rows into a column-major Uint8Array (`rows.length` values per feature). */
function binRows(x: Matrix, rows: Uint32Array, mapper: BinMapper): Uint8Array {
  const d = x.cols;
  const n = rows.length;
  const out = new Uint8Array(n * d);
  const thresholds = mapper.thresholds;
  const missingBin = mapper.missingBin;
  const data = x.data;
  for (let r = 0; r < n; r++) {
    const base = rows[r] * d;
    for (let f = 0; f < d; f++) {
      const v = data[base + f];
      let bin: number;
      if (v !== v) {
        bin = missingBin;
      } else {
        // Fixed 8-step search over 255 (+∞-padded) thresholds: counts thresholds < v, which is
        // the bin of v. The fixed trip count keeps the loop free of data-dependent exits.
        const t = f * THRESHOLD_STRIDE;
        let pos = 0;
        if (thresholds[t + pos + 127] < v) pos += 128;
        if (thresholds[t + pos + 63] < v) pos += 64;
        if (thresholds[t + pos + 31] < v) pos += 32;
        if (thresholds[t + pos + 15] < v) pos += 16;
        if (thresholds[t + pos + 7] < v) pos += 8;
        if (thresholds[t + pos + 3] < v) pos += 4;
        if (thresholds[t + pos + 1] < v) pos += 2;
        if (thresholds[t + pos] < v) pos += 1;
        bin = pos;
      }
      out[f * n + r] = bin;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tree growing

interface Context {
  n: number;
  dims: number;
  /** Histogram slots per feature (non-missing bins + the missing bin). */
  nBins: number;
  missingBin: number;
  binned: Uint8Array;
  /** The same bin codes row-major (`dims` per row), for the sequential root pass. */
  rowBinned: Uint8Array;
  /** Root histogram template: zero sums and the (fixed) per-bin counts of all rows. */
  rootCounts: Float64Array;
  /** Gradient and hessian of each training row, interleaved (one stream instead of two). */
  gradHess: Float64Array;
  /** Sample indices; every node owns a contiguous, ascending range. */
  partition: Uint32Array;
  scratch: Uint32Array;
  /** Scratch: the gradients of one node's samples in partition order. */
  orderedGradHess: Float64Array;
  nBinsNonMissing: Int32Array;
  hasMissing: Uint8Array;
  /** Scratch: per-bin "goes left" table of the split being applied. */
  goesLeft: Uint8Array;
  /** Free histogram buffers: (dims × nBins × 3) float64 of [sum g, sum h, count]. */
  histPool: Float64Array[];
  featureGain: Float64Array;
  opts: ResolvedOptions;
}

function createContext(
  binned: Uint8Array,
  n: number,
  dims: number,
  mapper: BinMapper,
  hasMissing: Uint8Array,
  opts: ResolvedOptions,
): Context {
  const nBins = mapper.missingBin + 1;
  const rowBinned = new Uint8Array(n * dims);
  const rootCounts = new Float64Array(dims * nBins * 3);
  for (let f = 0; f < dims; f++) {
    const col = f * n;
    const hb = f * nBins * 3;
    for (let i = 0; i < n; i++) {
      const b = binned[col + i];
      rowBinned[i * dims + f] = b;
      rootCounts[hb + b * 3 + 2] += 1;
    }
  }
  return {
    n,
    dims,
    nBins,
    missingBin: mapper.missingBin,
    binned,
    rowBinned,
    rootCounts,
    gradHess: new Float64Array(2 * n),
    partition: new Uint32Array(n),
    scratch: new Uint32Array(n),
    orderedGradHess: new Float64Array(2 * n),
    nBinsNonMissing: mapper.nBinsNonMissing,
    hasMissing,
    goesLeft: new Uint8Array(256),
    histPool: [],
    featureGain: new Float64Array(dims),
    opts,
  };
}

/** A node while its tree grows (a handful per tree, never per row). */
interface GrowNode {
  start: number;
  end: number;
  depth: number;
  sumGrad: number;
  sumHess: number;
  hist: Float64Array | null;
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

function newNode(start: number, end: number, depth: number, sumGrad: number, sumHess: number): GrowNode {
  return {
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

function takeHistogram(ctx: Context): Float64Array {
  return ctx.histPool.pop() ?? new Float64Array(ctx.dims * ctx.nBins * 3);
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
function growTree(ctx: Context, rootHist: Float64Array, sumGrad: number, sumHess: number): GrownTree {
  const { n, partition, opts } = ctx;
  for (let i = 0; i < n; i++) partition[i] = i;
  const root = newNode(0, n, 0, sumGrad, sumHess);
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

    const mid = applySplit(ctx, node);
    const depth = node.depth + 1;
    const left = newNode(node.start, mid, depth, node.gradLeft, node.hessLeft);
    const right = newNode(mid, node.end, depth, node.sumGrad - node.gradLeft, node.sumHess - node.hessLeft);
    node.left = nodes.length;
    nodes.push(left, right);
    nLeaves++;
    ctx.featureGain[node.feature] += node.gain;
    if (ctx.hasMissing[node.feature] === 0) {
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
    smaller.hist = takeHistogram(ctx);
    buildHistogram(ctx, smaller.start, smaller.end, smaller.hist);
    const parentHist = node.hist!;
    node.hist = null;
    subtractHistogram(parentHist, smaller.hist);
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
 * One sequential pass that computes the log-loss gradient and hessian of every training row
 * (stored interleaved for the node histograms) and accumulates the root histogram from the
 * row-major bin codes. Fusing the two saves a pass over the data, the row-major copy lets
 * each row update all its features from one cache line, and root counts never change, so
 * they are copied from `rootCounts` instead of being re-counted every iteration.
 */
function gradientsAndRootHistogram(
  ctx: Context,
  raw: Float64Array,
  y: Uint8Array,
  hist: Float64Array,
): { sumGrad: number; sumHess: number } {
  const { n, dims, nBins, rowBinned, gradHess, rootCounts } = ctx;
  const width = nBins * 3;
  hist.set(rootCounts);
  const dims4 = dims - (dims % 4);
  let sumGrad = 0;
  let sumHess = 0;
  for (let k = 0; k < n; k++) {
    const p = 1 / (1 + Math.exp(-raw[k]));
    const g = p - y[k];
    const h = p * (1 - p);
    gradHess[2 * k] = g;
    gradHess[2 * k + 1] = h;
    sumGrad += g;
    sumHess += h;
    const base = k * dims;
    let f = 0;
    for (; f < dims4; f += 4) {
      const s0 = f * width + rowBinned[base + f] * 3;
      const s1 = (f + 1) * width + rowBinned[base + f + 1] * 3;
      const s2 = (f + 2) * width + rowBinned[base + f + 2] * 3;
      const s3 = (f + 3) * width + rowBinned[base + f + 3] * 3;
      hist[s0] += g;
      hist[s0 + 1] += h;
      hist[s1] += g;
      hist[s1 + 1] += h;
      hist[s2] += g;
      hist[s2 + 1] += h;
      hist[s3] += g;
      hist[s3 + 1] += h;
    }
    for (; f < dims; f++) {
      const s0 = f * width + rowBinned[base + f] * 3;
      hist[s0] += g;
      hist[s0 + 1] += h;
    }
  }
  return { sumGrad, sumHess };
}

/**
 * Histogram of the samples in `partition[start, end)`: [Σg, Σh, count] per (feature, bin).
 *
 * Gradients are first gathered into a contiguous buffer (read sequentially afterwards), and
 * features are processed four at a time so each sample's row index, gradient and hessian are
 * loaded once per four histogram updates; the four updates are also independent of each other
 * (consecutive samples of a low-cardinality feature often hit the same bin, which serialises
 * updates of a single histogram). This is the hot loop of the whole fit.
 */
function buildHistogram(ctx: Context, start: number, end: number, hist: Float64Array): void {
  const { n, dims, nBins, binned, partition, gradHess, orderedGradHess: ogh } = ctx;
  const count = end - start;
  const rows = partition.subarray(start, end);
  for (let k = 0; k < count; k++) {
    const s = 2 * rows[k];
    ogh[2 * k] = gradHess[s];
    ogh[2 * k + 1] = gradHess[s + 1];
  }
  const width = nBins * 3;
  hist.fill(0);
  let f = 0;
  for (; f + 3 < dims; f += 4) {
    const c0 = f * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    const h0 = f * width;
    const h1 = h0 + width;
    const h2 = h1 + width;
    const h3 = h2 + width;
    for (let k = 0; k < count; k++) {
      const row = rows[k];
      const g = ogh[2 * k];
      const h = ogh[2 * k + 1];
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
  for (; f < dims; f++) {
    const c0 = f * n;
    const h0 = f * width;
    for (let k = 0; k < count; k++) {
      const s0 = h0 + binned[c0 + rows[k]] * 3;
      hist[s0] += ogh[2 * k];
      hist[s0 + 1] += ogh[2 * k + 1];
      hist[s0 + 2] += 1;
    }
  }
}

function subtractHistogram(target: Float64Array, minus: Float64Array): void {
  for (let k = 0; k < target.length; k++) target[k] -= minus[k];
}

/** Scans every feature's histogram for the best split of `node` (scikit-learn's Splitter). */
function findBestSplit(ctx: Context, node: GrowNode): void {
  const { dims, nBins, nBinsNonMissing, hasMissing, opts } = ctx;
  const hist = node.hist!;
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
 * Stable partition of the node's samples by its split: left samples stay in front, right ones
 * go through `scratch`, so both ranges keep ascending sample order. Returns the boundary.
 */
function applySplit(ctx: Context, node: GrowNode): number {
  const { n, binned, partition, scratch, missingBin, goesLeft } = ctx;
  const col = node.feature * n;
  // Lookup table bin → 1 if it goes left, so the loop needs no comparison logic.
  for (let b = 0; b < 256; b++) goesLeft[b] = b <= node.bin ? 1 : 0;
  if (node.missingGoesLeft && ctx.hasMissing[node.feature] === 1) goesLeft[missingBin] = 1;
  // Branch-free: every index is written to both places and only the matching cursor moves
  // (`write` never overtakes `k`, so the in-place store is safe). Left/right is data-dependent
  // and would mispredict about half the time as a branch.
  let write = node.start;
  let spill = 0;
  for (let k = node.start; k < node.end; k++) {
    const s = partition[k];
    const left = goesLeft[binned[col + s]];
    partition[write] = s;
    scratch[spill] = s;
    write += left;
    spill += 1 - left;
  }
  partition.set(scratch.subarray(0, spill), write);
  return write;
}

/** Adds every leaf's (shrunk) value to the raw scores of its training samples. */
function applyLeaves(ctx: Context, tree: GrownTree, raw: Float64Array): void {
  const partition = ctx.partition;
  for (const node of tree.nodes) {
    if (node.left >= 0) continue;
    const value = node.value;
    for (let k = node.start; k < node.end; k++) raw[partition[k]] += value;
  }
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
