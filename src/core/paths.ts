import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * True when the engine runs from its prebuilt bundle (`dist/*.js`, made by `npm run build`),
 * false when it runs from `src/` through tsx. Module-relative paths — the package root, the
 * entry files of worker threads — differ between the two layouts.
 */
export const RUNS_FROM_BUNDLE = !import.meta.url.endsWith(".ts");

/** This module's folder: `src/core/` from source; `dist/` or `dist/chunks/` (shared code) bundled. */
const MODULE_DIR = new URL(".", import.meta.url);

/** The bundle's folder `dist/`, which holds its entry files (meaningful when bundled only). */
const BUNDLE_DIR = MODULE_DIR.pathname.endsWith("/chunks/") ? new URL("../", MODULE_DIR) : MODULE_DIR;

/** The package's root folder (holds `data/` with the bundled datasets). */
export const PACKAGE_ROOT = fileURLToPath(new URL(RUNS_FROM_BUNDLE ? "../" : "../../", BUNDLE_DIR));

/**
 * The module a worker thread starts from: the bundle's entry file `dist/<bundled>` when bundled,
 * else the source entry `src/<source>` (a .js shim that loads TypeScript through tsx).
 */
export function workerEntry(bundled: string, source: string): URL {
  return RUNS_FROM_BUNDLE ? new URL(bundled, BUNDLE_DIR) : new URL(`../${source}`, MODULE_DIR);
}

/** Absolute path of a bundled dataset file, e.g. `bundledData("titanic.csv")`. */
export function bundledData(file: string): string {
  return path.join(PACKAGE_ROOT, "data", file);
}
