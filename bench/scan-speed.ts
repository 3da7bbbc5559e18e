/**
 * Scan throughput on a synthetic Titanic-like CSV (default 1e6 rows, generated once in the OS temp
 * folder). Run: `npx tsx bench/scan-speed.ts [rows]`.
 *
 * Prints rows/s for the model's usual columns (numbers and categories) and again with the free-text
 * Name column, plus the peak resident memory, which should stay flat as the row count grows.
 */
import { once } from "node:events";
import { createWriteStream, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ColumnSpec } from "../src/data/metadata.ts";
import { scanFrames } from "../src/data/scan.ts";

const rows = Number(process.argv[2] ?? 1_000_000);
const file = join(tmpdir(), `mpipe-titanic-${rows}.csv`);

const features: ColumnSpec[] = [
  { name: "PassengerId", type: "integer" },
  { name: "Survived", type: "integer" },
  { name: "Pclass", type: "category", categories: ["1", "2", "3"] },
  { name: "Sex", type: "category", categories: ["female", "male"] },
  { name: "Age", type: "number" },
  { name: "SibSp", type: "integer" },
  { name: "Parch", type: "integer" },
  { name: "Fare", type: "number" },
  { name: "Embarked", type: "category", categories: ["C", "Q", "S"] },
];
const withName: ColumnSpec[] = [...features, { name: "Name", type: "string" }];

async function generate(): Promise<void> {
  const out = createWriteStream(file);
  out.write("PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked\n");
  let text = "";
  for (let i = 1; i <= rows; i++) {
    const age = i % 5 === 0 ? "" : String(((i * 7) % 80) + 0.5 * (i % 2));
    const cabin = i % 4 === 0 ? `C${i % 150}` : "";
    text += `${i},${i % 2},${1 + (i % 3)},"Surname${i}, Mr. Given ""Nick""",${i % 2 ? "male" : "female"},${age},`;
    text += `${i % 4},${i % 3},A/5 ${i},${((i % 500) / 7).toFixed(4)},${cabin},${"SCQ"[i % 3]}\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await once(out, "drain");
      text = "";
    }
  }
  out.end(text);
  await once(out, "finish");
}

async function measure(label: string, columns: readonly ColumnSpec[]): Promise<void> {
  let peak = process.memoryUsage().rss;
  const start = performance.now();
  let count = 0;
  for await (const frame of scanFrames({ files: [file], columns })) {
    count += frame.rowCount;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - start) / 1000;
  const rate = Math.round(count / seconds).toLocaleString("en-US");
  const mb = Math.round(peak / 1e6);
  console.log(`${label}: ${count} rows in ${seconds.toFixed(2)} s = ${rate} rows/s (peak RSS ${mb} MB)`);
}

if (!existsSync(file)) {
  console.log(`generating ${file} …`);
  await generate();
}
await measure("warm-up", features);
await measure(`${features.length} number/category columns`, features);
await measure(`same + Name (string)`, withName);
