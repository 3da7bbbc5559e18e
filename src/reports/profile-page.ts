/** The HTML page of a dataset profile: a column table and one histogram per column. */
import type { DatasetProfile } from "../data/metadata.ts";
import { columnHistogramChart } from "./charts/profile-charts.ts";
import {
  type Content,
  definitionTable,
  element,
  figure,
  type Html,
  htmlPage,
  jsonBlock,
  raw,
  section,
  table,
} from "./html.ts";
import { renderSvg } from "./render-svg.ts";

/** What the page says about where the profile came from. */
export interface ProfilePageInput {
  profile: DatasetProfile;
  /** `name@version` of the metadata the profile is stored with, or undefined for a bare file. */
  dataset?: string;
  description?: string;
  engineVersion: string;
}

/** A rendered profile page. */
export interface ProfilePage {
  html: string;
  charts: { id: string; title: string }[];
  warnings: string[];
}

/** The id of the JSON block holding the profile. */
export const PROFILE_DATA_ID = "profile-data";

/** Builds the HTML page of a dataset profile. */
export async function buildProfilePage(input: ProfilePageInput): Promise<ProfilePage> {
  const { profile } = input;
  const figures: Html[] = [];
  const charts: { id: string; title: string }[] = [];
  const warnings: string[] = [];
  for (const column of profile.columns) {
    const chart = columnHistogramChart(column);
    if (!chart) continue;
    const rendered = await renderSvg(chart.spec);
    warnings.push(...rendered.warnings.map((w) => `${chart.id}: ${w}`));
    figures.push(figure(chart.id, chart.title, chart.caption, rendered.svg));
    charts.push({ id: chart.id, title: chart.title });
  }
  const rows = profile.columns.map((c): Content[] => [
    c.name,
    c.type,
    c.role ?? null,
    c.missing,
    c.invalid,
    c.distinct,
    c.min,
    c.max,
    c.mean,
    c.std,
  ]);
  const title = `Dataset profile: ${input.dataset ?? profile.files.join(", ")}`;
  const body: Html[] = [
    section(
      "Source",
      "source",
      definitionTable(
        [
          ["dataset", input.dataset ?? "(a file without stored metadata)"],
          ["description", input.description ?? null],
          ["files", raw(profile.files.map((f) => element("code", {}, f).html).join("<br>"))],
          ["fingerprint", element("code", {}, profile.fingerprint)],
          ["rows", profile.rows],
          ["columns", profile.columns.length],
          ["profiled at", profile.profiledAt],
        ],
        "source",
      ),
    ),
    section(
      "Columns",
      "columns",
      table(["column", "type", "role", "missing", "invalid", "distinct", "min", "max", "mean", "std"], rows, {
        align: ["text", "text", "text", "num", "num", "num", "num", "num", "num", "num"],
        id: "columns",
        caption:
          "missing: empty or missing-value texts; invalid: present values the type does not accept; min, max, mean and std: of the valid numbers.",
      }),
    ),
    section(
      "Histograms",
      "histograms",
      raw(`<div class="charts">${figures.map((f) => f.html).join("")}</div>`),
    ),
    jsonBlock(PROFILE_DATA_ID, profile),
  ];
  const html = htmlPage({
    title,
    subtitle: `${profile.rows} rows, ${profile.columns.length} columns`,
    body,
    footer: `Written by model-pipeline ${input.engineVersion}.`,
  });
  return { html, charts, warnings };
}
