import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadDataError, DatasetSchemaError, type EngineError, UsageError } from "../core/errors.ts";
import { withDuckDB } from "./duckdb.ts";
import { resolveInputFiles } from "./files.ts";
import type { CategoryColumn, Frame, NumberColumn, StringColumn } from "./frame.ts";
import { concatFrames } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";
import { readFrame, type ScanOptions, scanFrames } from "./scan.ts";

const TITANIC = fileURLToPath(new URL("../../data/titanic.csv", import.meta.url));
const PENGUINS = fileURLToPath(new URL("../../data/penguins.csv", import.meta.url));

const titanicColumns: ColumnSpec[] = [
  { name: "PassengerId", type: "integer" },
  { name: "Survived", type: "integer" },
  { name: "Pclass", type: "category", categories: ["1", "2", "3"] },
  { name: "Name", type: "string" },
  { name: "Sex", type: "category", categories: ["female", "male"] },
  { name: "Age", type: "number" },
  { name: "Fare", type: "number" },
  { name: "Embarked", type: "category", categories: ["C", "Q", "S"] },
];

const penguinColumns: ColumnSpec[] = [
  { name: "species", type: "category", categories: ["Adelie", "Chinstrap", "Gentoo"] },
  { name: "bill_length_mm", type: "number" },
  { name: "flipper_length_mm", type: "integer" },
  { name: "sex", type: "category", categories: ["female", "male"] },
  { name: "year", type: "integer" },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mpipe-scan-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a file in the test's temp dir and returns its path. */
async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function num(frame: Frame, name: string): Float64Array {
  return (frame.columns.get(name) as NumberColumn).values;
}
function codes(frame: Frame, name: string): Int32Array {
  return (frame.columns.get(name) as CategoryColumn).codes;
}
function strings(frame: Frame, name: string): ReadonlyArray<string | null> {
  return (frame.columns.get(name) as StringColumn).values;
}
function countNaN(values: Float64Array): number {
  return values.filter(Number.isNaN).length;
}

async function collect(options: ScanOptions): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of scanFrames(options)) frames.push(frame);
  return frames;
}

/** Runs `read` and returns the engine error it throws. */
async function failure(read: Promise<unknown>): Promise<EngineError> {
  try {
    await read;
  } catch (error) {
    return error as EngineError;
  }
  throw new Error("expected the read to fail");
}

describe("scanning the bundled Titanic CSV", () => {
  let frame: Frame;
  beforeAll(async () => {
    frame = await readFrame({ files: [TITANIC], columns: titanicColumns });
  });

  it("reads all 891 rows with exactly the requested columns in order", () => {
    expect(frame.rowCount).toBe(891);
    expect([...frame.columns.keys()]).toEqual(titanicColumns.map((c) => c.name));
    expect(Array.from(num(frame, "PassengerId").subarray(0, 3))).toEqual([1, 2, 3]);
  });

  it("reads empty Age cells as NaN (177 of them)", () => {
    expect(countNaN(num(frame, "Age"))).toBe(177);
    expect(num(frame, "Age")[0]).toBe(22);
  });

  it("codes Embarked against its levels with 2 missing", () => {
    const embarked = codes(frame, "Embarked");
    expect(embarked.filter((c) => c === -1).length).toBe(2);
    expect(embarked[0]).toBe(2); // "S"
    expect(embarked[1]).toBe(0); // "C"
  });

  it("codes Sex in the order of its levels", () => {
    const sex = codes(frame, "Sex");
    expect(Array.from(sex.subarray(0, 4))).toEqual([1, 0, 0, 0]); // male, female, female, female
    expect(sex.filter((c) => c === 0).length).toBe(314);
    expect((frame.columns.get("Sex") as CategoryColumn).levels).toEqual(["female", "male"]);
  });

  it("reads quoted names with embedded commas and doubled quotes", () => {
    const names = strings(frame, "Name");
    expect(names[0]).toBe("Braund, Mr. Owen Harris");
    expect(names).toContain('McGowan, Miss. Anna "Annie"');
    expect(names).toContain('Petroff, Mr. Pastcho ("Pentcho")');
  });

  it("reads a category whose levels are numbers as text", () => {
    expect(Array.from(codes(frame, "Pclass").subarray(0, 3))).toEqual([2, 0, 2]);
  });
});

