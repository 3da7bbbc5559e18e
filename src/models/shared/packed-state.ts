import type { KernelState, TypedArray } from "../../algorithms/matrix.ts";
import type { SerializedModel } from "../../core/artifact-types.ts";
import type { JsonObject } from "../../core/json.ts";

/**
 * Packs named kernel states (e.g. `design` and `kernel`) into one serialized model: each part's
 * meta under `state.parts[name]`, its arrays as `name.array`.
 */
export function packStates(parts: Record<string, KernelState>, extra: JsonObject = {}): SerializedModel {
  const meta: JsonObject = {};
  const arrays: Record<string, TypedArray> = {};
  for (const [name, part] of Object.entries(parts)) {
    meta[name] = part.meta as JsonObject;
    for (const [key, array] of Object.entries(part.arrays)) arrays[`${name}.${key}`] = array;
  }
  return { state: { ...extra, parts: meta }, arrays };
}

/** The inverse of {@link packStates} for one named part. */
export function unpackState(model: SerializedModel, name: string): KernelState {
  const parts = model.state.parts as Record<string, KernelState["meta"]> | undefined;
  const meta = parts?.[name];
  if (!meta) throw new Error(`serialized model has no part "${name}"`);
  const arrays: Record<string, TypedArray> = {};
  const prefix = `${name}.`;
  for (const [key, array] of Object.entries(model.arrays)) {
    if (key.startsWith(prefix)) arrays[key.slice(prefix.length)] = array;
  }
  return { meta, arrays };
}
