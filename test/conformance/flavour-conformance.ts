import { describe, expect, it } from "vitest";
import type { ArtifactManifest } from "../../src/core/artifact-types.ts";
import { NotFittedError, SetupValidationError } from "../../src/core/errors.ts";
import type { JsonObject } from "../../src/core/json.ts";
import type { PipelineCore } from "../../src/core/pipeline-core.ts";
import { type Column, cellText, type Frame } from "../../src/data/frame.ts";
import type { DatasetMetadata } from "../../src/data/metadata.ts";

/** The data a flavour is exercised on. */
export interface ConformanceData {
  metadata: DatasetMetadata;
  /** Reads the given columns of the dataset's bundled file. */
  frame: Frame;
}

/** Every cell of a frame as text, for equality checks that treat NaN as equal to NaN. */
export function frameSnapshot(frame: Frame): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, column] of frame.columns)
    out[name] = Array.from({ length: frame.rowCount }, (_, i) => cellText(column, i));
  return out;
}

function copyColumnData(frame: Frame): Map<string, unknown> {
  const copy = new Map<string, unknown>();
  for (const [name, column] of frame.columns as Map<string, Column>) {
    copy.set(
      name,
      column.kind === "category"
        ? Int32Array.from(column.codes)
        : column.kind === "number"
          ? Float64Array.from(column.values)
          : [...column.values],
    );
  }
  return copy;
}

/**
 * The contract every flavour must meet, whatever its type or runtime: bad params are rejected
 * before side effects, predict before fit fails, seeded runs are deterministic, save → load →
 * predict gives identical output, and inputs are not mutated.
 */
export function describeFlavourConformance(
  pipeline: PipelineCore,
  flavour: string,
  loadData: () => Promise<ConformanceData>,
): void {
  const baseSetup = (): JsonObject => {
    const known = pipeline.defaultSetups.find((s) => s.flavour === flavour);
    return known
      ? structuredClone(known)
      : {
          name: `conformance-${flavour}`,
          modelType: pipeline.modelType,
          flavour,
          dataset: "unknown",
          params: {},
        };
  };

  describe(`${pipeline.modelType}/${flavour} conformance`, () => {
    it("rejects unknown and out-of-range params when the model is built", () => {
      const setup = baseSetup();
      expect(() =>
        pipeline.factory.create({ ...setup, params: { ...(setup.params as JsonObject), noSuchParam: 1 } }),
      ).toThrow(SetupValidationError);
    });

    it("fails clearly when predicting or serializing before fit", async () => {
      const { frame } = await loadData();
      const model = pipeline.factory.create(baseSetup());
      await expect(model.predict(frame)).rejects.toThrow(NotFittedError);
      expect(() => model.serialize()).toThrow(NotFittedError);
    });

    it("rejects bad runtime parameters", () => {
      const model = pipeline.factory.create(baseSetup());
      expect(() => model.applyRuntimeParams({ batchSize: 0 })).toThrow(SetupValidationError);
      expect(() => model.applyRuntimeParams({ noSuchParam: true })).toThrow(SetupValidationError);
    });

    it("is deterministic for a seed, does not mutate its input, and survives save → load → predict", async () => {
      const { frame, metadata } = await loadData();
      const before = copyColumnData(frame);
      const a = await pipeline.factory.create(baseSetup()).fit(frame, metadata);
      const b = await pipeline.factory.create(baseSetup()).fit(frame, metadata);
      const predictedA = frameSnapshot(await a.predict(frame));
      expect(frameSnapshot(await b.predict(frame))).toEqual(predictedA);
      expect(copyColumnData(frame)).toEqual(before);

      const manifest = {
        modelType: pipeline.modelType,
        flavour,
        setup: a.setup as unknown as JsonObject,
      } as ArtifactManifest;
      const restored = pipeline.factory.restore({ manifest, model: a.serialize() });
      expect(frameSnapshot(await restored.predict(frame))).toEqual(predictedA);
      expect(restored.signature).toEqual(a.signature);
    });

    it("predicts one row the same as within a batch", async () => {
      const { frame, metadata } = await loadData();
      const model = await pipeline.factory.create(baseSetup()).fit(frame, metadata);
      const all = frameSnapshot(await model.predict(frame));
      const { sliceFrame } = await import("../../src/data/frame.ts");
      const one = frameSnapshot(await model.predict(sliceFrame(frame, 5, 6)));
      for (const [name, values] of Object.entries(one)) expect(values[0]).toBe(all[name][5]);
    });
  });
}
