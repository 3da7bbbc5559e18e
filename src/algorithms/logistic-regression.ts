/**
 * Binary L2-regularised logistic regression, with the same objective as scikit-learn's
 * `LogisticRegression(penalty="l2", C)`:
 *
 *   F(w, b) = Σ_i s_i · [log(1 + exp(z_i)) − y_i z_i] + ‖w‖² / (2C),   z_i = x_i·w + b
 *
 * (s_i = sample weight, the intercept b is not penalised). The minimiser is unique, so the
 * coefficients agree with scikit-learn's to the solvers' tolerance.
 *
 * Solver: damped Newton (IRLS). The problem is low-dimensional in practice (tabular data,
 * tens of columns), so one Cholesky solve of the (d+1)×(d+1) Hessian is negligible and Newton
 * converges in a handful of data passes where L-BFGS needs dozens. Cost is dominated by the
 * passes over the data, so on large inputs:
 * - the first iterations run on a strided subsample (a warm start that is already close),
 * - full-data passes compute the loss and gradient only, and the subsample's Hessian (rescaled)
 *   is reused for the step while the gradient keeps shrinking fast; the exact full-data Hessian
 *   is only accumulated when convergence slows down.
 * Every step is safeguarded by an Armijo backtracking line search on the exact objective.
 */

import type { KernelState, Matrix } from "./matrix.ts";
import { checkBinaryLabels, checkPredictInput, checkShape, outputBuffer } from "./validation.ts";

/** Hyper-parameters of {@link fitLogisticRegression}. */
export interface LogisticRegressionOptions {
  /** Inverse regularisation strength (scikit-learn's `C`); must be > 0. Default 1. */
  c?: number;
  /** Maximum number of Newton iterations (full-data steps). Default 100. */
  maxIter?: number;
  /**
   * Stop when the largest absolute component of the gradient of the weight-averaged objective
   * F / Σs is ≤ `tol` (scikit-learn's lbfgs criterion). Default 1e-4.
   */
  tol?: number;
  /** Whether to fit an (unpenalised) intercept. Default true. */
  fitIntercept?: boolean;
}

/** A fitted binary logistic regression. */
export interface LogisticRegressionModel {
  /** Number of input columns. */
  dims: number;
  /** One coefficient per input column. */
  coefficients: Float64Array;
  /** Intercept (0 when fitted without one). */
  intercept: number;
  /** Number of full-data Newton steps taken. */
  iterations: number;
  /** Whether the gradient criterion was met within `maxIter`. */
  converged: boolean;
}

const ESTIMATOR = "LogisticRegression";
/** Below this many rows the subsample warm start costs more than it saves. */
const WARM_START_MIN_ROWS = 65_536;
/** Size of the warm-start subsample: n / 16, but at least this many rows. */
const WARM_START_MIN_SAMPLE = 32_768;
/** Armijo sufficient-decrease constant. */
const ARMIJO = 1e-4;
/** If the gradient shrank by less than this factor with a stale Hessian, recompute it exactly. */
const STALE_HESSIAN_RATE = 0.1;

/**
 * Fits a binary logistic regression by minimising the L2-penalised log-loss.
 *
 * @param x - row-major design matrix without missing values (impute upstream).
 * @param y - labels, 0 or 1; both classes must be present.
 * @param options - hyper-parameters, see {@link LogisticRegressionOptions}.
 * @param sampleWeight - optional non-negative weight per row.
 * @throws RangeError on invalid options, shapes, labels or non-finite input.
 */
