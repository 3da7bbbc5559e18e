import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lineage } from "../src/core/artifact-types.ts";
import { bundledData } from "../src/core/paths.ts";
import { Engine } from "../src/engine/engine.ts";
import { bestIndexes, compareModels } from "../src/reports/compare.ts";
import type { ModelVersionEntry } from "../src/stores/model-registry.ts";
import { runCli, tempDir } from "./helpers/cli.ts";

const lineage: Lineage = {
  setupName: "s",
  setupVersion: 1,
  datasetName: "titanic",
  datasetVersion: 1,
  datasetFingerprint: "sha256:aaaa",
  engineVersion: "0.1.0",
  createdAt: "2026-01-01T00:00:00.000Z",
};

function entry(
  name: string,
  metrics: Record<string, number>,
  overrides: Partial<ModelVersionEntry> = {},
): ModelVersionEntry {
  return {
    name,
    version: 1,
    createdAt: lineage.createdAt,
    modelType: "titanic",
    flavour: "f",
    runtime: "typescript",
    metrics,
    lineage,
    aliases: [],
    artifactUri: "file:///x",
    ...overrides,
  };
}

const kfold = { method: "kfold", folds: 5, seed: 42 };

describe("compareModels", () => {
  it("marks the higher value for accuracy, roc_auc, f1, silhouette, adjusted_rand_index and the lower for log_loss", () => {
    const a = entry("a", {
      accuracy: 0.8,
      roc_auc: 0.85,
      f1: 0.7,
      log_loss: 0.45,
      silhouette: 0.4,
      adjusted_rand_index: 0.9,
    });
    const b = entry("b", {
      accuracy: 0.82,
      roc_auc: 0.84,
      f1: 0.75,
      log_loss: 0.47,
      silhouette: 0.5,
      adjusted_rand_index: 0.8,
    });
    const result = compareModels([
      { entry: a, evaluation: kfold },
      { entry: b, evaluation: kfold },
    ]);
    const best = Object.fromEntries(result.metrics.map((m) => [m.metric, m.best]));
    expect(best).toEqual({
      accuracy: [1],
      roc_auc: [0],
      f1: [1],
      log_loss: [0],
      silhouette: [1],
      adjusted_rand_index: [0],
    });
    expect(result.metrics.find((m) => m.metric === "log_loss")?.direction).toBe("lower");
    expect(result.sameHeldOutData).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it("marks ties together, nothing when all tie or only one model has the metric, and nothing for unknown metrics", () => {
    expect(bestIndexes([0.8, 0.9, 0.9], "higher")).toEqual([1, 2]);
    expect(bestIndexes([0.8, 0.8], "higher")).toEqual([]);
    expect(bestIndexes([0.8, null], "higher")).toEqual([]);
    expect(bestIndexes([0.3, null, 0.2], "lower")).toEqual([2]);
    const result = compareModels([
      { entry: entry("a", { custom: 1 }), evaluation: kfold },
      { entry: entry("b", { custom: 2 }), evaluation: kfold },
    ]);
    expect(result.metrics[0]).toEqual({ metric: "custom", values: [1, 2], best: [] });
  });

  it("warns when the models were not evaluated on the same held-out data", () => {
    const other = { ...lineage, datasetFingerprint: "sha256:bbbb" };
    const result = compareModels([
      { entry: entry("a", { accuracy: 0.8 }), evaluation: kfold },
      {
        entry: entry("b", { accuracy: 0.9 }, { lineage: other }),
        evaluation: { method: "holdout", testFraction: 0.2, seed: 1 },
      },
    ]);
    expect(result.sameHeldOutData).toBe(false);
    expect(result.warnings.join("\n")).toContain("different data");
    expect(result.warnings.join("\n")).toContain("different splits");
    // Key order does not make equal splits different.
    const same = compareModels([
      { entry: entry("a", {}), evaluation: { seed: 42, folds: 5, method: "kfold" } },
      { entry: entry("b", {}), evaluation: kfold },
    ]);
    expect(same.sameHeldOutData).toBe(true);
  });
});

describe("models compare", () => {
  const { dir, cleanup } = tempDir("mpipe-compare-");
  const home = path.join(dir, "home");
  const titanic = bundledData("titanic.csv");

  beforeAll(async () => {
    const engine = await Engine.open({ home });
    try {
      await engine.train("titanic-logreg", titanic);
      await engine.train("titanic-gbdt", titanic);
      await engine.train("titanic-gbdt", titanic);
    } finally {
      await engine.close();
    }
  }, 120_000);
  afterAll(cleanup);

  it("prints metrics side by side with the better value marked, and the same as JSON", async () => {
    const text = await runCli(["--home", home, "models", "compare", "titanic-logreg", "titanic-gbdt@1"]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split("\n");
    expect(lines[0]).toMatch(/^metric\s+titanic-logreg@1\s+titanic-gbdt@1\s+better$/);
    expect(lines.find((l) => l.startsWith("log_loss"))).toMatch(/\*/);
    expect(text.stdout).not.toContain("warning");

    const json = await runCli([
      "--home",
      home,
      "--json",
      "models",
      "compare",
      "titanic-logreg",
      "titanic-gbdt@1",
    ]);
    const comparison = JSON.parse(json.stdout) as {
      models: { ref: string }[];
      metrics: { metric: string; values: number[]; best: number[] }[];
      sameHeldOutData: boolean;
    };
    expect(comparison.models.map((m) => m.ref)).toEqual(["titanic-logreg@1", "titanic-gbdt@1"]);
    expect(comparison.sameHeldOutData).toBe(true);
    for (const metric of comparison.metrics) {
      const [logreg, gbdt] = metric.values;
      const lowerIsBetter = metric.metric === "log_loss";
      const expected = logreg === gbdt ? [] : logreg > gbdt !== lowerIsBetter ? [0] : [1];
      expect(metric.best, metric.metric).toEqual(expected);
    }
  });

  it("compares versions of one model (seeded training gives equal metrics, so nothing is marked)", async () => {
    const json = await runCli([
      "--home",
      home,
      "--json",
      "models",
      "compare",
      "titanic-gbdt@1",
      "titanic-gbdt@2",
    ]);
    expect(json.code, json.stderr).toBe(0);
    const comparison = JSON.parse(json.stdout) as { metrics: { values: number[]; best: number[] }[] };
    for (const metric of comparison.metrics) {
      expect(metric.values[0]).toBe(metric.values[1]);
      expect(metric.best).toEqual([]);
    }
  });

  it("needs two models that exist", async () => {
    const one = await runCli(["--home", home, "models", "compare", "titanic-gbdt"]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("at least two models");
    const unknown = await runCli(["--home", home, "models", "compare", "titanic-gbdt", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"nope"');
  });
});
