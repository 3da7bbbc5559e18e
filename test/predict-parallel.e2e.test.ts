import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDuckDB } from "../src/data/duckdb.ts";
import { ROOT, runCli, tempDir } from "./helpers/cli.ts";

const TITANIC = path.join(ROOT, "data", "titanic.csv");
const PENGUINS = path.join(ROOT, "data", "penguins.csv");

describe("mpipe predict on worker threads", () => {
  const { dir, cleanup } = tempDir("mpipe-parallel-");
  const home = path.join(dir, "home");
  const cli = (...args: string[]) => runCli(["--home", home, ...args]);
  const out = (name: string) => path.join(dir, name);
  /** Predictions of the in-process path (no --workers on a small input), the reference. */
  const reference: Record<string, string> = {};

  beforeAll(async () => {
    for (const [setup, data] of [
      ["titanic-logreg", TITANIC],
      ["penguins-gmm", PENGUINS],
    ]) {
      const trained = await cli("train", setup, "--data", data);
      expect(trained.code, trained.stderr).toBe(0);
    }
    const titanic = await cli(
      "predict",
      "titanic-logreg",
      "--data",
      TITANIC,
      "--out",
      out("ref-titanic.csv"),
    );
    expect(titanic.code, titanic.stderr).toBe(0);
    reference.titanic = readFileSync(out("ref-titanic.csv"), "utf8");
    const penguins = await cli(
      "predict",
      "penguins-gmm",
      "--data",
      PENGUINS,
      "--out",
      out("ref-penguins.csv"),
      "--param",
      "probabilities=true",
    );
    expect(penguins.code, penguins.stderr).toBe(0);
    reference.penguins = readFileSync(out("ref-penguins.csv"), "utf8");
  }, 240_000);
  afterAll(cleanup);

  it.each([
    [1, 1],
    [7, 1],
    [1000, 1],
    [1, 2],
    [7, 2],
    [1000, 2],
  ])("batchSize %i on %i worker(s) gives the same predictions as in-process", async (batchSize, workers) => {
    const file = out(`titanic-${batchSize}-${workers}.csv`);
    const result = await cli(
      "predict",
      "titanic-logreg",
      "--data",
      TITANIC,
      "--out",
      file,
      "--workers",
      String(workers),
      "--param",
      `batchSize=${batchSize}`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("891 predictions");
    expect(readFileSync(file, "utf8")).toBe(reference.titanic);
  });

  it("numbers rows in input order when the dataset has no id column (CSV and Parquet input)", async () => {
    const parquet = out("penguins.parquet");
    await withDuckDB(async ({ connection }) => {
      await connection.run(
        `COPY (SELECT * FROM read_csv('${PENGUINS}', nullstr = 'NA')) TO '${parquet}' (FORMAT parquet)`,
      );
    });
    for (const [data, batchSize] of [
      [PENGUINS, 7],
      [parquet, 5],
    ] as const) {
      const file = out(`penguins-${batchSize}.csv`);
      const result = await cli(
        "predict",
        "penguins-gmm",
        "--data",
        data,
        "--out",
        file,
        "--workers",
        "2",
        "--param",
        `batchSize=${batchSize}`,
        "--param",
        "probabilities=true",
      );
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(reference.penguins);
    }
  });

  it("reports a bad value exactly as the in-process path does, and writes nothing", async () => {
    const lines = readFileSync(TITANIC, "utf8").split("\n");
    lines[600] = lines[600]
      .replace(/,male,(\d*),/, ",male,twenty,")
      .replace(/,female,(\d*),/, ",female,twenty,");
    const bad = out("bad.csv");
    writeFileSync(bad, lines.join("\n"));
    const inProcess = await cli("predict", "titanic-logreg", "--data", bad, "--out", out("bad-0.csv"));
    const threaded = await cli(
      "predict",
      "titanic-logreg",
      "--data",
      bad,
      "--out",
      out("bad-2.csv"),
      "--workers",
      "2",
      "--param",
      "batchSize=7",
    );
    expect(inProcess.code).toBe(2);
    expect(inProcess.stderr).toContain('row 600, column "Age": "twenty" is not a number');
    expect(threaded.code).toBe(2);
    expect(threaded.stderr).toBe(inProcess.stderr);
    expect(existsSync(out("bad-2.csv"))).toBe(false);
  });

  it.each(["0", "-1", "two", "1.5"])("rejects --workers %s with exit code 2", async (workers) => {
    const result = await cli(
      "predict",
      "titanic-logreg",
      "--data",
      TITANIC,
      "--out",
      out("never.csv"),
      "--workers",
      workers,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--workers must be a whole number of at least 1");
    expect(existsSync(out("never.csv"))).toBe(false);
  });

  it("leaves no file at the output path when killed midway", async () => {
    // ~300k rows: long enough to be caught while writing.
    const [header, ...rows] = readFileSync(TITANIC, "utf8").trimEnd().split("\n");
    const big = out("big.csv");
    const body = rows.join("\n");
    writeFileSync(big, `${header}\n${Array.from({ length: 340 }, () => body).join("\n")}\n`);
    const target = out("killed.csv");
    const child: ChildProcess = spawn(
      process.execPath,
      [
        path.join(ROOT, "bin", "mpipe.js"),
        "--home",
        home,
        "predict",
        "titanic-logreg",
        "--data",
        big,
        "--out",
        target,
        "--workers",
        "2",
      ],
      { cwd: ROOT, stdio: "ignore" },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // Kill as soon as the temporary output exists, i.e. in the middle of writing.
    const deadline = Date.now() + 60_000;
    const writing = () => readdirSync(dir).some((f) => f.startsWith(".killed.csv.tmp"));
    while (!writing() && child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(child.exitCode, "the prediction finished before it could be killed").toBe(null);
    child.kill("SIGKILL");
    await exited;
    expect(existsSync(target)).toBe(false);
  }, 90_000);
});
