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

export const DatasetMetadata = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "use lower-case letters, digits and dashes (kebab-case)"),
    description: z.string().optional(),
    /** Cell texts that mean "missing" (besides an empty field). */
    missingValues: z.array(z.string()).default(["", "NA"]),
    columns: z.array(ColumnMetadata).min(1),
    /** Free-form provenance: source, licence, checksums. */
    provenance: z.record(z.string(), z.string()).optional(),
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
