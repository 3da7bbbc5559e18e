/**
 * Binary classification metrics with scikit-learn's conventions (scikit-learn 1.5).
 *
 * Labels are `Uint8Array`s of 0/1 with 1 the positive class; scores are `Float64Array`s where a
 * higher score means "more likely positive" (typically P(y = 1)). Ties in scores are handled
 * like scikit-learn: curves have one point per distinct score, and areas are trapezoids over
 * those points (so a tie between a positive and a negative counts as half a correct ordering).
 *
 * Curves sort each class's scores natively (typed-array sort, no comparator) and merge them,
 * which is much faster than sorting an index array with a comparator on large inputs.
 */

/** Counts of the 2×2 confusion matrix (positive class = 1). */
export interface ConfusionMatrix {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

/** ROC curve points, thresholds decreasing, starting at (0, 0) with threshold +∞. */
export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  thresholds: Float64Array;
}

/**
 * Precision–recall curve, thresholds increasing; `precision` and `recall` have one more
 * element than `thresholds`: the final point (precision 1, recall 0) has no threshold.
 */
export interface PrecisionRecallCurve {
  precision: Float64Array;
  recall: Float64Array;
  thresholds: Float64Array;
}

/** Reliability diagram data; only non-empty bins are reported. */
export interface CalibrationCurve {
  /** Mean predicted probability in each non-empty bin. */
  meanPredicted: Float64Array;
  /** Observed fraction of positives in each non-empty bin. */
  fractionPositive: Float64Array;
  /** Number of samples in each non-empty bin. */
  counts: Float64Array;
}

/** Fraction of predictions equal to the labels. */
export function accuracy(y: Uint8Array, predicted: Uint8Array): number {
  checkLabels(y, "y");
  checkLabels(predicted, "predicted");
  checkLengths(y.length, predicted.length);
  let hits = 0;
  for (let i = 0; i < y.length; i++) hits += y[i] === predicted[i] ? 1 : 0;
  return hits / y.length;
}

/** Confusion-matrix counts of hard predictions against the labels. */
export function confusionMatrix(y: Uint8Array, predicted: Uint8Array): ConfusionMatrix {
  checkLabels(y, "y");
  checkLabels(predicted, "predicted");
  checkLengths(y.length, predicted.length);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const truth = y[i];
    const guess = predicted[i];
    tp += truth & guess;
    fp += guess & (1 - truth);
    fn += truth & (1 - guess);
  }
  return { tn: y.length - tp - fp - fn, fp, fn, tp };
}

/**
 * F1 score of the positive class, 2·TP / (2·TP + FP + FN). Returns 0 when there are neither
 * positive labels nor positive predictions (scikit-learn's `zero_division` default).
 */
export function f1Score(y: Uint8Array, predicted: Uint8Array): number {
  const { tp, fp, fn } = confusionMatrix(y, predicted);
  const denominator = 2 * tp + fp + fn;
  return denominator === 0 ? 0 : (2 * tp) / denominator;
}

/**
 * Mean negative log-likelihood of the labels under P(y = 1) = `prob`. Probabilities are clipped
 * to [ε, 1 − ε] with ε the float64 machine epsilon (2.2e-16), as scikit-learn ≥ 1.3 does
 * (older releases used 1e-15), so a confidently wrong 0 or 1 costs a finite ≈ 36.04.
 */
export function logLoss(y: Uint8Array, prob: Float64Array): number {
  checkLabels(y, "y");
  checkLengths(y.length, prob.length);
  checkNoNaN(prob, "prob");
  const eps = Number.EPSILON;
  const hi = 1 - eps;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    // Clip p and 1 − p separately, exactly as scikit-learn clips both probability columns.
    const q = y[i] === 1 ? prob[i] : 1 - prob[i];
    total -= Math.log(Math.min(Math.max(q, eps), hi));
  }
  return total / y.length;
}

/** Options of {@link rocCurve}. */
export interface RocCurveOptions {
  /** Drop points collinear with their neighbours (they do not change the curve). Default true. */
  dropIntermediate?: boolean;
}

/**
 * ROC curve over the distinct scores (scikit-learn's `roc_curve`). If a class is absent, the
 * corresponding rate is NaN throughout (scikit-learn warns and does the same).
 */
