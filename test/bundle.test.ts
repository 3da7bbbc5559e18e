import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isBundleFresh } from "../bin/fresh-bundle.js";
import { ROOT, tempDir } from "./helpers/cli.ts";

describe("the prebuilt bundle", () => {
  const dist = path.join(ROOT, "dist");
  // Builds the real dist/ (files are renamed into place, so CLI runs of other tests meanwhile
  // see whole files); from a clean clone `npm ci` has built it already.
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "build.js")], { cwd: ROOT });

  it("runs the CLI as a plain Node program", () => {
    const version = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
    const printed = execFileSync(process.execPath, [path.join(dist, "mpipe.js"), "--version"], {
      encoding: "utf8",
    });
    expect(printed.trim()).toBe(version);
  });

  it("has every worker-thread module the bundled code starts, wherever that code sits", () => {
    const bundled = (folder: string) =>
      readdirSync(folder)
        .filter((name) => name.endsWith(".js"))
        .map((name) => readFileSync(path.join(folder, name), "utf8"));
    const entries = new Set<string>();
    for (const code of [...bundled(dist), ...bundled(path.join(dist, "chunks"))]) {
      for (const match of code.matchAll(/workerEntry\("([\w-]+\.js)"/g)) entries.add(match[1]);
    }
    expect([...entries].sort()).toEqual(["hgb-helper.js", "predict-worker.js"]);
    for (const entry of entries) expect(() => readFileSync(path.join(dist, entry))).not.toThrow();
  });

  it("trains and predicts on worker threads started from the bundle", () => {
    const { dir, cleanup } = tempDir();
    try {
      const home = path.join(dir, "home");
      const run = (...args: string[]) =>
        execFileSync(process.execPath, [path.join(dist, "mpipe.js"), "--home", home, ...args], {
          encoding: "utf8",
        });
      run("train", "titanic-logreg", "--data", path.join(ROOT, "data", "titanic.csv"));
      run(
        "predict",
        "titanic-logreg",
        "--data",
        path.join(ROOT, "data", "titanic.csv"),
        "--out",
        path.join(dir, "p.csv"),
        "--workers",
        "2",
      );
      const lines = readFileSync(path.join(dir, "p.csv"), "utf8").trim().split("\n");
      expect(lines[0]).toBe("PassengerId,prediction,probability");
      expect(lines).toHaveLength(892);
    } finally {
      cleanup();
    }
  });

  describe("freshness", () => {
    const { dir, cleanup } = tempDir();
    afterAll(cleanup);
    const source = path.join(dir, "src");
    mkdirSync(path.join(source, "core"), { recursive: true });
    const file = path.join(source, "core", "a.ts");
    const bundle = path.join(dir, "mpipe.js");
    writeFileSync(file, "export {};\n");
    const at = (seconds: number) => new Date(1_700_000_000_000 + seconds * 1000);

    it("is fresh when built after the last source change, also in subfolders", () => {
      // Folders count too: adding or deleting a file changes its folder's time.
      for (const entry of [file, path.dirname(file), source]) utimesSync(entry, at(0), at(0));
      writeFileSync(bundle, "");
      utimesSync(bundle, at(10), at(10));
      expect(isBundleFresh(bundle, source)).toBe(true);
    });

    it("is stale once a source file changes after the build, or when the bundle is missing", () => {
      utimesSync(file, at(20), at(20));
      expect(isBundleFresh(bundle, source)).toBe(false);
      expect(isBundleFresh(path.join(dir, "missing.js"), source)).toBe(false);
    });
  });
});
