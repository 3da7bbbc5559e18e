/**
 * Gaussian mixture fitted by expectation-maximisation, following scikit-learn's `GaussianMixture`
 * (`init_params="kmeans"`): responsibilities initialised from one seeded k-means run per init, EM
 * until the mean log-likelihood changes by less than `tol`, best of `nInit` inits by that bound.
 * Log-densities go through the Cholesky factor of each precision matrix (never an explicit inverse
 * or determinant) and responsibilities through a log-sum-exp, so tiny densities do not underflow.
 *
 * Each EM iteration is a single pass over the data: the E-step of a row is immediately folded into
 * the sufficient statistics of the next M-step. Those statistics are accumulated around the current
 * means (`x - μ`, already computed for the density), which keeps the one-pass covariance free of the
 * cancellation that `E[xxᵀ] - μμᵀ` suffers on offset data.
 */
import { fitKMeansWithLabels } from "./kmeans.ts";
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

/** Shape of the component covariances: a full matrix each, or a diagonal each. */
export type CovarianceType = "full" | "diag";

/** Hyper-parameters of {@link fitGaussianMixture}. */
export interface GaussianMixtureOptions {
  /** Number of mixture components, an integer in `[1, rows]`. */
  k: number;
  /** Covariance shape. Default `"full"`. */
  covarianceType?: CovarianceType;
  /** Maximum EM iterations per init. Default 100. */
  maxIter?: number;
  /** Convergence threshold on the change of the mean log-likelihood lower bound. Default 1e-3. */
  tol?: number;
  /** Non-negative value added to the covariance diagonals, keeping them positive definite. Default 1e-6. */
  regCovar?: number;
  /** Number of inits (each with its own k-means run); the best lower bound is kept. Default 1. */
  nInit?: number;
  /** Seed of the {@link SeededRandom} driving the k-means initialisations. */
  seed: number;
}

/** A fitted Gaussian mixture. */
export interface GaussianMixtureModel {
  /** Number of components. */
  k: number;
  /** Number of features. */
  dims: number;
  /** Covariance shape. */
  covarianceType: CovarianceType;
  /** Mixing weights, length k, summing to 1. */
  weights: Float64Array;
  /** Component means, `k × dims` row-major. */
  means: Float64Array;
  /** Covariances: `k × dims × dims` (full) or `k × dims` (diag, the variances). */
  covariances: Float64Array;
  /**
   * Cholesky factors of the precision matrices, same layout as `covariances`: for "full" the upper
   * triangular `U` with `U Uᵀ = Σ⁻¹` (scikit-learn's `precisions_cholesky_`), for "diag" `1/σ`.
   */
  precisionCholesky: Float64Array;
  /** Whether the kept init reached `tol` within `maxIter`. */
  converged: boolean;
  /** EM iterations run by the kept init. */
  iterations: number;
  /** Mean per-row log-likelihood at the last E-step of the kept init (scikit-learn's `lower_bound_`). */
  lowerBound: number;
}

const STATE_KIND = "gaussian-mixture";
const STATE_VERSION = 1;
const ESTIMATOR = "GaussianMixture";
const LOG_2PI = Math.log(2 * Math.PI);
/** scikit-learn adds `10 * eps` to every component's responsibility mass to avoid dividing by zero. */
const MASS_EPS = 10 * Number.EPSILON;

/**
 * Fits a Gaussian mixture by EM. Deterministic for a given seed.
 *
 * @throws RangeError when an option is out of range or the input contains NaN or infinity.
 * @throws Error when a covariance is not positive definite (collapsed component): increase
 *   `regCovar` or decrease `k`.
 */
