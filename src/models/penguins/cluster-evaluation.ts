/**
 * Chart material for clustering reports, recorded at training so that a report never re-reads
 * the training data: cluster sizes, per-cluster feature means in original units, the
 * cluster-vs-label table and a 2-D PCA projection of a seeded sample of the held-out rows.
 *
 * Each fold is clustered by its own model, so cluster numbers are arbitrary per fold; before
 * pooling, every fold's clusters are matched to the first fold's by their centres (the
 * assignment with the least total squared distance), otherwise "cluster 0" of two folds could
 * be different groups and the pooled table would mix them.
 */
import type { Matrix } from "../../algorithms/matrix.ts";
import { SeededRandom } from "../../algorithms/random.ts";
import type { JsonObject } from "../../core/json.ts";
import type { FoldEvaluation } from "../../core/model-core.ts";
import type { CategoryColumn, Frame } from "../../data/frame.ts";

/** At most this many held-out rows are kept for the projection (per fold and pooled). */
export const MAX_PROJECTION_POINTS = 2000;
const SAMPLE_SEED = 20240611;

/** What one fold records (kept in memory between evaluateFold and the summary, never stored). */
interface ClusterFoldMaterial {
  rows: number;
  k: number;
  features: string[];
  sizes: number[];
  /** Cluster centres in the model's (standardised) design space, k × d row-major. */
  centres: number[];
  dims: number;
  /** Per cluster and numeric feature (k × f row-major): sum, sum of squares and count of present values. */
  sums: number[];
  squares: number[];
  counts: number[];
  label?: { name: string; levels: string[]; counts: number[]; unlabelled: number };
  /** Sampled rows of the design matrix (n × d), their clusters and label codes (-1 = none). */
  sample: { x: number[]; cluster: number[]; label: number[] };
}

/** Inputs of {@link clusterFoldMaterial}. */
export interface ClusterFoldInput {
  /** The held-out rows as the model sees them (imputed, standardised, encoded). */
  x: Matrix;
  /** Cluster per held-out row, in [0, k). */
  clusters: Int32Array;
  k: number;
  /** The held-out rows in original units. */
  test: Frame;
  /** Numeric feature columns whose per-cluster means are reported. */
  features: readonly string[];
  /** The evaluation-only label (e.g. species), when the dataset has one. */
  label?: { name: string; column: CategoryColumn };
}

/** Records one fold's material as fold details. */
export function clusterFoldMaterial(input: ClusterFoldInput): JsonObject {
  const { x, clusters, k, test, features } = input;
  const d = x.cols;
  const f = features.length;
  const sizes = new Array<number>(k).fill(0);
  const centres = new Array<number>(k * d).fill(0);
  for (let i = 0; i < x.rows; i++) {
    const c = clusters[i];
    sizes[c]++;
    for (let j = 0; j < d; j++) centres[c * d + j] += x.data[i * d + j];
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) if (sizes[c] > 0) centres[c * d + j] /= sizes[c];

  const sums = new Array<number>(k * f).fill(0);
  const squares = new Array<number>(k * f).fill(0);
  const counts = new Array<number>(k * f).fill(0);
  features.forEach((name, j) => {
    const column = test.columns.get(name);
    if (column?.kind !== "number") return;
    for (let i = 0; i < test.rowCount; i++) {
      const v = column.values[i];
      if (Number.isNaN(v)) continue;
      const at = clusters[i] * f + j;
      sums[at] += v;
      squares[at] += v * v;
      counts[at]++;
    }
  });

  const material: ClusterFoldMaterial = {
    rows: x.rows,
    k,
    features: [...features],
    sizes,
    centres,
    dims: d,
    sums,
    squares,
    counts,
    sample: { x: [], cluster: [], label: [] },
  };
  const truth = input.label?.column;
  if (input.label && truth) {
    const levels = [...truth.levels];
    const table = new Array<number>(k * levels.length).fill(0);
    let unlabelled = 0;
    for (let i = 0; i < test.rowCount; i++) {
      const code = truth.codes[i];
      if (code < 0) unlabelled++;
      else table[clusters[i] * levels.length + code]++;
    }
    material.label = { name: input.label.name, levels, counts: table, unlabelled };
  }
  for (const i of sampleRows(x.rows, MAX_PROJECTION_POINTS, SAMPLE_SEED)) {
    for (let j = 0; j < d; j++) material.sample.x.push(x.data[i * d + j]);
    material.sample.cluster.push(clusters[i]);
    material.sample.label.push(truth ? truth.codes[i] : -1);
  }
  return material as unknown as JsonObject;
}

