import { UsageError } from "../../core/errors.ts";

/**
 * The proxy path of an `mlflow-artifacts:` URI, e.g. `mlflow-artifacts:/1/<run>/artifacts/model`
 * → `1/<run>/artifacts/model` (also accepts `mlflow-artifacts://host:port/…`).
 *
 * @throws UsageError for any other scheme: the engine reaches artifacts only through the proxy.
 */
export function proxyPath(uri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
  if (!match) {
    throw new UsageError(`the MLflow server keeps artifacts at "${uri}", which this engine cannot reach`, {
      hint:
        "Run the tracking server with its artifact proxy (--serve-artifacts, the default) so runs store " +
        "artifacts under mlflow-artifacts:/, and create no experiment with another artifact location.",
    });
  }
  return match[1].replace(/\/+$/, "");
}

/** Relative artifact paths the engine will read or write: plain segments, no `..`, no hidden files. */
export const SAFE_RELATIVE_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
