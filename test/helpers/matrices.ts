import { readFileSync } from "node:fs";
import type { Matrix } from "../../src/algorithms/matrix.ts";

/** A row-major matrix from nested arrays. */
export function matrixOf(rows: number[][]): Matrix {
  const cols = rows[0].length;
  const data = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) data.set(rows[i], i * cols);
  return { rows: rows.length, cols, data };
}

/** The 342 complete penguins' four measurements, standardised with the population standard deviation. */
export function standardisedPenguins(): Matrix {
  const lines = readFileSync(new URL("../../data/penguins.csv", import.meta.url), "utf8")
    .trim()
    .split("\n");
  const header = lines[0].split(",");
  const columns = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"].map((c) =>
    header.indexOf(c),
  );
  const rows = lines
    .slice(1)
    .map((line) => line.split(","))
    .filter((fields) => columns.every((c) => fields[c] !== "NA"))
    .map((fields) => columns.map((c) => Number(fields[c])));
  for (let j = 0; j < columns.length; j++) {
    const mean = rows.reduce((s, r) => s + r[j], 0) / rows.length;
    const std = Math.sqrt(rows.reduce((s, r) => s + (r[j] - mean) ** 2, 0) / rows.length);
    for (const r of rows) r[j] = (r[j] - mean) / std;
  }
  return matrixOf(rows);
}
