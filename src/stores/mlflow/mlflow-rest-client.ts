/**
 * A minimal typed client for MLflow's tracking and model-registry REST API, plus the artifact
 * proxy (`mlflow server --serve-artifacts`, the default since MLflow 2.0). MLflow has no
 * TypeScript SDK; this covers what the registry needs and no more.
 *
 * Transient failures (connection refused, 429/502/503/504) are retried with backoff; a server
 * that stays unreachable is a {@link ServiceUnavailableError} naming the tracking URI.
 * Credentials come from `MLFLOW_TRACKING_TOKEN` or `MLFLOW_TRACKING_USERNAME`/`_PASSWORD`, as
 * with MLflow's own clients, or from the URI's user info; they never appear in messages.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { ServiceUnavailableError, UsageError } from "../../core/errors.ts";
import {
  ApiErrorBody,
  CreateExperimentResponse,
  type Experiment,
  GetExperimentResponse,
  type KeyValue,
  type ModelVersion,
  ModelVersionResponse,
  type RegisteredModel,
  RegisteredModelResponse,
  type Run,
  type RunInfo,
  RunResponse,
  SearchModelVersionsResponse,
  SearchRegisteredModelsResponse,
} from "./mlflow-types.ts";

/** Options of a {@link MlflowRestClient}. */
export interface MlflowClientOptions {
  /** `http://host:port` (optionally with a base path) of the tracking server. */
  trackingUri: string;
  /**
   * Attempts per request after the first, for transient failures.
   * @defaultValue 3
   */
  retries?: number;
  /**
   * Delay before the first retry; doubles with each further one.
   * @defaultValue 200 ms
   */
  retryDelayMs?: number;
  /**
   * Time one HTTP request may take.
   * @defaultValue 60 s
   */
  requestTimeoutMs?: number;
  /** Environment to read credentials from. @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
}

/** An error answer of the MLflow API, e.g. `RESOURCE_DOES_NOT_EXIST`. The registry interprets it. */
export class MlflowApiError extends Error {
  override readonly name = "MlflowApiError";
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

interface RequestSpec {
  method: "GET" | "POST" | "PATCH" | "DELETE" | "PUT";
  url: string;
  body?: Uint8Array | string;
  contentType?: string;
  /** Safe to send twice; non-idempotent requests are retried only when they surely did not arrive. */
  idempotent: boolean;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);
/** Connection errors that mean the request never reached the server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const TRANSIENT = new Set([
  ...NOT_SENT,
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Typed calls to one MLflow tracking server. */
export class MlflowRestClient {
  /** The tracking URI without credentials, for messages. */
  readonly displayUri: string;
  private readonly base: string;
  private readonly authorization: string | undefined;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly requestTimeoutMs: number;

