#!/usr/bin/env node
/**
 * Bundles the engine into dist/ with esbuild: the CLI (dist/mpipe.js) and the modules of its
 * worker threads (dist/predict-worker.js, dist/hgb-helper.js), with the code they share or load
 * on demand in dist/chunks/; npm packages other than zod are left as imports.
 * Plain Node loads one prebuilt file per thread instead of ~100 TypeScript modules through tsx's
 * loader, which takes about half a second off every command and off every worker's start.
 * bin/mpipe.js runs the bundle only while it is newer than every file under src/, else the
 * source through tsx, so an edit is never shadowed by a stale bundle.
 *
 * Run: `npm run build` (also run by `npm ci` / `npm install`, as the `prepare` script).
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { build } from "esbuild";

const ROOT = new URL("../", import.meta.url);
const pkg = JSON.parse(await readFile(new URL("package.json", ROOT), "utf8"));
/** Dependencies bundled into dist/ rather than imported from node_modules at run time. */
const BUNDLED = new Set(["zod"]);
/** Output name → source entry. The CLI comes last: its time stamp marks a complete build. */
const ENTRIES = [
  ["predict-worker", "src/engine/parallel/predict-worker.ts"],
  ["hgb-helper", "src/algorithms/parallel/hgb-helper.ts"],
  ["mpipe", "src/cli/main.ts"],
];

const result = await build({
  absWorkingDir: new URL(".", ROOT).pathname,
  entryPoints: ENTRIES.map(([out, source]) => ({ out, in: source })),
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // npm packages stay imports, except zod: the engine (and every prediction worker) loads it at
  // start, and as one bundled module it loads in about half the time of its ~17 separate ones.
  external: Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name)),
  // Modules imported dynamically (the Python runtime's Arrow tables, …) become chunks of their
  // own, so their packages load only when used, not at every start.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: "linked",
  write: false,
  logLevel: "warning",
});
await mkdir(new URL("dist/chunks/", ROOT), { recursive: true });
/** @param {string} path */
const order = (path) => ENTRIES.findIndex(([out]) => path.includes(`/dist/${out}.js`));
// Each file is written beside its final name and renamed into place, so a command starting
// meanwhile sees either the old file or the new one, never half of one.
for (const file of result.outputFiles.sort((a, b) => order(a.path) - order(b.path))) {
  const temporary = `${file.path}.${process.pid}.tmp`;
  await writeFile(temporary, file.contents);
  await rename(temporary, file.path);
}
// Chunks of earlier builds are no longer imported by anything: remove them.
const written = new Set(result.outputFiles.map((file) => file.path));
const chunks = new URL("dist/chunks/", ROOT);
for (const name of await readdir(chunks)) {
  const file = new URL(name, chunks);
  if (!written.has(file.pathname)) await rm(file);
}