export function fitLogisticRegression(
  x: Matrix,
  y: Uint8Array,
  options: LogisticRegressionOptions = {},
  sampleWeight?: Float64Array,
): LogisticRegressionModel {
  const c = options.c ?? 1.0;
  const maxIter = options.maxIter ?? 100;
  const tol = options.tol ?? 1e-4;
  const fitIntercept = options.fitIntercept ?? true;
  validateOptions(c, maxIter, tol, fitIntercept);
  validateTrainingData(x, y, sampleWeight);

  const n = x.rows;
  const d = x.cols;
  let swSum = 0;
  let positive = 0;
  for (let i = 0; i < n; i++) {
    const s = sampleWeight === undefined ? 1 : sampleWeight[i];
    swSum += s;
    positive += s * y[i];
  }
  if (!(swSum > 0)) throw new RangeError("Sample weights must not all be zero.");

  const p = fitIntercept ? d + 1 : d;
  const beta = new Float64Array(p);
  if (fitIntercept) {
    // Starting from the intercept-only optimum saves one Newton step; clamp in case a class has
    // (almost) zero total weight.
    const mean = Math.min(Math.max(positive / swSum, 1e-12), 1 - 1e-12);
    beta[d] = Math.log(mean / (1 - mean));
  }

  let hessianHint: Float64Array | null = null;
  if (n >= WARM_START_MIN_ROWS && maxIter > 0) {
    // Warm start on every k-th row: its optimum is within O(1/√m) of the full one, so the
    // full-data Newton iterations only have to polish it.
    const stride = Math.max(1, Math.floor(n / Math.max(WARM_START_MIN_SAMPLE, Math.floor(n / 16))));
    const sub = subsampleProblem(x, y, sampleWeight, stride);
    const subLambda = (1 / c) * (sub.swSum / swSum);
    const subProblem = makeProblem(sub.x, sub.n, d, sub.y, sub.sw, sub.swSum, subLambda, fitIntercept);
    const start = beta.slice();
    const subResult = newton(subProblem, beta, maxIter, Math.min(tol, 1e-6), null, true);
    if (subResult.converged && subResult.hessian !== null) {
      // The subsample Hessian estimates the full one up to the ratio of total weights.
      hessianHint = subResult.hessian;
      const scale = swSum / sub.swSum;
      for (let k = 0; k < hessianHint.length; k++) hessianHint[k] *= scale;
    } else {
      // A warm start that did not converge (e.g. separable subsample) may be far off: restart.
      beta.set(start);
    }
  }

  const problem = makeProblem(x.data, n, d, y, sampleWeight ?? null, swSum, 1 / c, fitIntercept);
  const result = newton(problem, beta, maxIter, tol, hessianHint, false);
  return {
    dims: d,
    coefficients: beta.slice(0, d),
    intercept: fitIntercept ? beta[d] : 0,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/**
 * Predicts P(y = 1) for every row of `x`.
 *
 * @param model - a fitted model.
 * @param x - row-major matrix with `model.dims` columns.
 * @param out - optional output buffer of length `x.rows` (reused to avoid allocation).
 * @returns `out` (or a new array) filled with probabilities.
 */
export function predictProbaLogistic(
  model: LogisticRegressionModel,
  x: Matrix,
  out?: Float64Array,
): Float64Array {
  checkPredictInput(model.dims, x, ESTIMATOR);
  const n = x.rows;
  const d = x.cols;
  const result = outputBuffer(out, n);
  const data = x.data;
  const w = model.coefficients;
  const b = model.intercept;
  const d4 = d - (d % 4);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    // Four independent partial sums hide the floating-point add latency.
    let z0 = b;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    let j = 0;
    for (; j < d4; j += 4) {
      z0 += data[base + j] * w[j];
      z1 += data[base + j + 1] * w[j + 1];
      z2 += data[base + j + 2] * w[j + 2];
      z3 += data[base + j + 3] * w[j + 3];
    }
    for (; j < d; j++) z0 += data[base + j] * w[j];
    // exp(−z) overflows to +∞ for very negative z, which still yields the correct limit 0.
    result[i] = 1 / (1 + Math.exp(-(z0 + z1 + (z2 + z3))));
  }
  return result;
}

/** Serialises a fitted model into a {@link KernelState}. */
export function logisticToState(model: LogisticRegressionModel): KernelState {
  return {
    meta: {
      kind: "logistic-regression",
      version: 1,
      dims: model.dims,
      intercept: model.intercept,
      iterations: model.iterations,
      converged: model.converged,
    },
    arrays: { coefficients: model.coefficients.slice() },
  };
}

/**
 * Restores a model written by {@link logisticToState}.
 *
 * @throws RangeError if the state is not a logistic-regression state or is inconsistent.
 */
export function logisticFromState(state: KernelState): LogisticRegressionModel {
  const { meta, arrays } = state;
  if (meta.kind !== "logistic-regression") {
    throw new RangeError(`Expected a logistic-regression state, got kind ${JSON.stringify(meta.kind)}.`);
  }
  const dims = meta.dims;
  const intercept = meta.intercept;
  const coefficients = arrays.coefficients;
  if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 0) {
    throw new RangeError("Invalid logistic-regression state: 'dims' must be a non-negative integer.");
  }
  if (typeof intercept !== "number") {
    throw new RangeError("Invalid logistic-regression state: 'intercept' must be a number.");
  }
  if (!(coefficients instanceof Float64Array) || coefficients.length !== dims) {
    throw new RangeError(`Invalid logistic-regression state: expected ${dims} float64 coefficients.`);
  }
  return {
    dims,
    coefficients: coefficients.slice(),
    intercept,
    iterations: typeof meta.iterations === "number" ? meta.iterations : 0,
    converged: meta.converged === true,
  };
}