export function rocCurve(y: Uint8Array, score: Float64Array, options: RocCurveOptions = {}): RocCurve {
  const curve = binaryCurve(y, score);
  let { fps, tps, thresholds } = curve;
  if ((options.dropIntermediate ?? true) && fps.length > 2) {
    // Keep the end points and every point where either cumulative count bends.
    const keep: number[] = [0];
    for (let k = 1; k < fps.length - 1; k++) {
      const bendF = fps[k + 1] - 2 * fps[k] + fps[k - 1];
      const bendT = tps[k + 1] - 2 * tps[k] + tps[k - 1];
      if (bendF !== 0 || bendT !== 0) keep.push(k);
    }
    keep.push(fps.length - 1);
    fps = Float64Array.from(keep, (k) => curve.fps[k]);
    tps = Float64Array.from(keep, (k) => curve.tps[k]);
    thresholds = Float64Array.from(keep, (k) => curve.thresholds[k]);
  }
  const m = fps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const outThresholds = new Float64Array(m);
  outThresholds[0] = Infinity;
  const negatives = fps.length > 0 ? fps[fps.length - 1] : 0;
  const positives = tps.length > 0 ? tps[tps.length - 1] : 0;
  fpr[0] = negatives > 0 ? 0 : Number.NaN;
  tpr[0] = positives > 0 ? 0 : Number.NaN;
  for (let k = 0; k < fps.length; k++) {
    fpr[k + 1] = negatives > 0 ? fps[k] / negatives : Number.NaN;
    tpr[k + 1] = positives > 0 ? tps[k] / positives : Number.NaN;
    outThresholds[k + 1] = thresholds[k];
  }
  return { fpr, tpr, thresholds: outThresholds };
}

/**
 * Area under the ROC curve (trapezoids over the distinct scores, as scikit-learn's
 * `roc_auc_score`).
 *
 * @throws RangeError if only one class is present (the AUC is undefined).
 */
export function rocAuc(y: Uint8Array, score: Float64Array): number {
  const { fpr, tpr } = rocCurve(y, score, { dropIntermediate: true });
  if (Number.isNaN(fpr[fpr.length - 1]) || Number.isNaN(tpr[tpr.length - 1])) {
    throw new RangeError("Only one class present in y_true. ROC AUC score is not defined in that case.");
  }
  let area = 0;
  for (let k = 1; k < fpr.length; k++) area += ((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1])) / 2;
  return area;
}

/** Options of {@link precisionRecallCurve}. */
export interface PrecisionRecallCurveOptions {
  /** Keep only the first and last point of each run with equal recall. Default false. */
  dropIntermediate?: boolean;
}

/**
 * Precision–recall pairs over the distinct scores (scikit-learn's `precision_recall_curve`).
 * Precision is 0 where nothing is predicted positive; with no positive labels, recall is 1.
 */
export function precisionRecallCurve(
  y: Uint8Array,
  score: Float64Array,
  options: PrecisionRecallCurveOptions = {},
): PrecisionRecallCurve {
  const curve = binaryCurve(y, score);
  let { fps, tps, thresholds } = curve;
  if (options.dropIntermediate === true && fps.length > 2) {
    const keep: number[] = [0];
    for (let k = 1; k < tps.length - 1; k++) {
      if (tps[k] !== tps[k - 1] || tps[k + 1] !== tps[k]) keep.push(k);
    }
    keep.push(tps.length - 1);
    fps = Float64Array.from(keep, (k) => curve.fps[k]);
    tps = Float64Array.from(keep, (k) => curve.tps[k]);
    thresholds = Float64Array.from(keep, (k) => curve.thresholds[k]);
  }
  const m = fps.length;
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  const outThresholds = new Float64Array(m);
  const positives = m > 0 ? tps[m - 1] : 0;
  // Reverse so that thresholds increase and recall decreases, then append (1, 0).
  for (let k = 0; k < m; k++) {
    const src = m - 1 - k;
    const predictedPositive = tps[src] + fps[src];
    precision[k] = predictedPositive !== 0 ? tps[src] / predictedPositive : 0;
    recall[k] = positives === 0 ? 1 : tps[src] / positives;
    outThresholds[k] = thresholds[src];
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds: outThresholds };
}

