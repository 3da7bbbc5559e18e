/** What the engine's metrics mean and which way is better, shared by reports and comparisons. */

/** Whether a larger or a smaller value of a metric is better. */
export type MetricDirection = "higher" | "lower";

interface MetricInfo {
  direction: MetricDirection;
  description: string;
}

/** Known metrics; others are shown without a "better" mark. */
export const METRICS: Readonly<Record<string, MetricInfo>> = Object.freeze({
  accuracy: { direction: "higher", description: "share of rows classified correctly at threshold 0.5" },
  roc_auc: {
    direction: "higher",
    description: "area under the ROC curve: how well scores rank positives above negatives",
  },
  f1: {
    direction: "higher",
    description: "harmonic mean of precision and recall of the positive class at threshold 0.5",
  },
  log_loss: {
    direction: "lower",
    description: "mean negative log-likelihood of the predicted probabilities",
  },
  average_precision: { direction: "higher", description: "area under the precision-recall step curve" },
  silhouette: {
    direction: "higher",
    description: "how much closer rows are to their own cluster than to the next (−1 to 1)",
  },
  adjusted_rand_index: {
    direction: "higher",
    description: "agreement of the clusters with the dataset's label, corrected for chance (1 = identical)",
  },
});

/** The direction of a metric, or undefined for one the engine does not know. */
export function metricDirection(metric: string): MetricDirection | undefined {
  return Object.hasOwn(METRICS, metric) ? METRICS[metric].direction : undefined;
}

/** A one-line description of a metric, or an empty string. */
export function metricDescription(metric: string): string {
  return Object.hasOwn(METRICS, metric) ? METRICS[metric].description : "";
}
