import { quotedIdentifier, quotedString } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { explainDuckDBError, sqlIdent, sqlString, sqlStringList, withDuckDB } from "./duckdb.ts";

const RAGGED = `Invalid Input Error: CSV Error on Line: 3
Original Line: 3,4,5
Expected Number of Columns: 2 Found: 3
Possible fixes:
* Disable the parser's strict mode (strict_mode=false) to allow reading rows that do not comply with the CSV standard.
* Enable ignore errors (ignore_errors=true) to skip this row

  file = data/x.csv
  delimiter = , (Set By User)
  quote = " (Set By User)
`;

describe("explainDuckDBError", () => {
  it("keeps the line, the quoted row and the explanation of a CSV error and drops the fix list", () => {
    expect(explainDuckDBError(new Error(RAGGED))).toEqual({
      kind: "Invalid Input",
      explanation: "Expected Number of Columns: 2 Found: 3",
      line: 3,
      excerpt: "3,4,5",
      file: "data/x.csv",
    });
  });

  it("handles a quoted row spanning lines", () => {
    const message =
      'Invalid Input Error: CSV Error on Line: 3\nOriginal Line: "3,4\n6,7\n\nValue with unterminated quote found.\n\nPossible fixes:\n* x';
    const problem = explainDuckDBError(new Error(message));
    expect(problem.explanation).toBe("Value with unterminated quote found.");
    expect(problem.excerpt).toBe('"3,4\n6,7');
  });

  it("reduces other errors to their first part", () => {
    const problem = explainDuckDBError(
      new Error('IO Error: No files found that match the pattern "x.csv"\n\nLINE 1: ...'),
    );
    expect(problem).toMatchObject({
      kind: "IO",
      line: undefined,
      explanation: 'No files found that match the pattern "x.csv"',
    });
  });
});

describe("SQL quoting", () => {
  it("round-trips awkward strings through a list literal", async () => {
    const values = ["", "it's", 'a "b"', "NA"];
    const back = await withDuckDB(async ({ connection }) => {
      const reader = await connection.runAndReadAll(`SELECT ${sqlStringList(values)}`);
      return reader.getRowsJS()[0][0];
    });
    expect(back).toEqual(values);
  });

  it("quotes strings and identifiers as DuckDB's own helpers do, and DuckDB reads them back", async () => {
    const texts = ["", "plain", "it's", "''", 'a "b"', '"', "naïve ✓", "semi;colon\nnew line"];
    for (const text of texts) {
      expect(sqlString(text)).toBe(quotedString(text));
      expect(sqlIdent(text)).toBe(quotedIdentifier(text));
    }
    const names = texts.filter((text) => text !== "");
    const row = await withDuckDB(async ({ connection }) => {
      const select = names.map((name) => `${sqlString(name)} AS ${sqlIdent(name)}`).join(", ");
      return (await connection.runAndReadAll(`SELECT ${select}`)).getRowObjectsJS()[0];
    });
    expect(Object.keys(row)).toEqual(names);
    expect(Object.values(row)).toEqual(names);
  });
});
