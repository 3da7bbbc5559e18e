/**
 * The evaluation details a registry entry carries (recorded at training by the model type's
 * `summarizeEvaluation`), read back defensively: an entry from an older engine, a plug-in with
 * its own details, or none at all must give a report that says so, never a crash.
 */
import { z } from "zod";
import type { JsonObject } from "../core/json.ts";

const numbers = z.array(z.number());
const maybeNumbers = z.array(z.number().nullable());
const FoldSummary = z.object({ rows: z.number(), metrics: z.record(z.string(), z.number()) });

/** Pooled out-of-fold material of a binary classifier (titanic). */
export const BinaryClassificationDetails = z.object({
  kind: z.literal("binary-classification").optional(),
  rows: z.number().int().nonnegative(),
  target: z.string().nullish(),
  classes: z.array(z.string()).length(2).nullish(),
  threshold: z.number(),
  roc: z.object({ fpr: numbers, tpr: numbers }),
  precisionRecall: z.object({ precision: numbers, recall: numbers, averagePrecision: z.number().optional() }),
  // Empty probability bins may hold NaN, which JSON stores as null.
  calibration: z.object({ meanPredicted: maybeNumbers, fractionPositive: maybeNumbers, counts: numbers }),
  confusion: z.object({ tn: z.number(), fp: z.number(), fn: z.number(), tp: z.number() }),
  scoreHistogram: z.object({ bins: z.number().int().positive(), negative: numbers, positive: numbers }),
  folds: z.array(FoldSummary).optional(),
});
export type BinaryClassificationDetails = z.infer<typeof BinaryClassificationDetails>;

/** Pooled held-out material of a clustering (penguins). */
export const ClusteringDetails = z.object({
  kind: z.literal("clustering"),
  rows: z.number().int().nonnegative(),
  clusterCount: z.number().int().positive(),
  clusterSizes: numbers,
  features: z.array(z.string()),
  clusterMeans: z.array(z.array(z.number().nullable())),
  featureMeans: z.array(z.number().nullable()),
  featureStd: z.array(z.number().nullable()),
  label: z
    .object({
      name: z.string(),
      levels: z.array(z.string()),
      contingency: z.array(numbers),
      unlabelled: z.number(),
    })
    .optional(),
  projection: z.object({
    method: z.string(),
    explainedVariance: numbers,
    x: numbers,
    y: numbers,
    cluster: numbers,
    label: numbers.optional(),
  }),
  folds: z.array(FoldSummary).optional(),
});
export type ClusteringDetails = z.infer<typeof ClusteringDetails>;

/** What a report can draw from an entry's evaluation details. */
export type EvaluationMaterial =
  | { kind: "binary-classification"; details: BinaryClassificationDetails }
  | { kind: "clustering"; details: ClusteringDetails }
  | { kind: "none"; reason: string };

/** Recognises the evaluation details of a registry entry. */
export function readEvaluation(evaluation: JsonObject | undefined): EvaluationMaterial {
  if (!evaluation || Object.keys(evaluation).length === 0) {
    return {
      kind: "none",
      reason:
        "This model's registry entry has no evaluation data: it was trained with evaluation method " +
        '"none" or by an engine that did not record it. Train the setup again with k-fold or holdout ' +
        "evaluation to get the charts.",
    };
  }
  if (evaluation.kind === "clustering") {
    const parsed = ClusteringDetails.safeParse(evaluation);
    if (parsed.success) return { kind: "clustering", details: parsed.data };
  } else if (evaluation.kind === "binary-classification" || "roc" in evaluation) {
    const parsed = BinaryClassificationDetails.safeParse(evaluation);
    if (parsed.success) return { kind: "binary-classification", details: parsed.data };
  }
  return {
    kind: "none",
    reason:
      "This model's registry entry has evaluation data, but not in a form this report can draw " +
      "(only its metrics are shown). Train the setup again with this engine to record chart data.",
  };
}
