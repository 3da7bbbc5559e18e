import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { NotFoundError, UsageError } from "../core/errors.ts";

/** Reads a JSON or YAML document (YAML is a superset of JSON), with the line of a syntax error. */
export function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotFoundError(`file not found: ${file}`, { hint: "Check the path." });
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
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
