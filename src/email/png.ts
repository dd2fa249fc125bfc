/**
 * Charts as PNG for mail clients (most of them drop inline SVG): resvg (`@resvg/resvg-js`) renders the
 * chart's SVG on white, drawing its text with font files found on this machine once per process
 * (docs/report.md, "PNG and fonts"). The SVG comes from the report's charts (src/report/charts.ts).
 */
import { readdirSync, type Dirent } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import type { OutgoingAttachment } from './smtp.ts';

/** Where fonts live on Linux and macOS; the first family found here with a regular face is used. */
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', path.join(os.homedir(), '.local/share/fonts'), path.join(os.homedir(), '.fonts'), '/System/Library/Fonts', '/Library/Fonts'];
/**
 * The families of the charts' font (`CHART_FONT` of src/report/charts.ts: DejaVu Sans, then Verdana)
 * and a common stand-in that ship as single files, with the faces the charts use (regular, bold).
 */
const FONT_FILES: readonly { family: string; regular: string; bold: string }[] = [
  { family: 'DejaVu Sans', regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' },
  { family: 'Verdana', regular: 'Verdana.ttf', bold: 'Verdana Bold.ttf' },
  { family: 'Liberation Sans', regular: 'LiberationSans-Regular.ttf', bold: 'LiberationSans-Bold.ttf' },
];

type FontOptions = NonNullable<ResvgRenderOptions['font']>;
let fontOptions: FontOptions | undefined;

function findFontFiles(): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string, depth: number): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // no such folder on this system
    }
    for (const e of entries) {
      if (e.isDirectory() && depth < 4) walk(path.join(dir, e.name), depth + 1);
      else if (!found.has(e.name)) found.set(e.name, path.join(dir, e.name));
    }
  };
  for (const dir of FONT_DIRS) walk(dir, 0);
  return found;
}

/**
 * The PNG renderer's fonts, resolved once per process: the chart font's files when they are found
 * (resvg then parses two files per chart instead of every system font, several times faster), else
 * every system font.
 */
function chartFonts(): FontOptions {
  if (fontOptions === undefined) {
    const files = findFontFiles();
    const pick = FONT_FILES.find((f) => files.has(f.regular));
    fontOptions =
      pick === undefined
        ? { loadSystemFonts: true }
        : { loadSystemFonts: false, fontFiles: [files.get(pick.regular)!, ...(files.has(pick.bold) ? [files.get(pick.bold)!] : [])], defaultFontFamily: pick.family, sansSerifFamily: pick.family };
  }
  return fontOptions;
}

/**
 * The chart as PNG, at `scale` × its size so it is sharp on high-density screens. Text is drawn with
 * the chart font's files, or the system's fonts (see `chartFonts`, `fontsAvailable`).
 */
export function chartPng(chart: { svg: string }, scale = 2): Buffer {
  return new Resvg(chart.svg, { fitTo: { mode: 'zoom', value: scale }, background: '#FFFFFF', font: chartFonts() }).render().asPng();
}

/** A chart the HTML of a message shows through `cid:`, as SVG. */
export interface InlineChart {
  /** The chart's id (e.g. `chart-distance`): the attachment is `<id>.png`. */
  id: string;
  /** Content-ID: the HTML shows the chart with `<img src="cid:…">`. */
  cid: string;
  svg: string;
}

/** The chart as an inline PNG attachment of a message. */
export function chartAttachment(chart: InlineChart, scale = 2): OutgoingAttachment {
  return { filename: `${chart.id}.png`, content: chartPng(chart, scale), contentType: 'image/png', cid: chart.cid };
}

const fontsChecked = new Map<string, boolean>();

/**
 * True when the PNG renderer finds a font to draw text in `fontFamily` (a CSS font-family list, the
 * charts' `CHART_FONT`) with. resvg draws no text at all without one (the charts would lose every
 * label): a machine needs at least one system font, e.g. Debian's `fonts-dejavu-core`. Checked once
 * per process.
 */
export function fontsAvailable(fontFamily: string): boolean {
  let ok = fontsChecked.get(fontFamily);
  if (ok === undefined) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><text x="4" y="22" style="font-size:20px;font-family:${fontFamily.replaceAll("'", '')}">Hg</text></svg>`;
    const pixels = new Resvg(svg, { font: chartFonts() }).render().pixels;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
    ok = inked > 0;
    fontsChecked.set(fontFamily, ok);
  }
  return ok;
}