  constructor(options: MlflowClientOptions) {
    let url: URL;
    try {
      url = new URL(options.trackingUri);
    } catch {
      throw new UsageError(`"${options.trackingUri}" is not a valid MLflow tracking URI`, {
        hint: "Write it as http://HOST:PORT, e.g. --registry http://127.0.0.1:5000.",
      });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(
        `MLflow tracking URI "${options.trackingUri}" must start with http:// or https://`,
      );
    }
    const env = options.env ?? process.env;
    const user = decodeURIComponent(url.username) || env.MLFLOW_TRACKING_USERNAME;
    const password = decodeURIComponent(url.password) || env.MLFLOW_TRACKING_PASSWORD || "";
    this.authorization = env.MLFLOW_TRACKING_TOKEN
      ? `Bearer ${env.MLFLOW_TRACKING_TOKEN}`
      : user
        ? `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
        : undefined;
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    this.base = url.href.replace(/\/+$/, "");
    this.displayUri = this.base;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  // ---- experiments and runs -----------------------------------------------------------------

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.orUndefined(async () => {
      const body = await this.api("GET", "experiments/get-by-name", { query: { experiment_name: name } });
      return this.parse(GetExperimentResponse, body, "experiments/get-by-name").experiment;
    });
  }

  async createExperiment(name: string): Promise<string> {
    const body = await this.api("POST", "experiments/create", { body: { name } });
    return this.parse(CreateExperimentResponse, body, "experiments/create").experiment_id;
  }

  async createRun(request: {
    experimentId: string;
    runName: string;
    startTime: number;
    tags: KeyValue[];
  }): Promise<RunInfo> {
    const body = await this.api("POST", "runs/create", {
      body: {
        experiment_id: request.experimentId,
        run_name: request.runName,
        start_time: request.startTime,
        tags: request.tags,
      },
    });
    return this.parse(RunResponse, body, "runs/create").run.info;
  }

  /** Logs params, metrics and tags, in batches within MLflow's limits (100 params+tags, 1000 metrics). */
  async logBatch(
    runId: string,
    data: {
      params?: KeyValue[];
      metrics?: { key: string; value: number; timestamp: number; step: number }[];
      tags?: KeyValue[];
    },
  ): Promise<void> {
    const params = data.params ?? [];
    const tags = data.tags ?? [];
    const metrics = data.metrics ?? [];
    const batches = Math.max(
      Math.ceil((params.length + tags.length) / 100),
      Math.ceil(metrics.length / 1000),
    );
    const keyed = [
      ...params.map((item) => ({ item, isTag: false })),
      ...tags.map((item) => ({ item, isTag: true })),
    ];
    for (let b = 0; b < batches; b++) {
      const slice = keyed.slice(b * 100, b * 100 + 100);
      await this.api("POST", "runs/log-batch", {
        body: {
          run_id: runId,
          params: slice.filter((s) => !s.isTag).map((s) => s.item),
          tags: slice.filter((s) => s.isTag).map((s) => s.item),
          metrics: metrics.slice(b * 1000, b * 1000 + 1000),
        },
        idempotent: true,
      });
    }
  }

  async updateRun(runId: string, status: "FINISHED" | "FAILED" | "KILLED", endTime: number): Promise<void> {
    await this.api("POST", "runs/update", {
      body: { run_id: runId, status, end_time: endTime },
      idempotent: true,
    });
  }

  async getRun(runId: string): Promise<Run | undefined> {
    return this.orUndefined(
      async () =>
        this.parse(RunResponse, await this.api("GET", "runs/get", { query: { run_id: runId } }), "runs/get")
          .run,
    );
  }

  // ---- registered models and versions -------------------------------------------------------

  /** Creates a registered model; `false` if it already existed. */
  async createRegisteredModel(name: string, tags: KeyValue[], description: string): Promise<boolean> {
    try {
      await this.api("POST", "registered-models/create", { body: { name, tags, description } });
      return true;
    } catch (error) {
      if (error instanceof MlflowApiError && error.errorCode === "RESOURCE_ALREADY_EXISTS") return false;
      throw error;
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    return this.orUndefined(
      async () =>
        this.parse(
          RegisteredModelResponse,
          await this.api("GET", "registered-models/get", { query: { name } }),
          "registered-models/get",
        ).registered_model,
    );
  }

  /** Every registered model (all pages). */
  async searchRegisteredModels(): Promise<RegisteredModel[]> {
    const models: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const query: Record<string, string> = { max_results: "1000" };
      if (pageToken) query.page_token = pageToken;
      const page = this.parse(
        SearchRegisteredModelsResponse,
        await this.api("GET", "registered-models/search", { query }),
        "registered-models/search",
      );
      models.push(...page.registered_models);
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return models;
  }

  async createModelVersion(request: {
    name: string;
    source: string;
    runId: string;
    tags: KeyValue[];
    description: string;
  }): Promise<ModelVersion> {
    const body = await this.api("POST", "model-versions/create", {
      body: {
        name: request.name,
        source: request.source,
        run_id: request.runId,
        tags: request.tags,
        description: request.description,
      },
    });
    return this.parse(ModelVersionResponse, body, "model-versions/create").model_version;
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    return this.orUndefined(
      async () =>
        this.parse(
          ModelVersionResponse,
          await this.api("GET", "model-versions/get", { query: { name, version: String(version) } }),
          "model-versions/get",
        ).model_version,
    );
  }

  /** Every version of a registered model (all pages). */
  async searchModelVersions(name: string): Promise<ModelVersion[]> {
    const versions: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const query: Record<string, string> = {
        filter: `name='${name.replaceAll("'", "\\'")}'`,
        max_results: "1000",
      };
      if (pageToken) query.page_token = pageToken;
      const page = this.parse(
        SearchModelVersionsResponse,
        await this.api("GET", "model-versions/search", { query }),
        "model-versions/search",
      );
      versions.push(...page.model_versions);
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return versions;
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    await this.api("POST", "registered-models/alias", {
      body: { name, alias, version: String(version) },
      idempotent: true,
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.api("DELETE", "registered-models/alias", { body: { name, alias }, idempotent: true });
  }

  // ---- artifacts (through the server's proxy) -----------------------------------------------

  /** Uploads one file to `path`, relative to the proxy's root (e.g. `1/<run>/artifacts/model/x`). */
  async uploadArtifact(path: string, bytes: Uint8Array): Promise<void> {
    await this.send({
      method: "PUT",
      url: this.artifactUrl(path),
      body: bytes,
      contentType: "application/octet-stream",
      idempotent: true,
    });
  }

  /** Downloads one file, or `undefined` if the proxy has no file at `path`. */
  async downloadArtifact(path: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.send({ method: "GET", url: this.artifactUrl(path), idempotent: true });
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (error instanceof MlflowApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private artifactUrl(path: string): string {
    const encoded = path.split("/").filter(Boolean).map(encodeURIComponent).join("/");
    return `${this.base}/api/2.0/mlflow-artifacts/artifacts/${encoded}`;
  }

  /** Calls `/api/2.0/mlflow/<endpoint>` and returns the parsed JSON body. */
  private async api(
    method: "GET" | "POST" | "DELETE",
    endpoint: string,
    options: { query?: Record<string, string>; body?: object; idempotent?: boolean } = {},
  ): Promise<unknown> {
    const url = new URL(`${this.base}/api/2.0/mlflow/${endpoint}`);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const response = await this.send({
      method,
      url: url.href,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      contentType: "application/json",
      idempotent: options.idempotent ?? method === "GET",
    });
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw this.unavailable(
        `answered ${endpoint} with something that is not JSON`,
        undefined,
        "Is this an MLflow tracking server?",
      );
    }
  }

  /** Sends with retries; resolves only on a 2xx response. */
  private async send(spec: RequestSpec): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.retries;
      let response: Response;
      try {
        response = await fetch(spec.url, {
          method: spec.method,
          headers: {
            ...(spec.contentType && spec.body !== undefined ? { "content-type": spec.contentType } : {}),
            ...(this.authorization ? { authorization: this.authorization } : {}),
          },
          body: spec.body,
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
      } catch (error) {
        const code = networkCode(error);
        const retryable = spec.idempotent ? TRANSIENT.has(code) || code === "TIMEOUT" : NOT_SENT.has(code);
        if (!last && retryable) {
          await sleep(this.retryDelayMs * 2 ** attempt);
          continue;
        }
        throw this.unavailable(
          code === "TIMEOUT"
            ? `did not answer within ${this.requestTimeoutMs / 1000} s`
            : `cannot be reached (${code})`,
          error,
        );
      }
      if (response.ok) return response;
      // A non-idempotent request is retried only when the server says it did not process it.
      const retryable = spec.idempotent
        ? RETRY_STATUS.has(response.status)
        : response.status === 429 || response.status === 503;
      if (!last && retryable) {
        await response.body?.cancel();
        await sleep(this.retryDelayMs * 2 ** attempt);
        continue;
      }
      throw await this.httpError(response, spec);
    }
  }

  private async httpError(response: Response, spec: RequestSpec): Promise<Error> {
    const text = await response.text().catch(() => "");
    let parsed: z.infer<typeof ApiErrorBody> | undefined;
    try {
      const result = ApiErrorBody.safeParse(JSON.parse(text));
      parsed = result.success ? result.data : undefined;
    } catch {
      parsed = undefined;
    }
    const path = new URL(spec.url).pathname;
    if (response.status === 401 || response.status === 403) {
      return this.unavailable(
        `refused ${spec.method} ${path} (HTTP ${response.status})`,
        undefined,
        "Set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.",
      );
    }
    if (parsed) return new MlflowApiError(response.status, parsed.error_code, parsed.message);
    if (response.status === 404 && path.includes("/mlflow-artifacts/")) {
      return new MlflowApiError(404, "RESOURCE_DOES_NOT_EXIST", `no artifact at ${path}`);
    }
    if (response.status === 404) {
      return this.unavailable(
        `has no endpoint ${path} (HTTP 404)`,
        undefined,
        "Is this an MLflow tracking server, version 2 or later?",
      );
    }
    return this.unavailable(
      `failed on ${spec.method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`,
    );
  }

  private unavailable(what: string, cause?: unknown, hint?: string): ServiceUnavailableError {
    return new ServiceUnavailableError(`the MLflow tracking server at ${this.displayUri} ${what}`, {
      hint:
        hint ??
        `Is it running? Start one with 'mlflow server --host 127.0.0.1 --port 5000', or choose another registry with --registry (or "registry" in the config).`,
      cause,
    });
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, endpoint: string): T {
    const result = schema.safeParse(body);
    if (!result.success) {
      throw this.unavailable(
        `answered ${endpoint} in an unexpected shape (${result.error.issues[0]?.path.join(".")}: ${result.error.issues[0]?.message})`,
        undefined,
        "Is this an MLflow tracking server, version 2 or later?",
      );
    }
    return result.data;
  }

  private async orUndefined<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof MlflowApiError && error.errorCode === "RESOURCE_DOES_NOT_EXIST") return undefined;
      throw error;
    }
  }
}

/** The errno-style code of a failed fetch (undici puts it on `cause`), or `TIMEOUT`. */
function networkCode(error: unknown): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "TIMEOUT";
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } } | undefined)?.cause;
  return (
    cause?.code ??
    cause?.errors?.[0]?.code ??
    (error as { code?: string } | undefined)?.code ??
    "network error"
  );
}
