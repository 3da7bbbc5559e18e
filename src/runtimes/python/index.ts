/**
 * The Python runtime: flavours written in Python run in worker processes that speak a small
 * versioned protocol (see protocol.ts); {@link PythonKernel} is what a TypeScript flavour class
 * uses to reach its Python half.
 */
export { INSTALL_HINT, type WorkerCommand, workerCommand } from "./interpreter.ts";
export { type PythonPoolOptions, PythonWorkerPool, pythonRuntime, shutdownPythonRuntime } from "./pool.ts";
export { PROTOCOL_VERSION } from "./protocol.ts";
export { PythonKernel } from "./python-kernel.ts";
export { PythonWorker } from "./worker.ts";