// ---------------------------------------------------------------------------------------------
// Solver

/** Everything a data pass needs; `rowWeight` is scratch filled by {@link evaluate}. */
interface Problem {
  x: Float64Array;
  n: number;
  d: number;
  /** Number of parameters: d, plus one for the intercept (stored last). */
  p: number;
  y: Uint8Array;
  sw: Float64Array | null;
  swSum: number;
  /** L2 strength on the coefficients (1 / C, possibly rescaled for a subsample). */
  lambda: number;
  fitIntercept: boolean;
  /** s_i · p_i (1 − p_i) at the last evaluated point, reused by the Hessian pass. */
  rowWeight: Float64Array;
}

function makeProblem(
  x: Float64Array,
  n: number,
  d: number,
  y: Uint8Array,
  sw: Float64Array | null,
  swSum: number,
  lambda: number,
  fitIntercept: boolean,
): Problem {
  return {
    x,
    n,
    d,
    p: fitIntercept ? d + 1 : d,
    y,
    sw,
    swSum,
    lambda,
    fitIntercept,
    rowWeight: new Float64Array(n),
  };
}

interface NewtonResult {
  iterations: number;
  converged: boolean;
  /** The exact Hessian (including the penalty) at the final point, p×p row-major, if asked for. */
  hessian: Float64Array | null;
}

/**
 * Damped Newton on `problem`, updating `beta` in place. `hessianHint` (if any) is used as the
 * curvature until the gradient stops shrinking quickly, then the exact Hessian takes over.
 */
