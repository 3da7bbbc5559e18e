/**
 * Python flavours through the real CLI: train and predict in worker processes, the quality bar,
 * the artifact's runtime versions, and what happens when a worker dies mid-prediction.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { workerCommand } from "../src/runtimes/python/interpreter.ts";
import {
  describeWithPython,
  processExists,
  waitForExit,
} from "../src/runtimes/python/test-fixtures/python-env.ts";
import { type CliResult, parseSimpleCsv, ROOT, runCli, tempDir } from "./helpers/cli.ts";

const TITANIC = path.join(ROOT, "data", "titanic.csv");
const PENGUINS = path.join(ROOT, "data", "penguins.csv");

describeWithPython()("Python flavours through the CLI", () => {
  const { dir, cleanup } = tempDir("mpipe-python-");
  const home = path.join(dir, "home");
  const pidFile = path.join(dir, "worker-pids.txt");
  const python = path.join(dir, "python-with-pidfile.sh");
  // The real interpreter behind a wrapper that records each worker's pid (exec keeps the pid).
  const env = { MPIPE_PYTHON: python, MPIPE_TEST_PIDFILE: pidFile };
  const cli = (...args: string[]) => runCli(["--home", home, ...args], { env });

  const workerPids = (): number[] =>
    existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim().split("\n").filter(Boolean).map(Number) : [];

  async function expectNoWorkersLeft(): Promise<void> {
    for (const pid of workerPids())
      expect(await waitForExit(pid, 3000), `worker ${pid} outlived the CLI`).toBe(true);
  }

  beforeAll(() => {
    writeFileSync(
      python,
      `#!/bin/sh\necho $$ >> "$MPIPE_TEST_PIDFILE"\nexec "${workerCommand().command}" "$@"\n`,
    );
    chmodSync(python, 0o755);
  });
  afterAll(cleanup);

  it("trains titanic-sklearn-rf with 5-fold CV accuracy of at least 0.80 and records the Python versions", async () => {
    const trained = await cli("train", "titanic-sklearn-rf", "--data", TITANIC);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toContain(
      "registered titanic-sklearn-rf@1 (titanic/sklearn-random-forest, 891 rows)",
    );

    const shown = JSON.parse((await cli("--json", "models", "show", "titanic-sklearn-rf")).stdout);
    expect(shown.runtime).toBe("python");
    expect(shown.metrics.accuracy).toBeGreaterThanOrEqual(0.8);

    const manifest = JSON.parse(
      readFileSync(path.join(home, "artifacts", "titanic-sklearn-rf", "1", "manifest.json"), "utf8"),
    );
    expect(manifest.runtime).toBe("python");
    expect(Object.keys(manifest.runtimeVersions)).toEqual(
      expect.arrayContaining(["python", "scikit-learn", "numpy", "skops"]),
    );
    expect(workerPids().length).toBeGreaterThan(0);
    await expectNoWorkersLeft();
  });

  it("predicts through the Python runtime, identically in one batch or many", async () => {
    const whole = path.join(dir, "whole.csv");
    const chunked = path.join(dir, "chunked.csv");
    const a = await cli("predict", "titanic-sklearn-rf", "--data", TITANIC, "--out", whole);
    expect(a.code, a.stderr).toBe(0);
    const b = await cli(
      "predict",
      "titanic-sklearn-rf@1",
      "--data",
      TITANIC,
      "--out",
      chunked,
      "--param",
      "batchSize=100",
    );
    expect(b.code, b.stderr).toBe(0);
    const csv = parseSimpleCsv(readFileSync(whole, "utf8"));
    expect(csv.header).toEqual(["PassengerId", "prediction", "probability"]);
    expect(csv.rows).toHaveLength(891);
    expect(csv.rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 891 }, (_, i) => i + 1));
    expect(readFileSync(chunked, "utf8")).toBe(readFileSync(whole, "utf8"));
    await expectNoWorkersLeft();
  });

  it("trains and predicts penguins-sklearn-agglomerative, and refuses probabilities it cannot give", async () => {
    const trained = await cli("--json", "train", "penguins-sklearn-agglomerative", "--data", PENGUINS);
    expect(trained.code, trained.stderr).toBe(0);
    expect(JSON.parse(trained.stdout).metrics.adjusted_rand_index).toBeGreaterThan(0.75);
    const out = path.join(dir, "penguins.csv");
    const predicted = await cli(
      "predict",
      "penguins-sklearn-agglomerative",
      "--data",
      PENGUINS,
      "--out",
      out,
    );
    expect(predicted.code, predicted.stderr).toBe(0);
    const csv = parseSimpleCsv(readFileSync(out, "utf8"));
    expect(new Set(csv.rows.map((r) => r[1]))).toEqual(new Set(["0", "1", "2"]));
    const refused = await cli(
      "predict",
      "penguins-sklearn-agglomerative",
      "--data",
      PENGUINS,
      "--out",
      out,
      "--param",
      "probabilities=true",
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('runtime parameter "probabilities" is not supported');
  });

  it("fails clearly, with no output file and no worker left, when the worker is killed mid-prediction", async () => {
    // Enough rows, in small chunks, that prediction is still running when the worker is killed.
    const [header, ...rows] = readFileSync(TITANIC, "utf8").trimEnd().split("\n");
    const big = path.join(dir, "big.csv");
    writeFileSync(big, `${[header, ...Array.from({ length: 300 }, () => rows).flat()].join("\n")}\n`);
    const outDir = path.join(dir, "killed");
    const out = path.join(outDir, "predictions.csv");
    mkdirSync(outDir);
    const before = new Set(workerPids());

    const running = cli(
      "predict",
      "titanic-sklearn-rf",
      "--data",
      big,
      "--out",
      out,
      "--param",
      "batchSize=1000",
    );
    let finished: CliResult | undefined;
    running.then((r) => {
      finished = r;
    });
    // Midway means: the worker is up and predictions are already flowing into the (hidden,
    // temporary) output file.
    const partialBytes = (): number =>
      readdirSync(outDir).reduce((sum, name) => sum + statSync(path.join(outDir, name)).size, 0);
    let victim: number | undefined;
    const deadline = Date.now() + 120_000;
    while (finished === undefined && Date.now() < deadline) {
      victim = workerPids().find((pid) => !before.has(pid));
      if (victim !== undefined && partialBytes() > 100_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(finished, "prediction ended before the worker could be killed").toBeUndefined();
    expect(victim, "no worker started").toBeDefined();
    process.kill(victim!, "SIGKILL");
    const result: CliResult = await running;

    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: the Python worker \\(pid ${victim}\\) was killed by SIGKILL while running "predict_proba titanic/sklearn-random-forest"`,
      ),
    );
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(outDir)).toEqual([]);
    expect(processExists(victim!)).toBe(false);
    await expectNoWorkersLeft();
  }, 240_000);

  it("names the interpreter and the install step when Python is missing (exit 2)", async () => {
    const result = await runCli(
      ["--home", home, "predict", "titanic-sklearn-rf", "--data", TITANIC, "--out", path.join(dir, "x.csv")],
      {
        env: { MPIPE_PYTHON: path.join(dir, "no-such-python") },
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `interpreter "${path.join(dir, "no-such-python")}" (from MPIPE_PYTHON) was not found`,
    );
    expect(result.stderr).toContain("Hint: Set up the Python runtime");
    expect(existsSync(path.join(dir, "x.csv"))).toBe(false);
  });
});
