import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * True when the engine runs from its prebuilt bundle (`dist/*.js`, made by `npm run build`),
 * false when it runs from `src/` through tsx. Module-relative paths — the package root, the
 * entry files of worker threads — differ between the two layouts.
 */
export const RUNS_FROM_BUNDLE = !import.meta.url.endsWith(".ts");

/** The package's root folder (holds `data/` with the bundled datasets). */
export const PACKAGE_ROOT = fileURLToPath(new URL(RUNS_FROM_BUNDLE ? "../" : "../../", import.meta.url));

/** Absolute path of a bundled dataset file, e.g. `bundledData("titanic.csv")`. */
export function bundledData(file: string): string {
  return path.join(PACKAGE_ROOT, "data", file);
}
