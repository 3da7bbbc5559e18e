import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { NotFoundError, UsageError } from "../core/errors.ts";
import { RUNS_FROM_BUNDLE } from "../core/paths.ts";
import type { PipelineCore } from "../core/pipeline-core.ts";
import type { PipelineRegistry } from "../core/pipeline-registry.ts";
import { setupValidationError } from "../core/setup.ts";

/**
 * The workspace config (`<home>/config.json`, or the file given with `--config`):
 *
 * ```json
 * { "plugins": ["./my-types/churn/index.ts"], "registry": "local" }
 * ```
 */
export const EngineConfig = z
  .object({
    /** Modules that export model types: `pipelines: PipelineCore[]` or a default PipelineCore. */
    plugins: z.array(z.string().min(1)).default([]),
    /** Model registry: `local` (in the workspace) or an MLflow tracking URI (`http://host:port`). */
    registry: z.string().min(1).default("local"),
  })
  .strict();
export type EngineConfig = z.infer<typeof EngineConfig>;

export interface LoadedConfig {
  config: EngineConfig;
  /** The file it came from, if any; plug-in paths are relative to its folder. */
  file?: string;
}

/** Reads the config file; a missing default file means the defaults. */
export function loadConfig(file: string, explicit: boolean): LoadedConfig {
  if (!existsSync(file)) {
    if (explicit)
      throw new NotFoundError(`config file not found: ${file}`, { hint: "Check the --config path." });
    return { config: EngineConfig.parse({}) };
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`config file is not valid JSON: ${(error as Error).message}`, {
      location: { file },
    });
  }
  const parsed = EngineConfig.safeParse(document);
  if (!parsed.success) throw setupValidationError(parsed.error, { what: "invalid engine config", file });
  return { config: parsed.data, file };
}

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;
let typeScriptLoader: Promise<void> | undefined;

/**
 * Registers tsx's loader (once), so that TypeScript plug-ins load when the engine runs from its
 * bundle; from source, tsx is already registered.
 */
function registerTypeScriptLoader(): Promise<void> {
  typeScriptLoader ??= import("tsx/esm/api").then(({ register }) => {
    register();
  });
  return typeScriptLoader;
}

/** Imports each plug-in module and registers the model types it exports. */
export async function registerPlugins(registry: PipelineRegistry, loaded: LoadedConfig): Promise<void> {
  const base = loaded.file ? path.dirname(loaded.file) : process.cwd();
  for (const [i, specifier] of loaded.config.plugins.entries()) {
    const isPath = specifier.startsWith(".") || path.isAbsolute(specifier);
    const target = isPath ? pathToFileURL(path.resolve(base, specifier)).href : specifier;
    let module: Record<string, unknown>;
    try {
      if (RUNS_FROM_BUNDLE && TYPESCRIPT_FILE.test(target)) await registerTypeScriptLoader();
      module = (await import(target)) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`cannot load plug-in "${specifier}": ${(error as Error).message}`, {
        location: { file: loaded.file, field: `plugins.${i}` },
        hint: "Plug-in paths are relative to the config file; packages must be installed.",
        cause: error,
      });
    }
    const exported = Array.isArray(module.pipelines) ? module.pipelines : [module.default];
    const pipelines = exported.filter(isPipeline);
    if (pipelines.length === 0 || pipelines.length !== exported.length) {
      throw new UsageError(`plug-in "${specifier}" exports no model type`, {
        location: { file: loaded.file, field: `plugins.${i}` },
        hint: "Export `pipelines` (an array of PipelineCore instances) or a default PipelineCore instance.",
      });
    }
    for (const pipeline of pipelines) registry.register(pipeline, `plug-in "${specifier}"`);
  }
}

/**
 * Duck-typed rather than `instanceof`, so a plug-in that imports the engine through its package
 * name (a second module instance) still registers.
 */
function isPipeline(value: unknown): value is PipelineCore {
  const candidate = value as Partial<PipelineCore> | undefined;
  return (
    typeof candidate?.modelType === "string" &&
    typeof candidate.train === "function" &&
    typeof candidate.predict === "function" &&
    typeof candidate.factory?.create === "function"
  );
}