export function fitGaussianMixture(x: Matrix, options: GaussianMixtureOptions): GaussianMixtureModel {
  checkMatrix(x, ESTIMATOR);
  const k = checkInt(ESTIMATOR, "k", options.k, 1, x.rows, "n_samples");
  const covarianceType = options.covarianceType ?? "full";
  if (covarianceType !== "full" && covarianceType !== "diag") {
    throw new RangeError(
      `The 'covarianceType' parameter of ${ESTIMATOR} must be a str among {'diag', 'full'}. Got '${String(covarianceType)}' instead.`,
    );
  }
  const maxIter = checkInt(ESTIMATOR, "maxIter", options.maxIter ?? 100, 1, Number.POSITIVE_INFINITY);
  const tol = checkFloat(ESTIMATOR, "tol", options.tol ?? 1e-3);
  const regCovar = checkFloat(ESTIMATOR, "regCovar", options.regCovar ?? 1e-6);
  const nInit = checkInt(ESTIMATOR, "nInit", options.nInit ?? 1, 1, Number.POSITIVE_INFINITY);
  const seed = checkSeed(ESTIMATOR, options.seed);
  checkFinite(x);

  const n = x.rows;
  const d = x.cols;
  const full = covarianceType === "full";
  const rng = new SeededRandom(seed);
  const params = newParams(k, d, full);
  const kernel = newKernel(k, d, full, params.constants);
  const stats = newStats(k, kernel.stride);
  const scratch = newScratch(k, d);

  let best: Params | undefined;
  let bestBound = Number.NEGATIVE_INFINITY;
  let bestConverged = false;
  let bestIterations = 0;
  for (let init = 0; init < nInit; init++) {
    // One k-means run per init, seeded from our stream (scikit-learn passes its random state on).
    const { model: kmeans, labels } = fitKMeansWithLabels(x, { k, nInit: 1, seed: rng.nextUint32() });
    // scikit-learn's `_initialize` with one-hot responsibilities from the k-means labels: the
    // statistics are accumulated around the k-means centres, then turned into parameters.
    params.means.set(kmeans.centers);
    refreshKernel(kernel, params);
    accumulateLabels(x.data, n, kernel, labels, stats);
    mStep(d, k, full, regCovar, params, stats, kernel.stride, true);
    refreshKernel(kernel, params);

    let lowerBound = Number.NEGATIVE_INFINITY;
    let converged = false;
    let iterations = 0;
    for (let it = 1; it <= maxIter; it++) {
      const previous = lowerBound;
      lowerBound = emPass(x.data, n, kernel, stats, scratch) / n;
      mStep(d, k, full, regCovar, params, stats, kernel.stride, false);
      refreshKernel(kernel, params);
      iterations = it;
      if (Math.abs(lowerBound - previous) < tol) {
        converged = true;
        break;
      }
    }
    if (lowerBound > bestBound || bestBound === Number.NEGATIVE_INFINITY) {
      bestBound = lowerBound;
      bestConverged = converged;
      bestIterations = iterations;
      best = init === nInit - 1 && best === undefined ? params : copyParams(params, best);
    }
  }
  const kept = best!;
  return {
    k,
    dims: d,
    covarianceType,
    weights: kept.weights,
    means: kept.means,
    covariances: kept.covariances,
    precisionCholesky: kept.precisionCholesky,
    converged: bestConverged,
    iterations: bestIterations,
    lowerBound: bestBound,
  };
}

/**
 * Posterior probability of every component for every row, `rows × k` row-major (rows sum to 1).
 *
 * @param out optional output of length `x.rows * model.k`, reused to avoid allocation.
 */
export function predictProbaGaussianMixture(
  model: GaussianMixtureModel,
  x: Matrix,
  out?: Float64Array,
): Float64Array {
  checkPredictInput(model.dims, x, ESTIMATOR);
  const n = x.rows;
  const k = model.k;
  const result = out ?? new Float64Array(n * k);
  if (result.length !== n * k) {
    throw new RangeError(`${ESTIMATOR}: out has length ${result.length}, expected ${n * k}.`);
  }
  const kernel = kernelOf(model);
  const scratch = newScratch(k, model.dims);
  const values = scratch.values;
  const data = x.data;
  for (let i = 0, base = 0, at = 0; i < n; i++, base += kernel.d, at += k) {
    const max = values[rowLogProbs(data, base, kernel, scratch)];
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = expNonPositive(values[c] - max);
      result[at + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < k; c++) result[at + c] *= inv;
  }
  return result;
}

/**
 * Most probable component of every row (ties go to the lower index; rows with NaN get -1). Needs no
 * exponentials: the arg-max of the weighted log-densities is the arg-max of the posteriors.
 *
 * @param out optional output of length `x.rows`, reused to avoid allocation.
 */
