/**
 * Quality of the default setups on the bundled data, side by side with scikit-learn on the
 * same rows and folds. Writes `bench/QUALITY.md`.
 *
 *   npx tsx bench/quality/run.ts          # needs .venv with scikit-learn (see python/requirements.txt)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bundledData, PACKAGE_ROOT } from "../../src/core/paths.ts";
import { parseSetupEnvelope } from "../../src/core/setup.ts";
import { DatasetMetadata } from "../../src/data/metadata.ts";
import { readFrame } from "../../src/data/scan.ts";
import { Engine } from "../../src/engine/engine.ts";
import { PenguinsFolds, TitanicFolds } from "./folds.ts";

const SETUPS = ["titanic-logreg", "titanic-gbdt", "penguins-kmeans", "penguins-gmm"] as const;
const OUT = path.join(PACKAGE_ROOT, "bench", "out", "quality");

async function engineMetrics(): Promise<Record<string, Record<string, number>>> {
  const home = mkdtempSync(path.join(tmpdir(), "mpipe-quality-"));
  const engine = await Engine.open({ home });
  try {
    const metrics: Record<string, Record<string, number>> = {};
    for (const name of SETUPS) {
      const data = bundledData(name.startsWith("titanic") ? "titanic.csv" : "penguins.csv");
      metrics[name] = (await engine.train(name, data)).entry.metrics;
    }
    return metrics;
  } finally {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** The fold of every row, as the engine assigns it for each dataset's default setup. */
async function foldAssignments(): Promise<Record<string, number[]>> {
  const result: Record<string, number[]> = {};
  for (const pipeline of [new TitanicFolds(), new PenguinsFolds()]) {
    const source = pipeline.builtinDatasets[0];
    const metadata = DatasetMetadata.parse(source.metadata);
    const setup = parseSetupEnvelope(pipeline.defaultSetups[0]);
    if (setup.evaluation.method !== "kfold") throw new Error(`${setup.name}: expected k-fold evaluation`);
    const target = pipeline.factory.create(setup).targetSpec(metadata);
    if (!target) throw new Error(`${setup.name}: no label column`);
    const frame = await readFrame({
      files: [source.file],
      columns: [target],
      missingValues: metadata.missingValues,
    });
    result[metadata.name] = [...pipeline.folds(frame, setup.evaluation, target)];
  }
  return result;
}

const python = path.join(PACKAGE_ROOT, ".venv", "bin", "python");
mkdirSync(OUT, { recursive: true });
const foldsFile = path.join(OUT, "folds.json");
writeFileSync(foldsFile, JSON.stringify(await foldAssignments()));
const ours = await engineMetrics();
const theirs = JSON.parse(
  execFileSync(python, [path.join(PACKAGE_ROOT, "bench", "quality", "sklearn_quality.py"), foldsFile], {
    encoding: "utf8",
  }),
) as { versions: Record<string, string>; metrics: Record<string, Record<string, number>> };

const rows: string[] = [];
const bars: Record<string, [string, number]> = {
  "titanic-logreg": ["accuracy", 0.79],
  "titanic-gbdt": ["accuracy", 0.79],
  "penguins-kmeans": ["adjusted_rand_index", 0.78],
  "penguins-gmm": ["adjusted_rand_index", 0.93],
};
for (const name of SETUPS) {
  for (const metric of Object.keys(theirs.metrics[name])) {
    const bar = bars[name][0] === metric ? `≥ ${bars[name][1]}` : "";
    const a = ours[name][metric];
    const b = theirs.metrics[name][metric];
    rows.push(`| ${name} | ${metric} | ${a.toFixed(4)} | ${b.toFixed(4)} | ${bar} |`);
  }
}
const report = `# Quality of the default setups on the bundled data

Engine vs scikit-learn on the same rows and the same seeded 5-fold split (the engine's own fold
assignment, written to \`bench/out/quality/folds.json\` and read by \`bench/quality/sklearn_quality.py\`).
Titanic metrics are computed on the pooled out-of-fold predictions; penguins metrics are the
row-weighted mean over the held-out folds (a clustering is fitted on four folds and assigns the fifth).
scikit-learn uses its standard preprocessing: median imputation + standardisation + one-hot for
logistic regression; ordinal categories with missing values kept for HistGradientBoosting;
median imputation + standardisation of the four measurements for KMeans (n_init=10) and
GaussianMixture (full covariance).

Command: \`npx tsx bench/quality/run.ts\` (${new Date().toISOString().slice(0, 10)}; scikit-learn ${theirs.versions["scikit-learn"]}, numpy ${theirs.versions.numpy}, Node ${process.version})

| setup | metric | model-pipeline | scikit-learn | bar |
|---|---|---:|---:|---|
${rows.join("\n")}
`;
writeFileSync(path.join(PACKAGE_ROOT, "bench", "QUALITY.md"), report);
process.stdout.write(report);
