import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import {
  fitHistGradientBoosting,
  type HistGradientBoostingModel,
  histGradientBoostingFromState,
  histGradientBoostingToState,
  PARALLEL_MIN_ROWS,
  PARALLEL_NODE_ROWS,
  predictProbaHistGradientBoosting,
} from "./hist-gradient-boosting.ts";
import type { Matrix } from "./matrix.ts";
import { helperThreadCounts } from "./parallel/sync-helper.ts";
import { SeededRandom } from "./random.ts";

/** Gradient-boosting part of test/fixtures/sklearn/supervised.json. */
interface Fixture {
  rows: number;
  cols: number;
  columns: string[];
  y: number[];
  hgb: {
    /** Titanic matrix, row-major, `null` = missing Age. */
    x: (number | null)[];
    /** Stratified 5-fold assignment used for scikit-learn's accuracies. */
    folds: number[];
    foldAccuracy: number[];
    meanAccuracy: number;
  };
}

const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/sklearn/supervised.json", import.meta.url), "utf8"),
) as Fixture;
const titanic: Matrix = {
  rows: fixture.rows,
  cols: fixture.cols,
  data: Float64Array.from(fixture.hgb.x, (v) => v ?? Number.NaN),
};
const titanicY = Uint8Array.from(fixture.y);

function selectRows(x: Matrix, rows: number[]): Matrix {
  const data = new Float64Array(rows.length * x.cols);
  rows.forEach((r, i) => {
    data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols);
  });
  return { rows: rows.length, cols: x.cols, data };
}

function accuracyOf(y: Uint8Array, p: Float64Array): number {
  let hits = 0;
  for (let i = 0; i < y.length; i++) hits += (p[i] >= 0.5 ? 1 : 0) === y[i] ? 1 : 0;
  return hits / y.length;
}

describe("fitHistGradientBoosting on Titanic", () => {
  it("reaches scikit-learn's 5-fold cross-validated accuracy (same folds)", () => {
    const accuracies: number[] = [];
    for (let fold = 0; fold < 5; fold++) {
      const train: number[] = [];
      const test: number[] = [];
      fixture.hgb.folds.forEach((f, i) => {
        (f === fold ? test : train).push(i);
      });
      const model = fitHistGradientBoosting(
        selectRows(titanic, train),
        Uint8Array.from(train, (i) => titanicY[i]),
        { seed: 0 },
      );
      const p = predictProbaHistGradientBoosting(model, selectRows(titanic, test));
      accuracies.push(
        accuracyOf(
          Uint8Array.from(test, (i) => titanicY[i]),
          p,
        ),
      );
    }
    const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    console.info(
      `HGB 5-fold accuracy: ours ${accuracies.map((a) => a.toFixed(4)).join(" ")} mean ${mean.toFixed(4)}; ` +
        `scikit-learn ${fixture.hgb.foldAccuracy.map((a) => a.toFixed(4)).join(" ")} mean ${fixture.hgb.meanAccuracy.toFixed(4)}`,
    );
    expect(mean).toBeGreaterThanOrEqual(0.79);
    expect(Math.abs(mean - fixture.hgb.meanAccuracy)).toBeLessThanOrEqual(0.01);
  });

  it("records split gain per feature, with sex the most important", () => {
    const model = fitHistGradientBoosting(titanic, titanicY, { seed: 0 });
    expect(model.featureGain).toHaveLength(titanic.cols);
    for (const g of model.featureGain) expect(g).toBeGreaterThanOrEqual(0);
    const best = model.featureGain.indexOf(Math.max(...model.featureGain));
    expect(fixture.columns[best]).toBe("male");
  });

  it("is deterministic for a seed", () => {
    const a = fitHistGradientBoosting(titanic, titanicY, { seed: 7, earlyStopping: true });
    const b = fitHistGradientBoosting(titanic, titanicY, { seed: 7, earlyStopping: true });
    expect(b).toEqual(a);
  });

  it("uses the seed for the early-stopping validation split", () => {
    const a = fitHistGradientBoosting(titanic, titanicY, { seed: 1, earlyStopping: true });
    const b = fitHistGradientBoosting(titanic, titanicY, { seed: 2, earlyStopping: true });
    expect(b.trees.threshold).not.toEqual(a.trees.threshold);
  });
});

