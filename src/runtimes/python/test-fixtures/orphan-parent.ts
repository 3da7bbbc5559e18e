/**
 * A parent process for the orphan test: starts a pooled worker, prints its pid, and waits to be
 * killed with SIGKILL (so no exit hook runs). The worker must notice and exit by itself.
 */
import { PythonWorkerPool } from "../pool.ts";

const pool = new PythonWorkerPool({ maxWorkers: 1 });
await pool.run(async (worker) => {
  process.stdout.write(`${worker.pid}\n`);
});
setInterval(() => {}, 1000);
