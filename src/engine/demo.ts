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
}

/**
 * Trains the four default setups on the bundled data and batch-predicts each on its dataset,
 * writing predictions to `<home>/predictions/<setup>.csv`.
 */
export async function runDemo(engine: Engine, onStep?: (message: string) => void): Promise<DemoModel[]> {
  mkdirSync(engine.paths.predictions, { recursive: true });
  const results: DemoModel[] = [];
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
    results.push({ entry: trained.entry, trainingRows: trained.rows, predictions: out, predictedRows: predicted.rows });
  }
  return results;
}
