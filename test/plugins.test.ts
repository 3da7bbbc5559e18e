import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runCli, tempDir } from "./helpers/cli.ts";

describe("model types from outside the engine", () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  const home = path.join(dir, "home");
  mkdirSync(home, { recursive: true });
  const plugin = path.join(ROOT, "examples", "penguin-species", "index.ts");
  writeFileSync(path.join(home, "config.json"), JSON.stringify({ plugins: [path.relative(home, plugin)] }));
  const cli = (...args: string[]) => runCli(["--home", home, ...args]);

  it("register through the workspace config and list their flavours beside the built-in ones", async () => {
    const result = await cli("--json", "setups", "flavours");
    expect(result.code, result.stderr).toBe(0);
    const flavours = JSON.parse(result.stdout) as Array<{ modelType: string; flavour: string }>;
    expect(flavours).toContainEqual(
      expect.objectContaining({ modelType: "penguin-species", flavour: "nearest-centroid" }),
    );
    expect(flavours).toContainEqual(
      expect.objectContaining({ modelType: "titanic", flavour: "gradient-boosting" }),
    );
  });

  it("train, register and batch-predict like the built-in ones", async () => {
    const trained = await cli(
      "--json",
      "train",
      "penguin-species-centroid",
      "--data",
      path.join(ROOT, "data", "penguins.csv"),
    );
    expect(trained.code, trained.stderr).toBe(0);
    expect(JSON.parse(trained.stdout).metrics.accuracy).toBeGreaterThan(0.9);
    const out = path.join(dir, "species.csv");
    const predicted = await cli(
      "predict",
      "penguin-species-centroid",
      "--data",
      path.join(ROOT, "data", "penguins.csv"),
      "--out",
      out,
    );
    expect(predicted.code, predicted.stderr).toBe(0);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("row,prediction");
    expect(lines[1]).toBe("0,Adelie");
  });

  it("an error raised in plug-in code is a user error with its message, not a crash", async () => {
    // The plug-in's engine classes come from the source while the CLI may run from its bundle.
    const setup = path.join(dir, "bad-features.json");
    writeFileSync(
      setup,
      JSON.stringify({
        name: "penguin-species-beaks",
        modelType: "penguin-species",
        flavour: "nearest-centroid",
        dataset: "penguins",
        params: {},
        features: ["beak_colour"],
      }),
    );
    const result = await cli("setups", "validate", setup);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain("beak_colour");
    expect(result.stderr).not.toContain("internal error");
  });

  it("a plug-in that cannot be loaded is a clear usage error", async () => {
    const config = path.join(dir, "broken.json");
    writeFileSync(config, JSON.stringify({ plugins: ["./does-not-exist.ts"] }));
    const result = await runCli(["--home", home, "--config", config, "setups", "list"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot load plug-in "./does-not-exist.ts"');
    expect(result.stderr).toContain("plugins.0");
  });
});
