/**
 * Worker for the cross-process registry test:
 * `node --import tsx registry-worker.ts <root> <dbDir> <id> <count>` registers `count` versions
 * of one shared model and prints the versions it got as JSON.
 */

import { openLmdbDocumentStore } from "../lmdb-document-store.ts";
import { LocalModelRegistry } from "../local-model-registry.ts";
import { sampleManifest, sampleModel } from "./sample-artifact.ts";
import { waitForGo } from "./spawn-workers.ts";

const [root, dbDir, id, countText] = process.argv.slice(2);
const store = openLmdbDocumentStore(dbDir);
const registry = new LocalModelRegistry({ root, store });
await waitForGo();
const versions: number[] = [];
for (let i = 0; i < Number(countText); i++) {
  const entry = await registry.register({
    name: "shared-model",
    manifest: sampleManifest({ setupName: "shared-model" }),
    model: sampleModel(Number(id) * 1000 + i),
    evaluation: { worker: Number(id), i },
  });
  versions.push(entry.version);
}
await store.close();
process.stdout.write(`${JSON.stringify(versions)}\n`);
