/**
 * Worker for the cross-process test: `node --import tsx document-store-worker.ts <dir> <id> <count>`.
 * Appends `count` versions of one shared document, puts `count` records, and increments a shared
 * counter `count` times in read-modify-write transactions.
 */
import { openLmdbDocumentStore } from "../lmdb-document-store.ts";
import { waitForGo } from "./spawn-workers.ts";

const [dir, id, countText] = process.argv.slice(2);
const worker = Number(id);
const count = Number(countText);
const store = openLmdbDocumentStore(dir);
await waitForGo();
for (let seq = 0; seq < count; seq++) {
  await store.putVersion("docs", "shared", { worker, seq });
  await store.put("records", `w${worker}-${String(seq).padStart(4, "0")}`, { worker, seq });
  await store.transaction((tx) => {
    const current = tx.get("counters", "total");
    tx.put("counters", "total", { value: ((current?.value as number | undefined) ?? 0) + 1 });
  });
}
await store.close();
process.stdout.write("done\n");