describe("scanning the bundled penguins CSV", () => {
  it("reads 'NA' as missing in number and category columns", async () => {
    const frame = await readFrame({ files: [PENGUINS], columns: penguinColumns });
    expect(frame.rowCount).toBe(344);
    expect(countNaN(num(frame, "bill_length_mm"))).toBe(2);
    expect(Number.isNaN(num(frame, "bill_length_mm")[3])).toBe(true);
    expect(countNaN(num(frame, "flipper_length_mm"))).toBe(2);
    expect(codes(frame, "sex").filter((c) => c === -1).length).toBe(11);
  });

  it("rejects 'NA' as a number when missingValues does not list it", async () => {
    const error = await failure(readFrame({ files: [PENGUINS], columns: penguinColumns, missingValues: [] }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toMatchObject({ row: 4, column: "bill_length_mm" });
    expect(error.message).toContain('"NA" is not a number');
  });
});

describe("chunking", () => {
  it("gives identical concatenated frames for chunkRows 1, 7 and 1000", async () => {
    const whole = await readFrame({ files: [TITANIC], columns: titanicColumns });
    for (const chunkRows of [1, 7, 1000]) {
      const frames = await collect({ files: [TITANIC], columns: titanicColumns, chunkRows });
      expect(frames.length).toBe(Math.ceil(891 / chunkRows));
      for (const f of frames.slice(0, -1)) expect(f.rowCount).toBe(chunkRows);
      expect(concatFrames(frames)).toEqual(whole);
    }
  });

  it("fills frames across DuckDB's 2048-row chunks and keeps row order", async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `${i},${i % 3 === 0 ? "" : i / 2}`);
    const path = await file("long.csv", `id,x\n${rows.join("\n")}\n`);
    const columns: ColumnSpec[] = [
      { name: "id", type: "integer" },
      { name: "x", type: "number" },
    ];
    const frames = await collect({ files: [path], columns, chunkRows: 3000 });
    expect(frames.map((f) => f.rowCount)).toEqual([3000, 3000, 3000, 1000]);
    const ids = num(concatFrames(frames), "id");
    expect(ids.every((v, i) => v === i)).toBe(true);
    expect(countNaN(num(concatFrames(frames), "x"))).toBe(3334);
  });

  it("yields no frame for a file with only a header, and readFrame an empty frame", async () => {
    const path = await file("header-only.csv", "a,b\n");
    const columns: ColumnSpec[] = [{ name: "a", type: "number" }];
    expect(await collect({ files: [path], columns })).toEqual([]);
    const frame = await readFrame({ files: [path], columns });
    expect(frame.rowCount).toBe(0);
    expect(num(frame, "a").length).toBe(0);
  });

  it("rejects a chunkRows that is not a positive whole number", async () => {
    const error = await failure(collect({ files: [TITANIC], columns: titanicColumns, chunkRows: 0 }));
    expect(error).toBeInstanceOf(UsageError);
  });
});

describe("multiple files", () => {
  it("keeps file order, then row order, for a glob", async () => {
    await file("part-01.csv", "k,v\n1,a\n2,b\n");
    await file("part-02.csv", "v,k\nc,3\n"); // columns in another order
    await file("part-03.csv", "k,v\n4,d\n5,e\n");
    const files = await resolveInputFiles(join(dir, "part-*.csv"));
    const columns: ColumnSpec[] = [
      { name: "k", type: "integer" },
      { name: "v", type: "string" },
    ];
    const frames = await collect({ files, columns, chunkRows: 2 });
    const all = concatFrames(frames);
    expect(Array.from(num(all, "k"))).toEqual([1, 2, 3, 4, 5]);
    expect(strings(all, "v")).toEqual(["a", "b", "c", "d", "e"]);
    expect(frames.map((f) => f.rowCount)).toEqual([2, 2, 1]);
  });

  it("numbers rows within each file in errors", async () => {
    const a = await file("multi-a.csv", "x\n1\n2\n");
    const b = await file("multi-b.csv", "x\n3\n4\nfour\n");
    const error = await failure(readFrame({ files: [a, b], columns: [{ name: "x", type: "number" }] }));
    expect(error.location).toEqual({ file: b, row: 3, column: "x" });
  });
});

