import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { matrixOf, standardisedPenguins as penguins } from "../../test/helpers/matrices.ts";
import { adjustedRandIndex } from "./clustering-metrics.ts";
import {
  type CovarianceType,
  fitGaussianMixture,
  type GaussianMixtureModel,
  gaussianMixtureFromState,
  gaussianMixtureToState,
  predictGaussianMixture,
  predictProbaGaussianMixture,
  scoreSamplesGaussianMixture,
} from "./gaussian-mixture.ts";
import type { Matrix } from "./matrix.ts";
import { SeededRandom } from "./random.ts";

/** One scikit-learn mixture reference of test/fixtures/sklearn/clustering.json. */
interface MixtureReference {
  runs: { seed: number; lowerBound: number; iterations: number; ari?: number }[];
  model: {
    weights: number[];
    means: number[];
    covariances: number[];
    precisionCholesky: number[];
    lowerBound: number;
  };
  scoreSamples: number[];
  predictProba: number[];
  predict: number[];
}

/** Parts of test/fixtures/sklearn/clustering.json (bench/reference/clustering_reference.py). */
interface Fixture {
  penguins: {
    rows: number;
    species: number[];
    gaussianMixture: Record<CovarianceType, MixtureReference & { optima: number[] }>;
  };
  synthetic: Record<
    "narrow" | "wide",
    { x: number[][]; gaussianMixture: Record<CovarianceType, MixtureReference> }
  >;
}

const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/sklearn/clustering.json", import.meta.url), "utf8"),
) as Fixture;

/** Seeded anisotropic blobs. */
function blobs(rows: number, cols: number, k: number, seed: number): Matrix {
  const rng = new SeededRandom(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: cols }, () => 5 * rng.nextGaussian()));
  const scales = Array.from({ length: k }, () => Array.from({ length: cols }, () => 0.5 + rng.next()));
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const c = rng.nextInt(k);
    let shared = 0;
    for (let j = 0; j < cols; j++) {
      shared = 0.6 * shared + rng.nextGaussian();
      data[i * cols + j] = centres[c][j] + scales[c][j] * shared;
    }
  }
  return { rows, cols, data };
}

