import { describe, expect, it } from "vitest";
import { csvField, csvNumber, csvRecord } from "./csv-format.ts";

describe("csvField", () => {
  it("leaves plain text alone and quotes only where RFC 4180 requires", () => {
    expect(csvField("plain text")).toBe("plain text");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
  });

  it("writes the empty string as a quoted empty field", () => {
    expect(csvField("")).toBe('""');
  });
});

describe("csvNumber", () => {
  it("uses the shortest round-trip form and an empty field for NaN", () => {
    expect(csvNumber(3)).toBe("3");
    expect(csvNumber(0.1)).toBe("0.1");
    expect(csvNumber(1e21)).toBe("1e+21");
    expect(csvNumber(Number.NaN)).toBe("");
  });
});

describe("csvRecord", () => {
  it("joins fields with commas and ends with LF", () => {
    expect(csvRecord(["a", '"b,c"', ""])).toBe('a,"b,c",\n');
  });
});
