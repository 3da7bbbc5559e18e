import { describe, expect, it } from "vitest";
import { type CsvChunkLayout, CsvChunkParser, parseDecimal } from "./csv-chunk-parser.ts";
import type { ColumnSpec } from "./metadata.ts";

const SPECS: ColumnSpec[] = [
  { name: "id", type: "integer" },
  { name: "sex", type: "category", categories: ["female", "male"] },
  { name: "age", type: "number" },
  { name: "name", type: "string" },
];
// File columns: id, name, sex, age, extra
const LAYOUT: CsvChunkLayout = { fieldCount: 5, specs: SPECS, positions: [0, 2, 3, 1], missing: ["NA"] };
const PARSER = new CsvChunkParser(LAYOUT);
const bytes = (text: string) => new TextEncoder().encode(text);

describe("CsvChunkParser", () => {
  it("reads numbers, categories, missing values and quoted text into columns", () => {
    const text = '1,"Smith, Mr. ""Jo""",male,22.5,x\n2,Ann,female,,y\r\n3,NA,NA,NA,"a,b"\n4,,male,-1e2,';
    const parsed = PARSER.parse(bytes(text), 4);
    if (!parsed.ok) throw new Error(parsed.reason);
    const { columns, rowCount } = parsed.frame;
    expect(rowCount).toBe(4);
    expect(columns.get("id")).toEqual({ kind: "number", values: Float64Array.from([1, 2, 3, 4]) });
    expect(columns.get("sex")).toMatchObject({ codes: Int32Array.from([1, 0, -1, 1]) });
    expect([...(columns.get("age") as { values: Float64Array }).values]).toEqual([
      22.5,
      Number.NaN,
      Number.NaN,
      -100,
    ]);
    expect(columns.get("name")).toEqual({ kind: "string", values: ['Smith, Mr. "Jo"', "Ann", null, null] });
  });

  it("counts rows itself when not told (-1)", () => {
    const parsed = PARSER.parse(bytes("1,a,male,1,x\n2,b,female,2,y\n"), -1);
    expect(parsed.ok && parsed.frame.rowCount).toBe(2);
  });

  it.each([
    ["an unknown category", "1,a,other,1,x\n"],
    ["text in a number column", "1,a,male,twenty,x\n"],
    ["a fraction in an integer column", "1.5,a,male,1,x\n"],
    ["too few fields", "1,a,male,1\n"],
    ["too many fields", "1,a,male,1,x,y\n"],
    ["an unterminated quote", '1,"a,male,1,x\n'],
    ["a blank line", "1,a,male,1,x\n\n2,b,male,1,x\n"],
    ["number syntax DuckDB reads its own way", "1,a,male, 1,x\n"],
  ])("leaves %s to the DuckDB scanner", (_what, text) => {
    expect(PARSER.parse(bytes(text), -1).ok).toBe(false);
  });
});

describe("parseDecimal", () => {
  it.each([
    "0",
    "-0.5",
    "22",
    "3.14159",
    "1e5",
    "2.5E-3",
    "123456789012345678",
    "0.1000000000000000055511151231257827",
  ])("parses %s as Number() does", (text) => {
    const b = bytes(text);
    expect(parseDecimal(b, 0, b.length)).toBe(Number(text));
  });
});
