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
  const message = `${what}: ${reply.message}`;
  switch (reply.type) {
    case "ParamError":
      return new SetupValidationError(message, { hint: "Check the setup's params against the flavour's schema." });
    case "DataError":
      return new DatasetSchemaError(message);
    case "StateError":
      return new ArtifactIntegrityError(message, {
        hint: "The model state does not load in this Python runtime; re-train the model.",
      });
    case "UnknownFlavour":
      return new NotFoundError(message, { hint: `The Python package may be older than the engine. ${INSTALL_HINT}` });
    case "MissingPackage":
      return new ServiceUnavailableError(message, { hint: INSTALL_HINT });
    default:
      return new RuntimeFailureError(message, {
        hint: "This is a fault in the Python runtime; its traceback is on the error's cause (--debug).",
        cause: reply.traceback ? Object.assign(new Error(reply.message), { stack: reply.traceback }) : undefined,
      });
  }
}
