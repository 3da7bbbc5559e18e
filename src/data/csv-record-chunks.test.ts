import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvRecordChunks } from "./csv-record-chunks.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mpipe-chunks-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("csvRecordChunks", () => {
  it("gives the same records when finished chunks' buffers are handed back dirty", async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${i},"name, ${i}",${(i * 0.37).toFixed(2)}\n`);
    const path = join(dir, "records.csv");
    await writeFile(path, `id,name,value\n${rows.join("")}`);

    const fresh: string[] = [];
    for await (const chunk of csvRecordChunks(path, 256, true))
      fresh.push(Buffer.from(chunk.bytes).toString());
    expect(fresh.join("")).toBe(rows.join(""));

    // Hands back each finished chunk's buffer, filled with junk, as the thread executor's pool does.
    const returned: ArrayBuffer[] = [];
    let allocated = 0;
    const allocate = (minBytes: number) => {
      const kept = returned.pop();
      if (kept && kept.byteLength >= minBytes) return kept;
      allocated++;
      return new ArrayBuffer(minBytes + 64);
    };
    const recycled: string[] = [];
    const counts: number[] = [];
    for await (const chunk of csvRecordChunks(path, 256, true, allocate)) {
      recycled.push(Buffer.from(chunk.bytes).toString());
      counts.push(chunk.rows);
      new Uint8Array(chunk.bytes.buffer).fill(0x2c);
      returned.push(chunk.bytes.buffer as ArrayBuffer);
    }
    expect(recycled).toEqual(fresh);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(rows.length);
    expect(allocated).toBeLessThan(3);
  });
});
