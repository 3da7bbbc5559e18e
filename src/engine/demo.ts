import { mkdirSync } from "node:fs";
import path from "node:path";
import { NotFoundError } from "../core/errors.ts";
import type { ModelVersionEntry } from "../stores/model-registry.ts";
import type { Engine } from "./engine.ts";

/** The default setups the demo trains, one per reference flavour. */
export const DEMO_SETUPS = ["penguins-kmeans", "penguins-gmm", "titanic-logreg", "titanic-gbdt"] as const;

export interface DemoModel {
  entry: ModelVersionEntry;
  trainingRows: number;
  predictions: string;
  predictedRows: number;
  /** The model's HTML report. */
  report: string;
}

/**
 * Trains the four default setups on the bundled data and batch-predicts each on its dataset,
 * writing predictions to `<home>/predictions/<setup>.csv`, then writes each model's HTML report
 * to `<home>/reports/<setup>.html`.
 */
export async function runDemo(engine: Engine, onStep?: (message: string) => void): Promise<DemoModel[]> {
  mkdirSync(engine.paths.predictions, { recursive: true });
  const models: Omit<DemoModel, "report">[] = [];
  for (const name of DEMO_SETUPS) {
    const { setup } = await engine.getSetup(name);
    const pipeline = engine.pipelines.get(setup.modelType);
    const datasetName = setup.dataset.split("@")[0];
    const bundled = pipeline.builtinDatasets.find((d) => d.metadata.name === datasetName);
    if (!bundled) throw new NotFoundError(`no bundled data for dataset "${datasetName}" of setup "${name}"`);
    onStep?.(`training ${name} on ${path.basename(bundled.file)}`);
    const trained = await engine.train(name, bundled.file);
    const out = path.join(engine.paths.predictions, `${name}.csv`);
    onStep?.(`predicting with ${name}@${trained.entry.version}`);
    const predicted = await engine.predict(`${name}@${trained.entry.version}`, bundled.file, out, {});
    models.push({
      entry: trained.entry,
      trainingRows: trained.rows,
      predictions: out,
      predictedRows: predicted.rows,
    });
  }
  const results: DemoModel[] = [];
  for (const model of models) {
    const ref = `${model.entry.name}@${model.entry.version}`;
    onStep?.(`writing the report of ${ref}`);
    const report = await engine.report(ref, path.join(engine.paths.reports, `${model.entry.name}.html`));
    results.push({ ...model, report: report.out });
  }
  return results;
}