function newton(
  problem: Problem,
  beta: Float64Array,
  maxIter: number,
  tol: number,
  hessianHint: Float64Array | null,
  wantHessian: boolean,
): NewtonResult {
  const p = problem.p;
  const grad = new Float64Array(p);
  const trialGrad = new Float64Array(p);
  const trial = new Float64Array(p);
  const step = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const factor = new Float64Array(p * p);
  const gradTol = tol * problem.swSum;

  let loss = evaluate(problem, beta, grad);
  let gradNorm = maxAbs(grad);
  let haveHessian = false; // `hessian` holds an exact Hessian at the current point
  let curvature: Float64Array | null = hessianHint;
  let curvatureIsStale = hessianHint !== null;
  let iterations = 0;
  let converged = gradNorm <= gradTol;

  while (!converged && iterations < maxIter) {
    if (curvature === null) {
      accumulateHessian(problem, hessian);
      haveHessian = true;
      curvature = hessian;
      curvatureIsStale = false;
    }
    choleskyFactor(curvature, factor, p);
    for (let k = 0; k < p; k++) step[k] = -grad[k];
    choleskySolve(factor, step, p);

    let slope = 0;
    for (let k = 0; k < p; k++) slope += grad[k] * step[k];
    if (!(slope < 0)) {
      // Only possible through round-off on a near-singular Hessian: nothing left to gain.
      break;
    }

    // Backtracking line search; a full Newton step is almost always accepted.
    let t = 1;
    let accepted = false;
    let trialLoss = loss;
    for (let attempt = 0; attempt < 40; attempt++) {
      for (let k = 0; k < p; k++) trial[k] = beta[k] + t * step[k];
      trialLoss = evaluate(problem, trial, trialGrad);
      const decrease = loss - trialLoss;
      // Near the optimum the decrease drowns in round-off; then accept if the gradient shrank.
      const roundOff = 1e-13 * Math.abs(loss);
      if (
        decrease >= -ARMIJO * t * slope ||
        (Math.abs(decrease) <= roundOff && maxAbs(trialGrad) < gradNorm)
      ) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    iterations++;
    if (!accepted) {
      // Evaluate the current point again so that `rowWeight` matches `beta`.
      evaluate(problem, beta, grad);
      if (curvatureIsStale) {
        // The borrowed curvature was too poor; retry with the exact Hessian.
        curvature = null;
        continue;
      }
      break;
    }
    beta.set(trial);
    grad.set(trialGrad);
    loss = trialLoss;
    const previousNorm = gradNorm;
    gradNorm = maxAbs(grad);
    converged = gradNorm <= gradTol;
    haveHessian = false;
    // A stale Hessian keeps its place only while it makes fast (near-Newton) progress.
    if (!curvatureIsStale || t < 1 || gradNorm > STALE_HESSIAN_RATE * previousNorm) curvature = null;
  }

  if (!wantHessian) return { iterations, converged, hessian: null };
  if (!haveHessian) accumulateHessian(problem, hessian);
  return { iterations, converged, hessian };
}

/**
 * One pass over the data: returns the objective at `beta`, writes its gradient into `grad` and
 * the per-row IRLS weights into `problem.rowWeight`.
 */
function evaluate(problem: Problem, beta: Float64Array, grad: Float64Array): number {
  const { x, n, d, y, sw, fitIntercept, rowWeight } = problem;
  const intercept = fitIntercept ? beta[d] : 0;
  grad.fill(0);
  let loss = 0;
  let gradIntercept = 0;
  for (let i = 0; i < n; i++) {
    const base = i * d;
    let z = intercept;
    for (let j = 0; j < d; j++) z += x[base + j] * beta[j];
    // log(1 + e^z) and σ(z) from one exponential of −|z| (no overflow either way).
    let softplus: number;
    let prob: number;
    if (z > 0) {
      const e = Math.exp(-z);
      softplus = z + Math.log1p(e);
      prob = 1 / (1 + e);
    } else {
      const e = Math.exp(z);
      softplus = Math.log1p(e);
      prob = e / (1 + e);
    }
    const s = sw === null ? 1 : sw[i];
    const label = y[i];
    loss += s * (softplus - label * z);
    const r = s * (prob - label);
    for (let j = 0; j < d; j++) grad[j] += r * x[base + j];
    gradIntercept += r;
    rowWeight[i] = s * prob * (1 - prob);
  }
  let penalty = 0;
  for (let j = 0; j < d; j++) {
    penalty += beta[j] * beta[j];
    grad[j] += problem.lambda * beta[j];
  }
  if (fitIntercept) grad[d] = gradIntercept;
  return loss + 0.5 * problem.lambda * penalty;
}

/**
 * Hessian X̃ᵀ W X̃ + λI (intercept unpenalised) from the row weights of the last
 * {@link evaluate}. Rows are taken four at a time so each Hessian entry is loaded and stored
 * once per four rows (the pass is bound by those read-modify-writes otherwise).
 */
function accumulateHessian(problem: Problem, hessian: Float64Array): void {
  const { x, n, d, p, fitIntercept, rowWeight } = problem;
  hessian.fill(0);
  let i = 0;
  let weightSum = 0;
  for (; i + 3 < n; i += 4) {
    const b0 = i * d;
    const b1 = b0 + d;
    const b2 = b1 + d;
    const b3 = b2 + d;
    const w0 = rowWeight[i];
    const w1 = rowWeight[i + 1];
    const w2 = rowWeight[i + 2];
    const w3 = rowWeight[i + 3];
    for (let j = 0; j < d; j++) {
      const a0 = w0 * x[b0 + j];
      const a1 = w1 * x[b1 + j];
      const a2 = w2 * x[b2 + j];
      const a3 = w3 * x[b3 + j];
      const o = j * p;
      for (let k = 0; k <= j; k++) {
        hessian[o + k] += a0 * x[b0 + k] + a1 * x[b1 + k] + a2 * x[b2 + k] + a3 * x[b3 + k];
      }
      if (fitIntercept) hessian[o + d] += a0 + a1 + a2 + a3;
    }
    weightSum += w0 + w1 + w2 + w3;
  }
  for (; i < n; i++) {
    const b = i * d;
    const w = rowWeight[i];
    for (let j = 0; j < d; j++) {
      const a = w * x[b + j];
      const o = j * p;
      for (let k = 0; k <= j; k++) hessian[o + k] += a * x[b + k];
      if (fitIntercept) hessian[o + d] += a;
    }
    weightSum += w;
  }
  if (fitIntercept) hessian[d * p + d] = weightSum;
  // Mirror the lower triangle (the intercept column was accumulated as row j, column d).
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) hessian[k * p + j] = hessian[j * p + k];
    hessian[j * p + j] += problem.lambda;
    if (fitIntercept) hessian[d * p + j] = hessian[j * p + d];
  }
}

