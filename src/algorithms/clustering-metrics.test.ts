import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { matrixOf, standardisedPenguins as penguins } from "../../test/helpers/matrices.ts";
import { adjustedRandIndex, silhouetteScore } from "./clustering-metrics.ts";
import { SeededRandom } from "./random.ts";

/** Parts of test/fixtures/sklearn/clustering.json (bench/reference/clustering_reference.py). */
interface Fixture {
  ari: { name: string; a: number[]; b: number[]; expected: number }[];
  silhouette: { name: string; x: number[][]; labels: number[]; expected: number }[];
  penguins: { rows: number; species: number[]; silhouetteSpecies: number };
}

const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/sklearn/clustering.json", import.meta.url), "utf8"),
) as Fixture;

describe("adjustedRandIndex", () => {
  for (const c of fixture.ari) {
    it(`matches scikit-learn's adjusted_rand_score: ${c.name}`, () => {
      expect(adjustedRandIndex(Int32Array.from(c.a), Int32Array.from(c.b))).toBeCloseTo(c.expected, 9);
      expect(
        Math.abs(adjustedRandIndex(Int32Array.from(c.a), Int32Array.from(c.b)) - c.expected),
      ).toBeLessThan(1e-9);
    });
  }

  it("is symmetric in its arguments", () => {
    for (const c of fixture.ari) {
      const ab = adjustedRandIndex(Int32Array.from(c.a), Int32Array.from(c.b));
      const ba = adjustedRandIndex(Int32Array.from(c.b), Int32Array.from(c.a));
      expect(Math.abs(ab - ba)).toBeLessThan(1e-15);
    }
  });

  it("stays exact when pair counts exceed 2^53 (products of n^4)", () => {
    // 200 000 rows: tp·tn is ~1e21, so float products would lose the low digits.
    const rng = new SeededRandom(3);
    const n = 200_000;
    const a = new Int32Array(n);
    const b = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = rng.nextInt(4);
      b[i] = rng.next() < 0.7 ? a[i] : rng.nextInt(4);
    }
    const value = adjustedRandIndex(a, b);
    expect(value).toBeGreaterThan(0.3);
    expect(value).toBeLessThan(0.7);
    expect(adjustedRandIndex(a, a)).toBe(1);
  });

  it("rejects labelings of different lengths", () => {
    expect(() => adjustedRandIndex(new Int32Array(3), new Int32Array(4))).toThrow(RangeError);
  });
});

describe("silhouetteScore", () => {
  for (const c of fixture.silhouette) {
    it(`matches scikit-learn's silhouette_score: ${c.name}`, () => {
      const value = silhouetteScore(matrixOf(c.x), Int32Array.from(c.labels));
      expect(Math.abs(value - c.expected)).toBeLessThan(1e-9);
    });
  }

  it("matches scikit-learn on the standardised penguins with species labels", () => {
    const x = penguins();
    expect(x.rows).toBe(fixture.penguins.rows);
    const value = silhouetteScore(x, Int32Array.from(fixture.penguins.species));
    expect(Math.abs(value - fixture.penguins.silhouetteSpecies)).toBeLessThan(1e-9);
  });

  it("scores a seeded sample deterministically, close to the full score", () => {
    const x = penguins();
    const labels = Int32Array.from(fixture.penguins.species);
    const a = silhouetteScore(x, labels, { sampleSize: 200, seed: 5 });
    const b = silhouetteScore(x, labels, { sampleSize: 200, seed: 5 });
    const c = silhouetteScore(x, labels, { sampleSize: 200, seed: 6 });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(Math.abs(a - fixture.penguins.silhouetteSpecies)).toBeLessThan(0.05);
  });

  it("uses every row when sampleSize is at least the row count", () => {
    const x = penguins();
    const labels = Int32Array.from(fixture.penguins.species);
    expect(silhouetteScore(x, labels, { sampleSize: 10_000, seed: 1 })).toBe(silhouetteScore(x, labels));
  });

  it("rejects a single cluster, one cluster per row and mismatched labels", () => {
    const x = matrixOf([[0], [1], [2], [3]]);
    expect(() => silhouetteScore(x, Int32Array.from([1, 1, 1, 1]))).toThrow(
      "Number of labels is 1. Valid values are 2 to n_samples - 1 (inclusive)",
    );
    expect(() => silhouetteScore(x, Int32Array.from([0, 1, 2, 3]))).toThrow(RangeError);
    expect(() => silhouetteScore(x, Int32Array.from([0, 1]))).toThrow(RangeError);
    expect(() => silhouetteScore(x, Int32Array.from([0, 0, 1, 1]), { sampleSize: 0 })).toThrow(RangeError);
  });

  it("does not modify its inputs", () => {
    const x = penguins();
    const before = x.data.slice();
    const labels = Int32Array.from(fixture.penguins.species);
    silhouetteScore(x, labels, { sampleSize: 100, seed: 2 });
    expect(x.data).toEqual(before);
    expect(Array.from(labels)).toEqual(fixture.penguins.species);
  });
});