export function predictGaussianMixture(model: GaussianMixtureModel, x: Matrix, out?: Int32Array): Int32Array {
  checkPredictInput(model.dims, x, ESTIMATOR);
  const n = x.rows;
  const labels = out ?? new Int32Array(n);
  if (labels.length !== n)
    throw new RangeError(`${ESTIMATOR}: out has length ${labels.length}, expected ${n}.`);
  const kernel = kernelOf(model);
  const scratch = newScratch(model.k, model.dims);
  const values = scratch.values;
  const data = x.data;
  for (let i = 0, base = 0; i < n; i++, base += kernel.d) {
    const label = rowLogProbs(data, base, kernel, scratch);
    labels[i] = Number.isNaN(values[label]) ? -1 : label;
  }
  return labels;
}

/**
 * Log-likelihood of every row under the mixture (scikit-learn's `score_samples`).
 *
 * @param out optional output of length `x.rows`, reused to avoid allocation.
 */
export function scoreSamplesGaussianMixture(
  model: GaussianMixtureModel,
  x: Matrix,
  out?: Float64Array,
): Float64Array {
  checkPredictInput(model.dims, x, ESTIMATOR);
  const n = x.rows;
  const result = out ?? new Float64Array(n);
  if (result.length !== n)
    throw new RangeError(`${ESTIMATOR}: out has length ${result.length}, expected ${n}.`);
  const k = model.k;
  const kernel = kernelOf(model);
  const scratch = newScratch(k, model.dims);
  const values = scratch.values;
  const data = x.data;
  for (let i = 0, base = 0; i < n; i++, base += kernel.d) {
    const max = values[rowLogProbs(data, base, kernel, scratch)];
    let sum = 0;
    for (let c = 0; c < k; c++) sum += expNonPositive(values[c] - max);
    result[i] = max + Math.log(sum);
  }
  return result;
}

/** Learned state of a Gaussian mixture, for the model artifact. */
export function gaussianMixtureToState(model: GaussianMixtureModel): KernelState {
  return {
    meta: {
      kind: STATE_KIND,
      version: STATE_VERSION,
      k: model.k,
      dims: model.dims,
      covarianceType: model.covarianceType,
      converged: model.converged,
      iterations: model.iterations,
      lowerBound: model.lowerBound,
    },
    arrays: {
      weights: model.weights,
      means: model.means,
      covariances: model.covariances,
      precisionCholesky: model.precisionCholesky,
    },
  };
}

/**
 * Rebuilds a Gaussian mixture from {@link gaussianMixtureToState}'s output.
 *
 * @throws Error when the state is not a Gaussian-mixture state or its shapes are inconsistent.
 */
export function gaussianMixtureFromState(state: KernelState): GaussianMixtureModel {
  const meta = state.meta;
  const fail = (message: string): never => {
    throw new Error(`gaussian mixture state: ${message}`);
  };
  if (meta.kind !== STATE_KIND) fail(`kind must be "${STATE_KIND}", got ${String(meta.kind)}`);
  if (meta.version !== STATE_VERSION) {
    fail(`unsupported version ${String(meta.version)} (expected ${STATE_VERSION})`);
  }
  const k = meta.k;
  const dims = meta.dims;
  const covarianceType = meta.covarianceType;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1)
    fail(`"k" must be a positive integer, got ${String(k)}`);
  if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 1) {
    fail(`"dims" must be a positive integer, got ${String(dims)}`);
  }
  if (covarianceType !== "full" && covarianceType !== "diag") {
    fail(`"covarianceType" must be "full" or "diag", got ${String(covarianceType)}`);
  }
  const kk = k as number;
  const d = dims as number;
  const cs = covarianceType === "full" ? d * d : d;
  const array = (name: string, length: number): Float64Array => {
    const value = state.arrays[name];
    if (!(value instanceof Float64Array) || value.length !== length) {
      return fail(`"${name}" must be a Float64Array of length ${length}`);
    }
    for (let i = 0; i < value.length; i++)
      if (!Number.isFinite(value[i])) fail(`"${name}" contains a non-finite value`);
    return value;
  };
  const weights = array("weights", kk);
  const means = array("means", kk * d);
  const covariances = array("covariances", kk * cs);
  const precisionCholesky = array("precisionCholesky", kk * cs);
  for (let c = 0; c < kk; c++) {
    if (!(weights[c] >= 0)) fail(`"weights" must be non-negative`);
    for (let j = 0; j < d; j++) {
      const p =
        covarianceType === "full" ? precisionCholesky[c * cs + j * d + j] : precisionCholesky[c * cs + j];
      if (!(p > 0)) fail(`"precisionCholesky" must have a positive diagonal`);
    }
  }
  const { converged, iterations, lowerBound } = meta;
  if (typeof converged !== "boolean") fail(`"converged" must be a boolean`);
  if (typeof iterations !== "number" || !Number.isInteger(iterations) || iterations < 0) {
    fail(`"iterations" must be a non-negative integer, got ${String(iterations)}`);
  }
  if (typeof lowerBound !== "number") fail(`"lowerBound" must be a number`);
  return {
    k: kk,
    dims: d,
    covarianceType: covarianceType as CovarianceType,
    weights,
    means,
    covariances,
    precisionCholesky,
    converged: converged as boolean,
    iterations: iterations as number,
    lowerBound: lowerBound as number,
  };
}

