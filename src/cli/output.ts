/** Printing helpers shared by the commands: JSON for machines, aligned tables for people. */

/** Prints a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as a left-aligned text table with a header line. */
export function printTable(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): void {
  const cells = rows.map((row) => row.map((c) => (typeof c === "number" ? formatNumber(c) : c)));
  const widths = headers.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((c, j) => c.padEnd(widths[j]))
      .join("  ")
      .trimEnd();
  const out = [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)];
  process.stdout.write(`${out.join("\n")}\n`);
}

/** Numbers as people read them: integers as is, others to 4 significant decimals. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(4);
}

/** `accuracy=0.8013 roc_auc=0.8512` */
export function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(" ");
}
