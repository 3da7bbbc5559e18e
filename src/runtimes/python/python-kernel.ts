import { createHash } from "node:crypto";
import type { KernelState, Matrix } from "../../algorithms/matrix.ts";
import { RuntimeFailureError } from "../../core/errors.ts";
import type { JsonObject } from "../../core/json.ts";
import { type PythonWorkerPool, pythonRuntime } from "./pool.ts";
import type { PredictArgs } from "./protocol.ts";
import { workerErrorType } from "./worker-errors.ts";

/** What a Python flavour's learned state looks like inside an artifact's `KernelState`. */
interface PythonState {
  /** skops bytes of the fitted estimator. */
  bytes: Uint8Array;
  sha256: string;
  format: string;
  /** Python package versions it was fitted with, e.g. `{ "scikit-learn": "1.5.2" }`. */
  versions: Record<string, string>;
}

/**
 * The TypeScript half of a Python flavour: sends matrices to a pooled worker, which fits or
 * predicts with the flavour of the same (model type, flavour) in python/mpipe_runtime, and keeps
 * the fitted state as bytes so it travels in the artifact like any typed array.
 *
 * Prediction names the state by its sha256 and sends the bytes only when the worker may not have
 * it loaded, so chunked prediction ships the model once per worker.
 */
export class PythonKernel {
  private state: PythonState | undefined;

  constructor(
    readonly modelType: string,
    readonly flavour: string,
    private readonly params: JsonObject,
    private readonly pool: () => PythonWorkerPool = pythonRuntime,
  ) {}

  /** Python package versions of the fitted state (for the artifact manifest). */
  get runtimeVersions(): Record<string, string> {
    return { ...this.required().versions };
  }

  /** Fits on `x` (and labels, for supervised types) in the worker. */
  async fit(x: Matrix, labels?: ArrayLike<number>): Promise<void> {
    const { encodeMatrix } = await import("./arrow-tables.ts");
    const table = encodeMatrix(x, labels);
    const pool = this.pool();
    const { result, blobs } = await pool.run(async (worker) => {
      const reply = await worker.call(
        "fit",
        this.args(),
        { table },
        { timeoutMs: pool.requestTimeoutMs, what: `fit ${this.label}` },
      );
      // The worker keeps what it just fitted: predictions on it need not send the bytes back.
      worker.knownStates.add(reply.result.state.sha256);
      return reply;
    });
    const bytes = blobs.get("state");
    if (!bytes || sha256(bytes) !== result.state.sha256) {
      throw new RuntimeFailureError(
        `the Python worker returned model state for ${this.label} that fails its checksum`,
      );
    }
    // Copy out of the pipe's chunk buffer, so the state owns exactly its bytes.
    this.state = {
      bytes: new Uint8Array(bytes),
      sha256: result.state.sha256,
      format: result.state.format,
      versions: result.versions,
    };
  }

  /** The `prediction` column: a class label or cluster index per row. */
  async predict(x: Matrix): Promise<Float64Array | Int32Array> {
    const columns = await this.remotePredict("predict", x);
    return columns.get("prediction") ?? missingColumn("prediction", this.label);
  }

  /** The `probability` column of flavours whose `predict_proba` gives one number per row. */
  async probability(x: Matrix): Promise<Float64Array> {
    const column = (await this.remotePredict("predict_proba", x)).get("probability");
    return column ? Float64Array.from(column) : missingColumn("probability", this.label);
  }

  /** Probability columns, by name (`probability`, or `probability_0…` for several). */
  async predictProba(x: Matrix): Promise<Map<string, Float64Array | Int32Array>> {
    return this.remotePredict("predict_proba", x);
  }

  /** The state for an artifact: meta as JSON, the skops bytes as a Uint8Array. */
  toState(): KernelState {
    const state = this.required();
    return {
      meta: {
        runtime: "python",
        modelType: this.modelType,
        flavour: this.flavour,
        format: state.format,
        sha256: state.sha256,
        packages: Object.entries(state.versions).map(([name, version]) => `${name}==${version}`),
      },
      arrays: { state: state.bytes },
    };
  }

  /**
   * Takes back state written by {@link toState}. Nothing is sent to Python here: the worker
   * loads (and checks) the bytes on the first prediction.
   *
   * @throws Error if the state is for another flavour or its bytes fail their checksum.
   */
  load(kernel: KernelState): void {
    const { meta, arrays } = kernel;
    const bytes = arrays.state;
    if (meta.modelType !== this.modelType || meta.flavour !== this.flavour) {
      throw new Error(`kernel state is for ${meta.modelType}/${meta.flavour}, not ${this.label}`);
    }
    if (
      !(bytes instanceof Uint8Array) ||
      typeof meta.sha256 !== "string" ||
      typeof meta.format !== "string"
    ) {
      throw new Error(`kernel state of ${this.label} has no Python model bytes`);
    }
    if (sha256(bytes) !== meta.sha256)
      throw new Error(`Python model bytes of ${this.label} fail their checksum`);
    const packages = Array.isArray(meta.packages) ? (meta.packages as string[]) : [];
    const versions = Object.fromEntries(packages.map((p) => p.split("==", 2) as [string, string]));
    this.state = { bytes, sha256: meta.sha256, format: meta.format, versions };
  }

  private get label(): string {
    return `${this.modelType}/${this.flavour}`;
  }

  private args(): { modelType: string; flavour: string; params: JsonObject } {
    return { modelType: this.modelType, flavour: this.flavour, params: this.params };
  }

  private required(): PythonState {
    if (!this.state) throw new Error(`${this.label} has no fitted Python state`);
    return this.state;
  }

  private async remotePredict(
    cmd: "predict" | "predict_proba",
    x: Matrix,
  ): Promise<Map<string, Float64Array | Int32Array>> {
    const state = this.required();
    const { encodeMatrix, decodeColumns } = await import("./arrow-tables.ts");
    const table = encodeMatrix(x);
    const args: PredictArgs = { ...this.args(), stateSha256: state.sha256 };
    const what = `${cmd} ${this.label}`;
    const pool = this.pool();
    const blobs = await pool.run(async (worker) => {
      const options = { timeoutMs: pool.requestTimeoutMs, what };
      const withState = { table, state: state.bytes };
      try {
        const reply = await worker.call(
          cmd,
          args,
          worker.knownStates.has(state.sha256) ? { table } : withState,
          options,
        );
        worker.knownStates.add(state.sha256);
        return reply.blobs;
      } catch (error) {
        // The worker evicted the state from its cache: send the bytes and ask again.
        if (!isUnknownState(error)) throw error;
        worker.knownStates.delete(state.sha256);
        const reply = await worker.call(cmd, args, withState, options);
        worker.knownStates.add(state.sha256);
        return reply.blobs;
      }
    });
    const bytes = blobs.get("table") ?? missingColumn("table", this.label);
    return decodeColumns(bytes, x.rows, what);
  }
}

function isUnknownState(error: unknown): boolean {
  return workerErrorType(error) === "UnknownState";
}

function missingColumn(name: string, label: string): never {
  throw new RuntimeFailureError(`the Python worker's reply for ${label} has no "${name}"`);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
