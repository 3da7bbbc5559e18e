import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  fitHistGradientBoosting,
  type HistGradientBoostingModel,
  histGradientBoostingFromState,
  histGradientBoostingToState,
  predictProbaHistGradientBoosting,
} from "./hist-gradient-boosting.ts";
import type { Matrix } from "./matrix.ts";
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