function modelOf(
  reference: MixtureReference,
  dims: number,
  covarianceType: CovarianceType,
): GaussianMixtureModel {
  return {
    k: reference.model.weights.length,
    dims,
    covarianceType,
    weights: Float64Array.from(reference.model.weights),
    means: Float64Array.from(reference.model.means),
    covariances: Float64Array.from(reference.model.covariances),
    precisionCholesky: Float64Array.from(reference.model.precisionCholesky),
    converged: true,
    iterations: 1,
    lowerBound: reference.model.lowerBound,
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Log-density computed the slow, obvious way from the covariances (Gaussian elimination). */
function naiveScore(model: GaussianMixtureModel, row: ArrayLike<number>): number {
  const d = model.dims;
  let total = 0;
  for (let c = 0; c < model.k; c++) {
    const a: number[][] = [];
    for (let i = 0; i < d; i++) {
      a.push([]);
      for (let j = 0; j < d; j++) {
        a[i].push(
          model.covarianceType === "full"
            ? model.covariances[c * d * d + i * d + j]
            : i === j
              ? model.covariances[c * d + i]
              : 0,
        );
      }
    }
    const diff = Array.from({ length: d }, (_, j) => row[j] - model.means[c * d + j]);
    // Solve a·y = diff and accumulate the log-determinant on the way.
    let logDet = 0;
    const y = diff.slice();
    for (let p = 0; p < d; p++) {
      logDet += Math.log(a[p][p]);
      for (let r = p + 1; r < d; r++) {
        const f = a[r][p] / a[p][p];
        for (let q = p; q < d; q++) a[r][q] -= f * a[p][q];
        y[r] -= f * y[p];
      }
    }
    for (let p = d - 1; p >= 0; p--) {
      for (let q = p + 1; q < d; q++) y[p] -= a[p][q] * y[q];
      y[p] /= a[p][p];
    }
    let quad = 0;
    for (let j = 0; j < d; j++) quad += diff[j] * y[j];
    total += model.weights[c] * Math.exp(-0.5 * (d * Math.log(2 * Math.PI) + logDet + quad));
  }
  return Math.log(total);
}

describe("Gaussian mixture densities against scikit-learn's fitted parameters", () => {
  const cases: [string, Matrix, Record<CovarianceType, MixtureReference>][] = [
    ["penguins (4 columns)", penguins(), fixture.penguins.gaussianMixture],
    [
      "narrow synthetic (2 columns)",
      matrixOf(fixture.synthetic.narrow.x),
      fixture.synthetic.narrow.gaussianMixture,
    ],
    [
      "wide synthetic (6 columns)",
      matrixOf(fixture.synthetic.wide.x),
      fixture.synthetic.wide.gaussianMixture,
    ],
  ];
  for (const [name, x, references] of cases) {
    for (const covarianceType of ["full", "diag"] as const) {
      it(`matches score_samples, predict_proba and predict: ${name}, ${covarianceType}`, () => {
        const reference = references[covarianceType];
        const model = modelOf(reference, x.cols, covarianceType);
        expect(maxAbsDiff(scoreSamplesGaussianMixture(model, x), reference.scoreSamples)).toBeLessThan(1e-9);
        expect(maxAbsDiff(predictProbaGaussianMixture(model, x), reference.predictProba)).toBeLessThan(1e-9);
        expect(Array.from(predictGaussianMixture(model, x))).toEqual(reference.predict);
      });
    }
  }
});

describe("fitGaussianMixture against scikit-learn", () => {
  const x = penguins();
  const species = Int32Array.from(fixture.penguins.species);

  it("separates the penguin species (full, k = 3, seed 0): ARI ≥ 0.93", () => {
    const model = fitGaussianMixture(x, { k: 3, seed: 0 });
    const ari = adjustedRandIndex(species, predictGaussianMixture(model, x));
    expect(ari).toBeGreaterThanOrEqual(0.93);
    expect(model.converged).toBe(true);
  });

  it("reaches a good optimum for most seeds, and for all with a few inits", () => {
    let good = 0;
    for (let seed = 0; seed < 10; seed++) {
      const single = fitGaussianMixture(x, { k: 3, seed });
      if (adjustedRandIndex(species, predictGaussianMixture(single, x)) >= 0.93) good++;
      const several = fitGaussianMixture(x, { k: 3, seed, nInit: 4 });
      expect(adjustedRandIndex(species, predictGaussianMixture(several, x))).toBeGreaterThanOrEqual(0.93);
      expect(several.lowerBound).toBeGreaterThanOrEqual(single.lowerBound);
    }
    // scikit-learn: 8 of its 10 seeds (the two others stop at ARI ≈ 0.51).
    expect(good).toBeGreaterThanOrEqual(7);
  });

  const synthetic: [string, Matrix, Record<CovarianceType, MixtureReference>][] = [
    ["narrow synthetic", matrixOf(fixture.synthetic.narrow.x), fixture.synthetic.narrow.gaussianMixture],
    ["wide synthetic", matrixOf(fixture.synthetic.wide.x), fixture.synthetic.wide.gaussianMixture],
  ];
  for (const [name, data, references] of synthetic) {
    for (const covarianceType of ["full", "diag"] as const) {
      it(`stops where scikit-learn stops, to 1e-9 of its lower bound: ${name}, ${covarianceType}`, () => {
        const bounds = references[covarianceType].runs.map((r) => r.lowerBound);
        for (let seed = 0; seed < 3; seed++) {
          const model = fitGaussianMixture(data, { k: 3, seed, covarianceType });
          const nearest = Math.min(...bounds.map((b) => Math.abs(b - model.lowerBound)));
          expect(nearest).toBeLessThan(1e-9);
        }
      });
    }
  }

  for (const covarianceType of ["full", "diag"] as const) {
    it(`converges to one of scikit-learn's local optima on the penguins (tol 1e-10): ${covarianceType}`, () => {
      // With the default tol the stopping point depends on the k-means start; run to convergence.
      const optima = fixture.penguins.gaussianMixture[covarianceType].optima;
      for (let seed = 0; seed < 4; seed++) {
        const model = fitGaussianMixture(x, { k: 3, seed, covarianceType, tol: 1e-10, maxIter: 10_000 });
        expect(model.converged).toBe(true);
        const nearest = Math.min(...optima.map((b) => Math.abs(b - model.lowerBound)));
        expect(nearest).toBeLessThan(1e-8);
      }
    });
  }

  it("takes as many EM iterations as scikit-learn from the same optimum's basin", () => {
    const references = fixture.synthetic.wide.gaussianMixture.full.runs;
    const model = fitGaussianMixture(matrixOf(fixture.synthetic.wide.x), { k: 3, seed: 0 });
    const same = references.find((r) => Math.abs(r.lowerBound - model.lowerBound) < 1e-9);
    expect(model.iterations).toBe(same?.iterations);
  });
});

describe("fitGaussianMixture behaviour", () => {
  it("is bit-for-bit deterministic for a seed", () => {
    const x = blobs(2000, 3, 3, 1);
    for (const covarianceType of ["full", "diag"] as const) {
      const a = fitGaussianMixture(x, { k: 3, seed: 11, nInit: 2, covarianceType });
      const b = fitGaussianMixture(x, { k: 3, seed: 11, nInit: 2, covarianceType });
      for (const key of ["weights", "means", "covariances", "precisionCholesky"] as const) {
        expect(bytes(a[key])).toEqual(bytes(b[key]));
      }
      expect(a.lowerBound).toBe(b.lowerBound);
      expect(Array.from(predictGaussianMixture(a, x))).toEqual(Array.from(predictGaussianMixture(b, x)));
    }
  });

  it("produces consistent parameters and densities for narrow and wide data", () => {
    for (const cols of [1, 2, 3, 4, 5, 7]) {
      const x = blobs(600, cols, 3, 20 + cols);
      for (const covarianceType of ["full", "diag"] as const) {
        const model = fitGaussianMixture(x, { k: 3, seed: 2, covarianceType });
        expect(model.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
        const scores = scoreSamplesGaussianMixture(model, x);
        const proba = predictProbaGaussianMixture(model, x);
        const labels = predictGaussianMixture(model, x);
        let mean = 0;
        for (let i = 0; i < x.rows; i++) {
          const row = x.data.subarray(i * cols, (i + 1) * cols);
          expect(Math.abs(scores[i] - naiveScore(model, row))).toBeLessThan(1e-9);
          const p = proba.subarray(i * 3, i * 3 + 3);
          expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12);
          expect(p[labels[i]]).toBe(Math.max(...p));
          mean += scores[i] / x.rows;
        }
        // The bound is the likelihood one M-step earlier; at convergence they agree closely.
        expect(model.converged).toBe(true);
        expect(Math.abs(mean - model.lowerBound)).toBeLessThan(1e-2);
      }
    }
  });

  it("never lets the log-likelihood decrease from one EM iteration to the next", () => {
    const x = blobs(1500, 4, 4, 3);
    let previous = Number.NEGATIVE_INFINITY;
    for (let maxIter = 1; maxIter <= 12; maxIter++) {
      const model = fitGaussianMixture(x, { k: 4, seed: 5, maxIter, tol: 0 });
      expect(model.lowerBound).toBeGreaterThanOrEqual(previous - 1e-12);
      expect(model.iterations).toBe(maxIter);
      expect(model.converged).toBe(false);
      previous = model.lowerBound;
    }
  });

  it("stores covariances and upper-triangular precision factors that invert each other", () => {
    const x = blobs(800, 3, 2, 4);
    const model = fitGaussianMixture(x, { k: 2, seed: 1 });
    const d = 3;
    for (let c = 0; c < 2; c++) {
      const u = model.precisionCholesky.subarray(c * 9, c * 9 + 9);
      const s = model.covariances.subarray(c * 9, c * 9 + 9);
      for (let a = 1; a < d; a++) for (let b = 0; b < a; b++) expect(u[a * d + b]).toBe(0);
      // U Uᵀ Σ = I
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          let v = 0;
          for (let m = 0; m < d; m++) {
            let precision = 0;
            for (let t = 0; t < d; t++) precision += u[i * d + t] * u[m * d + t];
            v += precision * s[m * d + j];
          }
          expect(v).toBeCloseTo(i === j ? 1 : 0, 9);
        }
      }
    }
  });

  it("reports collapsed components instead of returning garbage", () => {
    const x = matrixOf([
      [0, 0],
      [0, 0],
      [0, 0],
      [4, 4],
      [4, 4],
      [4, 4],
    ]);
    expect(() => fitGaussianMixture(x, { k: 2, seed: 0, regCovar: 0 })).toThrow(
      /ill-defined empirical covariance/,
    );
    const model = fitGaussianMixture(x, { k: 2, seed: 0 });
    expect(Array.from(predictGaussianMixture(model, x)).sort()).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it("does not modify the input matrix", () => {
    const x = blobs(500, 3, 3, 6);
    const before = x.data.slice();
    const model = fitGaussianMixture(x, { k: 3, seed: 0 });
    predictGaussianMixture(model, x);
    predictProbaGaussianMixture(model, x);
    scoreSamplesGaussianMixture(model, x);
    expect(bytes(x.data)).toEqual(bytes(before));
  });

  it("validates options with scikit-learn-style messages", () => {
    const x = blobs(10, 2, 2, 7);
    expect(() => fitGaussianMixture(x, { k: 0, seed: 0 })).toThrow(
      new RangeError(
        "The 'k' parameter of GaussianMixture must be an int in the range [1, n_samples]. Got 0 instead.",
      ),
    );
    expect(() => fitGaussianMixture(x, { k: 11, seed: 0 })).toThrow(RangeError);
    expect(() =>
      fitGaussianMixture(x, { k: 2, seed: 0, covarianceType: "tied" as unknown as CovarianceType }),
    ).toThrow(
      "The 'covarianceType' parameter of GaussianMixture must be a str among {'diag', 'full'}. Got 'tied' instead.",
    );
    expect(() => fitGaussianMixture(x, { k: 2, seed: 0, maxIter: 0 })).toThrow(RangeError);
    expect(() => fitGaussianMixture(x, { k: 2, seed: 0, nInit: 0 })).toThrow(RangeError);
    expect(() => fitGaussianMixture(x, { k: 2, seed: 0, tol: -1 })).toThrow(RangeError);
    expect(() => fitGaussianMixture(x, { k: 2, seed: 0, regCovar: Number.NaN })).toThrow(
      "The 'regCovar' parameter of GaussianMixture must be a float in the range [0, inf). Got NaN instead.",
    );
    expect(() => fitGaussianMixture(x, { k: 2, seed: 1.5 })).toThrow(RangeError);
    const bad = { rows: 2, cols: 1, data: Float64Array.from([1, Number.POSITIVE_INFINITY]) };
    expect(() => fitGaussianMixture(bad, { k: 1, seed: 0 })).toThrow("Input X contains NaN or infinity.");
  });
});

describe("gaussianMixtureToState / gaussianMixtureFromState", () => {
  const x = blobs(1000, 3, 3, 8);

  it("round-trips to a model that predicts identically", () => {
    for (const covarianceType of ["full", "diag"] as const) {
      const model = fitGaussianMixture(x, { k: 3, seed: 3, covarianceType });
      const state = gaussianMixtureToState(model);
      const meta = JSON.parse(JSON.stringify(state.meta));
      const arrays = Object.fromEntries(
        Object.entries(state.arrays).map(([name, array]) => [name, (array as Float64Array).slice()]),
      );
      const restored = gaussianMixtureFromState({ meta, arrays });
      expect(Array.from(predictGaussianMixture(restored, x))).toEqual(
        Array.from(predictGaussianMixture(model, x)),
      );
      expect(bytes(predictProbaGaussianMixture(restored, x))).toEqual(
        bytes(predictProbaGaussianMixture(model, x)),
      );
      expect(restored.lowerBound).toBe(model.lowerBound);
      expect(restored.converged).toBe(model.converged);
      expect(restored.covarianceType).toBe(covarianceType);
    }
  });

  it("rejects inconsistent states with a clear message", () => {
    const state = gaussianMixtureToState(fitGaussianMixture(x, { k: 3, seed: 3 }));
    expect(() =>
      gaussianMixtureFromState({ meta: state.meta, arrays: { ...state.arrays, means: new Float64Array(4) } }),
    ).toThrow('gaussian mixture state: "means" must be a Float64Array of length 9');
    expect(() =>
      gaussianMixtureFromState({ meta: { ...state.meta, covarianceType: "diag" }, arrays: state.arrays }),
    ).toThrow(Error);
    expect(() =>
      gaussianMixtureFromState({ meta: { ...state.meta, kind: "kmeans" }, arrays: state.arrays }),
    ).toThrow(Error);
    const broken = (state.arrays.precisionCholesky as Float64Array).slice();
    broken[0] = -1;
    expect(() =>
      gaussianMixtureFromState({ meta: state.meta, arrays: { ...state.arrays, precisionCholesky: broken } }),
    ).toThrow('gaussian mixture state: "precisionCholesky" must have a positive diagonal');
  });
});
