/**
 * The MLflow registry against a real `mlflow server` started here: the shared registry
 * conformance body, then the CLI (train, alias, predict by alias) with the result checked through
 * MLflow's own REST API, and a server that is down.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceUnavailableError } from "../src/core/errors.ts";
import { describeWithMlflow } from "../src/runtimes/python/test-fixtures/python-env.ts";
import { proxyPath } from "../src/stores/mlflow/artifact-paths.ts";
import { MlflowModelRegistry } from "../src/stores/mlflow/mlflow-model-registry.ts";
import {
  freePort,
  type MlflowTestServer,
  startMlflowServer,
} from "../src/stores/mlflow/test-fixtures/mlflow-server.ts";
import { describeModelRegistryConformance } from "../src/stores/model-registry.conformance.ts";
import { parseSimpleCsv, ROOT, runCli, tempDir } from "./helpers/cli.ts";

const TITANIC = path.join(ROOT, "data", "titanic.csv");

describeWithMlflow()("MLflow model registry", () => {
  let server: MlflowTestServer;
  let tests = 0;

  beforeAll(async () => {
    server = await startMlflowServer();
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
  });

  // Each conformance test gets a fresh, empty registry: its own name prefix on the shared server.
  describeModelRegistryConformance("MlflowModelRegistry", async () => {
    const registry = new MlflowModelRegistry({
      trackingUri: server.uri,
      namePrefix: `conformance-${++tests}-`,
    });
    return {
      registry,
      cleanup: async () => {},
      artifactDir: async (entry) => path.join(server.artifactsDir, proxyPath(entry.artifactUri)),
    };
  });

  describe("through the CLI", () => {
    const { dir, cleanup } = tempDir("mpipe-mlflow-");
    const home = path.join(dir, "home");
    const cli = (...args: string[]) => runCli(["--home", home, "--registry", server.uri, ...args]);
    const api = async (endpoint: string, query: Record<string, string>) => {
      const response = await fetch(`${server.uri}/api/2.0/mlflow/${endpoint}?${new URLSearchParams(query)}`);
      expect(response.status, endpoint).toBe(200);
      // biome-ignore lint/suspicious/noExplicitAny: MLflow's raw JSON, checked field by field below
      return (await response.json()) as Record<string, any>;
    };
    afterAll(cleanup);

    it("trains and registers two versions, moves an alias, and predicts by alias", async () => {
      for (const version of [1, 2]) {
        const trained = await cli("train", "titanic-logreg", "--data", TITANIC);
        expect(trained.code, trained.stderr).toBe(0);
        expect(trained.stdout).toContain(`registered titanic-logreg@${version}`);
      }
      expect((await cli("models", "alias", "titanic-logreg@1", "champion")).code).toBe(0);

      const out = path.join(dir, "champion.csv");
      const predicted = await cli("predict", "titanic-logreg@champion", "--data", TITANIC, "--out", out);
      expect(predicted.code, predicted.stderr).toBe(0);
      expect(predicted.stdout).toContain("891 predictions by titanic-logreg@1");
      const csv = parseSimpleCsv(readFileSync(out, "utf8"));
      expect(csv.header).toEqual(["PassengerId", "prediction", "probability"]);
      expect(csv.rows).toHaveLength(891);

      const listed = JSON.parse((await cli("--json", "models", "list")).stdout) as {
        name: string;
        version: number;
        artifactUri: string;
      }[];
      // The conformance tests above share the server, under their own name prefixes.
      const logreg = listed.find((m) => m.name === "titanic-logreg");
      expect(logreg?.version).toBe(2);
      expect(logreg?.artifactUri).toMatch(/^mlflow-artifacts:\//);
    }, 180_000);

    it("shows the run, its params and metrics, the versions and the alias in MLflow's own API", async () => {
      const model = (await api("registered-models/get", { name: "titanic-logreg" })).registered_model;
      expect(model.aliases).toEqual([{ alias: "champion", version: "1" }]);

      const version = (await api("model-versions/get", { name: "titanic-logreg", version: "1" }))
        .model_version;
      expect(version.status).toBe("READY");
      expect(version.source).toMatch(/^mlflow-artifacts:\/.+\/artifacts\/model$/);
      const tags = Object.fromEntries(
        (version.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]),
      );
      expect(tags["mpipe.flavour"]).toBe("logistic-regression");
      expect(JSON.parse(tags["mpipe.entry"]).lineage.setupName).toBe("titanic-logreg");

      const run = (await api("runs/get", { run_id: version.run_id })).run;
      expect(run.info.status).toBe("FINISHED");
      const metrics = Object.fromEntries(
        (run.data.metrics as { key: string; value: number }[]).map((m) => [m.key, m.value]),
      );
      expect(metrics.accuracy).toBeGreaterThan(0.75);
      expect(metrics).toHaveProperty("roc_auc");
      const params = Object.fromEntries(
        (run.data.params as { key: string; value: string }[]).map((p) => [p.key, p.value]),
      );
      expect(params).toMatchObject({
        c: "1",
        "mpipe.flavour": "logistic-regression",
        "mpipe.evaluation.folds": "5",
      });
      const runTags = Object.fromEntries(
        (run.data.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]),
      );
      expect(runTags["mpipe.dataset_fingerprint"]).toMatch(/^sha256:/);

      const second = (await api("model-versions/get", { name: "titanic-logreg", version: "2" }))
        .model_version;
      expect(second.run_id).not.toBe(version.run_id);
      const artifact = path.join(server.artifactsDir, proxyPath(version.source), "manifest.json");
      expect(existsSync(artifact)).toBe(true);
    });

    it("refuses to predict with an artifact tampered with in MLflow's store", async () => {
      const version = (await api("model-versions/get", { name: "titanic-logreg", version: "2" }))
        .model_version;
      const manifestFile = path.join(server.artifactsDir, proxyPath(version.source), "manifest.json");
      const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
      manifest.metrics.accuracy = 0.99;
      writeFileSync(manifestFile, JSON.stringify(manifest));
      const result = await cli(
        "predict",
        "titanic-logreg@2",
        "--data",
        TITANIC,
        "--out",
        path.join(dir, "tampered.csv"),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("manifest of titanic-logreg@2 in MLflow was changed");
      expect(existsSync(path.join(dir, "tampered.csv"))).toBe(false);
    });
  });

  it("says which server is down, with exit code 2 and no stack trace", async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const { dir, cleanup } = tempDir("mpipe-mlflow-down-");
    try {
      for (const args of [
        ["models", "list"],
        ["predict", "titanic-logreg@champion", "--data", TITANIC, "--out", path.join(dir, "x.csv")],
      ]) {
        const result = await runCli(["--home", path.join(dir, "home"), "--registry", down, ...args]);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(
          new RegExp(`^error: the MLflow tracking server at ${down} cannot be reached \\(ECONNREFUSED\\)`),
        );
        expect(result.stderr).toContain("Hint: Is it running?");
        expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      }
      const registry = new MlflowModelRegistry({ trackingUri: down, retries: 1, retryDelayMs: 10 });
      await expect(registry.listModels()).rejects.toBeInstanceOf(ServiceUnavailableError);
    } finally {
      cleanup();
    }
  });
});
