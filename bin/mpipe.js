#!/usr/bin/env node
// Runs the CLI from its prebuilt bundle (dist/, made by `npm run build` and by `npm ci`) when
// that was built from the current source, else from the TypeScript source through tsx's
// loader — so the package works without a build, and an edit is never shadowed by a stale bundle.
import { fileURLToPath } from "node:url";
import { isBundleFresh } from "./fresh-bundle.js";

const bundle = new URL("../dist/mpipe.js", import.meta.url);
let main;
if (isBundleFresh(fileURLToPath(bundle), fileURLToPath(new URL("../src/", import.meta.url)))) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