/**
 * Cholesky factorisation L Lᵀ = A of a symmetric positive (semi-)definite p×p matrix into the
 * lower triangle of `out`. A semi-definite A (unpenalised intercept with a constant column,
 * C = ∞-like settings) gets a growing diagonal jitter until it factorises.
 */
function choleskyFactor(a: Float64Array, out: Float64Array, p: number): void {
  let maxDiag = 0;
  for (let k = 0; k < p; k++) maxDiag = Math.max(maxDiag, Math.abs(a[k * p + k]));
  let jitter = 0;
  for (let attempt = 0; attempt < 30; attempt++) {
    if (tryCholesky(a, out, p, jitter)) return;
    jitter = jitter === 0 ? Math.max(maxDiag, 1) * 1e-12 : jitter * 10;
  }
  // Degenerate beyond repair: fall back to a scaled identity (a gradient step).
  out.fill(0);
  for (let k = 0; k < p; k++) out[k * p + k] = Math.sqrt(Math.max(maxDiag, 1));
}

function tryCholesky(a: Float64Array, out: Float64Array, p: number, jitter: number): boolean {
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j];
      if (i === j) s += jitter;
      for (let k = 0; k < j; k++) s -= out[i * p + k] * out[j * p + k];
      if (i === j) {
        if (!(s > 0)) return false;
        out[i * p + i] = Math.sqrt(s);
      } else {
        out[i * p + j] = s / out[j * p + j];
      }
    }
  }
  return true;
}

/** Solves L Lᵀ v = b in place (`b` becomes v). */
function choleskySolve(factor: Float64Array, b: Float64Array, p: number): void {
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= factor[i * p + k] * b[k];
    b[i] = s / factor[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < p; k++) s -= factor[k * p + i] * b[k];
    b[i] = s / factor[i * p + i];
  }
}

