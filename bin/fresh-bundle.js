// Whether the prebuilt bundle may run: see bin/mpipe.js.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * True if `bundleFile` exists and no file under `sourceDir` was modified after it was written,
 * i.e. the bundle was built from the current source.
 * @param {string} bundleFile
 * @param {string} sourceDir
 * @returns {boolean}
 */
export function isBundleFresh(bundleFile, sourceDir) {
  let built;
  try {
    built = statSync(bundleFile).mtimeMs;
  } catch {
    return false;
  }
  for (const file of readdirSync(sourceDir, { recursive: true })) {
    if (statSync(path.join(sourceDir, String(file))).mtimeMs > built) return false;
  }
  return true;
}
