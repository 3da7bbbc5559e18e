import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../src/core/errors.ts";
import { bundledData } from "../src/core/paths.ts";
import { type ColumnProfile, DatasetMetadata, type DatasetProfile } from "../src/data/metadata.ts";
import { profileFiles } from "../src/data/profile.ts";
import { Engine } from "../src/engine/engine.ts";
import penguinsMetadata from "../src/models/penguins/dataset.json" with { type: "json" };
import titanicMetadata from "../src/models/titanic/dataset.json" with { type: "json" };
import { readJsonBlock } from "../src/reports/html.ts";
import { PROFILE_DATA_ID } from "../src/reports/profile-page.ts";
import { runCli, tempDir } from "./helpers/cli.ts";

async function profileBundled(metadata: unknown, file: string): Promise<DatasetProfile> {
  const meta = DatasetMetadata.parse(metadata);
  return profileFiles({
    files: [bundledData(file)],
    columns: meta.columns,
    missingValues: meta.missingValues,
  });
}

function column(profile: DatasetProfile, name: string): ColumnProfile {
  const found = profile.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

describe("profileFiles on the bundled datasets", () => {
  it("titanic: types, missing, distinct, min, max, mean and histograms", async () => {
    const profile = await profileBundled(titanicMetadata, "titanic.csv");
    expect(profile.rows).toBe(891);
    expect(profile.fingerprint).toBe(`sha256:${titanicMetadata.provenance.sha256}`);
    const age = column(profile, "Age");
    expect(age).toMatchObject({
      type: "number",
      role: "feature",
      missing: 177,
      invalid: 0,
      distinct: 88,
      min: 0.42,
      max: 80,
    });
    expect(age.mean).toBeCloseTo(29.69912, 4);
    expect(age.histogram?.kind).toBe("numeric");
    if (age.histogram?.kind === "numeric") {
      expect(age.histogram.bins).toHaveLength(20);
      expect(age.histogram.bins.reduce((sum, b) => sum + b.count, 0)).toBe(891 - 177);
      expect(age.histogram.bins[0].start).toBe(0.42);
      expect(age.histogram.bins[19].end).toBe(80);
    }
    expect(column(profile, "Cabin")).toMatchObject({
      type: "string",
      role: "ignore",
      missing: 687,
      distinct: 147,
    });
    expect(column(profile, "Embarked")).toMatchObject({ missing: 2, distinct: 3, min: null, mean: null });
    expect(column(profile, "Survived").histogram).toEqual({
      kind: "values",
      values: [
        { value: "0", count: 549 },
        { value: "1", count: 342 },
      ],
      otherCount: 0,
      otherValues: 0,
    });
    const fare = column(profile, "Fare");
    expect([fare.min, fare.max]).toEqual([0, 512.3292]);
    expect(fare.mean).toBeCloseTo(32.204208, 5);
    // Every value distinct: no histogram worth drawing.
    expect(column(profile, "Name")).toMatchObject({ distinct: 891, histogram: null });
    // Small whole-number ranges get one bin per value.
    const parch = column(profile, "Parch");
    if (parch.histogram?.kind !== "numeric") throw new Error("Parch has no numeric histogram");
    expect(parch.histogram.bins.map((b) => b.start)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(parch.histogram.bins[0].count).toBe(678);
  });

  it("penguins: 'NA' texts count as missing", async () => {
    const profile = await profileBundled(penguinsMetadata, "penguins.csv");
    expect(profile.rows).toBe(344);
    expect(column(profile, "sex")).toMatchObject({ type: "category", missing: 11, distinct: 2, invalid: 0 });
    expect(column(profile, "bill_length_mm")).toMatchObject({ missing: 2, min: 32.1, max: 59.6 });
    expect(column(profile, "species").histogram).toMatchObject({
      values: [
        { value: "Adelie", count: 152 },
        { value: "Chinstrap", count: 68 },
        { value: "Gentoo", count: 124 },
      ],
    });
  });

  it("counts values the declared type does not accept instead of failing", async () => {
    const { dir, cleanup } = tempDir("mpipe-profile-bad-");
    try {
      const file = path.join(dir, "bad.csv");
      writeFileSync(file, "x,n,c\n1,1,a\n2,2.5,b\ntwo,3,z\n,4,a\n");
      const profile = await profileFiles({
        files: [file],
        columns: [
          { name: "x", type: "number", role: "feature" },
          { name: "n", type: "integer", role: "feature" },
          { name: "c", type: "category", role: "feature", categories: ["a", "b"] },
        ],
      });
      expect(column(profile, "x")).toMatchObject({
        missing: 1,
        invalid: 1,
        distinct: 3,
        min: 1,
        max: 2,
        mean: 1.5,
      });
      expect(column(profile, "n")).toMatchObject({ invalid: 1, min: 1, max: 4 });
      expect(column(profile, "c")).toMatchObject({ invalid: 1, distinct: 3 });
      expect(column(profile, "c").histogram).toMatchObject({ otherCount: 1, otherValues: 1 });
    } finally {
      cleanup();
    }
  });
});

describe("datasets profile", () => {
  const { dir, cleanup } = tempDir("mpipe-profile-");
  const home = path.join(dir, "home");
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.open({ home });
  });
  afterAll(async () => {
    await engine?.close();
    cleanup();
  });

  it("stores the profile of a built-in dataset's bundled file as a new metadata version, once", async () => {
    const first = await engine.profileDataset("penguins");
    expect(first.dataset).toEqual({ name: "penguins", version: 2, stored: true });
    expect(first.out).toBe(path.join(home, "reports", "datasets", "penguins.html"));
    const stored = await engine.getDataset("penguins");
    expect(stored.version).toBe(2);
    expect(stored.metadata.profile?.rows).toBe(344);
    expect(stored.metadata.columns).toEqual((await engine.getDataset("penguins@1")).metadata.columns);
    const again = await engine.profileDataset("penguins");
    expect(again.dataset).toEqual({ name: "penguins", version: 2, stored: false });
    const page = readFileSync(first.out, "utf8");
    expect((readJsonBlock(page, PROFILE_DATA_ID) as DatasetProfile).columns).toHaveLength(8);
    expect(first.charts.map((c) => c.id)).toContain("histogram-bill-length-mm");
    // Training still works on the profiled metadata.
    const trained = await engine.train("penguins-kmeans", bundledData("penguins.csv"));
    expect(trained.entry.lineage.datasetVersion).toBe(2);
  });

  it("profiles a file by path (types inferred, nothing stored) and a dataset with --data", async () => {
    const byPath = await engine.profileDataset(bundledData("penguins_raw.csv"), {
      out: path.join(dir, "raw.html"),
    });
    expect(byPath.dataset).toBeUndefined();
    expect(byPath.profile.rows).toBe(344);
    expect(byPath.profile.columns.find((c) => c.name === "Sex")?.missing).toBe(11);
    const withData = await engine.profileDataset("titanic", { data: bundledData("titanic.csv") });
    expect(withData.dataset?.stored).toBe(true);
  });

  it("rejects what is neither a dataset nor a file", async () => {
    await expect(engine.profileDataset("no-such-thing")).rejects.toBeInstanceOf(NotFoundError);
    const cli = await runCli(["--home", home, "datasets", "profile", "no-such-thing"]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('no dataset or file named "no-such-thing"');
  });

  it("prints a column table, or the profile as JSON", async () => {
    const result = await runCli(["--home", home, "--json", "datasets", "profile", "titanic"]);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as { profile: DatasetProfile; out: string };
    expect(parsed.profile.columns.find((c) => c.name === "Age")?.missing).toBe(177);
    const text = await runCli(["--home", home, "datasets", "profile", "titanic"]);
    expect(text.stdout).toMatch(/^Age\s+number\s+feature\s+177\s+0\s+88\s+0\.42\d*\s+80\s+29\.699/m);
  });
});
