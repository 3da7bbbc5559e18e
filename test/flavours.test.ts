import { describe } from "vitest";
import { pipelines as examplePipelines } from "../examples/penguin-species/index.ts";
import { bundledData } from "../src/core/paths.ts";
import type { PipelineCore } from "../src/core/pipeline-core.ts";
import { DatasetMetadata } from "../src/data/metadata.ts";
import { readFrame } from "../src/data/scan.ts";
import { builtinPipelines } from "../src/models/builtin.ts";
import penguinsMetadata from "../src/models/penguins/dataset.json" with { type: "json" };
import { type ConformanceData, describeFlavourConformance } from "./conformance/flavour-conformance.ts";

const builtin = builtinPipelines();
const penguins = builtin.find((p) => p.modelType === "penguins")!;

/** Reads a pipeline's bundled dataset with the columns its default setup uses. */
function dataFor(pipeline: PipelineCore, flavour: string): () => Promise<ConformanceData> {
  let cached: Promise<ConformanceData> | undefined;
  return () => {
    cached ??= (async () => {
      const source = pipeline.builtinDatasets[0] ?? penguins.builtinDatasets[0];
      const metadata = DatasetMetadata.parse(source?.metadata ?? penguinsMetadata);
      const setup = pipeline.defaultSetups.find((s) => s.flavour === flavour) ?? pipeline.defaultSetups[0];
      const model = pipeline.factory.create(setup);
      const target = model.targetSpec(metadata);
      const columns = [...model.inputSpecs(metadata), ...(target ? [target] : [])];
      const frame = await readFrame({
        files: [source?.file ?? bundledData("penguins.csv")],
        columns,
        missingValues: metadata.missingValues,
      });
      return { metadata, frame };
    })();
    return cached;
  };
}

describe("flavour conformance", () => {
  for (const pipeline of [...builtin, ...examplePipelines]) {
    for (const { flavour } of pipeline.factory.listFlavours()) {
      describeFlavourConformance(pipeline, flavour, dataFor(pipeline, flavour));
    }
  }
});
