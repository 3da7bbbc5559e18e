/**
 * The parts of MLflow's REST API (2.x and 3.x) this engine uses, as zod schemas: responses are
 * checked, so a server that answers something else fails with a clear message.
 * Reference: https://mlflow.org/docs/latest/api_reference/rest-api.html
 */
import { z } from "zod";

/** A key/value tag or param, as MLflow sends them. */
export const KeyValue = z.object({ key: z.string(), value: z.string().optional().default("") });
export type KeyValue = z.infer<typeof KeyValue>;

export const Experiment = z.looseObject({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.string().optional(),
});
export type Experiment = z.infer<typeof Experiment>;

export const RunInfo = z.looseObject({
  run_id: z.string(),
  experiment_id: z.string(),
  status: z.string().optional(),
  artifact_uri: z.string(),
});
export type RunInfo = z.infer<typeof RunInfo>;

export const Metric = z.looseObject({
  key: z.string(),
  value: z.number(),
  timestamp: z.number().optional(),
  step: z.number().optional(),
});

export const Run = z.looseObject({
  info: RunInfo,
  data: z
    .looseObject({
      metrics: z.array(Metric).optional(),
      params: z.array(KeyValue).optional(),
      tags: z.array(KeyValue).optional(),
    })
    .optional(),
});
export type Run = z.infer<typeof Run>;

/** MLflow sends int64 fields as JSON strings; accept both. */
const Int64 = z.union([z.string().regex(/^\d+$/), z.int()]).transform(Number);

export const ModelVersion = z.looseObject({
  name: z.string(),
  version: Int64,
  creation_timestamp: Int64.optional(),
  source: z.string().optional().default(""),
  run_id: z.string().optional(),
  status: z.string().optional(),
  tags: z.array(KeyValue).optional().default([]),
  aliases: z.array(z.string()).optional().default([]),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

export const RegisteredModel = z.looseObject({
  name: z.string(),
  tags: z.array(KeyValue).optional().default([]),
  aliases: z
    .array(z.object({ alias: z.string(), version: Int64 }))
    .optional()
    .default([]),
});
export type RegisteredModel = z.infer<typeof RegisteredModel>;

/** The error body of every MLflow API failure. */
export const ApiErrorBody = z.looseObject({
  error_code: z.string(),
  message: z.string().optional().default(""),
});

export const GetExperimentResponse = z.object({ experiment: Experiment });
export const CreateExperimentResponse = z.object({ experiment_id: z.string() });
export const RunResponse = z.object({ run: Run });
export const RegisteredModelResponse = z.object({ registered_model: RegisteredModel });
export const ModelVersionResponse = z.object({ model_version: ModelVersion });
export const SearchRegisteredModelsResponse = z.object({
  registered_models: z.array(RegisteredModel).optional().default([]),
  next_page_token: z.string().optional(),
});
export const SearchModelVersionsResponse = z.object({
  model_versions: z.array(ModelVersion).optional().default([]),
  next_page_token: z.string().optional(),
});
