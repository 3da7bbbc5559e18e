/**
 * Opens the demo's reports (and a dataset profile) in headless Chromium: no console errors, no
 * requests beyond the file itself, every expected chart present with a non-empty SVG and marks.
 * Needs Debian's `chromium`; under CI=true a missing browser fails the suite instead of skipping.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, ROOT, runCli, tempDir } from "./helpers/cli.ts";

const CHROMIUM = process.env.MPIPE_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const available = existsSync(CHROMIUM);
const required = process.env.CI === "true";

/** Each chart a report must show, and the vega mark that carries its data. */
const CLASSIFICATION_CHARTS = {
  "confusion-matrix": "rect",
  "roc-curve": "line",
  "precision-recall-curve": "line",
  "calibration-curve": "symbol",
  "score-histogram": "rect",
  "feature-importance": "rect",
} as const;
const CLUSTERING_CHARTS = {
  "cluster-projection": "symbol",
  "cluster-sizes": "rect",
  "cluster-means": "rect",
  "cluster-vs-label": "rect",
} as const;
const EXPECTED: Record<string, Record<string, string>> = {
  "penguins-kmeans": CLUSTERING_CHARTS,
  "penguins-gmm": CLUSTERING_CHARTS,
  "titanic-logreg": CLASSIFICATION_CHARTS,
  "titanic-gbdt": CLASSIFICATION_CHARTS,
};

describe("chromium is available for the browser tests", () => {
  it.runIf(required)("under CI=true", () => {
    expect(available, `${CHROMIUM} is missing: install Debian's chromium (see .ci/run)`).toBe(true);
  });
});

describe.skipIf(!available && !required)("reports in headless Chromium", () => {
  const { dir, cleanup } = tempDir("mpipe-browser-");
  const home = path.join(dir, "home");
  // MPIPE_SCREENSHOT_DIR keeps the screenshots for a person to look at.
  const shots = process.env.MPIPE_SCREENSHOT_DIR ?? mkdtempSync(path.join(tmpdir(), "mpipe-shots-"));
  let browser: Browser;
  let demo: CliResult;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    [demo, browser] = await Promise.all([
      runCli(["--home", home, "demo"]),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    cleanup();
  });

  /** Opens a file and returns the page with the console errors and outside requests it caused. */
  async function open(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("request", (request) => {
      if (request.url() !== url) requests.push(request.url());
    });
    await page.goto(url, { waitUntil: "load" });
    return { page, errors, requests };
  }

  async function expectChart(page: Page, id: string, mark: string): Promise<void> {
    const svg = page.locator(`figure[data-chart="${id}"] > svg`);
    expect(await svg.count(), `${id} has one SVG`).toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width, `${id} width`).toBeGreaterThan(100);
    expect(box?.height, `${id} height`).toBeGreaterThan(50);
    const marks = await svg.locator(`g.mark-${mark} path`).count();
    expect(marks, `${id}: ${mark} marks`).toBeGreaterThan(0);
    const markBox = await svg.locator(`g.mark-${mark}`).first().boundingBox();
    expect(markBox && markBox.width * markBox.height, `${id}: marks have an area`).toBeGreaterThan(0);
  }

  it("the demo prints the paths of the four reports it wrote", () => {
    expect(demo.code, demo.stderr).toBe(0);
    for (const name of Object.keys(EXPECTED)) {
      expect(demo.stdout).toContain(path.join(home, "reports", `${name}.html`));
    }
  });

  for (const [name, charts] of Object.entries(EXPECTED)) {
    it(`${name}'s report opens without errors and shows every chart`, async () => {
      const { page, errors, requests } = await open(path.join(home, "reports", `${name}.html`));
      try {
        await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
        expect(await page.title()).toContain(name);
        expect(await page.locator("figure.chart").count()).toBe(Object.keys(charts).length);
        for (const [id, mark] of Object.entries(charts)) await expectChart(page, id, mark);
        expect(await page.locator("[data-notice]").count()).toBe(0);
      } finally {
        await page.close();
      }
    });
  }

  it("a report without evaluation data says so in the page", async () => {
    const file = path.join(dir, "setup.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "penguins-unevaluated",
        modelType: "penguins",
        flavour: "kmeans",
        dataset: "penguins",
        params: { k: 3, seed: 1 },
        evaluation: { method: "none" },
      }),
    );
    expect((await runCli(["--home", home, "setups", "add", file])).code).toBe(0);
    const trained = await runCli([
      "--home",
      home,
      "train",
      "penguins-unevaluated",
      "--data",
      path.join(ROOT, "data", "penguins.csv"),
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const out = path.join(dir, "unevaluated.html");
    const reported = await runCli(["--home", home, "report", "penguins-unevaluated", "--out", out]);
    expect(reported.code, reported.stderr).toBe(0);
    const { page, errors } = await open(out);
    try {
      await page.screenshot({ path: path.join(shots, "penguins-unevaluated.png"), fullPage: true });
      expect(errors).toEqual([]);
      await expect(page.locator('[data-notice="no-evaluation"]').textContent()).resolves.toContain(
        "no evaluation data",
      );
      expect(await page.locator("figure.chart").count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it("a dataset profile opens without errors and shows a histogram per column", async () => {
    const profiled = await runCli(["--home", home, "--json", "datasets", "profile", "titanic"]);
    expect(profiled.code, profiled.stderr).toBe(0);
    const { out, charts } = JSON.parse(profiled.stdout) as { out: string; charts: { id: string }[] };
    const { page, errors, requests } = await open(out);
    try {
      await page.screenshot({ path: path.join(shots, "titanic-profile.png"), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      // Every column but Name (all values distinct) has a histogram.
      expect(charts).toHaveLength(11);
      for (const { id } of charts) await expectChart(page, id, "rect");
      expect(await page.locator('table[data-table="columns"] tbody tr').count()).toBe(12);
    } finally {
      await page.close();
    }
  });
});
