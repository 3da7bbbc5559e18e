/**
 * Test helpers: whether the Python runtime (and MLflow) can run here. Under `CI=true` a missing
 * runtime must fail the tests, never skip them; elsewhere the tests are skipped with the reason.
 */
import { spawnSync } from "node:child_process";
import { describe } from "vitest";
import { workerCommand } from "../interpreter.ts";

/** Why the runtime cannot run, or undefined when it can. */
function missing(modules: string): string | undefined {
  const { command, env } = workerCommand();
  const probe = spawnSync(command, ["-c", `import ${modules}`], { env, encoding: "utf8", timeout: 60_000 });
  if (probe.error) return `cannot run ${command} (${probe.error.message})`;
  if (probe.status !== 0)
    return `${command} cannot import ${modules}: ${probe.stderr.trim().split("\n").pop()}`;
  return undefined;
}

const cache = new Map<string, string | undefined>();

function describeIf(modules: string, what: string): typeof describe {
  if (!cache.has(modules)) cache.set(modules, missing(modules));
  const reason = cache.get(modules);
  if (reason === undefined || process.env.CI === "true") return describe;
  console.warn(`Skipping ${what} tests: ${reason}. Set up .venv as .ci/run does to run them.`);
  return describe.skip as unknown as typeof describe;
}

/** `describe` when the Python runtime can run (always under CI=true, so a missing one fails). */
export function describeWithPython(): typeof describe {
  return describeIf("mpipe_runtime.worker, sklearn, pyarrow, skops", "Python runtime");
}

/** `describe` when `mlflow server` can run (always under CI=true). */
export function describeWithMlflow(): typeof describe {
  return describeIf("mlflow.server", "MLflow");
}

/** Whether a process with this id exists (signal 0 probes without touching it). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Polls until `pid` is gone or `timeoutMs` passes; returns whether it is gone. */
export async function waitForExit(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processExists(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !processExists(pid);
}
