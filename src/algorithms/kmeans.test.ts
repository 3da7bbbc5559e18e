import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { matrixOf, standardisedPenguins as penguins } from "../../test/helpers/matrices.ts";
import { adjustedRandIndex } from "./clustering-metrics.ts";
import {
  fitKMeans,
  fitKMeansWithLabels,
  type KMeansModel,
  kmeansFromState,
  kmeansToState,
  predictKMeans,
  transformKMeans,
} from "./kmeans.ts";
import type { Matrix } from "./matrix.ts";
import { SeededRandom } from "./random.ts";

/** Parts of test/fixtures/sklearn/clustering.json (bench/reference/clustering_reference.py). */
interface Fixture {
  penguins: {
    rows: number;
    species: number[];
    kmeans: {
      runs: { seed: number; inertia: number; ari: number }[];
      bestInertia: number;
      bestCenters: number[];
      bestLabels: number[];
    };
  };
  synthetic: Record<"narrow" | "wide", { x: number[][]; kmeans: { inertia: number; labels: number[] } }>;
}

const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/sklearn/clustering.json", import.meta.url), "utf8"),
) as Fixture;

/** Seeded Gaussian blobs around random centres. */
function blobs(rows: number, cols: number, k: number, seed: number): Matrix {
  const rng = new SeededRandom(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: cols }, () => 6 * rng.nextGaussian()));
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const c = centres[rng.nextInt(k)];
    for (let j = 0; j < cols; j++) data[i * cols + j] = c[j] + rng.nextGaussian();
  }
  return { rows, cols, data };
}

function bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Checks that a model is a Lloyd fixed point: each centre is the mean of its rows, inertia consistent. */
function expectLloydFixedPoint(model: KMeansModel, x: Matrix, tolerance: number): void {
  const labels = predictKMeans(model, x);
  const { k, dims: d } = model;
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let inertia = 0;
  for (let i = 0; i < x.rows; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < d; j++) {
      sums[labels[i] * d + j] += x.data[i * d + j];
      inertia += (x.data[i * d + j] - model.centers[labels[i] * d + j]) ** 2;
    }
  }
  expect(Math.abs(inertia - model.inertia) / model.inertia).toBeLessThan(1e-12);
  for (let c = 0; c < k; c++) {
    expect(counts[c]).toBeGreaterThan(0);
    for (let j = 0; j < d; j++) {
      expect(Math.abs(sums[c * d + j] / counts[c] - model.centers[c * d + j])).toBeLessThan(tolerance);
    }
  }
}

describe("fitKMeans on the penguins", () => {
  const x = penguins();
  const species = Int32Array.from(fixture.penguins.species);

  it("reaches scikit-learn's best inertia and its ARI against species for every seed", () => {
    expect(x.rows).toBe(fixture.penguins.rows);
    for (let seed = 0; seed < 5; seed++) {
      const model = fitKMeans(x, { k: 3, nInit: 10, seed });
      const relative =
        Math.abs(model.inertia - fixture.penguins.kmeans.bestInertia) / fixture.penguins.kmeans.bestInertia;
      expect(relative).toBeLessThan(1e-6);
      const ari = adjustedRandIndex(species, predictKMeans(model, x));
      expect(ari).toBeGreaterThanOrEqual(0.78);
      expect(Math.abs(ari - fixture.penguins.kmeans.runs[0].ari)).toBeLessThan(1e-9);
    }
  });

  it("finds the same partition as scikit-learn (ARI 1 between label sets)", () => {
    const { labels } = fitKMeansWithLabels(x, { k: 3, seed: 0 });
    expect(adjustedRandIndex(labels, Int32Array.from(fixture.penguins.kmeans.bestLabels))).toBe(1);
  });

  it("predicts scikit-learn's labels from scikit-learn's centres", () => {
    const model: KMeansModel = {
      k: 3,
      dims: 4,
      centers: Float64Array.from(fixture.penguins.kmeans.bestCenters),
      inertia: fixture.penguins.kmeans.bestInertia,
      iterations: 1,
    };
    expect(Array.from(predictKMeans(model, x))).toEqual(fixture.penguins.kmeans.bestLabels);
  });

  it("returns training labels identical to predicting with the fitted centres", () => {
    const { model, labels } = fitKMeansWithLabels(x, { k: 3, seed: 4 });
    expect(Array.from(labels)).toEqual(Array.from(predictKMeans(model, x)));
    expectLloydFixedPoint(model, x, 1e-3);
  });
});