// ---------------------------------------------------------------------------------------------
// EM internals

/** Mixture parameters in the public layout, plus per-component constants derived from them. */
interface Params {
  weights: Float64Array;
  means: Float64Array;
  covariances: Float64Array;
  precisionCholesky: Float64Array;
  /** `log w_c + log|U_c| - d/2 log 2π`: everything in a weighted log-density but the quadratic form. */
  constants: Float64Array;
}

/**
 * Parameters in the layout the row kernels read. With `d ≤ 4` ("narrow") the means are zero-padded
 * to 4 columns and each precision factor to a 4×4 upper-triangular matrix (a diagonal one for "diag"),
 * so that one unrolled kernel serves every narrow case: padded coordinates contribute exact zeros.
 */
interface Kernel {
  k: number;
  d: number;
  full: boolean;
  narrow: boolean;
  /** Column stride of `means`/`prec` and of the accumulated statistics: 4 when narrow, else d. */
  stride: number;
  means: Float64Array;
  prec: Float64Array;
  constants: Float64Array;
}

/** Sufficient statistics of one E-step, relative to the means the E-step used. */
interface Stats {
  /** `Σ r` per component. */
  mass: Float64Array;
  /** `Σ r (x - μ)` per component, `k × stride`. */
  first: Float64Array;
  /** Upper triangle of `Σ r (x - μ)(x - μ)ᵀ` per component, `k × stride × stride` (diag: diagonal only). */
  second: Float64Array;
}

/** Per-row scratch of the kernels: weighted log-densities, their exponentials, row differences. */
interface Scratch {
  values: Float64Array;
  exps: Float64Array;
  diffs: Float64Array;
}

function newParams(k: number, d: number, full: boolean): Params {
  const cs = full ? d * d : d;
  return {
    weights: new Float64Array(k),
    means: new Float64Array(k * d),
    covariances: new Float64Array(k * cs),
    precisionCholesky: new Float64Array(k * cs),
    constants: new Float64Array(k),
  };
}

function newKernel(k: number, d: number, full: boolean, constants: Float64Array): Kernel {
  const narrow = d <= 4;
  const stride = narrow ? 4 : d;
  return {
    k,
    d,
    full,
    narrow,
    stride,
    means: new Float64Array(k * stride),
    prec: new Float64Array(k * (narrow || full ? stride * stride : d)),
    constants,
  };
}

/** Copies the parameters into the kernel layout (padding narrow ones); constants are shared. */
function refreshKernel(kernel: Kernel, params: Params): void {
  const { k, d, full, narrow, stride } = kernel;
  if (!narrow) {
    kernel.means.set(params.means);
    kernel.prec.set(params.precisionCholesky);
    return;
  }
  const { means, prec } = kernel;
  const source = params.precisionCholesky;
  means.fill(0);
  prec.fill(0);
  for (let c = 0; c < k; c++) {
    for (let a = 0; a < d; a++) {
      means[c * stride + a] = params.means[c * d + a];
      const pb = c * stride * stride + a * stride;
      if (full) for (let b = a; b < d; b++) prec[pb + b] = source[c * d * d + a * d + b];
      else prec[pb + a] = source[c * d + a];
    }
  }
}

