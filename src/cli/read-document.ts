import { readFileSync } from "node:fs";
import { NotFoundError, UsageError } from "../core/errors.ts";

let yamlModule: Promise<typeof import("yaml")> | undefined;

/**
 * The YAML parser, loaded on first use: importing it costs about 30 ms, which only the commands
 * that read a setup or dataset file should pay, not every command's start-up.
 */
function loadYaml(): Promise<typeof import("yaml")> {
  yamlModule ??= import("yaml");
  return yamlModule;
}

/** Reads a JSON or YAML document (YAML is a superset of JSON), with the line of a syntax error. */
export async function readDocument(file: string): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotFoundError(`file not found: ${file}`, { hint: "Check the path." });
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const { parseDocument } = await loadYaml();
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const line = first.linePos?.[0]?.line;
    throw new UsageError(
      `${file}${line ? `, line ${line}` : ""}: not valid JSON or YAML: ${first.message.split("\n")[0]}`,
      {
        hint: "Setup and dataset files are JSON or YAML documents.",
      },
    );
  }
  return document.toJS();
}
