import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadDataError, DatasetSchemaError, type EngineError, UsageError } from "../core/errors.ts";
import { inferMetadata } from "./infer.ts";
import { DatasetMetadata, specOf } from "./metadata.ts";
import { readFrame } from "./scan.ts";

const TITANIC = fileURLToPath(new URL("../../data/titanic.csv", import.meta.url));
const PENGUINS = fileURLToPath(new URL("../../data/penguins.csv", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mpipe-infer-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(action: Promise<unknown>): Promise<EngineError> {
  try {
    await action;
  } catch (error) {
    return error as EngineError;
  }
  throw new Error("expected the action to fail");
}

describe("inferMetadata", () => {
  it("proposes types, roles and sorted categories for Titanic", async () => {
    const proposal = await inferMetadata(TITANIC, "titanic", { target: "Survived", id: "PassengerId" });
    const byName = new Map(proposal.columns.map((c) => [c.name, c]));
    expect(proposal.name).toBe("titanic");
    expect(proposal.columns.map((c) => c.name)).toEqual([
      "PassengerId",
      "Survived",
      "Pclass",
      "Name",
      "Sex",
      "Age",
      "SibSp",
      "Parch",
      "Ticket",
      "Fare",
      "Cabin",
      "Embarked",
    ]);
    expect(byName.get("PassengerId")).toEqual({ name: "PassengerId", type: "integer", role: "id" });
    expect(byName.get("Survived")).toEqual({ name: "Survived", type: "integer", role: "target" });
    expect(byName.get("Age")).toEqual({ name: "Age", type: "number", role: "feature" });
    expect(byName.get("Sex")).toEqual({
      name: "Sex",
      type: "category",
      role: "feature",
      categories: ["female", "male"],
    });
    expect(byName.get("Embarked")?.categories).toEqual(["C", "Q", "S"]);
    expect(byName.get("Name")).toEqual({ name: "Name", type: "string", role: "ignore" });
    expect(byName.get("Cabin")?.type).toBe("string"); // 147 distinct values
    expect(proposal.provenance?.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(() => DatasetMetadata.parse(proposal)).not.toThrow();
  });

  it("treats 'NA' as missing when inferring penguin types", async () => {
    const proposal = await inferMetadata(PENGUINS, "penguins", { target: "species" });
    const byName = new Map(proposal.columns.map((c) => [c.name, c]));
    expect(byName.get("bill_length_mm")?.type).toBe("number");
    expect(byName.get("flipper_length_mm")?.type).toBe("integer");
    expect(byName.get("sex")?.categories).toEqual(["female", "male"]);
    expect(byName.get("species")).toMatchObject({
      role: "target",
      categories: ["Adelie", "Chinstrap", "Gentoo"],
    });
  });

  it("proposes metadata that the scanner reads back without errors", async () => {
    const meta = DatasetMetadata.parse(await inferMetadata(TITANIC, "titanic"));
    const frame = await readFrame({
      files: [TITANIC],
      columns: meta.columns.map(specOf),
      missingValues: meta.missingValues,
    });
    expect(frame.rowCount).toBe(891);
  });

  it("keeps a numeric-looking column as text when a value would not scan as a number", async () => {
    const path = join(dir, "mixed.csv");
    await writeFile(path, "code,n\n1,1\n2,2.5\nx3,\n");
    const proposal = await inferMetadata(path, "mixed");
    expect(proposal.columns).toEqual([
      { name: "code", type: "category", role: "feature", categories: ["1", "2", "x3"] },
      { name: "n", type: "number", role: "feature" },
    ]);
  });

  it("reports an unknown target column with a close name", async () => {
    const error = await failure(inferMetadata(TITANIC, "titanic", { target: "survived" }));
    expect(error).toBeInstanceOf(DatasetSchemaError);
    expect(error.hint).toBe('did you mean "Survived"?');
  });

  it("rejects a dataset name that is not kebab-case, suggesting one", async () => {
    const error = await failure(inferMetadata(TITANIC, "Titanic Data"));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.hint).toBe('try "titanic-data"');
  });

  it("reports a malformed file with its row", async () => {
    const path = join(dir, "ragged.csv");
    await writeFile(path, "a,b\n1,2\n3,4,5\n");
    const error = await failure(inferMetadata(path, "ragged"));
    expect(error).toBeInstanceOf(BadDataError);
    expect(error.location).toEqual({ file: path, row: 2 });
  });
});
