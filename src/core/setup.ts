import { z } from "zod";
import { SetupValidationError } from "./errors.ts";
import type { JsonObject } from "./json.ts";

/** Names of setups, models, datasets and flavours: kebab-case, as in registry keys. */
export const KebabName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "use lower-case letters, digits and dashes (kebab-case)")
  .max(100);

/** How training measures quality before the final fit on all rows. */
export const EvaluationSpec = z.discriminatedUnion("method", [
  z
    .object({
      method: z.literal("kfold"),
      folds: z.int().min(2).max(50).default(5),
      seed: z.int().default(0),
    })
    .strict(),
  z
    .object({
      method: z.literal("holdout"),
      testFraction: z.number().gt(0).lt(1).default(0.2),
      seed: z.int().default(0),
    })
    .strict(),
  z.object({ method: z.literal("none") }).strict(),
]);
export type EvaluationSpec = z.infer<typeof EvaluationSpec>;

/**
 * A model setup: the stored document a factory builds a model from. The envelope is the same for
 * every model type; `params` is validated by the flavour's own schema.
 */
export const ModelSetup = z
  .object({
    name: KebabName,
    modelType: KebabName,
    flavour: KebabName,
    description: z.string().optional(),
    /** Dataset metadata this setup trains on: `name` (latest) or `name@version`. */
    dataset: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*(@[1-9][0-9]*)?$/, "expected a dataset name or name@version"),
    /** Feature columns; default: every `feature` column of the dataset that the model type accepts. */
    features: z.array(z.string().min(1)).min(1).optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    evaluation: EvaluationSpec.default({ method: "kfold", folds: 5, seed: 0 }),
  })
  .strict();
export type ModelSetup = z.infer<typeof ModelSetup>;

/** Turns zod issues into one SetupValidationError naming the field, what was expected and what came. */
export function setupValidationError(
  error: z.ZodError,
  context: { what: string; file?: string; fieldPrefix?: string; hint?: string },
): SetupValidationError {
  const issue = error.issues[0];
  const path = [context.fieldPrefix, ...issue.path.map(String)].filter(Boolean).join(".");
  const extra = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : "";
  return new SetupValidationError(`${context.what}: ${issue.message}${extra}`, {
    location: { file: context.file, field: path || undefined },
    hint: context.hint,
  });
}

/** Parses the setup envelope (not yet the flavour params). */
export function parseSetupEnvelope(document: unknown, file?: string): ModelSetup {
  const result = ModelSetup.safeParse(document);
  if (!result.success) {
    throw setupValidationError(result.error, {
      what: "invalid model setup",
      file,
      hint: "A setup needs name, modelType, flavour, dataset and params; see 'mpipe setups show penguins-kmeans --json'.",
    });
  }
  return result.data;
}

/** The setup as a plain JSON document (what the store keeps and `setups show --json` prints). */
export function setupToJson(setup: ModelSetup): JsonObject {
  return JSON.parse(JSON.stringify(setup)) as JsonObject;
}
