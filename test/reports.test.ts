import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeededRandom } from "../src/algorithms/random.ts";
import { bundledData } from "../src/core/paths.ts";
import { runDemo } from "../src/engine/demo.ts";
import { Engine } from "../src/engine/engine.ts";
import { matchClusters, symmetricEigen } from "../src/models/penguins/cluster-evaluation.ts";
import { TitanicFactory } from "../src/models/titanic/factory.ts";
import titanicLogreg from "../src/models/titanic/setups/titanic-logreg.json" with { type: "json" };
import { MAX_CURVE_POINTS } from "../src/models/titanic/titanic-model.ts";
import {
  confusionCells,
  precisionRecallChart,
  rocChart,
} from "../src/reports/charts/classification-charts.ts";
import { contingencyCells } from "../src/reports/charts/clustering-charts.ts";
import {
  type BinaryClassificationDetails,
  type ClusteringDetails,
  readEvaluation,
} from "../src/reports/evaluation-details.ts";
import { escapeHtml, htmlPage, readJsonBlock, table } from "../src/reports/html.ts";
import { REPORT_DATA_ID } from "../src/reports/model-report.ts";
import type { ModelVersionEntry } from "../src/stores/model-registry.ts";
import { runCli, tempDir } from "./helpers/cli.ts";

/** The numbers a report page carries in its data block. */
interface ReportData {
  model: { name: string; version: number };
  metrics: Record<string, number>;
  evaluation: Record<string, unknown> | null;
  featureImportance: { kind: string; features: string[]; values: number[] } | null;
  charts: string[];
}

function classification(entry: ModelVersionEntry): BinaryClassificationDetails {
  const material = readEvaluation(entry.evaluation);
  if (material.kind !== "binary-classification") throw new Error(`${entry.name}: ${material.kind}`);
  return material.details;
}

function clustering(entry: ModelVersionEntry): ClusteringDetails {
  const material = readEvaluation(entry.evaluation);
  if (material.kind !== "clustering") throw new Error(`${entry.name}: ${material.kind}`);
  return material.details;
}

