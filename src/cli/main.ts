#!/usr/bin/env node
import { availableParallelism } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { EngineError, EXIT_CODES, UsageError } from "../core/errors.ts";
import { parseParamPairs } from "../core/runtime-params.ts";
import { inferMetadata } from "../data/infer.ts";
import { DEMO_SETUPS, runDemo } from "../engine/demo.ts";
import { Engine } from "../engine/engine.ts";
import { ENGINE_VERSION } from "../engine/version.ts";
import { formatMetrics, formatNumber, printJson, printTable } from "./output.ts";
import { terminalProgress } from "./progress.ts";
import { readDocument } from "./read-document.ts";

/** `--workers`: a whole number of at least 1. */
function parseWorkers(text: string): number {
  const n = /^[0-9]+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--workers must be a whole number of at least 1, got "${text}"`, {
      hint: `Use e.g. --workers ${availableParallelism()} (this machine's cores).`,
    });
  }
  return n;
}

interface GlobalOptions {
  home?: string;
  config?: string;
  registry?: string;
  json?: boolean;
  debug?: boolean;
}

/** Builds the `mpipe` command tree. Commands parse, call the engine and print; nothing more. */
export function buildProgram(): Command {
  const program = new Command("mpipe")
    .description("model-pipeline: train and batch-run tabular ML models")
    .version(ENGINE_VERSION)
    .option("--home <dir>", "workspace folder (default: $MPIPE_HOME or ./.mpipe)")
    .option("--config <file>", "engine config (default: <home>/config.json)")
    .option("--registry <uri>", "model registry: local, or an MLflow tracking URI")
    .option("--json", "machine-readable output")
    .option("--debug", "show stack traces of internal errors")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const withEngine = async <T>(work: (engine: Engine, g: GlobalOptions) => Promise<T>): Promise<T> => {
    const g = globals();
    const progress = await terminalProgress(!g.json);
    const engine = await Engine.open({
      home: g.home ?? process.env.MPIPE_HOME ?? ".mpipe",
      configFile: g.config,
      registry: g.registry,
      onProgress: progress.listener,
      onNotice: (message) => {
        if (!g.json) process.stderr.write(`notice: ${message}\n`);
      },
    });
    try {
      return await work(engine, g);
    } finally {
      progress.stop();
      await engine.close();
    }
  };

  program
    .command("demo")
    .description(
      `train ${DEMO_SETUPS.join(", ")} on the bundled data, batch-predict each and write their reports`,
    )
    .action(() =>
      withEngine(async (engine, g) => {
        const results = await runDemo(engine, (step) => {
          if (!g.json) process.stderr.write(`${step}\n`);
        });
        if (g.json) return printJson(results);
        printTable(
          ["model", "type/flavour", "rows", "metrics"],
          results.map((r) => [
            `${r.entry.name}@${r.entry.version}`,
            `${r.entry.modelType}/${r.entry.flavour}`,
            r.trainingRows,
            formatMetrics(r.entry.metrics),
          ]),
        );
        process.stdout.write(`\nPredictions (${results.length} files) are in ${engine.paths.predictions}:\n`);
        for (const r of results) process.stdout.write(`  ${r.predictions} (${r.predictedRows} rows)\n`);
        process.stdout.write(`\nReports (${results.length} files) are in ${engine.paths.reports}:\n`);
        for (const r of results) process.stdout.write(`  ${r.report}\n`);
      }),
    );

  const setups = program.command("setups").description("model setups (versioned documents)");
  setups
    .command("list")
    .description("list setups (latest versions)")
    .action(() =>
      withEngine(async (engine, g) => {
        const docs = await engine.listSetups();
        if (g.json) return printJson(docs);
        printTable(
          ["name", "version", "type/flavour", "dataset", "description"],
          docs.map((d) => [
            d.name,
            d.version,
            `${d.body.modelType}/${d.body.flavour}`,
            String(d.body.dataset),
            String(d.body.description ?? ""),
          ]),
        );
      }),
    );
  setups
    .command("show <setup>")
    .description("show a setup (name or name@version); --json prints a document 'setups add' accepts")
    .action((ref: string) =>
      withEngine(async (engine, g) => {
        const doc = await engine.getSetup(ref);
        if (g.json) return printJson(doc.body);
        process.stdout.write(
          `${doc.name} (version ${doc.version}, ${doc.createdAt})\n${JSON.stringify(doc.body, null, 2)}\n`,
        );
      }),
    );
  setups
    .command("add <file>")
    .description("add a setup from a JSON or YAML file (an existing name gets a new version)")
    .action((file: string) =>
      withEngine(async (engine, g) => {
        const doc = await engine.addSetup(await readDocument(file), file);
        if (g.json) return printJson(doc);
        process.stdout.write(`setup ${doc.name} version ${doc.version} stored\n`);
      }),
    );
  setups
    .command("validate <file>")
    .description("check a setup file against its model type, flavour and dataset without storing it")
    .action((file: string) =>
      withEngine(async (engine, g) => {
        const setup = await engine.validateSetup(await readDocument(file), file);
        if (g.json) return printJson({ valid: true, setup });
        process.stdout.write(`${file}: valid ${setup.modelType}/${setup.flavour} setup "${setup.name}"\n`);
      }),
    );
  setups
    .command("flavours")
    .description("list model types and their flavours")
    .action(() =>
      withEngine(async (engine, g) => {
        const flavours = engine.pipelines.flavours();
        if (g.json) return printJson(flavours);
        printTable(
          ["model type", "flavour", "runtime", "description"],
          flavours.map((f) => [f.modelType, f.flavour, f.runtime, f.description]),
        );
      }),
    );

  const datasets = program.command("datasets").description("dataset metadata (versioned documents)");
  datasets
    .command("list")
    .description("list dataset metadata (latest versions)")
    .action(() =>
      withEngine(async (engine, g) => {
        const docs = await engine.listDatasets();
        if (g.json) return printJson(docs);
        printTable(
          ["name", "version", "columns", "description"],
          docs.map((d) => [
            d.name,
            d.version,
            (d.body.columns as unknown[]).length,
            String(d.body.description ?? ""),
          ]),
        );
      }),
    );
  datasets
    .command("show <dataset>")
    .description("show dataset metadata (name or name@version)")
    .action((ref: string) =>
      withEngine(async (engine, g) => {
        const doc = await engine.getDataset(ref);
        if (g.json) return printJson(doc.body);
        process.stdout.write(`${doc.name} (version ${doc.version}): ${doc.metadata.description ?? ""}\n`);
        printTable(
          ["column", "type", "role", "categories"],
          doc.metadata.columns.map((c) => [c.name, c.type, c.role, c.categories?.join(", ") ?? ""]),
        );
      }),
    );
  datasets
    .command("add <file>")
    .description("add dataset metadata from a JSON or YAML file (an existing name gets a new version)")
    .action((file: string) =>
      withEngine(async (engine, g) => {
        const doc = await engine.addDataset(await readDocument(file), file);
        if (g.json) return printJson(doc);
        process.stdout.write(`dataset ${doc.name} version ${doc.version} stored\n`);
      }),
    );
  datasets
    .command("infer <data>")
    .description("propose metadata for a CSV or Parquet file (prints it; --add stores it)")
    .requiredOption("--name <name>", "dataset name (kebab-case)")
    .option("--target <column>", "the label column")
    .option("--id <column>", "the row id column")
    .option("--add", "store the proposal as dataset metadata")
    .action((data: string, options: { name: string; target?: string; id?: string; add?: boolean }) =>
      withEngine(async (engine, g) => {
        const proposal = await inferMetadata(data, options.name, { target: options.target, id: options.id });
        if (!options.add) return printJson(proposal);
        const doc = await engine.addDataset(proposal, data);
        if (g.json) return printJson(doc);
        process.stdout.write(`dataset ${doc.name} version ${doc.version} stored\n`);
      }),
    );

  datasets
    .command("profile <dataset>")
    .description(
      "profile a dataset (NAME: stored with its metadata; or a file PATH): types, missing, distinct, min, max, mean, histograms",
    )
    .option("--data <path>", "the data of a dataset NAME (default: its bundled file)")
    .option("--out <file>", "the HTML profile (default: <home>/reports/datasets/<name>.html)")
    .action((target: string, options: { data?: string; out?: string }) =>
      withEngine(async (engine, g) => {
        const result = await engine.profileDataset(target, options);
        if (g.json) return printJson(result);
        printTable(
          ["column", "type", "role", "missing", "invalid", "distinct", "min", "max", "mean"],
          result.profile.columns.map((c) => [
            c.name,
            c.type,
            c.role ?? "",
            c.missing,
            c.invalid,
            c.distinct,
            c.min ?? "",
            c.max ?? "",
            c.mean ?? "",
          ]),
        );
        const d = result.dataset;
        process.stdout.write(`\n${result.profile.rows} rows profiled`);
        if (d)
          process.stdout.write(
            d.stored
              ? `; stored with ${d.name}@${d.version}`
              : `; ${d.name}@${d.version} already holds this profile`,
          );
        process.stdout.write(`\nHTML profile: ${result.out}\n`);
      }),
    );

  program
    .command("train <setup>")
    .description("train a setup (name or name@version), evaluate it, and register the model")
    .requiredOption("--data <path>", "training data: a CSV or Parquet file, or a glob")
    .action((ref: string, options: { data: string }) =>
      withEngine(async (engine, g) => {
        const result = await engine.train(ref, options.data);
        if (g.json) return printJson({ ...result.entry, rows: result.rows });
        process.stdout.write(
          `registered ${result.entry.name}@${result.entry.version} (${result.entry.modelType}/${result.entry.flavour}, ${result.rows} rows)\n` +
            `metrics: ${formatMetrics(result.entry.metrics)}\n`,
        );
      }),
    );

  program
    .command("predict <model>")
    .description("batch-predict with a model (name, name@version or name@alias)")
    .requiredOption("--data <path>", "input: a CSV or Parquet file, or a glob")
    .requiredOption("--out <path>", "output file; .csv or .parquet")
    .addOption(
      new Option("--param <key=value>", "runtime parameter (repeatable), e.g. threshold=0.3")
        .argParser((value: string, previous: string[] = []) => [...previous, value])
        .default([]),
    )
    .option(
      "--workers <n>",
      `worker threads predicting in parallel (default: all ${availableParallelism()} cores for inputs of 8 MiB or more)`,
    )
    .action((ref: string, options: { data: string; out: string; param: string[]; workers?: string }) => {
      // Checked before the workspace is opened: a bad value has no side effect.
      const workers = options.workers === undefined ? undefined : parseWorkers(options.workers);
      return withEngine(async (engine, g) => {
        const params = parseParamPairs(options.param);
        const result = await engine.predict(ref, options.data, options.out, params, { workers });
        if (g.json)
          return printJson({
            model: `${result.entry.name}@${result.entry.version}`,
            rows: result.rows,
            out: result.outPath,
            columns: result.columns,
            params: result.params,
          });
        process.stdout.write(
          `${result.rows} predictions by ${result.entry.name}@${result.entry.version} written to ${path.relative(process.cwd(), result.outPath) || result.outPath}\n`,
        );
      });
    });

  program
    .command("report <model>")
    .description(
      "write a model's self-contained HTML report: lineage, parameters, metrics and evaluation charts",
    )
    .option("--out <file>", "the HTML file (default: <home>/reports/<name>@<version>.html)")
    .action((ref: string, options: { out?: string }) =>
      withEngine(async (engine, g) => {
        const result = await engine.report(ref, options.out);
        if (g.json) {
          const { entry, ...rest } = result;
          return printJson({ model: `${entry.name}@${entry.version}`, ...rest });
        }
        for (const note of result.notes) process.stderr.write(`notice: ${note}\n`);
        process.stdout.write(
          `report of ${result.entry.name}@${result.entry.version} (${result.charts.length} charts) written to ${result.out}\n`,
        );
      }),
    );

  const models = program.command("models").description("registered models");
  models
    .command("list")
    .description("list models (latest versions)")
    .action(() =>
      withEngine(async (engine, g) => {
        const entries = await engine.listModels();
        if (g.json) return printJson(entries);
        printTable(
          ["model", "type/flavour", "aliases", "created", "metrics"],
          entries.map((e) => [
            `${e.name}@${e.version}`,
            `${e.modelType}/${e.flavour}`,
            e.aliases.join(","),
            e.createdAt,
            formatMetrics(e.metrics),
          ]),
        );
      }),
    );
  models
    .command("show <model>")
    .description("show a model version and the model's other versions")
    .action((ref: string) =>
      withEngine(async (engine, g) => {
        const { entry, versions } = await engine.showModel(ref);
        if (g.json)
          return printJson({
            ...entry,
            versions: versions.map((v) => ({
              version: v.version,
              aliases: v.aliases,
              createdAt: v.createdAt,
              metrics: v.metrics,
            })),
          });
        const l = entry.lineage;
        process.stdout.write(
          [
            `${entry.name}@${entry.version}  ${entry.modelType}/${entry.flavour} (${entry.runtime})`,
            `aliases:  ${entry.aliases.join(", ") || "-"}`,
            `created:  ${entry.createdAt}`,
            `setup:    ${l.setupName}@${l.setupVersion}`,
            `dataset:  ${l.datasetName}@${l.datasetVersion} ${l.datasetFingerprint}`,
            `engine:   ${l.engineVersion}`,
            `metrics:  ${formatMetrics(entry.metrics)}`,
            `artifact: ${entry.artifactUri}`,
            "",
          ].join("\n"),
        );
        printTable(
          ["version", "aliases", "created", "metrics"],
          versions.map((v) => [v.version, v.aliases.join(","), v.createdAt, formatMetrics(v.metrics)]),
        );
      }),
    );
  models
    .command("compare <models...>")
    .description("metrics of two or more models or versions side by side; * marks the better value")
    .action((refs: string[]) =>
      withEngine(async (engine, g) => {
        const comparison = await engine.compareModels(refs);
        if (g.json) return printJson(comparison);
        printTable(
          ["metric", ...comparison.models.map((m) => m.ref), "better"],
          comparison.metrics.map((m) => [
            m.metric,
            ...m.values.map((v, i) =>
              v === null ? "-" : `${formatNumber(v)}${m.best.includes(i) ? " *" : ""}`,
            ),
            m.direction ?? "",
          ]),
        );
        process.stdout.write("\n* the better value of the metric\n");
        for (const warning of comparison.warnings)
          process.stdout.write(`warning: not comparable: ${warning}\n`);
      }),
    );
  models
    .command("alias <model> <alias>")
    .description("point an alias (e.g. champion) at a version (name@3) or the latest (name)")
    .option("--remove", "remove the alias instead")
    .action((ref: string, alias: string, options: { remove?: boolean }) =>
      withEngine(async (engine, g) => {
        if (options.remove) {
          await engine.removeAlias(ref.split("@")[0], alias);
          if (!g.json) process.stdout.write(`alias ${alias} removed from ${ref.split("@")[0]}\n`);
          else printJson({ removed: alias });
          return;
        }
        const entry = await engine.setAlias(ref, alias);
        if (g.json) return printJson(entry);
        process.stdout.write(`${entry.name}@${alias} -> version ${entry.version}\n`);
      }),
    );

  program
    .command("runs")
    .description("recent training and prediction runs")
    .option("--limit <n>", "how many", "20")
    .action((options: { limit: string }) =>
      withEngine(async (engine, g) => {
        const runs = await engine.listRuns(Number(options.limit) || 20);
        if (g.json) return printJson(runs);
        printTable(
          ["started", "kind", "status", "subject", "rows"],
          runs.map((r) => [
            String(r.startedAt),
            String(r.kind),
            String(r.status),
            String(r.model ?? r.setup ?? ""),
            String(r.rows ?? ""),
          ]),
        );
      }),
    );

  return program;
}

/** Runs the CLI and returns the exit code: 0 success, 2 the user's input is wrong, 1 internal fault. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    return reportError(error, debug);
  }
}

function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Help and version output exit 0; usage mistakes were already printed by commander.
    return error.exitCode === 0 ? 0 : EXIT_CODES.usage;
  }
  if (error instanceof EngineError) {
    process.stderr.write(`error: ${error.describe()}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return EXIT_CODES[error.code];
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`internal error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write("Run again with --debug for details, and report it if it persists.\n");
  return EXIT_CODES.internal;
}

// Run as a script (`tsx src/cli/main.ts`, `node dist/mpipe.js`), not imported by bin/mpipe.js.
const invokedDirectly =
  process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
