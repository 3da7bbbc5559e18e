import { existsSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../../core/paths.ts";

/** How the worker process is started. */
export interface WorkerCommand {
  /** The executable, e.g. `/repo/.venv/bin/python`. */
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where the interpreter choice came from, for messages. */
  source: "MPIPE_PYTHON" | "project .venv" | "PATH" | "custom";
}

/** What a user runs to get a working Python runtime; shown in every "cannot start" error. */
export const INSTALL_HINT =
  "Set up the Python runtime: python3 -m venv .venv && .venv/bin/pip install -r python/requirements.txt -e python/ " +
  "(as .ci/run does), or point MPIPE_PYTHON at an interpreter with mpipe-runtime installed.";

/** Folder of the Python package's sources, put on PYTHONPATH so an uninstalled checkout works too. */
export const PYTHON_PACKAGE_DIR = path.join(PACKAGE_ROOT, "python");

/**
 * The interpreter and arguments that run the worker: `$MPIPE_PYTHON`, else the project's
 * `.venv/bin/python` when it exists, else `python3` from the PATH.
 */
export function workerCommand(env: NodeJS.ProcessEnv = process.env): WorkerCommand {
  const venv = path.join(
    PACKAGE_ROOT,
    ".venv",
    process.platform === "win32" ? "Scripts/python.exe" : "bin/python",
  );
  const [command, source]: [string, WorkerCommand["source"]] = env.MPIPE_PYTHON
    ? [env.MPIPE_PYTHON, "MPIPE_PYTHON"]
    : existsSync(venv)
      ? [venv, "project .venv"]
      : ["python3", "PATH"];
  const pythonPath = [PYTHON_PACKAGE_DIR, env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  return {
    command,
    args: ["-m", "mpipe_runtime.worker"],
    env: { ...env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: "1" },
    source,
  };
}
