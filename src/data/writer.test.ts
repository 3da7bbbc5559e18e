import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BadDataError,
  DatasetSchemaError,
  type EngineError,
  NotFoundError,
  UsageError,
} from "../core/errors.ts";
import { withDuckDB } from "./duckdb.ts";
import { categoryColumn, type Frame, makeFrame, numberColumn, sliceFrame, stringColumn } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";
import { readFrame } from "./scan.ts";
import { openFrameWriter } from "./writer.ts";

const TITANIC = fileURLToPath(new URL("../../data/titanic.csv", import.meta.url));

const titanicColumns: ColumnSpec[] = [
  { name: "PassengerId", type: "integer" },
  { name: "Pclass", type: "category", categories: ["1", "2", "3"] },
  { name: "Name", type: "string" },
  { name: "Sex", type: "category", categories: ["female", "male"] },
  { name: "Age", type: "number" },
  { name: "Fare", type: "number" },
  { name: "Cabin", type: "string" },
  { name: "Embarked", type: "category", categories: ["C", "Q", "S"] },
];

let root: string;
let dir: string;
let case_ = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "mpipe-writer-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  // Each test gets its own folder so that "no stray files" checks see only its own output.
  dir = join(root, `case-${case_++}`);
  await mkdir(dir);
});

async function failure(action: Promise<unknown>): Promise<EngineError> {
  try {
    await action;
  } catch (error) {
    return error as EngineError;
  }
  throw new Error("expected the action to fail");
}

/** A frame exercising every cell kind CSV must quote or format specially. */
function trickyFrame(): Frame {
  return makeFrame([
    ["id", numberColumn(Float64Array.from([1, 2, 3, 4, 5, 6]))],
    ["x", numberColumn(Float64Array.from([0.1, 1 / 3, -2.5e-7, 1e21, Number.NaN, -0]))],
    [
      "text",
      stringColumn(["plain", "comma, inside", 'say "hi"', "two\nlines", null, "crlf\r\nand ünïcödé ✓"]),
    ],
    ["level", categoryColumn(Int32Array.from([0, 1, -1, 1, 0, 0]), ["a,b", 'q"uote'])],
  ]);
}
const trickyColumns: ColumnSpec[] = [
  { name: "id", type: "integer" },
  { name: "x", type: "number" },
  { name: "text", type: "string" },
  { name: "level", type: "category", categories: ["a,b", 'q"uote'] },
];

describe("CSV output", () => {
  it("quotes commas, quotes and line breaks and reads back identically through the scanner", async () => {
    const path = join(dir, "tricky.csv");
    const writer = await openFrameWriter(path, trickyColumns);
    await writer.write(trickyFrame());
    await writer.commit();
    const back = await readFrame({ files: [path], columns: trickyColumns });
    const expected = trickyFrame();
    expect(back.rowCount).toBe(6);
    for (const name of ["id", "text", "level"])
      expect(back.columns.get(name)).toEqual(expected.columns.get(name));
    // -0 is written "0", which reads back as 0.
    expect(Array.from((back.columns.get("x") as { values: Float64Array }).values)).toEqual([
      0.1,
      1 / 3,
      -2.5e-7,
      1e21,
      Number.NaN,
      0,
    ]);
  });

  it("writes integers without a fraction, numbers in shortest form and missing as an empty field", async () => {
    const path = join(dir, "format.csv");
    const writer = await openFrameWriter(path, trickyColumns);
    await writer.write(trickyFrame());
    await writer.commit();
    const lines = (await readFile(path, "utf8")).split("\n");
    expect(lines[0]).toBe("id,x,text,level");
    expect(lines[1]).toBe('1,0.1,plain,"a,b"');
    expect(lines[2]).toBe('2,0.3333333333333333,"comma, inside","q""uote"');
    expect(lines[3]).toBe('3,-2.5e-7,"say ""hi""",');
    expect(lines[4]).toBe('4,1e+21,"two');
    expect(lines[6]).toBe('5,,,"a,b"');
  });

  it("rejects a fraction in an integer column with the row and column", async () => {
    const path = join(dir, "fraction.csv");
    const writer = await openFrameWriter(path, [{ name: "n", type: "integer" }]);
    await writer.write(makeFrame([["n", numberColumn(Float64Array.from([1, 2]))]]));
    const error = await failure(writer.write(makeFrame([["n", numberColumn(Float64Array.from([3, 4.5]))]])));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toEqual({ file: path, row: 4, column: "n" });
    await writer.abort();
  });
});