/** Trapezoidal area under a curve given in order. */
function trapezoid(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

describe("model reports", () => {
  const { dir, cleanup } = tempDir("mpipe-reports-");
  let engine: Engine;
  const entries = new Map<string, ModelVersionEntry>();

  beforeAll(async () => {
    engine = await Engine.open({ home: path.join(dir, "home") });
    for (const model of await runDemo(engine)) entries.set(model.entry.name, model.entry);
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    cleanup();
  });

  const page = (name: string) => readFileSync(path.join(engine.paths.reports, `${name}.html`), "utf8");
  const data = (name: string) => readJsonBlock(page(name), REPORT_DATA_ID) as ReportData;

  it("training records the chart material in the registry entry: curves, confusion counts, clusters", () => {
    for (const name of ["titanic-logreg", "titanic-gbdt"]) {
      const details = classification(entries.get(name)!);
      expect(details.rows).toBe(891);
      expect(details.classes).toEqual(["0", "1"]);
      expect(details.roc.fpr.length).toBe(details.roc.tpr.length);
      expect(details.roc.fpr.length).toBeGreaterThan(10);
    }
    for (const name of ["penguins-kmeans", "penguins-gmm"]) {
      const details = clustering(entries.get(name)!);
      expect(details.rows).toBe(344);
      expect(details.clusterCount).toBe(3);
      expect(details.projection.x).toHaveLength(344);
      expect(details.features).toEqual([
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
      ]);
    }
    // JSON-small: no per-row data beyond the projection sample.
    for (const entry of entries.values())
      expect(JSON.stringify(entry.evaluation).length).toBeLessThan(120_000);
  });

  it("the ROC curve's points and AUC are the registry's: the area under the drawn points is roc_auc", () => {
    for (const name of ["titanic-logreg", "titanic-gbdt"]) {
      const entry = entries.get(name)!;
      const details = classification(entry);
      const shown = data(name);
      expect(shown.metrics.roc_auc).toBe(entry.metrics.roc_auc);
      expect(shown.evaluation).toEqual(entry.evaluation);
      expect(trapezoid(details.roc.fpr, details.roc.tpr)).toBeCloseTo(entry.metrics.roc_auc, 12);
      // The spec draws exactly the recorded points, and its title is the registry metric.
      const chart = rocChart(details, entry.metrics.roc_auc);
      const layer = (chart.spec as { layer: { data: { values: { fpr: number; tpr: number }[] } }[] })
        .layer[1];
      expect(layer.data.values.map((p) => p.fpr)).toEqual(
        details.roc.fpr.map((v) => Math.round(v * 1e6) / 1e6),
      );
      expect(layer.data.values.map((p) => p.tpr)).toEqual(
        details.roc.tpr.map((v) => Math.round(v * 1e6) / 1e6),
      );
      expect(page(name)).toContain(`AUC = ${entry.metrics.roc_auc.toFixed(4)}`);
    }
  });

  it("the precision-recall chart shows the recorded average precision, the area under its step curve", () => {
    const details = classification(entries.get("titanic-logreg")!);
    const { precision, recall, averagePrecision } = details.precisionRecall;
    let area = 0;
    for (let k = 0; k + 1 < recall.length; k++) area += (recall[k] - recall[k + 1]) * precision[k];
    expect(averagePrecision).toBeCloseTo(area, 12);
    expect(precisionRecallChart(details).spec.title).toBe(`AP = ${averagePrecision!.toFixed(4)}`);
    expect(page("titanic-logreg")).toContain(`AP = ${averagePrecision!.toFixed(4)}`);
  });

  it("the confusion matrix's counts sum to the evaluated rows and agree with the accuracy metric", () => {
    for (const name of ["titanic-logreg", "titanic-gbdt"]) {
      const entry = entries.get(name)!;
      const details = classification(entry);
      const cells = confusionCells(details);
      expect(cells.reduce((sum, c) => sum + c.count, 0)).toBe(details.rows);
      const correct = cells.filter((c) => c.actual === c.predicted).reduce((sum, c) => sum + c.count, 0);
      expect(correct / details.rows).toBeCloseTo(entry.metrics.accuracy, 12);
      // Titanic's bundled data: 342 of 891 passengers survived.
      expect(details.confusion.tp + details.confusion.fn).toBe(342);
    }
  });

  it("clustering material adds up: sizes, the cluster-vs-species table and the projection", () => {
    for (const name of ["penguins-kmeans", "penguins-gmm"]) {
      const details = clustering(entries.get(name)!);
      expect(details.clusterSizes.reduce((a, b) => a + b, 0)).toBe(details.rows);
      const label = details.label!;
      expect(label.name).toBe("species");
      expect(label.levels).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
      for (const [c, row] of label.contingency.entries()) {
        expect(row.reduce((a, b) => a + b, 0)).toBe(details.clusterSizes[c]);
      }
      const perSpecies = label.levels.map((_, l) => label.contingency.reduce((sum, row) => sum + row[l], 0));
      expect(perSpecies).toEqual([152, 68, 124]);
      expect(contingencyCells(details)).toHaveLength(9);
      const [pc1, pc2] = details.projection.explainedVariance;
      expect(pc1).toBeGreaterThan(pc2);
      expect(pc1 + pc2).toBeLessThanOrEqual(1);
      // Means in original units: every cluster's flipper length lies within the data's range.
      for (const means of details.clusterMeans) {
        expect(means[2]).toBeGreaterThanOrEqual(172);
        expect(means[2]).toBeLessThanOrEqual(231);
      }
    }
    // Clusters are matched across folds, so a good clustering keeps species apart in the pooled table.
    const gmm = clustering(entries.get("penguins-gmm")!);
    const purity = gmm.label!.contingency.reduce((sum, row) => sum + Math.max(...row), 0) / gmm.rows;
    expect(purity).toBeGreaterThan(0.9);
  });

  it("each report lists its charts, feature importance included for titanic, and renders without vega warnings", async () => {
    expect(data("titanic-logreg").charts).toEqual([
      "confusion-matrix",
      "roc-curve",
      "precision-recall-curve",
      "calibration-curve",
      "score-histogram",
      "feature-importance",
    ]);
    expect(data("titanic-logreg").featureImportance?.kind).toBe("coefficient");
    expect(data("titanic-gbdt").featureImportance?.kind).toBe("gain");
    expect(data("titanic-gbdt").featureImportance?.features).toContain("Sex");
    expect(data("penguins-kmeans").charts).toEqual([
      "cluster-projection",
      "cluster-sizes",
      "cluster-means",
      "cluster-vs-label",
    ]);
    for (const name of entries.keys()) {
      const result = await engine.report(name, path.join(dir, `${name}.html`));
      expect(result.warnings, name).toEqual([]);
      expect(result.notes, name).toEqual([]);
      const html = readFileSync(result.out, "utf8");
      for (const chart of result.charts) expect(html).toContain(`data-chart="${chart.id}"`);
      expect(html).not.toMatch(/(src|href)="https?:/);
    }
  });

  it("a report shows lineage, parameters and metrics", () => {
    const entry = entries.get("titanic-gbdt")!;
    const html = page("titanic-gbdt");
    expect(html).toContain(entry.lineage.datasetFingerprint);
    expect(html).toContain(`${entry.lineage.setupName}@${entry.lineage.setupVersion}`);
    expect(html).toContain(entry.lineage.engineVersion);
    expect(html).toContain(entry.lineage.createdAt);
    expect(html).toContain("learningRate");
    expect(html).toContain("5-fold cross-validation, seed 42");
  });

  it("a model whose registry entry has no evaluation data gets a report that says so", async () => {
    const { body } = await engine.getSetup("titanic-logreg");
    await engine.addSetup({ ...body, name: "titanic-unevaluated", evaluation: { method: "none" } });
    const { entry } = await engine.train("titanic-unevaluated", bundledData("titanic.csv"));
    expect(entry.evaluation).toBeUndefined();
    const result = await engine.report("titanic-unevaluated");
    expect(result.out).toBe(path.join(engine.paths.reports, "titanic-unevaluated@1.html"));
    expect(result.evaluation).toBe("none");
    // Feature importance comes from the artifact, so it is still drawn.
    expect(result.charts.map((c) => c.id)).toEqual(["feature-importance"]);
    const html = readFileSync(result.out, "utf8");
    expect(html).toContain('data-notice="no-evaluation"');
    expect(html).toContain("has no evaluation data");
  });

  it("evaluation details in an unknown shape are reported as such, not drawn", () => {
    expect(readEvaluation(undefined).kind).toBe("none");
    expect(readEvaluation({ kind: "clustering", rows: 3 }).kind).toBe("none");
    expect(readEvaluation({ folds: [] }).kind).toBe("none");
  });
});

describe("clustering evaluation helpers", () => {
  it("match each fold's clusters to the reference clusters by their centres", () => {
    // Reference centres (0,0), (10,0), (0,10); the fold found them in another order.
    const reference = [0, 0, 10, 0, 0, 10];
    const fold = [0.5, 9.5, 0.2, -0.1, 9.8, 0.3];
    expect(matchClusters(fold, [5, 5, 5], reference, [5, 5, 5], 3, 2)).toEqual([2, 0, 1]);
  });

  it("decompose a symmetric matrix into eigenvalues and orthonormal eigenvectors", () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
    const top = values[0] > values[1] ? 0 : 1;
    expect(Math.abs(vectors[top])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(Math.abs(vectors[2 + top])).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe("evaluation details stay small", () => {
  it("curves of many scored rows are thinned, keeping their area and ends", () => {
    const factory = new TitanicFactory();
    const model = factory.create(factory.validateSetup(titanicLogreg));
    const random = new SeededRandom(3);
    const n = 100_000;
    const y = Array.from({ length: n }, () => (random.next() < 0.4 ? 1 : 0));
    const p = y.map((label) =>
      Math.min(1, Math.max(0, 0.5 + (label ? 0.15 : -0.15) + (random.next() - 0.5) * 0.8)),
    );
    const summary = model.summarizeEvaluation([
      { rows: n, metrics: {}, details: { y, p, target: "Survived", classes: ["0", "1"] } },
    ]);
    const details = readEvaluation(summary.details);
    if (details.kind !== "binary-classification") throw new Error("no classification details");
    const { roc, precisionRecall } = details.details;
    expect(roc.fpr.length).toBeLessThanOrEqual(MAX_CURVE_POINTS + 1);
    expect(precisionRecall.recall.length).toBeLessThanOrEqual(MAX_CURVE_POINTS + 1);
    expect(JSON.stringify(summary.details).length).toBeLessThan(100_000);
    expect(Math.abs(trapezoid(roc.fpr, roc.tpr) - summary.metrics.roc_auc)).toBeLessThan(1e-3);
    expect([roc.fpr[0], roc.tpr[0], roc.fpr.at(-1), roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
    expect(details.details.rows).toBe(n);
  });
});

describe("report pages", () => {
  it("escape every text they show", () => {
    expect(escapeHtml(`<script>"x" & 'y'</script>`)).toBe(
      "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;",
    );
    const html = htmlPage({ title: "<b>title</b>", body: [table(["<th>"], [["<td>", 1.23456]])] });
    expect(html).toContain("&lt;b&gt;title&lt;/b&gt;");
    expect(html).toContain("<td>&lt;td&gt;</td>");
    expect(html).toContain("1.2346");
    expect(html).not.toContain("<b>");
  });
});

describe("mpipe report", () => {
  const { dir, cleanup } = tempDir("mpipe-report-cli-");
  afterAll(cleanup);

  it("on an unknown model exits 2 with a message naming it", async () => {
    const result = await runCli(["--home", path.join(dir, "home"), "report", "no-such-model"]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^error: .*"no-such-model"/);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const malformed = await runCli(["--home", path.join(dir, "home"), "report", "Bad_Name"]);
    expect(malformed.code).toBe(2);
  });
});