/**
 * Pools the folds' material into the registry's evaluation details (`kind: "clustering"`), or
 * returns undefined when the folds recorded none (e.g. a plug-in that overrides evaluateFold).
 */
export function summarizeClusterFolds(folds: readonly FoldEvaluation[]): JsonObject | undefined {
  const parts = folds.map((fold) => fold.details as unknown as ClusterFoldMaterial | undefined);
  if (parts.length === 0 || parts.some((p) => !p || !Array.isArray(p.sizes))) return undefined;
  const material = parts as ClusterFoldMaterial[];
  const { k, features, dims } = material[0];
  const f = features.length;
  const reference = material[0].centres;
  const referenceSizes = material[0].sizes;

  const sizes = new Array<number>(k).fill(0);
  const sums = new Array<number>(k * f).fill(0);
  const squares = new Array<number>(k * f).fill(0);
  const counts = new Array<number>(k * f).fill(0);
  const label = material[0].label;
  const levels = label?.levels ?? [];
  const contingency = new Array<number>(k * levels.length).fill(0);
  let unlabelled = 0;
  const sampleX: number[] = [];
  const sampleCluster: number[] = [];
  const sampleLabel: number[] = [];

  for (const part of material) {
    const toReference = matchClusters(part.centres, part.sizes, reference, referenceSizes, k, dims);
    for (let c = 0; c < k; c++) {
      const r = toReference[c];
      sizes[r] += part.sizes[c];
      for (let j = 0; j < f; j++) {
        sums[r * f + j] += part.sums[c * f + j];
        squares[r * f + j] += part.squares[c * f + j];
        counts[r * f + j] += part.counts[c * f + j];
      }
      if (part.label) {
        for (let l = 0; l < levels.length; l++) {
          contingency[r * levels.length + l] += part.label.counts[c * levels.length + l];
        }
      }
    }
    unlabelled += part.label?.unlabelled ?? 0;
    sampleX.push(...part.sample.x);
    for (const c of part.sample.cluster) sampleCluster.push(toReference[c]);
    sampleLabel.push(...part.sample.label);
  }

  const rows = material.reduce((sum, p) => sum + p.rows, 0);
  const details: JsonObject = {
    kind: "clustering",
    rows,
    clusterCount: k,
    clusterSizes: sizes,
    features: [...features],
    clusterMeans: Array.from({ length: k }, (_, c) =>
      features.map((_, j) => (counts[c * f + j] > 0 ? round(sums[c * f + j] / counts[c * f + j], 6) : null)),
    ),
    featureMeans: features.map((_, j) => {
      const n = columnTotal(counts, j, k, f);
      return n > 0 ? round(columnTotal(sums, j, k, f) / n, 6) : null;
    }),
    featureStd: features.map((_, j) => {
      const n = columnTotal(counts, j, k, f);
      if (n === 0) return null;
      const mean = columnTotal(sums, j, k, f) / n;
      return round(Math.sqrt(Math.max(0, columnTotal(squares, j, k, f) / n - mean * mean)), 6);
    }),
    projection: projectSample(sampleX, sampleCluster, sampleLabel, dims),
    folds: folds.map((fold) => ({ rows: fold.rows, metrics: fold.metrics })),
  };
  if (label) {
    details.label = {
      name: label.name,
      levels: [...levels],
      contingency: Array.from({ length: k }, (_, c) =>
        contingency.slice(c * levels.length, (c + 1) * levels.length),
      ),
      unlabelled,
    };
  }
  return details;
}

function columnTotal(values: readonly number[], j: number, k: number, f: number): number {
  let total = 0;
  for (let c = 0; c < k; c++) total += values[c * f + j];
  return total;
}

