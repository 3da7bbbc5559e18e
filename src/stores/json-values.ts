import { UsageError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";

/** Nesting deeper than this is almost surely a cycle or a mistake, and would blow the stack in JSON.stringify. */
const MAX_DEPTH = 64;

/**
 * Checks that `value` survives a JSON round trip unchanged, so stores never silently turn a
 * `NaN` into `null` or a typed array into `{"0":…}`. Object properties that are `undefined` are
 * allowed (JSON drops them, as TypeScript's optional fields expect).
 *
 * @param what Names the value in the error message, e.g. `document "iris" in "setups"`.
 * @throws UsageError naming the offending field (as a dotted path) and what was found there.
 */
export function assertJsonObject(value: unknown, what: string): asserts value is JsonObject {
  if (!isPlainObject(value)) {
    throw new UsageError(`${what} must be a plain JSON object, got ${describe(value)}.`);
  }
  checkValue(value, "", what, 0);
}

function checkValue(value: unknown, path: string, what: string, depth: number): void {
  if (depth > MAX_DEPTH) fail(what, path, `nesting deeper than ${MAX_DEPTH} levels (a cycle?)`);
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      fail(what, path, `the number ${value}, which JSON cannot represent`, "Store it as null or a string.");
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const itemPath = `${path}[${index}]`;
      if (item === undefined) fail(what, itemPath, "undefined, which JSON turns into null");
      checkValue(item, itemPath, what, depth + 1);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      checkValue(item, path ? `${path}.${key}` : key, what, depth + 1);
    }
    return;
  }
  const hint = ArrayBuffer.isView(value)
    ? "Keep typed arrays in the model's `arrays` (stored as binary files), not in JSON documents."
    : undefined;
  fail(what, path, describe(value), hint);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `a ${value.constructor?.name ?? "non-plain"} object`;
  return `a ${typeof value}`;
}

function fail(what: string, path: string, found: string, hint?: string): never {
  throw new UsageError(`${what} is not plain JSON: ${path ? `field ${path}` : "the value"} holds ${found}.`, {
    location: path ? { field: path } : undefined,
    hint,
  });
}
