import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
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

  it("has every worker-thread module the bundled code starts", () => {
    const entries = new Set<string>();
    for (const bundle of ["mpipe.js", "predict-worker.js"]) {
      const code = readFileSync(path.join(dist, bundle), "utf8");
      for (const match of code.matchAll(/new URL\("\.\/([\w-]+\.js)", import\.meta\.url\)/g))
        entries.add(match[1]);
    }
    // The bundled engine starts these from beside itself (the others are the source's entries).
    for (const entry of ["hgb-helper.js", "predict-worker.js"]) {
      expect(entries).toContain(entry);
      expect(() => readFileSync(path.join(dist, entry))).not.toThrow();
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