/** A kernel for a fitted model (prediction paths). */
function kernelOf(model: GaussianMixtureModel): Kernel {
  const params: Params = {
    weights: model.weights,
    means: model.means,
    covariances: model.covariances,
    precisionCholesky: model.precisionCholesky,
    constants: componentConstants(model),
  };
  const kernel = newKernel(model.k, model.dims, model.covarianceType === "full", params.constants);
  refreshKernel(kernel, params);
  return kernel;
}

function newStats(k: number, stride: number): Stats {
  return {
    mass: new Float64Array(k),
    first: new Float64Array(k * stride),
    second: new Float64Array(k * stride * stride),
  };
}

function newScratch(k: number, d: number): Scratch {
  return { values: new Float64Array(k), exps: new Float64Array(k), diffs: new Float64Array(k * d) };
}

function copyParams(from: Params, to: Params | undefined): Params {
  if (to === undefined) {
    return {
      weights: from.weights.slice(),
      means: from.means.slice(),
      covariances: from.covariances.slice(),
      precisionCholesky: from.precisionCholesky.slice(),
      constants: from.constants.slice(),
    };
  }
  to.weights.set(from.weights);
  to.means.set(from.means);
  to.covariances.set(from.covariances);
  to.precisionCholesky.set(from.precisionCholesky);
  to.constants.set(from.constants);
  return to;
}

/**
 * M-step statistics for one-hot responsibilities (the k-means labels), around the kernel's means.
 */
function accumulateLabels(
  data: Float64Array,
  n: number,
  kernel: Kernel,
  labels: Int32Array,
  stats: Stats,
): void {
  const { d, means, narrow, full, stride } = kernel;
  const { mass, first, second } = stats;
  mass.fill(0);
  first.fill(0);
  second.fill(0);
  for (let i = 0, base = 0; i < n; i++, base += d) {
    const c = labels[i];
    const mb = c * stride;
    const sb = mb * stride;
    mass[c]++;
    if (narrow) {
      const e0 = data[base] - means[mb];
      const e1 = (d > 1 ? data[base + 1] : 0) - means[mb + 1];
      const e2 = (d > 2 ? data[base + 2] : 0) - means[mb + 2];
      const e3 = (d > 3 ? data[base + 3] : 0) - means[mb + 3];
      first[mb] += e0;
      first[mb + 1] += e1;
      first[mb + 2] += e2;
      first[mb + 3] += e3;
      second[sb] += e0 * e0;
      second[sb + 1] += e0 * e1;
      second[sb + 2] += e0 * e2;
      second[sb + 3] += e0 * e3;
      second[sb + 5] += e1 * e1;
      second[sb + 6] += e1 * e2;
      second[sb + 7] += e1 * e3;
      second[sb + 10] += e2 * e2;
      second[sb + 11] += e2 * e3;
      second[sb + 15] += e3 * e3;
    } else {
      for (let a = 0; a < d; a++) {
        const ea = data[base + a] - means[mb + a];
        first[mb + a] += ea;
        if (full) {
          for (let b = a; b < d; b++) second[sb + a * d + b] += ea * (data[base + b] - means[mb + b]);
        } else {
          second[sb + a * d + a] += ea * ea;
        }
      }
    }
  }
}

/**
 * Weighted log-densities `log w_c + log N(x | μ_c, Σ_c)` of the row at `base` into `scratch.values`;
 * returns the index of the largest (lowest index on ties). Generic rows also leave their differences
 * to the means in `scratch.diffs` (`k × d`) for the M-step statistics.
 */
function rowLogProbs(data: Float64Array, base: number, kernel: Kernel, scratch: Scratch): number {
  return kernel.narrow
    ? rowLogProbs4(
        data,
        base,
        kernel.d,
        kernel.k,
        kernel.means,
        kernel.prec,
        kernel.constants,
        scratch.values,
      )
    : rowLogProbsN(data, base, kernel, scratch);
}

/**
 * Narrow-kernel (d ≤ 4, zero-padded parameters) version of {@link rowLogProbs}, fully unrolled and
 * small enough for V8 to inline. The arg-max is branch-free, like k-means' nearest centre: the winner
 * is data-dependent, so a branch would often be mispredicted.
 */
