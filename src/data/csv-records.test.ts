import { describe, expect, it } from "vitest";
import { SeededRandom } from "../algorithms/random.ts";
import { BadDataError } from "../core/errors.ts";
import { csvField, csvNumber } from "./csv-format.ts";
import { appendCsvRecords, RecordBuffer } from "./csv-records.ts";
import { categoryColumn, makeFrame, numberColumn, stringColumn } from "./frame.ts";
import type { ColumnSpec } from "./metadata.ts";

const decoder = new TextDecoder();

/** The records as the string formatting functions spell them, row by row. */
function expected(rows: string[][]): string {
  return rows.map((cells) => `${cells.join(",")}\n`).join("");
}

describe("appendCsvRecords", () => {
  it("writes numbers exactly as csvNumber does, including edge values", () => {
    const values = [
      0,
      -0,
      1,
      -1,
      9,
      10,
      99,
      100,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 53,
      -(2 ** 53) - 2,
      1e21,
      1e-7,
      123456789012,
      0.1,
      -0.30000000000000004,
      5e-324,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0.07252152396427863,
      1 / 3,
    ];
    const random = new SeededRandom(7);
    for (let i = 0; i < 2000; i++) {
      values.push((random.next() - 0.5) * 10 ** Math.floor(random.next() * 40 - 20));
      values.push(Math.round((random.next() - 0.5) * 2 ** Math.floor(random.next() * 54)));
    }
    const frame = makeFrame([["x", numberColumn(Float64Array.from(values))]]);
    const out = new RecordBuffer(8);
    appendCsvRecords(out, [{ name: "x", type: "number" }], frame, "out.csv", 0);
    expect(decoder.decode(out.view())).toBe(expected(values.map((v) => [csvNumber(v)])));
  });

  it("quotes categories and strings like csvField, and leaves missing cells empty", () => {
    const levels = ["plain", "a,b", 'say "hi"', "", "Zoë"];
    const strings = ["x", null, "two\nlines", "", "naïve, quoted"];
    const frame = makeFrame([
      ["id", numberColumn(Float64Array.from([1, 2, 3, 4, 5]))],
      ["level", categoryColumn(Int32Array.from([0, 1, 2, -1, 4]), levels)],
      ["text", stringColumn(strings)],
      ["level2", categoryColumn(Int32Array.from([3, -1, 0, 1, 2]), levels)],
    ]);
    const specs: ColumnSpec[] = [
      { name: "id", type: "integer" },
      { name: "level", type: "category", categories: levels.filter((l) => l !== "") },
      { name: "text", type: "string" },
      { name: "level2", type: "category", categories: ["plain"] },
    ];
    const out = new RecordBuffer(4);
    appendCsvRecords(out, specs, frame, "out.csv", 0);
    const cell = (codes: number[], row: number) => (codes[row] < 0 ? "" : csvField(levels[codes[row]]));
    const rows = [0, 1, 2, 3, 4].map((r) => [
      String(r + 1),
      cell([0, 1, 2, -1, 4], r),
      strings[r] === null ? "" : csvField(strings[r] as string),
      cell([3, -1, 0, 1, 2], r),
    ]);
    expect(decoder.decode(out.view())).toBe(expected(rows));
  });

  it("appends after what the buffer holds and starts over after clear", () => {
    const frame = makeFrame([["n", numberColumn(Float64Array.from([7, 8]))]]);
    const spec: ColumnSpec[] = [{ name: "n", type: "integer" }];
    const out = new RecordBuffer(1);
    appendCsvRecords(out, spec, frame, "out.csv", 0);
    appendCsvRecords(out, spec, frame, "out.csv", 2);
    expect(decoder.decode(out.view())).toBe("7\n8\n7\n8\n");
    out.clear();
    appendCsvRecords(out, spec, frame, "out.csv", 4);
    expect(decoder.decode(out.copy())).toBe("7\n8\n");
  });

  it("refuses a fraction in an integer column, naming the output row", () => {
    const frame = makeFrame([["n", numberColumn(Float64Array.from([1, 2.5]))]]);
    const out = new RecordBuffer();
    let error: unknown;
    try {
      appendCsvRecords(out, [{ name: "n", type: "integer" }], frame, "out.csv", 10);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BadDataError);
    expect((error as BadDataError).message).toContain("2.5 is not a whole number");
    expect((error as BadDataError).location).toMatchObject({ file: "out.csv", row: 12, column: "n" });
  });
});
