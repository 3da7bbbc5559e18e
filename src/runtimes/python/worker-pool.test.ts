import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import {
  EngineError,
  RuntimeFailureError,
  ServiceUnavailableError,
  SetupValidationError,
} from "../../core/errors.ts";
import { type WorkerCommand, workerCommand } from "./interpreter.ts";
import { PythonWorkerPool } from "./pool.ts";
import { PythonKernel } from "./python-kernel.ts";
import { describeWithPython, processExists, waitForExit } from "./test-fixtures/python-env.ts";

const FIXTURE = fileURLToPath(new URL("./test-fixtures/misbehaving_worker.py", import.meta.url));
const ORPHAN_PARENT = fileURLToPath(new URL("./test-fixtures/orphan-parent.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A pool whose workers run the misbehaving fixture in `mode`. */
function fixturePool(
  mode: string,
  options: { requestTimeoutMs?: number; startTimeoutMs?: number } = {},
): PythonWorkerPool {
  const real = workerCommand();
  const command: WorkerCommand = { ...real, args: [FIXTURE, mode], source: "custom" };
  return track(new PythonWorkerPool({ command, maxWorkers: 1, ...options }));
}

const pools: PythonWorkerPool[] = [];
function track(pool: PythonWorkerPool): PythonWorkerPool {
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

const matrix = {
  rows: 40,
  cols: 2,
  data: Float64Array.from({ length: 80 }, (_, i) => ((i * 7919) % 97) / 97),
};
const labels = Uint8Array.from({ length: 40 }, (_, i) => (matrix.data[i * 2] > 0.5 ? 1 : 0));

describeWithPython()("Python worker pool", () => {
  it("starts a worker that reports its versions and flavours, and reuses it", async () => {
    const pool = track(new PythonWorkerPool({ maxWorkers: 2 }));
    const hello = await pool.run(async (worker) => worker.hello);
    expect(hello.versions["scikit-learn"]).toMatch(/^\d+\.\d+/);
    expect(hello.flavours).toContainEqual(
      expect.objectContaining({ modelType: "titanic", flavour: "sklearn-random-forest" }),
    );
    const first = pool.pids;
    await pool.run(async () => {});
    expect(pool.pids).toEqual(first);
    expect(first).toHaveLength(1);
  });

  it("fits and predicts through the protocol, and sends the state only when the worker lacks it", async () => {
    const pool = track(new PythonWorkerPool({ maxWorkers: 1 }));
    const kernel = new PythonKernel(
      "titanic",
      "sklearn-random-forest",
      { nEstimators: 10, seed: 3 },
      () => pool,
    );
    await kernel.fit(matrix, labels);
    expect(kernel.runtimeVersions["scikit-learn"]).toBeTruthy();
    const p = (await kernel.predictProba(matrix)).get("probability")!;
    expect(p).toHaveLength(40);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(0);

    // A fresh kernel from the saved state, on a fresh worker, gives the same numbers.
    const restored = new PythonKernel(
      "titanic",
      "sklearn-random-forest",
      { nEstimators: 10, seed: 3 },
      () => pool,
    );
    restored.load(kernel.toState());
    await pool.close();
    const again = track(new PythonWorkerPool({ maxWorkers: 1 }));
    const other = new PythonKernel(
      "titanic",
      "sklearn-random-forest",
      { nEstimators: 10, seed: 3 },
      () => again,
    );
    other.load(kernel.toState());
    expect(Array.from((await other.predictProba(matrix)).get("probability")!)).toEqual(Array.from(p));
    const labelsOut = await other.predict(matrix);
    expect(new Set(labelsOut)).toEqual(new Set([0, 1]));
  });

  it("refuses state that fails its checksum before sending it", () => {
    const kernel = new PythonKernel("titanic", "sklearn-random-forest", {});
    expect(() =>
      kernel.load({
        meta: {
          modelType: "titanic",
          flavour: "sklearn-random-forest",
          format: "skops",
          sha256: "0".repeat(64),
        },
        arrays: { state: new Uint8Array(3) },
      }),
    ).toThrow(/checksum/);
  });

  it("turns an error reply into an engine error and keeps the worker", async () => {
    const pool = track(new PythonWorkerPool({ maxWorkers: 1 }));
    const kernel = new PythonKernel("titanic", "sklearn-random-forest", { nEstimators: -1 }, () => pool);
    const error = await rejection(kernel.fit(matrix, labels));
    expect(error).toBeInstanceOf(SetupValidationError);
    expect(error.message).toContain(
      "The 'nEstimators' parameter of titanic/sklearn-random-forest must be an int",
    );
    const pids = pool.pids;
    expect(pids).toHaveLength(1);
    await new PythonKernel("titanic", "sklearn-random-forest", { nEstimators: 2 }, () => pool).fit(
      matrix,
      labels,
    );
    expect(pool.pids).toEqual(pids);
  });

  it("reports a worker that crashes mid-request, with its last output, and replaces it", async () => {
    const pool = fixturePool("crash");
    const error = await rejection(
      pool.call("fit", { modelType: "t", flavour: "f", params: {} }, {}, "fit t/f"),
    );
    expect(error).toBeInstanceOf(RuntimeFailureError);
    expect(error.message).toMatch(/Python worker \(pid \d+\) exited with code 3 while running "fit t\/f"/);
    expect(error.hint).toContain("MemoryError: simulated crash");
    expect(pool.pids).toEqual([]);
    // The next request gets a fresh worker.
    await pool.run(async (worker) => expect(worker.alive).toBe(true));
  });

  it("kills a worker that hangs past the timeout", async () => {
    const pool = fixturePool("hang", { requestTimeoutMs: 500 });
    const pid = await pool.run(async (worker) => worker.pid);
    const started = Date.now();
    const error = await rejection(
      pool.call("fit", { modelType: "t", flavour: "f", params: {} }, {}, "fit t/f"),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(RuntimeFailureError);
    expect(error.message).toMatch(/did not finish "fit t\/f" within 0\.5 s; it was stopped/);
    expect(await waitForExit(pid)).toBe(true);
  });

  it("kills a worker that does not start in time", async () => {
    const pool = fixturePool("hang-on-start", { startTimeoutMs: 500 });
    const error = await rejection(pool.run(async () => {}));
    expect(error).toBeInstanceOf(RuntimeFailureError);
    expect(error.message).toMatch(/cannot start the Python runtime .* did not finish "start" within 0\.5 s/);
    expect(pool.pids).toEqual([]);
  });

  it.each([
    ["garbage", /malformed message: a header is not JSON/],
    ["wrong-id", /malformed message: it answered request \d+, which was not asked/],
  ])("stops a worker that answers nonsense (%s)", async (mode, pattern) => {
    const pool = fixturePool(mode);
    const pid = await pool.run(async (worker) => worker.pid);
    const error = await rejection(
      pool.call("fit", { modelType: "t", flavour: "f", params: {} }, {}, "fit t/f"),
    );
    expect(error).toBeInstanceOf(RuntimeFailureError);
    expect(error.message).toMatch(pattern);
    expect(await waitForExit(pid)).toBe(true);
  });

  it("refuses a worker that speaks another protocol version", async () => {
    const error = await rejection(fixturePool("wrong-protocol").run(async () => {}));
    expect(error.message).toMatch(/speaks protocol 2, this engine speaks 1/);
  });

  it("explains a missing interpreter or package with the install step", async () => {
    const missing = track(
      new PythonWorkerPool({
        command: { ...workerCommand(), command: "/nonexistent/python3", source: "MPIPE_PYTHON" },
      }),
    );
    const noInterpreter = await rejection(missing.run(async () => {}));
    expect(noInterpreter).toBeInstanceOf(ServiceUnavailableError);
    expect(noInterpreter.message).toContain(
      'interpreter "/nonexistent/python3" (from MPIPE_PYTHON) was not found',
    );
    expect(noInterpreter.hint).toContain("pip install -r python/requirements.txt");

    const noPackage = await rejection(fixturePool("missing-package").run(async () => {}));
    expect(noPackage).toBeInstanceOf(ServiceUnavailableError);
    expect(noPackage.message).toMatch(/cannot import sklearn/);
    expect(noPackage.hint).toContain("pip install");
  });

  it("close() stops every worker", async () => {
    const pool = track(new PythonWorkerPool({ maxWorkers: 2 }));
    const pids = await Promise.all([
      pool.run(async (w) => {
        await new Promise((r) => setTimeout(r, 100));
        return w.pid;
      }),
      pool.run(async (w) => w.pid),
    ]);
    expect(new Set(pids).size).toBe(2);
    await pool.close();
    for (const pid of pids) expect(processExists(pid)).toBe(false);
    await expect(pool.run(async () => {})).rejects.toThrow(/closed/);
  });

  it("leaves no orphan when its parent is killed without warning", async () => {
    // tsx as a loader, not its CLI: the CLI would run the script in a grandchild the kill misses.
    const parent = spawn(process.execPath, ["--import", "tsx", ORPHAN_PARENT], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: parent.stdout! }).once("line", resolve);
        parent.once("exit", (code) => reject(new Error(`parent exited early (${code})`)));
      });
      const pid = Number(line);
      expect(processExists(pid)).toBe(true);
      parent.kill("SIGKILL");
      expect(await waitForExit(pid, 5000)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