describe("Parquet output", () => {
  it("round-trips the Titanic frame through the scanner", async () => {
    const frame = await readFrame({ files: [TITANIC], columns: titanicColumns });
    const path = join(dir, "titanic.parquet");
    const writer = await openFrameWriter(path, titanicColumns);
    // Several writes of uneven size, crossing DuckDB's 2048-row chunks, must keep row order.
    for (const [start, end] of [
      [0, 1],
      [1, 300],
      [300, 891],
    ]) {
      await writer.write(sliceFrame(frame, start, end));
    }
    await writer.commit();
    expect(await readFrame({ files: [path], columns: titanicColumns })).toEqual(frame);
  });

  it("keeps row order over many rows and stores integer as BIGINT, number as DOUBLE, others as VARCHAR", async () => {
    const n = 50_000;
    const ids = Float64Array.from({ length: n }, (_, i) => i);
    const frame = makeFrame([
      ["id", numberColumn(ids)],
      ["x", numberColumn(Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Number.NaN : i / 4)))],
      [
        "c",
        categoryColumn(
          Int32Array.from({ length: n }, (_, i) => (i % 5) - 1),
          ["p", "q", "r", "s"],
        ),
      ],
      ["s", stringColumn(Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : `row ${i}`)))],
    ]);
    const columns: ColumnSpec[] = [
      { name: "id", type: "integer" },
      { name: "x", type: "number" },
      { name: "c", type: "category", categories: ["p", "q", "r", "s"] },
      { name: "s", type: "string" },
    ];
    const path = join(dir, "big.parquet");
    const writer = await openFrameWriter(path, columns);
    for (let start = 0; start < n; start += 12_345)
      await writer.write(sliceFrame(frame, start, start + 12_345));
    await writer.commit();
    expect(await readFrame({ files: [path], columns })).toEqual(frame);
    const types = await withDuckDB(async ({ connection }) => {
      const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
      return reader.getRows().map((row) => `${row[0]}:${row[1]}`);
    });
    expect(types).toEqual(["id:BIGINT", "x:DOUBLE", "c:VARCHAR", "s:VARCHAR"]);
  });

  it("writes the tricky frame and reads it back", async () => {
    const path = join(dir, "tricky.parquet");
    const writer = await openFrameWriter(path, trickyColumns);
    await writer.write(trickyFrame());
    await writer.commit();
    const back = await readFrame({ files: [path], columns: trickyColumns });
    const expected = trickyFrame();
    for (const name of ["id", "text", "level"])
      expect(back.columns.get(name)).toEqual(expected.columns.get(name));
  });

  it("leaves no staging files behind after commit", async () => {
    const path = join(dir, "clean.parquet");
    const writer = await openFrameWriter(path, trickyColumns);
    await writer.write(trickyFrame());
    await writer.commit();
    expect(await readdir(dir)).toEqual(["clean.parquet"]);
  });
});

