/**
 * Fit/predict timings of the clustering kernels (k-means, Gaussian mixture) on seeded synthetic
 * three-blob data (1e6 rows × 4 columns by default).
 *
 * Run: `npx tsx bench/kernels-clustering.ts [rows] [repeats]`
 * The scikit-learn counterpart on the same recipe is `bench/reference/clustering_speed.py`.
 *
 * Recipe (shared with the Python script): three components with weights 0.5 / 0.3 / 0.2, means
 * (0,0,0,0), (4,4,0,0), (0,4,4,4), each row = mean + z·A_c with z standard normal and A_c the fixed
 * per-component mixing matrices below, so the blobs are anisotropic and overlap a little. Rows come
 * in random order. Each operation is repeated; printed are the best and median wall-clock times, the
 * best process CPU time (useful on a shared machine) and the rows/s of the best time. The kernels
 * are single-threaded; the first repeat includes JIT warm-up.
 */

import { adjustedRandIndex } from "../src/algorithms/clustering-metrics.ts";
import {
  fitGaussianMixture,
  predictGaussianMixture,
  predictProbaGaussianMixture,
  scoreSamplesGaussianMixture,
} from "../src/algorithms/gaussian-mixture.ts";
import { fitKMeans, predictKMeans, transformKMeans } from "../src/algorithms/kmeans.ts";
import type { Matrix } from "../src/algorithms/matrix.ts";
import { SeededRandom } from "../src/algorithms/random.ts";

/** Component weights of the synthetic data. */
export const WEIGHTS = [0.5, 0.3, 0.2];
/** Component means of the synthetic data. */
export const MEANS = [
  [0, 0, 0, 0],
  [4, 4, 0, 0],
  [0, 4, 4, 4],
];
/** Per-component mixing matrices (row = mean + z·A). */
export const MIXING = [
  [
    [1.0, 0.3, 0.0, 0.0],
    [0.0, 1.0, 0.2, 0.0],
    [0.0, 0.0, 0.8, 0.4],
    [0.0, 0.0, 0.0, 1.2],
  ],
  [
    [1.4, 0.0, 0.0, 0.5],
    [0.0, 0.7, 0.0, 0.0],
    [0.3, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 0.9],
  ],
  [
    [0.8, 0.0, 0.0, 0.0],
    [0.4, 1.1, 0.0, 0.0],
    [0.0, 0.0, 1.3, 0.0],
    [0.0, 0.3, 0.0, 0.6],
  ],
];

/** Builds the seeded synthetic matrix and its true component of every row. */
export function syntheticBlobs(rows: number, seed: number): { x: Matrix; members: Int32Array } {
  const rng = new SeededRandom(seed);
  const d = 4;
  const data = new Float64Array(rows * d);
  const members = new Int32Array(rows);
  const z = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    const u = rng.next();
    const c = u < WEIGHTS[0] ? 0 : u < WEIGHTS[0] + WEIGHTS[1] ? 1 : 2;
    members[i] = c;
    for (let t = 0; t < d; t++) z[t] = rng.nextGaussian();
    for (let j = 0; j < d; j++) {
      let v = MEANS[c][j];
      for (let t = 0; t < d; t++) v += z[t] * MIXING[c][t][j];
      data[i * d + j] = v;
    }
  }
  return { x: { rows, cols: d, data }, members };
}

function time<T>(label: string, repeats: number, rows: number, run: () => T): T {
  const walls: number[] = [];
  const cpus: number[] = [];
  let result: T | undefined;
  for (let r = 0; r < repeats; r++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    result = run();
    walls.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
  }
  const sorted = [...walls].sort((a, b) => a - b);
  const best = sorted[0];
  const median = sorted[Math.floor(sorted.length / 2)];
  const rate = (rows / best) * 1000;
  console.log(
    `${label.padEnd(34)} best ${best.toFixed(1).padStart(8)} ms   median ${median.toFixed(1).padStart(8)} ms   ` +
      `cpu ${Math.min(...cpus)
        .toFixed(1)
        .padStart(8)} ms   ${(rate / 1e6).toFixed(1).padStart(6)} M rows/s`,
  );
  return result!;
}

function main(): void {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const repeats = Number(process.argv[3] ?? 5);
  const { x, members } = syntheticBlobs(rows, 2024);
  console.log(
    `clustering kernels: ${rows} rows × ${x.cols} columns, ${repeats} repeats, node ${process.version}`,
  );

  const kmeans = time("k-means fit (k=3, nInit=10)", repeats, rows, () =>
    fitKMeans(x, { k: 3, nInit: 10, seed: 0 }),
  );
  const labels = time("k-means predict", repeats * 2, rows, () => predictKMeans(kmeans, x));
  time("k-means transform (squared dist.)", repeats * 2, rows, () => transformKMeans(kmeans, x));
  console.log(
    `  inertia ${kmeans.inertia.toFixed(1)}, iterations ${kmeans.iterations}, ARI vs truth ${adjustedRandIndex(members, labels).toFixed(4)}`,
  );

  for (const covarianceType of ["full", "diag"] as const) {
    const gmm = time(`GMM fit (k=3, ${covarianceType})`, repeats, rows, () =>
      fitGaussianMixture(x, { k: 3, covarianceType, seed: 0 }),
    );
    const predicted = time(`GMM predict (${covarianceType})`, repeats * 2, rows, () =>
      predictGaussianMixture(gmm, x),
    );
    time(`GMM predictProba (${covarianceType})`, repeats * 2, rows, () =>
      predictProbaGaussianMixture(gmm, x),
    );
    time(`GMM scoreSamples (${covarianceType})`, repeats * 2, rows, () =>
      scoreSamplesGaussianMixture(gmm, x),
    );
    console.log(
      `  lower bound ${gmm.lowerBound.toFixed(6)}, iterations ${gmm.iterations}, converged ${gmm.converged}, ` +
        `ARI vs truth ${adjustedRandIndex(members, predicted).toFixed(4)}`,
    );
  }
}

main();
