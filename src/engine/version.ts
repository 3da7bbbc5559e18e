import { readFileSync } from "node:fs";
import { PACKAGE_ROOT } from "../core/paths.ts";

/** The engine's version, from package.json (recorded in every artifact's lineage). */
export const ENGINE_VERSION: string = (
  JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, "utf8")) as { version: string }
).version;