/**
 * Average precision, Σ (R_k − R_{k−1}) · P_k over the precision–recall curve (no
 * interpolation), as scikit-learn's `average_precision_score`.
 */
export function averagePrecision(y: Uint8Array, score: Float64Array): number {
  const { precision, recall } = precisionRecallCurve(y, score);
  let sum = 0;
  for (let k = 0; k + 1 < recall.length; k++) sum -= (recall[k + 1] - recall[k]) * precision[k];
  return sum;
}

/**
 * Calibration (reliability) curve with `nBins` uniform bins on [0, 1], as scikit-learn's
 * `calibration_curve(strategy="uniform")`: bin edges k / nBins, a probability on an inner edge
 * belongs to the lower bin, empty bins are dropped.
 *
 * @throws RangeError if a probability lies outside [0, 1] or `nBins` is not a positive integer.
 */
export function calibrationCurve(y: Uint8Array, prob: Float64Array, nBins = 10): CalibrationCurve {
  checkLabels(y, "y");
  checkLengths(y.length, prob.length);
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new RangeError(
      `The 'nBins' parameter of calibrationCurve must be an int in the range [1, inf). Got ${nBins} instead.`,
    );
  }
  // Inner edges as numpy.linspace(0, 1, nBins + 1) computes them: k · (1 / nBins).
  const step = 1 / nBins;
  const edges = new Float64Array(nBins - 1);
  for (let k = 1; k < nBins; k++) edges[k - 1] = k * step;
  const sumProb = new Float64Array(nBins);
  const sumTrue = new Float64Array(nBins);
  const total = new Float64Array(nBins);
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError("y_prob has values outside [0, 1].");
    // Number of inner edges strictly below p (numpy.searchsorted side="left").
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    sumProb[lo] += p;
    sumTrue[lo] += y[i];
    total[lo] += 1;
  }
  let nonEmpty = 0;
  for (let b = 0; b < nBins; b++) if (total[b] > 0) nonEmpty++;
  const meanPredicted = new Float64Array(nonEmpty);
  const fractionPositive = new Float64Array(nonEmpty);
  const counts = new Float64Array(nonEmpty);
  let k = 0;
  for (let b = 0; b < nBins; b++) {
    if (total[b] === 0) continue;
    meanPredicted[k] = sumProb[b] / total[b];
    fractionPositive[k] = sumTrue[b] / total[b];
    counts[k] = total[b];
    k++;
  }
  return { meanPredicted, fractionPositive, counts };
}

// ---------------------------------------------------------------------------------------------

/**
 * Cumulative false/true positive counts at each distinct score, scores decreasing
 * (scikit-learn's `_binary_clf_curve`).
 */
function binaryCurve(
  y: Uint8Array,
  score: Float64Array,
): { fps: Float64Array; tps: Float64Array; thresholds: Float64Array } {
  checkLabels(y, "y");
  checkLengths(y.length, score.length);
  checkNoNaN(score, "score");
  let nPos = 0;
  for (let i = 0; i < y.length; i++) nPos += y[i];
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(y.length - nPos);
  let a = 0;
  let b = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) pos[a++] = score[i];
    else neg[b++] = score[i];
  }
  pos.sort();
  neg.sort();
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const t = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    while (i >= 0 && pos[i] === t) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === t) {
      fp++;
      j--;
    }
    fps.push(fp);
    tps.push(tp);
    thresholds.push(t);
  }
  return {
    fps: Float64Array.from(fps),
    tps: Float64Array.from(tps),
    thresholds: Float64Array.from(thresholds),
  };
}

function checkLabels(labels: Uint8Array, name: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 1)
      throw new RangeError(`${name} must contain only 0 and 1; got ${labels[i]} at index ${i}.`);
  }
}

function checkLengths(a: number, b: number): void {
  if (a !== b) {
    throw new RangeError(`Found input variables with inconsistent numbers of samples: [${a}, ${b}]`);
  }
  if (a === 0) throw new RangeError("Found empty input: at least one sample is required.");
}

function checkNoNaN(values: Float64Array, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) throw new RangeError(`Input ${name} contains NaN.`);
  }
}
