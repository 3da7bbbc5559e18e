import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, parseSimpleCsv, ROOT, runCli, tempDir } from "./helpers/cli.ts";

const TITANIC = path.join(ROOT, "data", "titanic.csv");
const PENGUINS = path.join(ROOT, "data", "penguins.csv");

/** A user mistake: exit code 2, a message on stderr, no stack trace. */
function expectUserError(result: CliResult, ...fragments: string[]): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(/^error: /);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe("mpipe on a fresh workspace", () => {
  const { dir, cleanup } = tempDir();
  const home = path.join(dir, "home");
  const cli = (...args: string[]) => runCli(["--home", home, ...args]);
  let demo: CliResult;

  beforeAll(async () => {
    demo = await cli("demo");
  }, 240_000);
  afterAll(cleanup);

  it("demo trains the four default setups, prints their metrics and where the predictions are", () => {
    expect(demo.code, demo.stderr).toBe(0);
    for (const name of ["penguins-kmeans@1", "penguins-gmm@1", "titanic-logreg@1", "titanic-gbdt@1"]) {
      expect(demo.stdout).toContain(name);
    }
    expect(demo.stdout).toContain("accuracy=");
    expect(demo.stdout).toContain("adjusted_rand_index=");
    const predictions = readdirSync(path.join(home, "predictions")).sort();
    expect(predictions).toEqual([
      "penguins-gmm.csv",
      "penguins-kmeans.csv",
      "titanic-gbdt.csv",
      "titanic-logreg.csv",
    ]);
  });

  it("demo predictions keep row order and carry the id column or a row index", () => {
    const titanic = parseSimpleCsv(
      readFileSync(path.join(home, "predictions", "titanic-logreg.csv"), "utf8"),
    );
    expect(titanic.header).toEqual(["PassengerId", "prediction", "probability"]);
    expect(titanic.rows).toHaveLength(891);
    expect(titanic.rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 891 }, (_, i) => i + 1));
    const penguins = parseSimpleCsv(
      readFileSync(path.join(home, "predictions", "penguins-kmeans.csv"), "utf8"),
    );
    expect(penguins.header).toEqual(["row", "prediction"]);
    expect(penguins.rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 344 }, (_, i) => i));
    expect(new Set(penguins.rows.map((r) => r[1]))).toEqual(new Set(["0", "1", "2"]));
  });

  it("default setups reach the quality bar on the bundled data", async () => {
    const list = await cli("--json", "models", "list");
    const models = JSON.parse(list.stdout) as Array<{ name: string; metrics: Record<string, number> }>;
    const metrics = Object.fromEntries(models.map((m) => [m.name, m.metrics]));
    expect(metrics["titanic-logreg"].accuracy).toBeGreaterThanOrEqual(0.79);
    expect(metrics["titanic-gbdt"].accuracy).toBeGreaterThanOrEqual(0.79);
    expect(metrics["titanic-logreg"].roc_auc).toBeGreaterThan(0.8);
    expect(metrics["penguins-kmeans"].adjusted_rand_index).toBeGreaterThanOrEqual(0.78);
    expect(metrics["penguins-gmm"].adjusted_rand_index).toBeGreaterThanOrEqual(0.93);
    expect(metrics["penguins-kmeans"].silhouette).toBeGreaterThan(0.3);
  });

  it("models show prints lineage; aliases move; predict resolves name@alias", async () => {
    const shown = JSON.parse((await cli("--json", "models", "show", "titanic-logreg")).stdout);
    expect(shown.lineage.setupName).toBe("titanic-logreg");
    expect(shown.lineage.datasetFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await cli("models", "alias", "titanic-logreg@1", "champion")).code).toBe(0);
    const out = path.join(dir, "champion.csv");
    const predicted = await cli(
      "predict",
      "titanic-logreg@champion",
      "--data",
      TITANIC,
      "--out",
      out,
      "--param",
      "threshold=0.9",
      "--param",
      "passthrough=Name,Sex",
    );
    expect(predicted.code, predicted.stderr).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.split("\n")[0]).toBe("PassengerId,prediction,probability,Name,Sex");
    expect(text).toContain('"Braund, Mr. Owen Harris",male');
  });

  it("save, load and predict give identical predictions across runs", async () => {
    const a = path.join(dir, "a.csv");
    const b = path.join(dir, "b.csv");
    expect((await cli("predict", "titanic-gbdt@1", "--data", TITANIC, "--out", a)).code).toBe(0);
    expect((await cli("predict", "titanic-gbdt", "--data", TITANIC, "--out", b)).code).toBe(0);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    expect(readFileSync(a, "utf8")).toBe(
      readFileSync(path.join(home, "predictions", "titanic-gbdt.csv"), "utf8"),
    );
  });

  it("predicts Parquet input to Parquet output", async () => {
    const out = path.join(dir, "penguins.parquet");
    const result = await cli(
      "--json",
      "predict",
      "penguins-gmm",
      "--data",
      PENGUINS,
      "--out",
      out,
      "--param",
      "probabilities=true",
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).columns).toEqual([
      "row",
      "prediction",
      "probability_0",
      "probability_1",
      "probability_2",
    ]);
    expect(existsSync(out)).toBe(true);
  });

  it("seeded training is deterministic: a second training gives the same metrics and predictions", async () => {
    const again = await cli("--json", "train", "titanic-gbdt", "--data", TITANIC);
    expect(again.code, again.stderr).toBe(0);
    const entry = JSON.parse(again.stdout);
    expect(entry.version).toBe(2);
    const first = JSON.parse((await cli("--json", "models", "show", "titanic-gbdt@1")).stdout);
    expect(entry.metrics).toEqual(first.metrics);
    const out = path.join(dir, "v2.csv");
    expect((await cli("predict", "titanic-gbdt@2", "--data", TITANIC, "--out", out)).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(
      readFileSync(path.join(home, "predictions", "titanic-gbdt.csv"), "utf8"),
    );
  });

  it("setups show --json prints a document that setups add accepts back under a new name", async () => {
    const shown = await cli("--json", "setups", "show", "penguins-kmeans");
    const setup = JSON.parse(shown.stdout);
    setup.name = "penguins-kmeans-4";
    setup.params.k = 4;
    const file = path.join(dir, "k4.json");
    writeFileSync(file, JSON.stringify(setup));
    const added = await cli("setups", "add", file);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("penguins-kmeans-4 version 1");
    const yaml = path.join(dir, "k4.yaml");
    writeFileSync(
      yaml,
      "name: penguins-kmeans-4\nmodelType: penguins\nflavour: kmeans\ndataset: penguins\nparams:\n  k: 5\n",
    );
    expect((await cli("setups", "add", yaml)).stdout).toContain("penguins-kmeans-4 version 2");
    const v1 = JSON.parse((await cli("--json", "setups", "show", "penguins-kmeans-4@1")).stdout);
    expect(v1.params.k).toBe(4);
  });

  describe("bad input gives exit code 2, says what and where, and leaves no output", () => {
    it("an unknown setup", async () => {
      expectUserError(
        await cli("train", "no-such-setup", "--data", TITANIC),
        'unknown setup "no-such-setup"',
        "Known setups",
      );
    });

    it("an unknown model and an unknown alias", async () => {
      const out = path.join(dir, "never.csv");
      expectUserError(await cli("predict", "nope", "--data", TITANIC, "--out", out), "nope");
      expectUserError(
        await cli("predict", "titanic-logreg@nosuch", "--data", TITANIC, "--out", out),
        "nosuch",
      );
      expect(existsSync(out)).toBe(false);
    });

    it("an unknown flavour in a setup", async () => {
      const file = path.join(dir, "bad-flavour.json");
      writeFileSync(
        file,
        JSON.stringify({ name: "x", modelType: "penguins", flavour: "dbscan", dataset: "penguins" }),
      );
      expectUserError(await cli("setups", "add", file), 'unknown flavour "dbscan"', "kmeans");
    });

    it("a bad setup parameter, naming the field", async () => {
      const file = path.join(dir, "bad-param.yaml");
      writeFileSync(
        file,
        "name: x\nmodelType: penguins\nflavour: kmeans\ndataset: penguins\nparams:\n  k: 0\n",
      );
      expectUserError(await cli("setups", "validate", file), "bad-param.yaml", "params.k");
    });

    it("a missing column in prediction input", async () => {
      const file = path.join(dir, "no-age.csv");
      writeFileSync(file, "PassengerId,Pclass,Sex,SibSp,Parch,Fare,Embarked\n1,3,male,1,0,7.25,S\n");
      const out = path.join(dir, "no-age-out.csv");
      expectUserError(
        await cli("predict", "titanic-logreg", "--data", file, "--out", out),
        "no-age.csv",
        "Age",
      );
      expect(existsSync(out)).toBe(false);
    });

    it("an unparseable value, naming file, row and column", async () => {
      const file = path.join(dir, "bad-age.csv");
      const lines = readFileSync(TITANIC, "utf8").split("\n");
      lines[3] = lines[3].replace(",26,", ",twenty-six,");
      writeFileSync(file, lines.join("\n"));
      const out = path.join(dir, "bad-age-out.csv");
      expectUserError(
        await cli("predict", "titanic-logreg", "--data", file, "--out", out),
        "bad-age.csv",
        "row 3",
        '"Age"',
        "twenty-six",
      );
      expect(existsSync(out)).toBe(false);
    });

    it("a category value the metadata does not allow", async () => {
      const file = path.join(dir, "bad-sex.csv");
      writeFileSync(file, "PassengerId,Pclass,Sex,Age,SibSp,Parch,Fare,Embarked\n1,3,robot,22,1,0,7.25,S\n");
      expectUserError(
        await cli("predict", "titanic-gbdt", "--data", file, "--out", path.join(dir, "o.csv")),
        '"Sex"',
        "robot",
      );
    });

    it("a bad runtime parameter, before any output is opened", async () => {
      const out = path.join(dir, "thr.csv");
      expectUserError(
        await cli("predict", "titanic-logreg", "--data", TITANIC, "--out", out, "--param", "threshold=2"),
        "threshold",
      );
      expectUserError(
        await cli(
          "predict",
          "penguins-kmeans",
          "--data",
          PENGUINS,
          "--out",
          out,
          "--param",
          "probabilities=true",
        ),
        "probabilities",
      );
      expect(existsSync(out)).toBe(false);
    });

    it("an output format it cannot write", async () => {
      expectUserError(
        await cli("predict", "titanic-logreg", "--data", TITANIC, "--out", path.join(dir, "x.xlsx")),
        ".xlsx",
      );
    });

    it("a missing data file", async () => {
      expectUserError(
        await cli("train", "titanic-logreg", "--data", path.join(dir, "missing.csv")),
        "missing.csv",
      );
    });

    it("a corrupted artifact", async () => {
      const trained = JSON.parse(
        (await cli("--json", "train", "penguins-kmeans", "--data", PENGUINS)).stdout,
      );
      const folder = new URL(trained.artifactUri).pathname;
      const arrays = path.join(folder, "arrays");
      const part = path.join(arrays, readdirSync(arrays)[0]);
      const bytes = readFileSync(part);
      bytes[0] ^= 0xff;
      writeFileSync(part, bytes);
      const out = path.join(dir, "tampered.csv");
      expectUserError(
        await cli("predict", `penguins-kmeans@${trained.version}`, "--data", PENGUINS, "--out", out),
        "checksum",
      );
      expect(existsSync(out)).toBe(false);
    });

    it("a usage mistake", async () => {
      const result = await cli("predict", "titanic-logreg");
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("--data");
    });
  });
});

describe("concurrent CLI processes", () => {
  it("two setups add processes at once lose nothing", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const home = path.join(dir, "home");
      const files = [0, 1, 2, 3].map((i) => {
        const file = path.join(dir, `s${i}.json`);
        writeFileSync(
          file,
          JSON.stringify({
            name: `shared-setup`,
            modelType: "penguins",
            flavour: "kmeans",
            dataset: "penguins",
            params: { k: i + 2 },
          }),
        );
        return file;
      });
      const results = await Promise.all(files.map((f) => runCli(["--home", home, "setups", "add", f])));
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const versions = await Promise.all(
        [1, 2, 3, 4].map(
          async (v) =>
            JSON.parse(
              (await runCli(["--home", home, "--json", "setups", "show", `shared-setup@${v}`])).stdout,
            ).params.k,
        ),
      );
      expect(versions.sort()).toEqual([2, 3, 4, 5]);
    } finally {
      cleanup();
    }
  }, 120_000);
});