describe("validation errors", () => {
  const ageCsv = "Name,Age\nAnn,22\nBob,31\nCid,abc\nDee,40\n";

  it("reports a value that is not a number with file, row and column", async () => {
    const path = await file("bad-age.csv", ageCsv);
    const error = await failure(readFrame({ files: [path], columns: [{ name: "Age", type: "number" }] }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toEqual({ file: path, row: 3, column: "Age" });
    expect(error.message).toBe('"abc" is not a number (expected number)');
    expect(error.describe()).toContain(`${path}, row 3, column "Age": "abc" is not a number`);
    expect(error.hint).toContain("missingValues");
  });

  it("finds the first bad row far into the file", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => (i === 4320 ? "x1" : String(i)));
    const path = await file("late-bad.csv", `n\n${rows.join("\n")}\n`);
    const error = await failure(readFrame({ files: [path], columns: [{ name: "n", type: "number" }] }));
    expect(error.location).toMatchObject({ row: 4321, column: "n" });
    expect(error.message).toContain('"x1"');
  });

  it("yields only frames of valid rows before the error", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => (i === 4499 ? "oops" : String(i)));
    const path = await file("partial.csv", `n\n${rows.join("\n")}\n`);
    const seen: number[] = [];
    const error = await failure(
      (async () => {
        const columns: ColumnSpec[] = [{ name: "n", type: "number" }];
        for await (const frame of scanFrames({ files: [path], columns, chunkRows: 1000 })) {
          seen.push(frame.rowCount);
        }
      })(),
    );
    expect(error.location?.row).toBe(4500);
    // Rows are checked a DuckDB chunk at a time, so the frames before the bad row's chunk arrive.
    expect(seen.length).toBeLessThanOrEqual(4);
    expect(seen.every((n) => n === 1000)).toBe(true);
  });

  it("rejects a fraction in an integer column", async () => {
    const path = await file("fraction.csv", "n\n1\n2.0\n2.5\n");
    const error = await failure(readFrame({ files: [path], columns: [{ name: "n", type: "integer" }] }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toMatchObject({ row: 3, column: "n" });
    expect(error.message).toContain('"2.5" is not a whole number');
  });

  it("rejects infinite numbers", async () => {
    const path = await file("inf.csv", "n\n1\ninf\n");
    const error = await failure(readFrame({ files: [path], columns: [{ name: "n", type: "number" }] }));
    expect(error.location).toMatchObject({ row: 2, column: "n" });
    expect(error.message).toContain("not a finite number");
  });

  it("rejects a category value outside the levels and lists the allowed ones", async () => {
    const path = await file("bad-level.csv", "Embarked\nS\nC\nX\n");
    const columns: ColumnSpec[] = [{ name: "Embarked", type: "category", categories: ["C", "Q", "S"] }];
    const error = await failure(readFrame({ files: [path], columns }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toMatchObject({ row: 3, column: "Embarked" });
    expect(error.message).toBe('"X" is not one of the allowed values: "C", "Q", "S"');
  });

  it("compares category levels as exact text", async () => {
    const path = await file("level-case.csv", "sex\nmale\nMale\n");
    const columns: ColumnSpec[] = [{ name: "sex", type: "category", categories: ["female", "male"] }];
    const error = await failure(readFrame({ files: [path], columns }));
    expect(error.location).toMatchObject({ row: 2, column: "sex" });
  });

  it("treats the custom missingValues as missing", async () => {
    const path = await file("question.csv", "n,c\n1,a\n?,?\n");
    const columns: ColumnSpec[] = [
      { name: "n", type: "number" },
      { name: "c", type: "category", categories: ["a"] },
    ];
    const frame = await readFrame({ files: [path], columns, missingValues: ["?"] });
    expect(Number.isNaN(num(frame, "n")[1])).toBe(true);
    expect(Array.from(codes(frame, "c"))).toEqual([0, -1]);
  });

  it("reports a missing column with the file's columns and a close name", async () => {
    const error = await failure(readFrame({ files: [TITANIC], columns: [{ name: "age", type: "number" }] }));
    expect(error).toBeInstanceOf(DatasetSchemaError);
    expect(error.location).toEqual({ file: TITANIC, column: "age" });
    expect(error.message).toContain("PassengerId, Survived, Pclass");
    expect(error.hint).toContain('did you mean "Age"?');
  });

  it("reports a column name that appears twice in the header", async () => {
    const path = await file("dupe.csv", "a,b,a\n1,2,3\n");
    const error = await failure(readFrame({ files: [path], columns: [{ name: "a", type: "number" }] }));
    expect(error).toBeInstanceOf(DatasetSchemaError);
    expect(error.location?.column).toBe("a");
  });

  it("rejects a category column without levels as a usage error", async () => {
    const error = await failure(
      readFrame({ files: [TITANIC], columns: [{ name: "Sex", type: "category" }] }),
    );
    expect(error).toBeInstanceOf(UsageError);
  });
});

describe("malformed files", () => {
  it("reports a row with too many fields", async () => {
    const path = await file("ragged.csv", "a,b\n1,2\n3,4,5\n6,7\n");
    const error = await failure(readFrame({ files: [path], columns: [{ name: "a", type: "number" }] }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toEqual({ file: path, row: 2 });
    expect(error.message).toContain("expected 2 fields (as in the header), found 3");
    expect(error.message).not.toMatch(/Possible fixes|strict_mode|ignore_errors/);
  });

  it("reports a row with too few fields", async () => {
    const path = await file("short.csv", "a,b\n1\n6,7\n");
    const error = await failure(readFrame({ files: [path], columns: [{ name: "a", type: "number" }] }));
    expect(error.location).toEqual({ file: path, row: 1 });
    expect(error.message).toContain("found 1");
  });

  it("reports an unterminated quote", async () => {
    const path = await file("unterminated.csv", 'a,b\n1,2\n"3,4\n6,7\n');
    const error = await failure(readFrame({ files: [path], columns: [{ name: "a", type: "string" }] }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toMatchObject({ file: path, row: 2 });
    expect(error.message).toContain("unterminated quote");
  });

  it("reports a malformed row found after the stream has started", async () => {
    // Large enough that DuckDB fails mid-stream rather than before the first chunk.
    const rows = Array.from({ length: 150_000 }, (_, i) => `${i},x`);
    rows.push("1,2,3");
    const path = await file("late-ragged.csv", `a,b\n${rows.join("\n")}\n5,y\n`);
    const error = await failure(collect({ files: [path], columns: [{ name: "a", type: "integer" }] }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toEqual({ file: path, row: 150_001 });
  });

  it("reports an empty file", async () => {
    const path = await file("empty.csv", "");
    const error = await failure(readFrame({ files: [path], columns: [{ name: "a", type: "number" }] }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toEqual({ file: path });
    expect(error.message).toBe("the file is empty");
  });

  it("reports a file that is not Parquet", async () => {
    const path = await file("fake.parquet", "not parquet at all");
    const error = await failure(readFrame({ files: [path], columns: [{ name: "a", type: "number" }] }));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toEqual({ file: path });
  });

  it("reads CRLF line ends, a byte-order mark and quoted line breaks", async () => {
    const path = await file("crlf.csv", '\uFEFFid,text\r\n1,"two\r\nlines"\r\n2,plain\r\n');
    const frame = await readFrame({
      files: [path],
      columns: [
        { name: "id", type: "integer" },
        { name: "text", type: "string" },
      ],
    });
    expect(Array.from(num(frame, "id"))).toEqual([1, 2]);
    expect(strings(frame, "text")).toEqual(["two\r\nlines", "plain"]);
  });
});

describe("notices, early stop and abort", () => {
  it("notices the ignored extra columns once per file", async () => {
    const notices: string[] = [];
    await readFrame({ files: [TITANIC, TITANIC], columns: titanicColumns, onNotice: (m) => notices.push(m) });
    expect(notices).toEqual([
      `${TITANIC}: ignoring 4 extra columns: SibSp, Parch, Ticket, Cabin`,
      `${TITANIC}: ignoring 4 extra columns: SibSp, Parch, Ticket, Cabin`,
    ]);
  });

  it("gives no notice for a file whose read fails", async () => {
    const path = await file("extra-bad.csv", "a,extra\n1,x\nbad,y\n");
    const notices: string[] = [];
    const read = readFrame({
      files: [path],
      columns: [{ name: "a", type: "number" }],
      onNotice: (m) => notices.push(m),
    });
    expect(await failure(read)).toBeInstanceOf(BadDataError);
    expect(notices).toEqual([]);
  });

  it("stops cleanly when the consumer breaks out early, and can scan again", async () => {
    let frames = 0;
    for await (const _ of scanFrames({ files: [TITANIC], columns: titanicColumns, chunkRows: 100 })) {
      frames++;
      if (frames === 2) break;
    }
    expect(frames).toBe(2);
    expect((await readFrame({ files: [TITANIC], columns: titanicColumns })).rowCount).toBe(891);
  });

  it("throws the abort reason when the signal fires", async () => {
    const controller = new AbortController();
    const frames: Frame[] = [];
    const error = await failure(
      (async () => {
        for await (const frame of scanFrames({
          files: [TITANIC],
          columns: titanicColumns,
          chunkRows: 100,
          signal: controller.signal,
        })) {
          frames.push(frame);
          controller.abort();
        }
      })(),
    );
    expect((error as Error).name).toBe("AbortError");
    expect(frames.length).toBe(1);
  });
});

describe("scanning Parquet", () => {
  it("reads native types: numbers, whole doubles as category text, NaN as missing", async () => {
    const path = join(dir, "typed.parquet");
    await withDuckDB(async ({ connection }) => {
      await connection.run(
        `COPY (SELECT * FROM (VALUES
           (1::BIGINT, 1.0::DOUBLE, 2::INTEGER, 'a', 1.5::DECIMAL(4,2)),
           (2, 'NaN'::DOUBLE, NULL, 'NA', NULL),
           (3, 3.0, 1, 'b', 2.25)
         ) t(id, level, code, txt, dec)) TO '${path}' (FORMAT parquet)`,
      );
    });
    const frame = await readFrame({
      files: [path],
      columns: [
        { name: "id", type: "integer" },
        { name: "level", type: "category", categories: ["1", "3"] },
        { name: "code", type: "category", categories: ["1", "2"] },
        { name: "txt", type: "string" },
        { name: "dec", type: "number" },
      ],
    });
    expect(Array.from(num(frame, "id"))).toEqual([1, 2, 3]);
    expect(Array.from(codes(frame, "level"))).toEqual([0, -1, 1]);
    expect(Array.from(codes(frame, "code"))).toEqual([1, -1, 0]);
    expect(strings(frame, "txt")).toEqual(["a", null, "b"]);
    expect(Array.from(num(frame, "dec"))).toEqual([1.5, Number.NaN, 2.25]);
  });

  it("rejects a Parquet column whose type cannot hold numbers", async () => {
    const path = join(dir, "dates.parquet");
    await withDuckDB(async ({ connection }) => {
      await connection.run(`COPY (SELECT DATE '2024-01-02' AS d) TO '${path}' (FORMAT parquet)`);
    });
    const error = await failure(readFrame({ files: [path], columns: [{ name: "d", type: "number" }] }));
    expect(error).toBeInstanceOf(DatasetSchemaError);
    expect(error.message).toContain("DATE");
  });

  it("names the row, column and text of a bad cell deep in a multi-file Parquet scan", async () => {
    const first = join(dir, "part-1.parquet");
    const second = join(dir, "part-2.parquet");
    await withDuckDB(async ({ connection }) => {
      // 10 000 rows per file: the bad row lies several DuckDB chunks into the second file.
      const rows = (bad: string) =>
        `SELECT i::BIGINT AS id, CASE WHEN i = 7321 THEN ${bad} ELSE 'b' END AS level, ` +
        `CASE WHEN i = 9000 THEN 'inf'::DOUBLE ELSE i / 2 END AS x FROM range(10000) t(i)`;
      await connection.run(`COPY (${rows("'b'")}) TO '${first}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
      await connection.run(`COPY (${rows("'zebra'")}) TO '${second}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
    });
    const columns: ColumnSpec[] = [
      { name: "id", type: "integer" },
      { name: "level", type: "category", categories: ["a", "b"] },
    ];
    const frames: Frame[] = [];
    const error = await failure(
      (async () => {
        for await (const frame of scanFrames({ files: [first, second], columns, chunkRows: 1000 })) {
          frames.push(frame);
        }
      })(),
    );
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.message).toContain('"zebra" is not one of the allowed values');
    expect(error.location).toMatchObject({ file: second, row: 7322, column: "level" });
    // Only rows before the bad one were yielded.
    const yielded = concatFrames(frames).rowCount;
    expect(yielded).toBeGreaterThanOrEqual(10000);
    expect(yielded).toBeLessThan(10000 + 7321);

    const infinite = await failure(readFrame({ files: [first], columns: [{ name: "x", type: "number" }] }));
    expect(infinite.message).toContain('"inf" is not a finite number');
    expect(infinite.location).toMatchObject({ file: first, row: 9001, column: "x" });
  });

  it("reports a Parquet file whose data pages are damaged instead of returning fewer rows", async () => {
    const path = join(dir, "damaged.parquet");
    await withDuckDB(async ({ connection }) => {
      await connection.run(
        `COPY (SELECT 'row number ' || i AS s FROM range(100000) t(i)) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`,
      );
    });
    const bytes = await readFile(path);
    // Overwrite a stretch in the middle of the data (the footer, at the end, stays readable).
    bytes.fill(0xff, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64);
    await writeFile(path, bytes);
    const error = await failure(readFrame({ files: [path], columns: [{ name: "s", type: "string" }] }));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(path);
  });
});
