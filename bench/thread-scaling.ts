/**
 * How well this machine runs two threads at once, kernel by kernel: each kernel runs a fixed
 * amount of work on one worker thread, then on two worker threads at once (each the same work,
 * no shared data, nothing else to wait for), and the throughput ratio is printed: the ceiling of
 * a two-worker speed-up of that kernel on this machine, warm (each thread runs its work once
 * before the timed run). Set beside the two-worker speed-up of `mpipe predict`, it tells how
 * much of the shortfall is the machine and how much the rest of the run (reading, writing,
 * garbage collection, start-up).
 *
 * Kernels: `csv` — the prediction workers' byte-level CSV parse of a 512 KiB chunk of Titanic-like
 * records plus formatting a two-column output (the per-row work of `mpipe predict titanic-logreg`
 * without the model); `exp` — a Math.exp loop (floating point); `chase` — a random pointer chase
 * through 64 MiB (memory latency).
 *
 * Run: `npx tsx bench/thread-scaling.ts [repeats]` (3 unless given; the best of the repeats is kept).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { type CsvChunkLayout, CsvChunkParser } from "../src/data/csv-chunk-parser.ts";
import { appendCsvRecords, RecordBuffer } from "../src/data/csv-records.ts";
import type { ColumnSpec } from "../src/data/metadata.ts";
import { generateCsv } from "./generate.ts";

type Kernel = "csv" | "exp" | "chase";
const KERNELS: Kernel[] = ["csv", "exp", "chase"];

/** Titanic columns the logistic-regression setup reads, as the prediction workers see them. */
const SPECS: ColumnSpec[] = [
  { name: "PassengerId", type: "integer" },
  { name: "Pclass", type: "category", categories: ["1", "2", "3"] },
  { name: "Sex", type: "category", categories: ["female", "male"] },
  { name: "Age", type: "number" },
  { name: "SibSp", type: "integer" },
  { name: "Parch", type: "integer" },
  { name: "Fare", type: "number" },
  { name: "Embarked", type: "category", categories: ["C", "Q", "S"] },
];
const HEADER = "PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked".split(",");
const LAYOUT: CsvChunkLayout = {
  fieldCount: HEADER.length,
  specs: SPECS,
  positions: SPECS.map((spec) => HEADER.indexOf(spec.name)),
  missing: [""],
};
const OUTPUT: ColumnSpec[] = [
  { name: "PassengerId", type: "integer" },
  { name: "Fare", type: "number" },
];

/**
 * Runs `kernel` twice and returns the second run's wall milliseconds: the first one warms up
 * (V8 compiles the hot code on its background threads, which two busy threads slow down).
 */
function timeKernel(kernel: Kernel, chunk: Uint8Array): number {
  runKernel(kernel, chunk);
  return runKernel(kernel, chunk);
}

/** Runs `kernel` for its fixed amount of work; returns the wall milliseconds. */
function runKernel(kernel: Kernel, chunk: Uint8Array): number {
  const t0 = performance.now();
  let sink = 0;
  if (kernel === "csv") {
    const records = new RecordBuffer();
    const parser = new CsvChunkParser(LAYOUT);
    for (let r = 0; r < 60; r++) {
      const parsed = parser.parse(chunk, -1);
      if (!parsed.ok) throw new Error(`the sample chunk does not parse: ${parsed.reason}`);
      records.clear();
      appendCsvRecords(records, OUTPUT, parsed.frame, "out.csv", 0);
      sink += records.length;
    }
  } else if (kernel === "exp") {
    for (let i = 0; i < 60_000_000; i++) sink += Math.exp(-(i & 1023) / 256);
  } else {
    const n = 1 << 24;
    const next = new Uint32Array(n);
    // Sattolo's shuffle: one cycle through all slots, so the chase visits every one.
    for (let i = 0; i < n; i++) next[i] = i;
    let seed = 12345;
    for (let i = n - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % i;
      const t = next[i];
      next[i] = next[j];
      next[j] = t;
    }
    const start = performance.now();
    let at = 0;
    for (let i = 0; i < 10_000_000; i++) at = next[at];
    sink += at;
    return performance.now() - start + (sink === -1 ? 1 : 0);
  }
  return performance.now() - t0 + (sink === -1 ? 1 : 0);
}

/** Starts `count` workers on `kernel` at once; returns each one's milliseconds. */
async function runWorkers(kernel: Kernel, chunk: Uint8Array, count: number): Promise<number[]> {
  const self = import.meta.url;
  const runs = Array.from(
    { length: count },
    () =>
      new Promise<number>((resolve, reject) => {
        // Worker threads do not inherit tsx's loader: register it, then load this file.
        const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(self)}); })`;
        const worker = new Worker(boot, { eval: true, workerData: { kernel, chunk } });
        worker.once("message", resolve);
        worker.once("error", reject);
      }),
  );
  return Promise.all(runs);
}

async function sampleChunk(): Promise<Uint8Array> {
  const file = join(fileURLToPath(new URL("./out/", import.meta.url)), "thread-scaling-titanic.csv");
  await generateCsv("titanic", 20_000, file);
  const bytes = readFileSync(file);
  const start = bytes.indexOf(10) + 1;
  const end = bytes.lastIndexOf(10, start + 512 * 1024) + 1;
  return new Uint8Array(bytes.subarray(start, end));
}

async function main(repeats: number): Promise<void> {
  const chunk = await sampleChunk();
  console.log(`two threads vs one, best of ${repeats} (node ${process.version})`);
  console.log("kernel   1 thread ms   2 threads ms (each)   throughput 2 vs 1");
  for (const kernel of KERNELS) {
    let one = Number.POSITIVE_INFINITY;
    let two = Number.POSITIVE_INFINITY;
    for (let r = 0; r < repeats; r++) {
      one = Math.min(one, ...(await runWorkers(kernel, chunk, 1)));
      two = Math.min(two, Math.max(...(await runWorkers(kernel, chunk, 2))));
    }
    const scaling = (2 * one) / two;
    console.log(
      `${kernel.padEnd(8)} ${one.toFixed(0).padStart(11)}   ${two.toFixed(0).padStart(20)}   ${scaling.toFixed(2).padStart(17)}×`,
    );
  }
}

if (isMainThread) {
  await main(Number(process.argv[2] ?? 3));
} else {
  const { kernel, chunk } = workerData as { kernel: Kernel; chunk: Uint8Array };
  parentPort!.postMessage(timeKernel(kernel, chunk));
}
