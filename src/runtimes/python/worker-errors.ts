import {
  ArtifactIntegrityError,
  DatasetSchemaError,
  type EngineError,
  NotFoundError,
  RuntimeFailureError,
  ServiceUnavailableError,
  SetupValidationError,
} from "../../core/errors.ts";
import { INSTALL_HINT } from "./interpreter.ts";

/** An error reply from the worker: the worker is healthy, the request failed. */
export interface WorkerErrorReply {
  type: string;
  message: string;
  traceback?: string;
}

/**
 * Maps an error reply to the engine's hierarchy by its `type` (see python/mpipe_runtime/errors.py),
 * so a bad param is a user error (exit 2) and a Python bug an internal one (exit 1).
 */
export function engineErrorFromReply(reply: WorkerErrorReply, what: string): EngineError {
  const error = mapReply(reply, `${what}: ${reply.message}`);
  REPLIES.set(error, reply);
  return error;
}

const REPLIES = new WeakMap<Error, WorkerErrorReply>();

/** The worker's reply behind an error from {@link engineErrorFromReply}. */
export function workerErrorReply(error: unknown): WorkerErrorReply | undefined {
  return error instanceof Error ? REPLIES.get(error) : undefined;
}

/** The worker's error type behind an error from {@link engineErrorFromReply}, e.g. `UnknownState`. */
export function workerErrorType(error: unknown): string | undefined {
  return workerErrorReply(error)?.type;
}

function mapReply(reply: WorkerErrorReply, message: string): EngineError {
  switch (reply.type) {
    case "ParamError":
      return new SetupValidationError(message, {
        hint: "Check the setup's params against the flavour's schema.",
      });
    case "DataError":
      return new DatasetSchemaError(message);
    case "StateError":
      return new ArtifactIntegrityError(message, {
        hint: "The model state does not load in this Python runtime; re-train the model.",
      });
    case "UnknownFlavour":
      return new NotFoundError(message, {
        hint: `The Python package may be older than the engine. ${INSTALL_HINT}`,
      });
    case "MissingPackage":
      return new ServiceUnavailableError(message, { hint: INSTALL_HINT });
    default:
      return new RuntimeFailureError(message, {
        hint: "This is a fault in the Python runtime; its traceback is on the error's cause (--debug).",
        cause: reply.traceback
          ? Object.assign(new Error(reply.message), { stack: reply.traceback })
          : undefined,
      });
  }
}