describe("fitKMeans on scikit-learn's synthetic blobs", () => {
  for (const name of ["narrow", "wide"] as const) {
    it(`reaches scikit-learn's inertia on the ${name} (${fixture.synthetic[name].x[0].length}-column) data`, () => {
      const reference = fixture.synthetic[name];
      const x = matrixOf(reference.x);
      const { model, labels } = fitKMeansWithLabels(x, { k: 3, seed: 1 });
      expect(Math.abs(model.inertia - reference.kmeans.inertia) / reference.kmeans.inertia).toBeLessThan(
        1e-6,
      );
      expect(adjustedRandIndex(labels, Int32Array.from(reference.kmeans.labels))).toBe(1);
      expect(model.dims).toBe(x.cols);
      expect(model.centers.length).toBe(3 * x.cols);
    });
  }
});

describe("fitKMeans behaviour", () => {
  it("is bit-for-bit deterministic for a seed", () => {
    const x = blobs(3000, 5, 4, 1);
    const a = fitKMeansWithLabels(x, { k: 4, nInit: 3, seed: 42 });
    const b = fitKMeansWithLabels(x, { k: 4, nInit: 3, seed: 42 });
    expect(bytes(a.model.centers)).toEqual(bytes(b.model.centers));
    expect(a.model.inertia).toBe(b.model.inertia);
    expect(a.model.iterations).toBe(b.model.iterations);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  });

  it("depends on the seed (different seeds explore different starts)", () => {
    const x = blobs(2000, 3, 8, 2);
    const reference = fitKMeans(x, { k: 8, nInit: 1, seed: 0 });
    const differs = [1, 2, 3, 4, 5].some((seed) => {
      const other = fitKMeans(x, { k: 8, nInit: 1, seed });
      return !bytes(other.centers).every((v, i) => v === bytes(reference.centers)[i]);
    });
    expect(differs).toBe(true);
  });

  it("converges to a Lloyd fixed point on narrow and wide data", () => {
    for (const cols of [1, 2, 3, 4, 6, 9]) {
      const x = blobs(1500, cols, 3, 10 + cols);
      const model = fitKMeans(x, { k: 3, seed: 7, tol: 0 });
      expectLloydFixedPoint(model, x, 1e-9);
    }
  });

  it("stays exact on long runs (past the switch to Hamerly's bounds)", () => {
    for (const cols of [2, 4, 7]) {
      const x = blobs(3000, cols, 3, 30 + cols);
      const model = fitKMeans(x, { k: 9, nInit: 2, seed: 1, tol: 0 });
      expect(model.iterations).toBeGreaterThan(5);
      expectLloydFixedPoint(model, x, 1e-9);
    }
  });

  it("keeps the restart with the lowest inertia (more restarts of a seed never do worse)", () => {
    // Restart r of a seed is the same whatever nInit is, so nInit = m tries a prefix of nInit = m + 1.
    const x = blobs(1000, 2, 6, 3);
    for (let seed = 0; seed < 3; seed++) {
      let previous = Number.POSITIVE_INFINITY;
      for (const nInit of [1, 2, 4, 8]) {
        const inertia = fitKMeans(x, { k: 6, nInit, seed }).inertia;
        expect(inertia).toBeLessThanOrEqual(previous);
        previous = inertia;
      }
    }
  });

  it("handles k = 1 (the mean) and k = rows (zero inertia)", () => {
    const x = blobs(50, 3, 2, 4);
    const one = fitKMeans(x, { k: 1, seed: 0 });
    for (let j = 0; j < 3; j++) {
      let mean = 0;
      for (let i = 0; i < 50; i++) mean += x.data[i * 3 + j] / 50;
      expect(one.centers[j]).toBeCloseTo(mean, 12);
    }
    expect(fitKMeans(x, { k: 50, seed: 0 }).inertia).toBe(0);
  });

  it("copes with fewer distinct rows than clusters (empty clusters are relocated)", () => {
    const x = matrixOf([
      [0, 0],
      [0, 0],
      [0, 0],
      [5, 5],
      [5, 5],
      [0, 0],
    ]);
    const model = fitKMeans(x, { k: 3, seed: 0 });
    expect(model.inertia).toBe(0);
    expect(model.centers.every(Number.isFinite)).toBe(true);
  });

  it("does not modify the input matrix", () => {
    const x = blobs(500, 2, 3, 5);
    const before = x.data.slice();
    const model = fitKMeans(x, { k: 3, seed: 1 });
    predictKMeans(model, x);
    transformKMeans(model, x);
    expect(bytes(x.data)).toEqual(bytes(before));
  });

  it("validates options with scikit-learn-style messages", () => {
    const x = blobs(10, 2, 2, 6);
    expect(() => fitKMeans(x, { k: 0, seed: 0 })).toThrow(
      new RangeError(
        "The 'k' parameter of KMeans must be an int in the range [1, n_samples]. Got 0 instead.",
      ),
    );
    expect(() => fitKMeans(x, { k: 11, seed: 0 })).toThrow(RangeError);
    expect(() => fitKMeans(x, { k: 2.5, seed: 0 })).toThrow(RangeError);
    expect(() => fitKMeans(x, { k: 2, nInit: 0, seed: 0 })).toThrow(
      "The 'nInit' parameter of KMeans must be an int in the range [1, inf). Got 0 instead.",
    );
    expect(() => fitKMeans(x, { k: 2, maxIter: 0, seed: 0 })).toThrow(RangeError);
    expect(() => fitKMeans(x, { k: 2, tol: -1, seed: 0 })).toThrow(
      "The 'tol' parameter of KMeans must be a float in the range [0, inf). Got -1 instead.",
    );
    expect(() => fitKMeans(x, { k: 2, seed: Number.NaN })).toThrow(RangeError);
    expect(() => fitKMeans({ rows: 0, cols: 2, data: new Float64Array(0) }, { k: 1, seed: 0 })).toThrow(
      RangeError,
    );
    const bad = { rows: 2, cols: 1, data: Float64Array.from([1, Number.NaN]) };
    expect(() => fitKMeans(bad, { k: 1, seed: 0 })).toThrow("Input X contains NaN or infinity.");
  });
});

