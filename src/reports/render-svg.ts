/**
 * Renders vega-lite specs to SVG text in Node, headless: vega's scenegraph is built with the
 * `none` renderer and serialised by `view.toSVG()`, so no browser, canvas or network is needed,
 * and the SVG can be inlined into a self-contained HTML page.
 *
 * vega and vega-lite are loaded on the first render, not when the CLI starts: together they
 * take about a third of a second to load, which every other command would pay for nothing.
 */
import type { TopLevelSpec } from "vega-lite";

type Vega = typeof import("vega");

/** The result of rendering one spec. */
export interface RenderedSvg {
  svg: string;
  /** Warnings vega-lite or vega raised (e.g. a dropped encoding); empty for a clean chart. */
  warnings: string[];
}

/**
 * Renders a vega-lite spec to an SVG string.
 *
 * Charts here carry their data inline; the loader refuses every URL so that a spec can never
 * make a report depend on the network.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<RenderedSvg> {
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const warnings: string[] = [];
  const logger = collectingLogger(vega, warnings);
  const compiled = compile(spec, { logger }).spec;
  const loader = vega.loader();
  loader.load = (uri: string) => Promise.reject(new Error(`charts must not load data (asked for ${uri})`));
  const view = new vega.View(vega.parse(compiled), { renderer: "none", loader, logger, logLevel: vega.Warn });
  try {
    const svg = await view.toSVG();
    return { svg, warnings };
  } finally {
    view.finalize();
  }
}

/** A vega logger that keeps warnings and errors instead of printing them. */
function collectingLogger(vega: Vega, messages: string[]) {
  let level = vega.Warn;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      messages.push(args.map(String).join(" "));
      return logger;
    },
    warn(...args: unknown[]) {
      if (level >= vega.Warn) messages.push(args.map(String).join(" "));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}