/** Projects the pooled sample on its first two principal components. */
function projectSample(x: number[], cluster: number[], label: number[], d: number): JsonObject {
  let n = cluster.length;
  let keep = Array.from({ length: n }, (_, i) => i);
  if (n > MAX_PROJECTION_POINTS) {
    keep = sampleRows(n, MAX_PROJECTION_POINTS, SAMPLE_SEED + 1);
    n = keep.length;
  }
  const mean = new Float64Array(d);
  for (const i of keep) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const covariance = new Float64Array(d * d);
  for (const i of keep) {
    for (let a = 0; a < d; a++) {
      const da = x[i * d + a] - mean[a];
      for (let b = a; b < d; b++)
        covariance[a * d + b] += (da * (x[i * d + b] - mean[b])) / Math.max(1, n - 1);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) covariance[a * d + b] = covariance[b * d + a];
  const { values, vectors } = symmetricEigen(covariance, d);
  const order = Array.from({ length: d }, (_, j) => j).sort((a, b) => values[b] - values[a]);
  const total = values.reduce((sum, v) => sum + Math.max(0, v), 0);
  const components = [order[0], order[1]].map((j) => {
    if (j === undefined) return new Float64Array(d);
    const v = Float64Array.from({ length: d }, (_, a) => vectors[a * d + j]);
    // Eigenvectors have no intrinsic sign; fix one so that reruns draw the same picture.
    let largest = 0;
    for (let a = 1; a < d; a++) if (Math.abs(v[a]) > Math.abs(v[largest])) largest = a;
    if (v[largest] < 0) for (let a = 0; a < d; a++) v[a] = -v[a];
    return v;
  });
  const px: number[] = [];
  const py: number[] = [];
  for (const i of keep) {
    let sx = 0;
    let sy = 0;
    for (let a = 0; a < d; a++) {
      const centred = x[i * d + a] - mean[a];
      sx += centred * components[0][a];
      sy += centred * components[1][a];
    }
    px.push(round(sx, 4));
    py.push(round(sy, 4));
  }
  const ratio = (j: number | undefined) =>
    j === undefined || total <= 0 ? 0 : round(Math.max(0, values[j]) / total, 6);
  const projection: JsonObject = {
    method: "pca",
    explainedVariance: [ratio(order[0]), ratio(order[1])],
    x: px,
    y: py,
    cluster: keep.map((i) => cluster[i]),
  };
  if (label.some((code) => code >= 0)) projection.label = keep.map((i) => label[i]);
  return projection;
}

/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (exact enough and
 * simple for the handful of features a clustering sees). Returns eigenvalues and the
 * eigenvectors as the columns of a d × d row-major matrix.
 */
export function symmetricEigen(
  matrix: Float64Array,
  d: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < d; r++) {
          const arp = a[r * d + p];
          const arq = a[r * d + q];
          a[r * d + p] = c * arp - s * arq;
          a[r * d + q] = s * arp + c * arq;
        }
        for (let r = 0; r < d; r++) {
          const apr = a[p * d + r];
          const aqr = a[q * d + r];
          a[p * d + r] = c * apr - s * aqr;
          a[q * d + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < d; r++) {
          const vrp = v[r * d + p];
          const vrq = v[r * d + q];
          v[r * d + p] = c * vrp - s * vrq;
          v[r * d + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => a[i * d + i]), vectors: v };
}

/**
 * For each cluster of a fold, the reference cluster it corresponds to: the one-to-one matching
 * of centres with the least total squared distance (Hungarian algorithm). Empty clusters have
 * no centre and match at no cost.
 */
export function matchClusters(
  centres: readonly number[],
  sizes: readonly number[],
  reference: readonly number[],
  referenceSizes: readonly number[],
  k: number,
  d: number,
): number[] {
  const cost = (c: number, r: number): number => {
    if (sizes[c] === 0 || referenceSizes[r] === 0) return 0;
    let total = 0;
    for (let j = 0; j < d; j++) total += (centres[c * d + j] - reference[r * d + j]) ** 2;
    return total;
  };
  return hungarian(k, cost);
}

/** Minimum-cost perfect matching of an n × n cost matrix; returns the column of each row. */
function hungarian(n: number, cost: (row: number, col: number) => number): number[] {
  // Potentials formulation with 1-based arrays (index 0 is the virtual start).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const match = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    match[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = match[j0];
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const current = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (current < minv[j]) {
          minv[j] = current;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[match[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (match[j0] !== 0);
    do {
      const j1 = way[j0];
      match[j0] = match[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const result = new Array<number>(n).fill(0);
  for (let j = 1; j <= n; j++) if (match[j] > 0) result[match[j] - 1] = j - 1;
  return result;
}

/** Up to `max` distinct row indices in ascending order, chosen by a seeded shuffle. */
function sampleRows(n: number, max: number, seed: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const order = new SeededRandom(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  return [...order.subarray(0, max)].sort((a, b) => a - b);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
