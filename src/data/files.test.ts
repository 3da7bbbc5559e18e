import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineError, NotFoundError, UsageError } from "../core/errors.ts";
import { fileFormatOf, fingerprintFiles, resolveInputFiles } from "./files.ts";

const TITANIC = fileURLToPath(new URL("../../data/titanic.csv", import.meta.url));
/** The checksum recorded in data/PROVENANCE.md. */
const TITANIC_SHA256 = "4a437fde05fe5264e1701a7387ac6fb75393772ba38bb2c9c566405af5af4bd7";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mpipe-files-"));
  for (const name of ["part-10.csv", "part-02.csv", "part-01.csv", "notes.txt"]) {
    await writeFile(join(dir, name), `${name}\n`);
  }
  await mkdir(join(dir, "mixed"));
  await writeFile(join(dir, "mixed", "a.csv"), "x\n");
  await writeFile(join(dir, "mixed", "b.parquet"), "x\n");
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

describe("resolveInputFiles", () => {
  it("returns a single existing file as is", async () => {
    expect(await resolveInputFiles(TITANIC)).toEqual([TITANIC]);
  });

  it("expands a glob into files sorted by path", async () => {
    expect(await resolveInputFiles(join(dir, "part-*.csv"))).toEqual([
      join(dir, "part-01.csv"),
      join(dir, "part-02.csv"),
      join(dir, "part-10.csv"),
    ]);
  });

  it("reports a missing file with a close name as hint", async () => {
    const error = await failure(resolveInputFiles(join(dir, "part-1O.csv")));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.location?.file).toBe(join(dir, "part-1O.csv"));
    expect(error.hint).toContain(`did you mean "${join(dir, "part-10.csv")}"?`);
  });

  it("reports a glob matching nothing, listing the folder", async () => {
    const error = await failure(resolveInputFiles(join(dir, "*.parquet")));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe("no files match the pattern");
    expect(error.hint).toContain("part-01.csv");
  });

  it("reports a glob in a folder that does not exist", async () => {
    const error = await failure(resolveInputFiles(join(dir, "nowhere", "*.csv")));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.hint).toContain("does not exist");
  });

  it("rejects an unsupported extension", async () => {
    const error = await failure(resolveInputFiles(join(dir, "notes.txt")));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.hint).toContain(".csv or .parquet");
  });

  it("rejects a mix of CSV and Parquet files", async () => {
    const error = await failure(resolveInputFiles(join(dir, "mixed", "*")));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("both CSV and Parquet");
  });

  it("rejects a folder, suggesting a glob", async () => {
    const error = await failure(resolveInputFiles(dir));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.hint).toContain(join(dir, "*.csv"));
  });
});

describe("fileFormatOf", () => {
  it("maps extensions case-insensitively", () => {
    expect(fileFormatOf("a/B.CSV")).toBe("csv");
    expect(fileFormatOf("x.parquet")).toBe("parquet");
    expect(fileFormatOf("x.csv.gz")).toBeUndefined();
  });
});

describe("fingerprintFiles", () => {
  it("equals the sha256 of a single file's bytes", async () => {
    expect(await fingerprintFiles([TITANIC])).toBe(`sha256:${TITANIC_SHA256}`);
  });

  it("hashes several files' bytes in order, without their names", async () => {
    const a = join(dir, "part-01.csv");
    const b = join(dir, "part-02.csv");
    const expected = createHash("sha256")
      .update(Buffer.concat([await readFile(a), await readFile(b)]))
      .digest("hex");
    expect(await fingerprintFiles([a, b])).toBe(`sha256:${expected}`);
    const copy = join(dir, "copy-of-a.bin");
    await writeFile(copy, await readFile(a));
    expect(await fingerprintFiles([copy])).toBe(await fingerprintFiles([a]));
    expect(await fingerprintFiles([b, a])).not.toBe(await fingerprintFiles([a, b]));
  });

  it("reports a missing file", async () => {
    expect(await failure(fingerprintFiles([join(dir, "gone.csv")]))).toBeInstanceOf(NotFoundError);
  });
});