function rowLogProbs4(
  data: Float64Array,
  base: number,
  d: number,
  k: number,
  means: Float64Array,
  prec: Float64Array,
  constants: Float64Array,
  values: Float64Array,
): number {
  const x0 = data[base];
  const x1 = d > 1 ? data[base + 1] : 0;
  const x2 = d > 2 ? data[base + 2] : 0;
  const x3 = d > 3 ? data[base + 3] : 0;
  let best = 0;
  for (let c = 0, mb = 0, pb = 0; c < k; c++, mb += 4, pb += 16) {
    const e0 = x0 - means[mb];
    const e1 = x1 - means[mb + 1];
    const e2 = x2 - means[mb + 2];
    const e3 = x3 - means[mb + 3];
    // z = (x - μ) U with U upper triangular.
    const z0 = e0 * prec[pb];
    const z1 = e0 * prec[pb + 1] + e1 * prec[pb + 5];
    const z2 = e0 * prec[pb + 2] + e1 * prec[pb + 6] + e2 * prec[pb + 10];
    const z3 = e0 * prec[pb + 3] + e1 * prec[pb + 7] + (e2 * prec[pb + 11] + e3 * prec[pb + 15]);
    const v = constants[c] - 0.5 * (z0 * z0 + z1 * z1 + (z2 * z2 + z3 * z3));
    values[c] = v;
    best ^= (best ^ c) & -+(v > values[best]);
  }
  return best;
}

/** Generic-width version of {@link rowLogProbs}. */
function rowLogProbsN(data: Float64Array, base: number, kernel: Kernel, scratch: Scratch): number {
  const { k, d, full, means, prec, constants } = kernel;
  const { values, diffs } = scratch;
  let best = 0;
  for (let c = 0, mb = 0; c < k; c++, mb += d) {
    for (let j = 0; j < d; j++) diffs[mb + j] = data[base + j] - means[mb + j];
    let q = 0;
    if (full) {
      const pb = c * d * d;
      for (let b = 0; b < d; b++) {
        let z = 0;
        for (let a = 0, at = pb + b; a <= b; a++, at += d) z += diffs[mb + a] * prec[at];
        q += z * z;
      }
    } else {
      for (let j = 0; j < d; j++) {
        const z = diffs[mb + j] * prec[mb + j];
        q += z * z;
      }
    }
    const v = constants[c] - 0.5 * q;
    values[c] = v;
    best ^= (best ^ c) & -+(v > values[best]);
  }
  return best;
}

/**
 * One fused pass: E-step with the current parameters (log-sum-exp responsibilities) and accumulation
 * of the M-step statistics around the current means. Returns the summed per-row log-likelihood.
 */
function emPass(data: Float64Array, n: number, kernel: Kernel, stats: Stats, scratch: Scratch): number {
  const { k, d, means, narrow, full } = kernel;
  const { mass, first, second } = stats;
  const { values, exps, diffs } = scratch;
  mass.fill(0);
  first.fill(0);
  second.fill(0);
  // Σ log(s_i) is taken as log Π s_i, flushed before overflow: every s_i is in [1, k] (the arg-max
  // term is exactly 1), so this trades n logarithms for a few, at a rounding cost of n ulps of the
  // product, i.e. ~n·1e-16 absolute on the sum: far below the convergence tolerance.
  let logTotal = 0;
  let product = 1;
  for (let i = 0, base = 0; i < n; i++, base += d) {
    const max = values[rowLogProbs(data, base, kernel, scratch)];
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = expNonPositive(values[c] - max);
      exps[c] = e;
      sum += e;
    }
    logTotal += max;
    product *= sum;
    if (product > 1e280) {
      logTotal += Math.log(product);
      product = 1;
    }
    const inv = 1 / sum;
    if (narrow) {
      const x0 = data[base];
      const x1 = d > 1 ? data[base + 1] : 0;
      const x2 = d > 2 ? data[base + 2] : 0;
      const x3 = d > 3 ? data[base + 3] : 0;
      for (let c = 0, mb = 0, sb = 0; c < k; c++, mb += 4, sb += 16) {
        const r = exps[c] * inv;
        const e0 = x0 - means[mb];
        const e1 = x1 - means[mb + 1];
        const e2 = x2 - means[mb + 2];
        const e3 = x3 - means[mb + 3];
        const r0 = r * e0;
        const r1 = r * e1;
        const r2 = r * e2;
        const r3 = r * e3;
        mass[c] += r;
        first[mb] += r0;
        first[mb + 1] += r1;
        first[mb + 2] += r2;
        first[mb + 3] += r3;
        // Padded coordinates only ever add zeros; the whole 4×4 upper triangle is cheaper than tests.
        second[sb] += r0 * e0;
        second[sb + 1] += r0 * e1;
        second[sb + 2] += r0 * e2;
        second[sb + 3] += r0 * e3;
        second[sb + 5] += r1 * e1;
        second[sb + 6] += r1 * e2;
        second[sb + 7] += r1 * e3;
        second[sb + 10] += r2 * e2;
        second[sb + 11] += r2 * e3;
        second[sb + 15] += r3 * e3;
      }
    } else {
      for (let c = 0, mb = 0, sb = 0; c < k; c++, mb += d, sb += d * d) {
        const r = exps[c] * inv;
        mass[c] += r;
        for (let a = 0; a < d; a++) {
          const ra = r * diffs[mb + a];
          first[mb + a] += ra;
          if (full) {
            for (let b = a, at = sb + a * d + a; b < d; b++, at++) second[at] += ra * diffs[mb + b];
          } else {
            second[sb + a * d + a] += ra * diffs[mb + a];
          }
        }
      }
    }
  }
  return logTotal + Math.log(product);
}

