import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  accuracy,
  averagePrecision,
  calibrationCurve,
  confusionMatrix,
  f1Score,
  logLoss,
  precisionRecallCurve,
  rocAuc,
  rocCurve,
} from "./classification-metrics.ts";

/** One metric case of test/fixtures/sklearn/supervised.json (bench/reference/supervised_reference.py). */
interface MetricCase {
  name: string;
  y: number[];
  score: number[];
  predicted: number[];
  accuracy: number;
  f1: number;
  logLoss: number;
  rocAuc: number;
  averagePrecision: number;
  confusion: { tn: number; fp: number; fn: number; tp: number };
  /** `null` stands for the leading +inf threshold. */
  roc: { fpr: number[]; tpr: number[]; thresholds: (number | null)[] };
  rocAll: { fpr: number[]; tpr: number[]; thresholds: (number | null)[] };
  pr: { precision: number[]; recall: number[]; thresholds: number[] };
  calibration: Record<string, { fractionPositive: number[]; meanPredicted: number[]; counts: number[] }>;
}

const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/sklearn/supervised.json", import.meta.url), "utf8"),
) as { metrics: MetricCase[] };

const TOL = 1e-9;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number | null>, tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] ?? Number.POSITIVE_INFINITY;
    if (!Number.isFinite(e)) expect(actual[i]).toBe(e);
    else expect(Math.abs(actual[i] - e)).toBeLessThanOrEqual(tol);
  }
}

describe.each(fixture.metrics.map((c) => [c.name, c] as const))(
  "metrics match scikit-learn on %s",
  (_, c) => {
    const y = Uint8Array.from(c.y);
    const score = Float64Array.from(c.score);
    const predicted = Uint8Array.from(c.predicted);

    it("accuracy, F1 and confusion matrix", () => {
      expect(Math.abs(accuracy(y, predicted) - c.accuracy)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(f1Score(y, predicted) - c.f1)).toBeLessThanOrEqual(TOL);
      expect(confusionMatrix(y, predicted)).toEqual(c.confusion);
    });

    it("log loss with clipping", () => {
      expect(Math.abs(logLoss(y, score) - c.logLoss)).toBeLessThanOrEqual(TOL);
    });

    it("ROC curve (with and without dropping intermediate points) and AUC", () => {
      const roc = rocCurve(y, score);
      expectClose(roc.fpr, c.roc.fpr);
      expectClose(roc.tpr, c.roc.tpr);
      expectClose(roc.thresholds, c.roc.thresholds);
      const all = rocCurve(y, score, { dropIntermediate: false });
      expectClose(all.fpr, c.rocAll.fpr);
      expectClose(all.tpr, c.rocAll.tpr);
      expectClose(all.thresholds, c.rocAll.thresholds);
      expect(Math.abs(rocAuc(y, score) - c.rocAuc)).toBeLessThanOrEqual(TOL);
    });

    it("precision-recall curve and average precision", () => {
      const pr = precisionRecallCurve(y, score);
      expectClose(pr.precision, c.pr.precision);
      expectClose(pr.recall, c.pr.recall);
      expectClose(pr.thresholds, c.pr.thresholds);
      expect(Math.abs(averagePrecision(y, score) - c.averagePrecision)).toBeLessThanOrEqual(TOL);
    });

    it.each(Object.keys(c.calibration))("calibration curve with %s bins", (bins) => {
      const expected = c.calibration[bins];
      const curve = calibrationCurve(y, score, Number(bins));
      expectClose(curve.fractionPositive, expected.fractionPositive);
      expectClose(curve.meanPredicted, expected.meanPredicted);
      expectClose(curve.counts, expected.counts);
    });
  },
);

describe("classification metrics edge cases", () => {
  it("counts a tie between a positive and a negative as half an ordering in the AUC", () => {
    expect(rocAuc(Uint8Array.of(0, 1), Float64Array.of(0.5, 0.5))).toBe(0.5);
    expect(rocAuc(Uint8Array.of(0, 1, 0, 1), Float64Array.of(0.1, 0.4, 0.4, 0.9))).toBeCloseTo(0.875, 12);
  });

  it("refuses an AUC when only one class is present", () => {
    expect(() => rocAuc(Uint8Array.of(1, 1), Float64Array.of(0.2, 0.8))).toThrow(/Only one class present/);
  });

  it("reports NaN rates for an absent class in the ROC curve", () => {
    const roc = rocCurve(Uint8Array.of(1, 1), Float64Array.of(0.2, 0.8));
    expect(Number.isNaN(roc.fpr[1])).toBe(true);
    expect(roc.tpr[roc.tpr.length - 1]).toBe(1);
  });

  it("returns an F1 of 0 when there are no positives at all", () => {
    expect(f1Score(Uint8Array.of(0, 0), Uint8Array.of(0, 0))).toBe(0);
  });

  it("rejects mismatched lengths, NaN scores, non-binary labels and out-of-range probabilities", () => {
    expect(() => accuracy(Uint8Array.of(0, 1), Uint8Array.of(1))).toThrow(/inconsistent numbers of samples/);
    expect(() => rocCurve(Uint8Array.of(0, 1), Float64Array.of(0.1, Number.NaN))).toThrow(/NaN/);
    expect(() => accuracy(Uint8Array.of(0, 2), Uint8Array.of(0, 1))).toThrow(/only 0 and 1/);
    expect(() => calibrationCurve(Uint8Array.of(0, 1), Float64Array.of(0.1, 1.2))).toThrow(
      /outside \[0, 1\]/,
    );
    expect(() => calibrationCurve(Uint8Array.of(0, 1), Float64Array.of(0.1, 0.2), 0)).toThrow(/nBins/);
  });

  it("does not mutate its inputs", () => {
    const c = fixture.metrics[2];
    const y = Uint8Array.from(c.y);
    const score = Float64Array.from(c.score);
    const yCopy = y.slice();
    const scoreCopy = score.slice();
    rocCurve(y, score);
    precisionRecallCurve(y, score);
    calibrationCurve(y, score);
    logLoss(y, score);
    expect(y).toEqual(yCopy);
    expect(score).toEqual(scoreCopy);
  });
});