/** Labels determined by missingness of column 0 alone; column 1 is noise. */
function missingnessData(rows: number, seed: number): { x: Matrix; y: Uint8Array } {
  const rng = new SeededRandom(seed);
  const data = new Float64Array(rows * 2);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const missing = rng.next() < 0.3;
    data[2 * i] = missing ? Number.NaN : rng.nextGaussian();
    data[2 * i + 1] = rng.nextGaussian();
    y[i] = missing ? 1 : 0;
  }
  return { x: { rows, cols: 2, data }, y };
}

describe("missing values", () => {
  it("learns a label determined by missingness alone, perfectly", () => {
    const { x, y } = missingnessData(2000, 5);
    const model = fitHistGradientBoosting(x, y, { seed: 0, maxIter: 20 });
    const test = missingnessData(1000, 6);
    expect(accuracyOf(test.y, predictProbaHistGradientBoosting(model, test.x))).toBe(1);
    // The first split separates missing from present values of column 0 (+∞ threshold).
    expect(model.trees.featureIndex[0]).toBe(0);
    expect(model.trees.threshold[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it("routes missing values left when that gains more", () => {
    // Missing rows behave like the small values, so they belong with the left child.
    const rng = new SeededRandom(9);
    const rows = 3000;
    const data = new Float64Array(rows);
    const y = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      const u = rng.next();
      if (u < 0.2) {
        data[i] = Number.NaN;
        y[i] = 1;
      } else {
        data[i] = rng.nextGaussian();
        y[i] = data[i] < 0 ? 1 : 0;
      }
    }
    const model = fitHistGradientBoosting({ rows, cols: 1, data }, y, {
      seed: 0,
      maxIter: 30,
      learningRate: 0.3,
    });
    expect(model.trees.missingGoesLeft[0]).toBe(1);
    const p = predictProbaHistGradientBoosting(model, {
      rows: 3,
      cols: 1,
      data: Float64Array.of(Number.NaN, -1, 1),
    });
    expect(p[0]).toBeGreaterThan(0.9);
    expect(p[1]).toBeGreaterThan(0.9);
    expect(p[2]).toBeLessThan(0.1);
  });

  it("sends missing values of a feature never missing in training to the bigger child", () => {
    const rng = new SeededRandom(4);
    const rows = 1000;
    const data = new Float64Array(rows);
    const y = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      data[i] = rng.next();
      y[i] = data[i] < 0.8 ? 0 : 1;
    }
    const model = fitHistGradientBoosting({ rows, cols: 1, data }, y, { seed: 0, maxIter: 5 });
    expect(model.trees.missingGoesLeft[0]).toBe(1);
    const p = predictProbaHistGradientBoosting(model, {
      rows: 1,
      cols: 1,
      data: Float64Array.of(Number.NaN),
    });
    expect(p[0]).toBeLessThan(0.5);
  });
});

describe("tree growth options", () => {
  const { x, y } = missingnessData(3000, 11);
  const depthOf = (model: HistGradientBoostingModel): number => {
    const { left, featureIndex } = model.trees;
    const depth = new Int32Array(featureIndex.length);
    let max = 0;
    for (let k = 0; k < featureIndex.length; k++) {
      if (featureIndex[k] < 0) continue;
      depth[left[k]] = depth[k] + 1;
      depth[left[k] + 1] = depth[k] + 1;
      max = Math.max(max, depth[k] + 1);
    }
    return max;
  };

  it("respects maxLeafNodes, maxDepth and minSamplesLeaf", () => {
    const noisy: Matrix = { rows: x.rows, cols: 2, data: x.data.map((v, i) => (i % 2 === 0 ? i * 0.37 : v)) };
    const model = fitHistGradientBoosting(noisy, y, {
      seed: 0,
      maxIter: 3,
      maxLeafNodes: 5,
      minSamplesLeaf: 50,
    });
    const { treeOffsets, featureIndex } = model.trees;
    for (let t = 0; t + 1 < treeOffsets.length; t++) {
      let leaves = 0;
      for (let k = treeOffsets[t]; k < treeOffsets[t + 1]; k++) leaves += featureIndex[k] < 0 ? 1 : 0;
      expect(leaves).toBeLessThanOrEqual(5);
    }
    const shallow = fitHistGradientBoosting(noisy, y, {
      seed: 0,
      maxIter: 3,
      maxDepth: 2,
      maxLeafNodes: null,
    });
    expect(depthOf(shallow)).toBeLessThanOrEqual(2);
    // With minSamplesLeaf = rows / 2 only a perfectly balanced split would be allowed.
    const stump = fitHistGradientBoosting(noisy, y, { seed: 0, maxIter: 2, minSamplesLeaf: 1501 });
    expect(stump.trees.featureIndex.every((f) => f === -1)).toBe(true);
  });

  it("turns early stopping on automatically above 10 000 rows", () => {
    const big = missingnessData(12_000, 12);
    const auto = fitHistGradientBoosting(big.x, big.y, { seed: 0, maxIter: 300 });
    expect(auto.iterations).toBeLessThan(300);
    const off = fitHistGradientBoosting(x, y, { seed: 0, maxIter: 40 });
    expect(off.iterations).toBe(40);
  });

  it("stops early when the validation loss stops improving", () => {
    const model = fitHistGradientBoosting(x, y, {
      seed: 0,
      maxIter: 500,
      earlyStopping: true,
      nIterNoChange: 3,
    });
    expect(model.iterations).toBeLessThan(500);
    expect(model.trees.treeOffsets).toHaveLength(model.iterations + 1);
  });
});

describe("hist gradient boosting state and prediction", () => {
  it("predicts identically after a round trip through its kernel state", () => {
    const model = fitHistGradientBoosting(titanic, titanicY, { seed: 3 });
    const state = histGradientBoostingToState(model);
    const restored = histGradientBoostingFromState({
      meta: JSON.parse(JSON.stringify(state.meta)),
      arrays: Object.fromEntries(Object.entries(state.arrays).map(([k, v]) => [k, v.slice()])),
    });
    expect(restored).toEqual(model);
    expect(predictProbaHistGradientBoosting(restored, titanic)).toEqual(
      predictProbaHistGradientBoosting(model, titanic),
    );
  });

  it("rejects states of another kernel or with a malformed tree", () => {
    const state = histGradientBoostingToState(
      fitHistGradientBoosting(titanic, titanicY, { seed: 0, maxIter: 2 }),
    );
    expect(() => histGradientBoostingFromState({ ...state, meta: { ...state.meta, kind: "x" } })).toThrow(
      RangeError,
    );
    const left = (state.arrays.left as Int32Array).slice();
    left[0] = 0;
    expect(() => histGradientBoostingFromState({ ...state, arrays: { ...state.arrays, left } })).toThrow(
      /malformed/,
    );
  });

  it("does not mutate its inputs", () => {
    const data = titanic.data.slice();
    const labels = titanicY.slice();
    const model = fitHistGradientBoosting(titanic, titanicY, { seed: 0, maxIter: 5, earlyStopping: true });
    predictProbaHistGradientBoosting(model, titanic);
    expect(titanic.data).toEqual(data);
    expect(titanicY).toEqual(labels);
  });
});

describe("hist gradient boosting validation", () => {
  const x: Matrix = { rows: 4, cols: 1, data: Float64Array.of(0, 1, 2, 3) };
  const y = Uint8Array.of(0, 0, 1, 1);

  it("rejects invalid options with scikit-learn style messages", () => {
    expect(() => fitHistGradientBoosting(x, y, { seed: 0, learningRate: 0 })).toThrow(
      "The 'learningRate' parameter of HistGradientBoostingClassifier must be a float in the range (0, inf). Got 0 instead.",
    );
    expect(() => fitHistGradientBoosting(x, y, { seed: 0, maxBins: 256 })).toThrow(/'maxBins' parameter/);
    expect(() => fitHistGradientBoosting(x, y, { seed: 0, maxLeafNodes: 1 })).toThrow(/'maxLeafNodes'/);
    expect(() => fitHistGradientBoosting(x, y, { seed: 0, maxDepth: 0 })).toThrow(/'maxDepth'/);
    expect(() => fitHistGradientBoosting(x, y, { seed: 0, validationFraction: 1 })).toThrow(
      /'validationFraction'/,
    );
    expect(() => fitHistGradientBoosting(x, y, { seed: 0, earlyStopping: "yes" as "auto" })).toThrow(
      /'earlyStopping'/,
    );
    expect(() => fitHistGradientBoosting(x, y, { seed: 0.5 })).toThrow(/'seed'/);
  });

  it("rejects a thread count that is not a positive integer", () => {
    for (const threads of [0, 1.5, -1, Number.NaN]) {
      expect(() => fitHistGradientBoosting(x, y, { seed: 0, threads })).toThrow(RangeError);
      expect(() => fitHistGradientBoosting(x, y, { seed: 0, threads })).toThrow(/'threads' parameter/);
    }
  });

  it("rejects inconsistent shapes, bad labels and a single class", () => {
    expect(() => fitHistGradientBoosting(x, Uint8Array.of(0, 1), { seed: 0 })).toThrow(/inconsistent/);
    expect(() => fitHistGradientBoosting(x, Uint8Array.of(0, 3, 1, 1), { seed: 0 })).toThrow(/0 or 1/);
    expect(() => fitHistGradientBoosting(x, Uint8Array.of(1, 1, 1, 1), { seed: 0 })).toThrow(/one class/);
  });

  it("rejects prediction input with the wrong number of columns", () => {
    const model = fitHistGradientBoosting(x, y, { seed: 0, maxIter: 1 });
    expect(() =>
      predictProbaHistGradientBoosting(model, { rows: 1, cols: 3, data: new Float64Array(3) }),
    ).toThrow("X has 3 features, but HistGradientBoostingClassifier is expecting 1 features as input.");
  });
});

/**
 * Seeded data large enough for the helper thread: ≥ PARALLEL_MIN_ROWS rows, so that the root and
 * the first levels' nodes (≥ PARALLEL_NODE_ROWS samples) are split between the threads.
 * Column 2 has missing values (they carry signal), column 5 is low-cardinality.
 */
function parallelData(rows: number, seed: number): { x: Matrix; y: Uint8Array } {
  const rng = new SeededRandom(seed);
  const cols = 6;
  const data = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = rng.nextGaussian();
    const b = rng.next();
    const missing = rng.next() < 0.15;
    const c = missing ? Number.NaN : rng.nextGaussian();
    const d = rng.nextGaussian();
    const e = rng.nextGaussian();
    const f = Math.floor(rng.next() * 3);
    const base = i * cols;
    data[base] = a;
    data[base + 1] = b;
    data[base + 2] = c;
    data[base + 3] = d;
    data[base + 4] = e;
    data[base + 5] = f;
    const z =
      1.1 * a - 2 * (b - 0.5) + (missing ? 0.8 : 0.5 * c) + 0.7 * (f - 1) + (a > 0 && f === 2 ? -1.2 : 0);
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x: { rows, cols, data }, y };
}

/** The bytes of every tree array, so that equality means bit-for-bit (−0 ≠ +0, NaN payloads). */
function treeBytes(model: HistGradientBoostingModel): Record<string, Uint8Array> {
  const t = model.trees;
  const bytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return {
    featureIndex: bytes(t.featureIndex),
    threshold: bytes(t.threshold),
    missingGoesLeft: bytes(t.missingGoesLeft),
    left: bytes(t.left),
    right: bytes(t.right),
    value: bytes(t.value),
    treeOffsets: bytes(t.treeOffsets),
    featureGain: bytes(model.featureGain),
  };
}

describe("parallel fit", () => {
  const rows = 200_000;
  const { x, y } = parallelData(rows, 21);

  it("fits the same model with one and two threads, bit for bit", () => {
    expect(rows).toBeGreaterThanOrEqual(PARALLEL_MIN_ROWS);
    const options = { seed: 5, maxIter: 6 };
    const readyBefore = helperThreadCounts().ready;
    const two = fitHistGradientBoosting(x, y, { ...options, threads: 2 });
    // The helper thread did take part (a fit that fell back to one thread proves nothing).
    expect(helperThreadCounts().ready).toBe(readyBefore + 1);
    const one = fitHistGradientBoosting(x, y, { ...options, threads: 1 });
    expect(helperThreadCounts().ready).toBe(readyBefore + 1);

    expect(two.iterations).toBe(6);
    // Deep enough that nodes of both kinds (shared and single-threaded) were split.
    const sizes = one.trees.featureIndex.filter((f) => f >= 0).length;
    expect(sizes).toBeGreaterThan(6 * 20);
    expect(rows / 4).toBeGreaterThan(PARALLEL_NODE_ROWS);
    expect(treeBytes(two)).toEqual(treeBytes(one));
    expect(two).toEqual(one);
    const probe: Matrix = { rows: 5000, cols: x.cols, data: x.data.subarray(0, 5000 * x.cols) };
    expect(predictProbaHistGradientBoosting(two, probe)).toEqual(
      predictProbaHistGradientBoosting(one, probe),
    );
  });

  it("gives the same model with early stopping off and without a leaf limit", () => {
    const options = { seed: 1, maxIter: 3, earlyStopping: false, maxLeafNodes: null, maxDepth: 7 };
    const two = fitHistGradientBoosting(x, y, { ...options, threads: 2 });
    const one = fitHistGradientBoosting(x, y, { ...options, threads: 1 });
    expect(treeBytes(two)).toEqual(treeBytes(one));
  });

  it("leaves no helper thread behind, also when the fit throws", async () => {
    const before = helperThreadCounts();
    fitHistGradientBoosting(x, y, { seed: 0, maxIter: 2, threads: 2 });
    // A matrix whose data can be read once (by the input checks) and then fails, i.e. once the
    // fit is under way and its helper thread has been started (checked below).
    let reads = 0;
    const failing: Matrix = {
      rows: x.rows,
      cols: x.cols,
      get data(): Float64Array {
        if (++reads > 1) throw new Error("data source failed");
        return x.data;
      },
    };
    expect(() => fitHistGradientBoosting(failing, y, { seed: 0, threads: 2 })).toThrow("data source failed");
    expect(helperThreadCounts().started).toBe(before.started + 2);
    // Invalid labels are rejected before any thread starts, and the next fit works normally.
    const badLabels = y.slice();
    badLabels[7] = 2;
    expect(() => fitHistGradientBoosting(x, badLabels, { seed: 0, threads: 2 })).toThrow(RangeError);
    expect(helperThreadCounts().started).toBe(before.started + 2);
    await vi.waitFor(() => expect(helperThreadCounts().running).toBe(0), { timeout: 10_000 });
    const model = fitHistGradientBoosting(x, y, { seed: 0, maxIter: 2, threads: 2 });
    expect(model.iterations).toBe(2);
    await vi.waitFor(() => expect(helperThreadCounts().running).toBe(0), { timeout: 10_000 });
  });
});
