/** A small manifest and model with every allowed dtype, shared by the artifact and registry tests. */
import type { TypedArray } from "../../algorithms/matrix.ts";
import {
  ARTIFACT_FORMAT_VERSION,
  type ArtifactManifest,
  type SerializedModel,
} from "../../core/artifact-types.ts";

/** A format-1 manifest without parts; `metrics` and `setupName` vary per call site. */
export function sampleManifest(
  options: { setupName?: string; metrics?: Record<string, number> } = {},
): Omit<ArtifactManifest, "parts"> {
  const setupName = options.setupName ?? "sample-model";
  return {
    formatVersion: ARTIFACT_FORMAT_VERSION,
    modelType: "sample",
    flavour: "sample-flavour",
    runtime: "typescript",
    setup: { name: setupName, flavour: "sample-flavour", params: { k: 3 } },
    signature: [
      { name: "x", type: "number" },
      { name: "colour", type: "category", categories: ["red", "green"] },
    ],
    target: { name: "y", type: "category", categories: ["a", "b"] },
    input: { missingValues: ["", "NA"], id: { name: "id", type: "string" } },
    lineage: {
      setupName,
      setupVersion: 1,
      datasetName: "sample-data",
      datasetVersion: 2,
      datasetFingerprint: `sha256:${"ab".repeat(32)}`,
      engineVersion: "0.1.0",
      createdAt: "2024-01-02T03:04:05.000Z",
    },
    metrics: options.metrics ?? { accuracy: 0.9, logLoss: 0.25 },
  };
}

/** State plus one array per allowed dtype, with awkward values (NaN, -0, extremes, odd lengths). */
export function sampleModel(seed = 1): SerializedModel {
  const arrays: Record<string, TypedArray> = {
    "kernel.centers": Float64Array.from([seed, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e-300, -2.5]),
    weights: Float32Array.from([0.1, -3.5, 7, seed]),
    "tree.nodes": Int32Array.from([-2147483648, 2147483647, 0, seed]),
    counts: Uint32Array.from([4294967295, 0, seed]),
    small: Int16Array.from([-32768, 32767, seed]),
    codes: Uint16Array.from([65535, seed]),
    signs: Int8Array.from([-128, 127, seed]),
    bytes: Uint8Array.from([255, 0, seed]),
    empty: new Float64Array(0),
  };
  // A view at an odd offset of a larger buffer: the writer must store only the view's bytes.
  const backing = new ArrayBuffer(64);
  arrays.view = new Uint8Array(backing, 3, 5).fill(seed);
  return { state: { seed, classes: ["a", "b"], nested: { deep: [1, null, true] } }, arrays };
}