/**
 * M-step from statistics accumulated around the old means `μ₀`: with `δ = μ - μ₀`,
 * `Σ r (x-μ)(x-μ)ᵀ = S₂ - s₁δᵀ - δs₁ᵀ + R δδᵀ`, exactly scikit-learn's estimate in exact arithmetic.
 * `stride` is the column stride of the statistics. Weights are normalised by their sum, except at
 * `init` where scikit-learn divides by the row count.
 */
function mStep(
  d: number,
  k: number,
  full: boolean,
  regCovar: number,
  params: Params,
  stats: Stats,
  stride: number,
  init: boolean,
): void {
  const { weights, means, covariances } = params;
  const { mass, first, second } = stats;
  const cs = full ? d * d : d;
  const delta = new Float64Array(d);
  let totalMass = 0;
  for (let c = 0; c < k; c++) totalMass += init ? mass[c] : mass[c] + MASS_EPS;
  for (let c = 0; c < k; c++) {
    const r = mass[c];
    const nk = r + MASS_EPS;
    weights[c] = nk / totalMass;
    const mb = c * d;
    const fb = c * stride;
    const sb = c * stride * stride;
    for (let j = 0; j < d; j++) {
      const old = means[mb + j];
      const mean = (first[fb + j] + r * old) / nk;
      delta[j] = mean - old;
      means[mb + j] = mean;
    }
    const cb = c * cs;
    if (full) {
      for (let a = 0; a < d; a++) {
        for (let b = a; b < d; b++) {
          const s =
            second[sb + a * stride + b] -
            first[fb + a] * delta[b] -
            delta[a] * first[fb + b] +
            r * delta[a] * delta[b];
          const v = s / nk + (a === b ? regCovar : 0);
          covariances[cb + a * d + b] = v;
          covariances[cb + b * d + a] = v;
        }
      }
    } else {
      for (let j = 0; j < d; j++) {
        const s = second[sb + j * stride + j] - 2 * first[fb + j] * delta[j] + r * delta[j] * delta[j];
        covariances[cb + j] = s / nk + regCovar;
      }
    }
  }
  updatePrecisions(d, k, full, params);
}

/**
 * Precision Cholesky factors and per-component constants from the covariances. For "full",
 * `Σ = L Lᵀ` and `U = L⁻ᵀ` (scikit-learn's `_compute_precision_cholesky`).
 */
