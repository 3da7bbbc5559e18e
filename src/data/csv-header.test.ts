import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadDataError } from "../core/errors.ts";
import { readCsvHeader } from "./csv-header.ts";

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mpipe-header-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function header(content: string | Buffer): Promise<string[] | null> {
  const path = join(dir, `h${n++}.csv`);
  await writeFile(path, content);
  return readCsvHeader(path);
}

describe("readCsvHeader", () => {
  it("splits the first record and ignores the rest", async () => {
    expect(await header("a,b,c\n1,2,3\n")).toEqual(["a", "b", "c"]);
  });

  it("unquotes names with commas, doubled quotes and line breaks", async () => {
    expect(await header('"x, y","say ""hi""","two\nlines",z\r\n1,2,3,4\r\n')).toEqual([
      "x, y",
      'say "hi"',
      "two\nlines",
      "z",
    ]);
  });

  it("drops a UTF-8 byte-order mark and keeps empty names", async () => {
    expect(await header("\uFEFF,id\n")).toEqual(["", "id"]);
  });

  it("reads a header without a final line break", async () => {
    expect(await header("only")).toEqual(["only"]);
  });

  it("reads a header longer than one read block", async () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `column_${i}`);
    expect(await header(`${names.join(",")}\n`)).toEqual(names);
  });

  it("returns null for an empty or blank file", async () => {
    expect(await header("")).toBeNull();
    expect(await header("\n")).toBeNull();
  });

  it("rejects an unterminated quote in the header", async () => {
    await expect(header('"a,b\n1,2\n')).rejects.toBeInstanceOf(BadDataError);
  });
});
