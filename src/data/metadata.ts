import { z } from "zod";

/**
 * Dataset metadata: the contract between a tabular file and the models trained on it.
 * Stored as versioned JSON documents in the document store.
 */

/** How a column's values are read: see {@link ../data/frame.ts} for the in-memory form. */
export const ColumnType = z.enum(["number", "integer", "category", "string"]);
export type ColumnType = z.infer<typeof ColumnType>;

/** What a column is for: model input, the label, the row identifier, or nothing. */
export const ColumnRole = z.enum(["feature", "target", "id", "ignore"]);
export type ColumnRole = z.infer<typeof ColumnRole>;

/** The shape of one column a reader must produce (used for metadata and model signatures). */
export const ColumnSpec = z
  .object({
    name: z.string().min(1),
    type: ColumnType,
    /** Allowed values of a `category` column, in code order. */
    categories: z.array(z.string()).min(1).optional(),
  })
  .strict();
export type ColumnSpec = z.infer<typeof ColumnSpec>;

export const ColumnMetadata = z
  .object({
    name: z.string().min(1),
    type: ColumnType,
    role: ColumnRole.default("feature"),
    categories: z.array(z.string()).min(1).optional(),
    description: z.string().optional(),
  })
  .strict()
  .superRefine((column, ctx) => {
    if (column.type === "category" && !column.categories) {
      ctx.addIssue({
        code: "custom",
        path: ["categories"],
        message: `category column "${column.name}" needs a "categories" list`,
      });
    }
    if (column.type !== "category" && column.categories) {
      ctx.addIssue({
        code: "custom",
        path: ["categories"],
        message: `only category columns take "categories" (column "${column.name}" is ${column.type})`,
      });
    }
  });
export type ColumnMetadata = z.infer<typeof ColumnMetadata>;

/** Equal-width bins of a numeric column's values (for integers with a small range, one per value). */
export const NumericHistogram = z
  .object({
    kind: z.literal("numeric"),
    bins: z.array(z.object({ start: z.number(), end: z.number(), count: z.int().nonnegative() }).strict()),
  })
  .strict();

/** The most frequent values of a text column (all levels, in order, for a category column). */
export const ValueHistogram = z
  .object({
    kind: z.literal("values"),
    values: z.array(z.object({ value: z.string(), count: z.int().nonnegative() }).strict()),
    /** Present values not listed (rarer values, or texts outside a category's levels). */
    otherCount: z.int().nonnegative(),
    /** How many distinct values that is. */
    otherValues: z.int().nonnegative(),
  })
  .strict();

/** What `mpipe datasets profile` measured in one column. */
export const ColumnProfile = z
  .object({
    name: z.string().min(1),
    type: ColumnType,
    role: ColumnRole.optional(),
    /** Rows where the value is missing (an empty field or one of the missing-value texts). */
    missing: z.int().nonnegative(),
    /** Present values the type does not accept (not a number, not whole, not a listed category). */
    invalid: z.int().nonnegative(),
    /** Distinct present values (as text). */
    distinct: z.int().nonnegative(),
    /** Of the valid numbers (number and integer columns only; null otherwise or when there are none). */
    min: z.number().nullable(),
    max: z.number().nullable(),
    mean: z.number().nullable(),
    std: z.number().nullable(),
    /** Null when it would say nothing (e.g. free text where every value is distinct). */
    histogram: z.discriminatedUnion("kind", [NumericHistogram, ValueHistogram]).nullable(),
  })
  .strict();
export type ColumnProfile = z.infer<typeof ColumnProfile>;

/** A profile of the data a metadata document describes, stored with it. */
export const DatasetProfile = z
  .object({
    rows: z.int().nonnegative(),
    /** The files profiled, as given. */
    files: z.array(z.string()),
    /** sha256 over the files' bytes, as in model lineage. */
    fingerprint: z.string(),
    /** ISO-8601 time of profiling. */
    profiledAt: z.string(),
    columns: z.array(ColumnProfile),
  })
  .strict();
export type DatasetProfile = z.infer<typeof DatasetProfile>;

export const DatasetMetadata = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "use lower-case letters, digits and dashes (kebab-case)"),
    description: z.string().optional(),
    /** Cell texts that mean "missing" (besides an empty field). */
    missingValues: z.array(z.string()).default(["", "NA"]),
    columns: z.array(ColumnMetadata).min(1),
    /** Free-form provenance: source, licence, checksums. */
    provenance: z.record(z.string(), z.string()).optional(),
    /** Column statistics of the data, written by `mpipe datasets profile`. */
    profile: DatasetProfile.optional(),
  })
  .strict()
  .superRefine((meta, ctx) => {
    const seen = new Set<string>();
    meta.columns.forEach((column, i) => {
      if (seen.has(column.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["columns", i, "name"],
          message: `duplicate column "${column.name}"`,
        });
      }
      seen.add(column.name);
    });
    if (meta.columns.filter((c) => c.role === "id").length > 1) {
      ctx.addIssue({ code: "custom", path: ["columns"], message: "at most one column may have role id" });
    }
  });
export type DatasetMetadata = z.infer<typeof DatasetMetadata>;
export type DatasetMetadataInput = z.input<typeof DatasetMetadata>;

/** The column spec a reader needs for a metadata column. */
export function specOf(column: ColumnMetadata): ColumnSpec {
  return column.categories
    ? { name: column.name, type: column.type, categories: column.categories }
    : { name: column.name, type: column.type };
}

/** Columns with a given role, in file order. */
export function columnsWithRole(meta: DatasetMetadata, role: ColumnRole): ColumnMetadata[] {
  return meta.columns.filter((c) => c.role === role);
}

/** The id column, if the dataset has one. */
export function idColumn(meta: DatasetMetadata): ColumnMetadata | undefined {
  return meta.columns.find((c) => c.role === "id");
}
