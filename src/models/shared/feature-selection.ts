import { DatasetSchemaError, SetupValidationError } from "../../core/errors.ts";
import type { ColumnMetadata, ColumnSpec, DatasetMetadata } from "../../data/metadata.ts";
import { specOf } from "../../data/metadata.ts";

/**
 * Resolves a model's feature columns: the setup's `features` when given, else the type's
 * defaults, else every `feature` column of the dataset. Each must exist in the metadata with a
 * type the model type accepts.
 */
export function selectFeatures(options: {
  modelType: string;
  metadata: DatasetMetadata;
  requested?: readonly string[];
  defaults?: readonly string[];
  acceptedTypes: ReadonlyArray<ColumnMetadata["type"]>;
}): ColumnSpec[] {
  const { metadata, modelType } = options;
  const byName = new Map(metadata.columns.map((c) => [c.name, c]));
  const fromSetup = options.requested !== undefined;
  const names =
    options.requested ??
    (options.defaults?.every((n) => byName.has(n)) ? options.defaults : undefined) ??
    metadata.columns.filter((c) => c.role === "feature").map((c) => c.name);
  if (names.length === 0) {
    throw new DatasetSchemaError(`dataset "${metadata.name}" has no feature columns for ${modelType}`, {
      hint: 'Give columns the role "feature" in the dataset metadata, or list them in the setup\'s features.',
    });
  }
  return names.map((name, i) => {
    const column = byName.get(name);
    if (!column) {
      const where = fromSetup ? { field: `features.${i}` } : { column: name };
      throw new SetupValidationError(`feature "${name}" is not a column of dataset "${metadata.name}"`, {
        location: where,
        hint: `Columns: ${metadata.columns.map((c) => c.name).join(", ")}.`,
      });
    }
    if (column.role === "target" || column.role === "id") {
      throw new SetupValidationError(`column "${name}" has role ${column.role} and cannot be a feature`, {
        location: fromSetup ? { field: `features.${i}` } : { column: name },
      });
    }
    if (!options.acceptedTypes.includes(column.type)) {
      throw new SetupValidationError(
        `feature "${name}" is a ${column.type} column; ${modelType} accepts ${options.acceptedTypes.join(", ")}`,
        { location: fromSetup ? { field: `features.${i}` } : { column: name } },
      );
    }
    return specOf(column);
  });
}

/** Splits feature specs into numeric and categorical names for a design matrix. */
export function splitByKind(specs: readonly ColumnSpec[]): { numeric: string[]; categorical: string[] } {
  return {
    numeric: specs.filter((s) => s.type === "number" || s.type === "integer").map((s) => s.name),
    categorical: specs.filter((s) => s.type === "category").map((s) => s.name),
  };
}
