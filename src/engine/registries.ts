import { UsageError } from "../core/errors.ts";
import type { DocumentStore } from "../stores/document-store.ts";
import { LocalModelRegistry } from "../stores/local-model-registry.ts";
import type { ModelRegistry } from "../stores/model-registry.ts";
import type { WorkspacePaths } from "./workspace.ts";

/** Registry back-ends by URI scheme; a failed lookup lists the ones that exist. */
const REGISTRY_KINDS = ["local", "http://HOST:PORT or https://… (an MLflow tracking server)"] as const;

/** Opens the model registry a config or `--registry` names: `local` or an MLflow tracking URI. */
export async function openModelRegistry(
  uri: string,
  workspace: { paths: WorkspacePaths; store: DocumentStore },
): Promise<ModelRegistry> {
  if (uri === "local") return new LocalModelRegistry({ root: workspace.paths.home, store: workspace.store });
  if (/^https?:\/\//i.test(uri)) {
    // Loaded only when used: a local workspace never pulls in the MLflow client.
    const { MlflowModelRegistry } = await import("../stores/mlflow/mlflow-model-registry.ts");
    return new MlflowModelRegistry({ trackingUri: uri });
  }
  throw new UsageError(`unknown model registry "${uri}"`, {
    hint: `Use one of [${REGISTRY_KINDS.join(", ")}].`,
  });
}
