import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  fitLogisticRegression,
  logisticFromState,
  logisticToState,
  predictProbaLogistic,
} from "./logistic-regression.ts";
import type { Matrix } from "./matrix.ts";
import { SeededRandom } from "./random.ts";

/** Logistic-regression part of test/fixtures/sklearn/supervised.json. */
interface Fixture {
  rows: number;
  cols: number;
  y: number[];
  logistic: {
    /** Imputed, standardised Titanic matrix, row-major. */
    x: number[];
    sampleWeight: number[];
    cases: {
      name: string;
      c: number;
      fitIntercept: boolean;
      weighted: boolean;
      coefficients: number[];
      intercept: number;
      probabilities: number[];
    }[];
  };
}

const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/sklearn/supervised.json", import.meta.url), "utf8"),
) as Fixture;
const x: Matrix = { rows: fixture.rows, cols: fixture.cols, data: Float64Array.from(fixture.logistic.x) };
const y = Uint8Array.from(fixture.y);
const sampleWeight = Float64Array.from(fixture.logistic.sampleWeight);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("fitLogisticRegression matches scikit-learn's LogisticRegression (lbfgs, tight tol)", () => {
  it.each(fixture.logistic.cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const model = fitLogisticRegression(
      x,
      y,
      { c: c.c, fitIntercept: c.fitIntercept, tol: 1e-10 },
      c.weighted ? sampleWeight : undefined,
    );
    expect(model.converged).toBe(true);
    expect(maxAbsDiff(model.coefficients, c.coefficients)).toBeLessThan(1e-4);
    expect(Math.abs(model.intercept - c.intercept)).toBeLessThan(1e-4);
    expect(maxAbsDiff(predictProbaLogistic(model, x), c.probabilities)).toBeLessThan(1e-5);
  });

  it("reaches scikit-learn's optimum closely with the default tolerance too", () => {
    const c = fixture.logistic.cases[0];
    const model = fitLogisticRegression(x, y);
    expect(maxAbsDiff(model.coefficients, c.coefficients)).toBeLessThan(1e-4);
    expect(model.iterations).toBeLessThan(10);
  });
});

/** Seeded logistic data large enough to take the subsample warm-start path. */
function synthetic(rows: number, cols: number, seed: number): { x: Matrix; y: Uint8Array; w: number[] } {
  const rng = new SeededRandom(seed);
  const w = Array.from({ length: cols }, () => rng.nextGaussian());
  const data = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = 0.3;
    for (let j = 0; j < cols; j++) {
      const v = rng.nextGaussian();
      data[i * cols + j] = v;
      z += v * w[j];
    }
    labels[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x: { rows, cols, data }, y: labels, w };
}

describe("fitLogisticRegression solver behaviour", () => {
  it("gives the same optimum with the subsample warm start as a plain Newton solve", () => {
    const { x: big, y: labels } = synthetic(80_000, 5, 3);
    const warm = fitLogisticRegression(big, labels, { tol: 1e-10 });
    // Fitting a row-permuted copy changes the subsample; the optimum must not change.
    const perm = new Float64Array(big.data.length);
    const permY = new Uint8Array(labels.length);
    for (let i = 0; i < big.rows; i++) {
      const src = (i * 7919) % big.rows;
      perm.set(big.data.subarray(src * 5, src * 5 + 5), i * 5);
      permY[i] = labels[src];
    }
    const other = fitLogisticRegression({ rows: big.rows, cols: 5, data: perm }, permY, { tol: 1e-10 });
    expect(warm.converged && other.converged).toBe(true);
    expect(maxAbsDiff(warm.coefficients, other.coefficients)).toBeLessThan(1e-8);
    expect(Math.abs(warm.intercept - other.intercept)).toBeLessThan(1e-8);
  });

  it("stays finite on separable data (the L2 penalty bounds the coefficients)", () => {
    const data = Float64Array.of(-2, -1, -0.5, 0.5, 1, 2);
    const model = fitLogisticRegression({ rows: 6, cols: 1, data }, Uint8Array.of(0, 0, 0, 1, 1, 1), {
      c: 100,
    });
    expect(model.converged).toBe(true);
    expect(Number.isFinite(model.coefficients[0])).toBe(true);
    expect(model.coefficients[0]).toBeGreaterThan(1);
  });

  it("treats an integer sample weight like repeating the row", () => {
    const data = Float64Array.of(0.1, 1.2, -0.7, 2.2, 0.4, -1.5, 1.9);
    const labels = Uint8Array.of(0, 1, 0, 1, 1, 0, 0);
    const weighted = fitLogisticRegression(
      { rows: 7, cols: 1, data },
      labels,
      { tol: 1e-12 },
      Float64Array.of(1, 3, 1, 1, 1, 1, 2),
    );
    const repeated = fitLogisticRegression(
      { rows: 10, cols: 1, data: Float64Array.of(0.1, 1.2, 1.2, 1.2, -0.7, 2.2, 0.4, -1.5, 1.9, 1.9) },
      Uint8Array.of(0, 1, 1, 1, 0, 1, 1, 0, 0, 0),
      { tol: 1e-12 },
    );
    expect(Math.abs(weighted.coefficients[0] - repeated.coefficients[0])).toBeLessThan(1e-9);
    expect(Math.abs(weighted.intercept - repeated.intercept)).toBeLessThan(1e-9);
  });
});