function updatePrecisions(d: number, k: number, full: boolean, params: Params): void {
  const { weights, covariances, precisionCholesky: prec, constants } = params;
  const cs = full ? d * d : d;
  const lower = new Float64Array(d * d);
  for (let c = 0; c < k; c++) {
    const cb = c * cs;
    let logDet = 0;
    if (full) {
      // Cholesky–Banachiewicz: Σ = L Lᵀ.
      lower.fill(0);
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          let s = covariances[cb + a * d + b];
          for (let j = 0; j < b; j++) s -= lower[a * d + j] * lower[b * d + j];
          if (a === b) {
            if (!(s > 0)) throw collapsedError();
            lower[a * d + a] = Math.sqrt(s);
          } else {
            lower[a * d + b] = s / lower[b * d + b];
          }
        }
      }
      // U = (L⁻¹)ᵀ: column b of L⁻¹ (forward substitution on e_b) is row b of U.
      for (let i = 0; i < cs; i++) prec[cb + i] = 0;
      for (let b = 0; b < d; b++) {
        for (let a = b; a < d; a++) {
          let s = a === b ? 1 : 0;
          for (let j = b; j < a; j++) s -= lower[a * d + j] * prec[cb + b * d + j];
          prec[cb + b * d + a] = s / lower[a * d + a];
        }
        logDet += Math.log(prec[cb + b * d + b]);
      }
    } else {
      for (let j = 0; j < d; j++) {
        const v = covariances[cb + j];
        if (!(v > 0)) throw collapsedError();
        const p = 1 / Math.sqrt(v);
        prec[cb + j] = p;
        logDet += Math.log(p);
      }
    }
    constants[c] = Math.log(weights[c]) + logDet - 0.5 * d * LOG_2PI;
  }
}

function collapsedError(): Error {
  return new Error(
    "Fitting the mixture model failed because some components have ill-defined empirical covariance " +
      "(for instance caused by singleton or collapsed samples). Try to decrease the number of " +
      "components, or increase regCovar.",
  );
}

/** `log w_c + log|U_c| - d/2 log 2π` per component of a fitted model. */
function componentConstants(model: GaussianMixtureModel): Float64Array {
  const { k, dims: d, weights, precisionCholesky: prec } = model;
  const full = model.covarianceType === "full";
  const cs = full ? d * d : d;
  const constants = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    for (let j = 0; j < d; j++) logDet += Math.log(full ? prec[c * cs + j * d + j] : prec[c * cs + j]);
    constants[c] = Math.log(weights[c]) + logDet - 0.5 * d * LOG_2PI;
  }
  return constants;
}

// ---------------------------------------------------------------------------------------------
// exp(x) for x ≤ 0

/** `2^-i` for i in [0, 1100), built by exact halving. */
const POW2_NEG = new Float64Array(1100);
/** `2^(j/32)` for j in [0, 32). */
const POW2_FRAC = new Float64Array(32);
{
  let v = 1;
  for (let i = 0; i < POW2_NEG.length; i++, v /= 2) POW2_NEG[i] = v;
  for (let j = 0; j < 32; j++) POW2_FRAC[j] = 2 ** (j / 32);
}
const INV_LN2_32 = 32 / Math.LN2;
/** ln2/32 split so that `m * LN2_32_HI` is exact for the multiples used (Tang's constants). */
const LN2_32_HI = 2.1660849390173098e-2;
const LN2_32_LO = 2.325192846878874e-12;
/** 1.5·2⁵²: adding and subtracting it rounds a double to the nearest integer (|x| < 2⁵¹). */
const ROUNDER = 6755399441055744;

/**
 * `e^x` for `x ≤ 0` (NaN gives NaN, below -745.2 gives 0), within ~2 ulp of `Math.exp`, about three
 * times faster in V8, whose `Math.exp` dominated the E-step. Tang's method: x = (32m + j)·ln2/32 + r
 * with |r| ≤ ln2/64, e^x = 2^m · 2^(j/32) · p(r), p a degree-6 Taylor polynomial (error < 4e-18).
 */
function expNonPositive(x: number): number {
  if (!(x >= -745.2)) return Number.isNaN(x) ? x : 0;
  const m = x * INV_LN2_32 + ROUNDER - ROUNDER;
  const r = x - m * LN2_32_HI - m * LN2_32_LO;
  const mi = m | 0;
  const r2 = r * r;
  // Estrin-style grouping keeps the dependency chain short.
  const p = 1 + r + r2 * (0.5 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120) + r2 * (1 / 720)));
  return p * POW2_FRAC[mi & 31] * POW2_NEG[-(mi >> 5)];
}