describe("predictKMeans and transformKMeans", () => {
  const x = blobs(2000, 4, 3, 8);
  const model = fitKMeans(x, { k: 3, seed: 3 });

  it("labels every row with its nearest centre by squared distance", () => {
    const distances = transformKMeans(model, x);
    const labels = predictKMeans(model, x);
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      for (let c = 1; c < 3; c++) if (distances[i * 3 + c] < distances[i * 3 + best]) best = c;
      expect(labels[i]).toBe(best);
      let direct = 0;
      for (let j = 0; j < 4; j++) direct += (x.data[i * 4 + j] - model.centers[labels[i] * 4 + j]) ** 2;
      expect(distances[i * 3 + labels[i]]).toBeCloseTo(direct, 12);
    }
  });

  it("writes into a provided output and checks its length and the column count", () => {
    const out = new Int32Array(x.rows);
    expect(predictKMeans(model, x, out)).toBe(out);
    expect(() => predictKMeans(model, x, new Int32Array(3))).toThrow(RangeError);
    expect(() => predictKMeans(model, { rows: 1, cols: 3, data: new Float64Array(3) })).toThrow(
      "X has 3 features, but KMeans is expecting 4 features as input.",
    );
    const distances = new Float64Array(x.rows * 3);
    expect(transformKMeans(model, x, distances)).toBe(distances);
  });

  it("gives -1 to rows with missing values", () => {
    const labels = predictKMeans(model, {
      rows: 2,
      cols: 4,
      data: Float64Array.from([0, 0, 0, 0, 1, Number.NaN, 0, 0]),
    });
    expect(labels[0]).toBeGreaterThanOrEqual(0);
    expect(labels[1]).toBe(-1);
  });
});

describe("kmeansToState / kmeansFromState", () => {
  const x = blobs(1000, 3, 3, 9);
  const model = fitKMeans(x, { k: 3, seed: 2 });

  it("round-trips to a model that predicts identically", () => {
    const state = kmeansToState(model);
    const json = JSON.parse(JSON.stringify(state.meta));
    const restored = kmeansFromState({ meta: json, arrays: { centers: state.arrays.centers.slice() } });
    expect(Array.from(predictKMeans(restored, x))).toEqual(Array.from(predictKMeans(model, x)));
    expect(restored.inertia).toBe(model.inertia);
    expect(restored.iterations).toBe(model.iterations);
  });

  it("rejects inconsistent states with a clear message", () => {
    const state = kmeansToState(model);
    expect(() => kmeansFromState({ meta: state.meta, arrays: { centers: new Float64Array(5) } })).toThrow(
      'kmeans state: "centers" must be a Float64Array of length k*dims = 9',
    );
    expect(() => kmeansFromState({ meta: { ...state.meta, kind: "gmm" }, arrays: state.arrays })).toThrow(
      Error,
    );
    expect(() => kmeansFromState({ meta: { ...state.meta, k: 0 }, arrays: state.arrays })).toThrow(Error);
    expect(() => kmeansFromState({ meta: state.meta, arrays: { centers: new Float32Array(9) } })).toThrow(
      Error,
    );
  });
});