/** Copies every `stride`-th row into a compact problem for the warm start. */
function subsampleProblem(
  x: Matrix,
  y: Uint8Array,
  sw: Float64Array | undefined,
  stride: number,
): { x: Float64Array; n: number; y: Uint8Array; sw: Float64Array | null; swSum: number } {
  const d = x.cols;
  const m = Math.ceil(x.rows / stride);
  const data = new Float64Array(m * d);
  const labels = new Uint8Array(m);
  const weights = sw === undefined ? null : new Float64Array(m);
  let swSum = 0;
  for (let r = 0; r < m; r++) {
    const i = r * stride;
    data.set(x.data.subarray(i * d, i * d + d), r * d);
    labels[r] = y[i];
    const s = sw === undefined ? 1 : sw[i];
    if (weights !== null) weights[r] = s;
    swSum += s;
  }
  return { x: data, n: m, y: labels, sw: weights, swSum: swSum > 0 ? swSum : 1 };
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let k = 0; k < v.length; k++) {
    const a = Math.abs(v[k]);
    if (a > m) m = a;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Validation (messages follow scikit-learn's parameter validation)

function validateOptions(c: number, maxIter: number, tol: number, fitIntercept: boolean): void {
  if (typeof c !== "number" || !(c > 0) || c === Infinity) {
    throw new RangeError(
      `The 'c' parameter of ${ESTIMATOR} must be a float in the range (0, inf). Got ${String(c)} instead.`,
    );
  }
  if (typeof maxIter !== "number" || !Number.isInteger(maxIter) || maxIter < 0) {
    throw new RangeError(
      `The 'maxIter' parameter of ${ESTIMATOR} must be an int in the range [0, inf). Got ${String(maxIter)} instead.`,
    );
  }
  if (typeof tol !== "number" || !(tol >= 0) || tol === Infinity) {
    throw new RangeError(
      `The 'tol' parameter of ${ESTIMATOR} must be a float in the range [0, inf). Got ${String(tol)} instead.`,
    );
  }
  if (typeof fitIntercept !== "boolean") {
    throw new RangeError(
      `The 'fitIntercept' parameter of ${ESTIMATOR} must be an instance of 'bool'. Got ${String(fitIntercept)} instead.`,
    );
  }
}

function validateTrainingData(x: Matrix, y: Uint8Array, sampleWeight: Float64Array | undefined): void {
  checkShape(x, ESTIMATOR);
  if (x.rows < 1) {
    throw new RangeError(
      `Found array with 0 sample(s) (shape=(0, ${x.cols})) while a minimum of 1 is required by ${ESTIMATOR}.`,
    );
  }
  if (y.length !== x.rows) {
    throw new RangeError(
      `Found input variables with inconsistent numbers of samples: [${x.rows}, ${y.length}]`,
    );
  }
  if (sampleWeight !== undefined) {
    if (sampleWeight.length !== x.rows) {
      throw new RangeError(`sample_weight.shape == (${sampleWeight.length},), expected (${x.rows},)!`);
    }
    for (let i = 0; i < sampleWeight.length; i++) {
      const s = sampleWeight[i];
      if (!(s >= 0) || s === Infinity) {
        throw new RangeError("Negative values in data passed to `sample_weight`");
      }
    }
  }
  // x · 0 is NaN exactly when x is NaN or ±Inf, so one sum detects both.
  const data = x.data;
  let probe = 0;
  for (let k = 0; k < data.length; k++) probe += data[k] * 0;
  if (probe !== 0) {
    throw new RangeError(
      `Input X contains NaN or infinity. ${ESTIMATOR} does not accept missing values encoded as NaN natively; impute them first.`,
    );
  }
  checkBinaryLabels(
    y,
    (seen) =>
      `This solver needs samples of at least 2 classes in the data, but the data contains only one class: ${seen}`,
  );
}
