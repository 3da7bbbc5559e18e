import { fileURLToPath } from "node:url";

/** The package's root folder (holds `data/` with the bundled datasets). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Absolute path of a bundled dataset file, e.g. `bundledData("titanic.csv")`. */
export function bundledData(file: string): string {
  return fileURLToPath(new URL(`../../data/${file}`, import.meta.url));
}
