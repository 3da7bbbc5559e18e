import { mkdirSync } from "node:fs";
import path from "node:path";
import { ConflictError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { PipelineRegistry } from "../core/pipeline-registry.ts";
import type { DocumentStore } from "../stores/document-store.ts";
import { openLmdbDocumentStore } from "../stores/lmdb-document-store.ts";

/** Collections of the document store. */
export const COLLECTIONS = Object.freeze({
  setups: "setups",
  datasets: "datasets",
  runs: "runs",
});

/** The workspace's folder layout. */
export interface WorkspacePaths {
  home: string;
  store: string;
  config: string;
  predictions: string;
  reports: string;
}

export function workspacePaths(home: string): WorkspacePaths {
  const root = path.resolve(home);
  return {
    home: root,
    store: path.join(root, "store"),
    config: path.join(root, "config.json"),
    predictions: path.join(root, "predictions"),
    reports: path.join(root, "reports"),
  };
}

/** Opens (creating on first use) the workspace's document store. */
export function openWorkspaceStore(paths: WorkspacePaths): DocumentStore {
  mkdirSync(paths.store, { recursive: true });
  return openLmdbDocumentStore(paths.store);
}

/**
 * Seeds the built-in dataset metadata and default setups as version 1 where they are absent.
 * Safe when several processes open a new workspace at once: the loser of a race sees a conflict.
 */
export async function seedWorkspace(store: DocumentStore, pipelines: PipelineRegistry): Promise<void> {
  for (const pipeline of pipelines.list()) {
    for (const dataset of pipeline.builtinDatasets) {
      await putIfAbsent(store, COLLECTIONS.datasets, dataset.metadata);
    }
    for (const setup of pipeline.defaultSetups) {
      const validated = pipeline.factory.validateSetup(setup);
      await putIfAbsent(store, COLLECTIONS.setups, JSON.parse(JSON.stringify(validated)) as JsonObject);
    }
  }
}

async function putIfAbsent(store: DocumentStore, collection: string, body: JsonObject): Promise<void> {
  const name = String(body.name);
  if ((await store.listVersions(collection, name)).length > 0) return;
  try {
    await store.putVersion(collection, name, body, { create: true });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}