describe("logistic regression state and prediction", () => {
  it("predicts identically after a round trip through its kernel state", () => {
    const model = fitLogisticRegression(x, y, { c: 0.5 });
    const state = logisticToState(model);
    // Meta goes through JSON and arrays are copied, as an artifact store would do.
    const restored = logisticFromState({
      meta: JSON.parse(JSON.stringify(state.meta)),
      arrays: { coefficients: Float64Array.from(state.arrays.coefficients) },
    });
    expect(restored).toEqual(model);
    expect(predictProbaLogistic(restored, x)).toEqual(predictProbaLogistic(model, x));
  });

  it("writes into a caller-provided output buffer", () => {
    const model = fitLogisticRegression(x, y);
    const out = new Float64Array(x.rows);
    expect(predictProbaLogistic(model, x, out)).toBe(out);
  });

  it("rejects states of another kernel or with inconsistent arrays", () => {
    const state = logisticToState(fitLogisticRegression(x, y));
    expect(() => logisticFromState({ ...state, meta: { ...state.meta, kind: "kmeans" } })).toThrow(
      RangeError,
    );
    expect(() => logisticFromState({ ...state, arrays: { coefficients: new Float64Array(2) } })).toThrow(
      /coefficients/,
    );
  });

  it("does not mutate its inputs", () => {
    const data = x.data.slice();
    const labels = y.slice();
    const weights = sampleWeight.slice();
    const model = fitLogisticRegression(x, y, {}, sampleWeight);
    predictProbaLogistic(model, x);
    expect(x.data).toEqual(data);
    expect(y).toEqual(labels);
    expect(sampleWeight).toEqual(weights);
  });
});

describe("logistic regression validation", () => {
  const small: Matrix = { rows: 4, cols: 1, data: Float64Array.of(0, 1, 2, 3) };
  const labels = Uint8Array.of(0, 0, 1, 1);

  it("rejects invalid options with scikit-learn style messages", () => {
    expect(() => fitLogisticRegression(small, labels, { c: -1 })).toThrow(
      "The 'c' parameter of LogisticRegression must be a float in the range (0, inf). Got -1 instead.",
    );
    expect(() => fitLogisticRegression(small, labels, { c: 0 })).toThrow(RangeError);
    expect(() => fitLogisticRegression(small, labels, { maxIter: 1.5 })).toThrow(/'maxIter' parameter/);
    expect(() => fitLogisticRegression(small, labels, { tol: -1 })).toThrow(/'tol' parameter/);
  });

  it("rejects inconsistent shapes, bad labels, a single class, NaN and bad weights", () => {
    expect(() => fitLogisticRegression(small, Uint8Array.of(0, 1))).toThrow(
      /inconsistent numbers of samples/,
    );
    expect(() => fitLogisticRegression({ rows: 4, cols: 2, data: new Float64Array(4) }, labels)).toThrow(
      /expected rows \* cols/,
    );
    expect(() => fitLogisticRegression(small, Uint8Array.of(0, 2, 1, 1))).toThrow(/0 or 1/);
    expect(() => fitLogisticRegression(small, Uint8Array.of(1, 1, 1, 1))).toThrow(/only one class/);
    expect(() =>
      fitLogisticRegression({ rows: 4, cols: 1, data: Float64Array.of(0, Number.NaN, 2, 3) }, labels),
    ).toThrow(/NaN/);
    expect(() => fitLogisticRegression(small, labels, {}, Float64Array.of(1, 1, -1, 1))).toThrow(/Negative/);
    expect(() => fitLogisticRegression(small, labels, {}, Float64Array.of(1, 1))).toThrow(/sample_weight/);
  });

  it("rejects prediction input with the wrong number of columns", () => {
    const model = fitLogisticRegression(small, labels);
    expect(() => predictProbaLogistic(model, { rows: 1, cols: 2, data: new Float64Array(2) })).toThrow(
      "X has 2 features, but LogisticRegression is expecting 1 features as input.",
    );
  });
});
