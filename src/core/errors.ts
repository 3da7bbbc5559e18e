/**
 * The engine's error hierarchy. Every error a user can cause is an {@link EngineError} whose
 * `code` decides the CLI exit code and HTTP status; anything else is an internal fault.
 * Messages are safe to show a client: they say what was wrong, where, what was expected, and
 * end with a hint when one helps.
 */

/** Stable machine-readable error codes. */
export type ErrorCode =
  | "usage"
  | "setup-validation"
  | "dataset-schema"
  | "bad-data"
  | "not-found"
  | "conflict"
  | "artifact-integrity"
  | "not-fitted"
  | "runtime"
  | "service-unavailable"
  | "internal";

/** Where in an input a problem was found. Every field is optional; fill in what is known. */
export interface ErrorLocation {
  file?: string;
  /** 1-based data row (the header is not counted). */
  row?: number;
  column?: string;
  /** A dotted path into a JSON/YAML document, e.g. `params.k`. */
  field?: string;
}

export interface EngineErrorOptions {
  location?: ErrorLocation;
  hint?: string;
  cause?: unknown;
}

/** Marks engine errors; a registry symbol, so that every copy of this module shares it. */
const ENGINE_ERROR = Symbol.for("model-pipeline.EngineError");

/** Base class of every error the engine raises on purpose. */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation | undefined;
  readonly hint: string | undefined;
  readonly [ENGINE_ERROR] = true;

  constructor(code: ErrorCode, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location;
    this.hint = options.hint;
  }

  /** The message with its location and hint, as printed by the CLI. */
  describe(): string {
    const where = formatLocation(this.location);
    const lines = [where ? `${where}: ${this.message}` : this.message];
    if (this.hint) lines.push(`Hint: ${this.hint}`);
    return lines.join("\n");
  }
}

/**
 * `error instanceof EngineError` also holds for an engine error made by another copy of this
 * module: a TypeScript plug-in imports the engine's source while the CLI runs from its bundle,
 * and the plug-in's errors must still be reported as user errors (exit code 2), not crashes.
 * Subclasses (`instanceof UsageError`) keep the usual prototype check.
 */
Object.defineProperty(EngineError, Symbol.hasInstance, {
  value: function (this: abstract new (...args: never[]) => unknown, value: unknown): boolean {
    if (this !== EngineError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && ENGINE_ERROR in value;
  },
});

/** Renders a location as `file, row 3, column "Age", field params.k`. */
export function formatLocation(location: ErrorLocation | undefined): string {
  if (!location) return "";
  const parts: string[] = [];
  if (location.file) parts.push(location.file);
  if (location.row !== undefined) parts.push(`row ${location.row}`);
  if (location.column !== undefined) parts.push(`column "${location.column}"`);
  if (location.field !== undefined) parts.push(`field ${location.field}`);
  return parts.join(", ");
}

/** The command line or an API call was malformed. */
export class UsageError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("usage", message, options);
  }
}

/** A model setup (or runtime parameters) does not satisfy its schema. */
export class SetupValidationError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("setup-validation", message, options);
  }
}

/** A dataset lacks a column the metadata or model signature requires, or has the wrong type. */
export class DatasetSchemaError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("dataset-schema", message, options);
  }
}

/** A value in a dataset cannot be parsed or is outside what the metadata allows. */
export class BadDataError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("bad-data", message, options);
  }
}

/** A named thing (setup, dataset, model, version, alias, flavour, file) does not exist. */
export class NotFoundError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("not-found", message, options);
  }
}

/** A write would overwrite something that must not change (e.g. an existing setup name). */
export class ConflictError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("conflict", message, options);
  }
}

/** A stored artifact is missing a part, fails its checksum or has an unknown format. */
export class ArtifactIntegrityError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("artifact-integrity", message, options);
  }
}

/** `predict` or `serialize` was called on a model that was never fitted. */
export class NotFittedError extends EngineError {
  constructor(modelName: string) {
    super("not-fitted", `This ${modelName} instance is not fitted yet.`, {
      hint: "Call 'fit' with training data before using this model.",
    });
  }
}

/** A model runtime (e.g. a Python worker) crashed, hung or answered nonsense. */
export class RuntimeFailureError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("runtime", message, options);
  }
}

/** A service the engine was pointed at (e.g. an MLflow server) cannot be reached. */
export class ServiceUnavailableError extends EngineError {
  constructor(message: string, options?: EngineErrorOptions) {
    super("service-unavailable", message, options);
  }
}

/** CLI exit code per error code: 2 for the user's input, 1 for internal faults. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = Object.freeze({
  usage: 2,
  "setup-validation": 2,
  "dataset-schema": 2,
  "bad-data": 2,
  "not-found": 2,
  conflict: 2,
  "artifact-integrity": 2,
  "not-fitted": 2,
  runtime: 1,
  "service-unavailable": 2,
  internal: 1,
});

/** HTTP status per error code, for the HTTP layer. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  usage: 400,
  "setup-validation": 422,
  "dataset-schema": 422,
  "bad-data": 422,
  "not-found": 404,
  conflict: 409,
  "artifact-integrity": 422,
  "not-fitted": 409,
  runtime: 500,
  "service-unavailable": 503,
  internal: 500,
});
