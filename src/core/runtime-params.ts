import { z } from "zod";
import { SetupValidationError } from "./errors.ts";

/**
 * Prediction runtime parameters every model type accepts. A model type extends this schema
 * with its own (e.g. `threshold`) in its `runtimeParamsSchema`.
 */
export const BaseRuntimeParams = z
  .object({
    /** Rows per prediction chunk. */
    batchSize: z.int().min(1).max(10_000_000).default(65_536),
    /** Add membership/class probability columns to the output. */
    probabilities: z.boolean().default(false),
    /** Input columns copied to the output beside the predictions. */
    passthrough: z
      .union([z.array(z.string().min(1)), z.string().transform((s) => s.split(",").map((x) => x.trim()))])
      .default([])
      .pipe(z.array(z.string().min(1))),
  })
  .strict();
export type BaseRuntimeParams = z.infer<typeof BaseRuntimeParams>;

/**
 * Parses `KEY=VALUE` pairs from the command line: values are read as JSON when they parse
 * (`0.3`, `true`, `["a"]`), else kept as text (`Age,Fare`).
 */
export function parseParamPairs(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new SetupValidationError(`runtime parameter "${pair}" is not KEY=VALUE`, {
        hint: "Write it as --param threshold=0.3",
      });
    }
    const key = pair.slice(0, eq).trim();
    const text = pair.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // Plain text such as a column list stays a string.
    }
    params[key] = value;
  }
  return params;
}
