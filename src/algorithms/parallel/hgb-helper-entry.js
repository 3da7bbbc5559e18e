// Worker threads do not inherit the tsx loader of the main thread: register it here, then load
// the TypeScript helper. If that fails, mark the helper as failed in the control block (slot 2
// = state, 2 = failed; see sync-helper.ts) and wake the main thread, which then fits alone.
import { workerData } from "node:worker_threads";

try {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./hgb-helper.ts");
} catch (error) {
  const control = new Int32Array(workerData.control);
  Atomics.store(control, 2, 2);
  Atomics.notify(control, 2);
  Atomics.notify(control, 1);
  throw error;
}
