/** Formatting cells as CSV text (RFC 4180), the inverse of what the scanner reads. */

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * A field as CSV: quoted when it holds a comma, quote or line break (quotes doubled inside).
 * The empty string is written `""` so that it differs from a missing value (an empty field),
 * although readers that treat quoted empties as missing (DuckDB, by default) read both as missing.
 */
export function csvField(text: string): string {
  if (text === "") return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header or data record of already formatted fields, with its LF terminator. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.join(",")}\n`;
}

/**
 * A number as CSV: JavaScript's shortest round-trip form (`0.1`, `1e+21`, integers without
 * `.0`); NaN (missing) is an empty field.
 */
export function csvNumber(value: number): string {
  return Number.isNaN(value) ? "" : String(value);
}
