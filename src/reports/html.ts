/**
 * Building blocks of self-contained HTML reports: escaping, tables, sections, embedded JSON and
 * the page shell with its inline stylesheet. Everything a page needs is inside the file; it
 * loads nothing (no scripts run, no fonts, images or styles are fetched).
 */

/** HTML markup that is already safe to insert (built by the helpers here). */
export interface Html {
  readonly html: string;
}

/** Marks trusted markup (e.g. SVG rendered by vega, which escapes its own text). */
export function raw(markup: string): Html {
  return { html: markup };
}

/** Escapes text for element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** A cell, paragraph or heading content: plain text (escaped) or trusted markup. */
export type Content = string | number | Html | null | undefined;

/** Renders content: text is escaped, numbers formatted, null/undefined become a dash. */
export function content(value: Content): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return escapeHtml(formatNumber(value));
  if (typeof value === "string") return escapeHtml(value);
  return value.html;
}

/** Joins pieces of markup. */
export function join(parts: readonly (Html | string)[]): Html {
  return raw(parts.map((p) => (typeof p === "string" ? escapeHtml(p) : p.html)).join(""));
}

/** An element with escaped text or trusted children; attribute values are escaped. */
export function element(
  tag: string,
  attributes: Record<string, string | undefined>,
  ...children: Content[]
): Html {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeHtml(v!)}"`)
    .join("");
  return raw(`<${tag}${attrs}>${children.map(content).join("")}</${tag}>`);
}

/** Options of {@link table}. */
export interface TableOptions {
  /** Per column: `num` right-aligns numbers. */
  align?: readonly ("num" | "text")[];
  /** `data-table` attribute, for tests and anchors. */
  id?: string;
  caption?: string;
}

/** A table with a header row. */
export function table(
  headers: readonly Content[],
  rows: readonly (readonly Content[])[],
  options: TableOptions = {},
): Html {
  const cls = (j: number) => (options.align?.[j] === "num" ? ' class="num"' : "");
  const head = `<tr>${headers.map((h, j) => `<th${cls(j)}>${content(h)}</th>`).join("")}</tr>`;
  const body = rows
    .map((row) => `<tr>${row.map((c, j) => `<td${cls(j)}>${content(c)}</td>`).join("")}</tr>`)
    .join("");
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "";
  const id = options.id ? ` data-table="${escapeHtml(options.id)}"` : "";
  return raw(`<table${id}>${caption}<thead>${head}</thead><tbody>${body}</tbody></table>`);
}

/** A two-column key/value table (keys as row headers). */
export function definitionTable(pairs: readonly (readonly [string, Content])[], id?: string): Html {
  const body = pairs.map(
    ([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${content(value)}</td></tr>`,
  );
  return raw(`<table${id ? ` data-table="${escapeHtml(id)}"` : ""}><tbody>${body.join("")}</tbody></table>`);
}

/** A titled section of the page; null and undefined children are left out. */
export function section(title: string, id: string, ...children: Content[]): Html {
  const parts = children.filter((c) => c !== null && c !== undefined).map(content);
  return raw(`<section id="${escapeHtml(id)}"><h2>${escapeHtml(title)}</h2>${parts.join("")}</section>`);
}

/** A highlighted notice (e.g. "no evaluation data"), with a stable `data-notice` attribute. */
export function notice(kind: string, text: string): Html {
  return raw(`<p class="notice" data-notice="${escapeHtml(kind)}">${escapeHtml(text)}</p>`);
}

/** A chart figure: inline SVG, its title and caption, identified by `data-chart`. */
export function figure(id: string, title: string, caption: string, svg: string): Html {
  return raw(
    `<figure class="chart" data-chart="${escapeHtml(id)}" id="chart-${escapeHtml(id)}">` +
      `<h3>${escapeHtml(title)}</h3>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`,
  );
}

/**
 * JSON embedded as a non-executed data block, so the numbers behind the charts can be read
 * back from the page (by people with "view source", and by tests). `<` is escaped so the text
 * can never close the script element.
 */
export function jsonBlock(id: string, value: unknown): Html {
  const text = JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return raw(`<script type="application/json" id="${escapeHtml(id)}">${text}</script>`);
}

/** Reads back a block written by {@link jsonBlock} from a page's HTML. */
export function readJsonBlock(page: string, id: string): unknown {
  const start = page.indexOf(`<script type="application/json" id="${id}">`);
  if (start < 0) return undefined;
  const from = page.indexOf(">", start) + 1;
  return JSON.parse(page.slice(from, page.indexOf("</script>", from)));
}

/** Options of {@link htmlPage}. */
export interface PageOptions {
  title: string;
  /** Shown under the title. */
  subtitle?: string;
  body: readonly Html[];
  /** Small print at the bottom (e.g. the engine version and generation time). */
  footer?: string;
}

/** The whole document: a doctype, inline CSS, the title, the sections and a footer. */
export function htmlPage(options: PageOptions): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may load from elsewhere: the page is meant to be mailed, archived and opened offline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(options.title)}</title>`,
    `<style>${STYLESHEET}</style></head><body>`,
    `<header><h1>${escapeHtml(options.title)}</h1>${options.subtitle ? `<p class="subtitle">${escapeHtml(options.subtitle)}</p>` : ""}</header>`,
    "<main>",
    ...options.body.map((part) => part.html),
    "</main>",
    options.footer ? `<footer>${escapeHtml(options.footer)}</footer>` : "",
    "</body></html>",
    "",
  ].join("\n");
}

/** Numbers as people read them: integers as is, others to 4 decimals (or 3 significant digits when tiny). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) < 0.001) return value.toPrecision(3);
  return value.toFixed(4);
}

const STYLESHEET = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6473; --line: #dde1e7; --accent: #1f77b4; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 24px 32px 8px; }
h1 { margin: 0; font-size: 24px; }
.subtitle { margin: 4px 0 0; color: var(--muted); }
main { padding: 8px 32px 32px; }
section { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
h2 { margin: 0 0 12px; font-size: 17px; }
h3 { margin: 0 0 6px; font-size: 14px; }
table { border-collapse: collapse; margin: 4px 0 8px; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { padding: 4px 12px 4px 0; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: 700; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 6px; background: white; max-width: 100%; overflow-x: auto; }
figure.chart svg { display: block; }
figcaption { color: var(--muted); font-size: 12px; max-width: 440px; margin-top: 6px; }
.notice { background: #fff8e1; border: 1px solid #f3d27a; border-radius: 6px; padding: 10px 14px; }
footer { padding: 0 32px 24px; color: var(--muted); font-size: 12px; }
`;