describe("atomic output", () => {
  for (const ext of ["csv", "parquet"]) {
    it(`never shows a ${ext} file at the path before commit`, async () => {
      const path = join(dir, `out.${ext}`);
      const writer = await openFrameWriter(path, trickyColumns);
      await writer.write(trickyFrame());
      const names = await readdir(dir);
      expect(names).not.toContain(`out.${ext}`);
      expect(names.some((name) => name.startsWith(`.out.${ext}.tmp-${process.pid}-`))).toBe(true);
      await writer.commit();
      expect(await readdir(dir)).toEqual([`out.${ext}`]);
    });

    it(`leaves no ${ext} file and no temporary file after abort`, async () => {
      const path = join(dir, `aborted.${ext}`);
      const writer = await openFrameWriter(path, trickyColumns);
      await writer.write(trickyFrame());
      await writer.abort();
      await writer.abort(); // idempotent
      expect(await readdir(dir)).toEqual([]);
    });
  }

  it("leaves nothing at the path when the process dies before commit", async () => {
    const path = join(dir, "crash.parquet");
    const script = join(dir, "crash.mts");
    const writerModule = pathToFileURL(fileURLToPath(new URL("./writer.ts", import.meta.url))).href;
    await writeFile(
      script,
      `import { openFrameWriter } from ${JSON.stringify(writerModule)};
       const writer = await openFrameWriter(${JSON.stringify(path)}, [{ name: "n", type: "number" }]);
       await writer.write({ rowCount: 2, columns: new Map([["n", { kind: "number", values: Float64Array.of(1, 2) }]]) });
       process.exit(3);`,
    );
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", script]);
    await expect(run).rejects.toMatchObject({ code: 3 });
    const names = await readdir(dir);
    expect(names).not.toContain("crash.parquet");
    expect(names.some((name) => name.startsWith(".crash.parquet.tmp-"))).toBe(true);
  });

  it("keeps the previous file until commit replaces it", async () => {
    const path = join(dir, "replace.csv");
    await writeFile(path, "old\n");
    const writer = await openFrameWriter(path, trickyColumns);
    await writer.write(trickyFrame());
    expect(await readFile(path, "utf8")).toBe("old\n");
    await writer.commit();
    expect((await readFile(path, "utf8")).startsWith("id,x,text,level\n")).toBe(true);
  });

  for (const ext of ["csv", "parquet"]) {
    it(`commits a ${ext} file with no rows that reads back empty`, async () => {
      const path = join(dir, `empty.${ext}`);
      const writer = await openFrameWriter(path, trickyColumns);
      await writer.commit();
      expect((await readFrame({ files: [path], columns: trickyColumns })).rowCount).toBe(0);
    });
  }

  // Beyond 32 MiB the CSV sink flushes to disk in the background while writing goes on.
  it("commits, or aborts, a CSV output large enough to be flushed along the way", async () => {
    const record = new TextEncoder().encode("123456,0.5,plain,a\n");
    const block = new Uint8Array(record.length * 50_000);
    for (let at = 0; at < block.length; at += record.length) block.set(record, at);
    const blocks = Math.ceil((40 * 1024 * 1024) / block.length);
    for (const outcome of ["commit", "abort"] as const) {
      const path = join(dir, `large-${outcome}.csv`);
      const writer = await openFrameWriter(path, trickyColumns);
      await Promise.all(Array.from({ length: blocks }, () => writer.writeFormatted(block, 50_000)));
      await writer[outcome]();
    }
    expect(await readdir(dir)).toEqual(["large-commit.csv"]);
    const text = await readFile(join(dir, "large-commit.csv"), "utf8");
    expect(text.length).toBe("id,x,text,level\n".length + blocks * block.length);
    expect(text.endsWith("\n123456,0.5,plain,a\n")).toBe(true);
  });

  it("refuses to write after commit", async () => {
    const writer = await openFrameWriter(join(dir, "done.csv"), trickyColumns);
    await writer.commit();
    expect(await failure(writer.write(trickyFrame()))).toBeInstanceOf(UsageError);
  });
});

describe("writer errors", () => {
  it("rejects an unsupported extension, naming the supported ones", async () => {
    const error = await failure(openFrameWriter(join(dir, "out.json"), trickyColumns));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain(".csv or .parquet");
  });

  it("reports a missing output folder", async () => {
    const error = await failure(openFrameWriter(join(dir, "no-such-folder", "out.csv"), trickyColumns));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.hint).toContain("mkdir");
  });

  it("reports a frame that lacks a column or has the wrong kind", async () => {
    const writer = await openFrameWriter(join(dir, "bad.csv"), trickyColumns);
    const missing = await failure(writer.write(makeFrame([["id", numberColumn(Float64Array.from([1]))]])));
    expect(missing).toBeInstanceOf(DatasetSchemaError);
    expect(missing.location?.column).toBe("x");
    const swapped = new Map(trickyFrame().columns);
    swapped.set("x", stringColumn(["a", "b", "c", "d", "e", "f"]));
    const kind = await failure(writer.write({ rowCount: 6, columns: swapped }));
    expect(kind).toBeInstanceOf(DatasetSchemaError);
    expect(kind.location?.column).toBe("x");
    await writer.abort();
  });
});
