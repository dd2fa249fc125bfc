/**
 * The weekly report page in headless Chromium (Debian `chromium`, driven by playwright-core): the
 * demo athlete's ten weeks generated as FIT files, imported, analysed and reported into a Postgres
 * test database (`createDemo`, as `kinetic demo`), served by the HTTP API on a real port and opened
 * with the athlete's token. For the demo's first week (a load series that starts with the plan, so
 * most of the 8-week trend is empty) and its last week (every planted mistake), the page:
 *
 * - loads with no console error, page error or failed request (the page's Content-Security-Policy
 *   allows no script and no outside resource, so a violation would be a console error);
 * - renders all four charts as non-empty SVG, with as many bars and points as the report model
 *   (fetched as JSON from the same route) says: 7 planned and 7 done distance bars, one run mark per
 *   day and one strength mark per planned-or-done strength day, the intensity segments, and a form
 *   bar and a fitness, fatigue and ACWR point for each of the 56 trend days that has a load;
 * - draws every non-zero bar with a size, every chart with its text (labels, title);
 * - is saved as a full-page screenshot in test-artifacts/report/<week>.png.
 *
 * Skipped (with a message) only when no Chromium is installed: .ci/run installs it.
 */
import { existsSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { loadConfig } from '../../src/config.ts';
import type { ReportJson } from '../../src/report/json.ts';
import type { ReportDay, ReportModel } from '../../src/report/model.ts';
import { createDemo, type DemoResult } from '../../src/services/demo.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { ADMIN_TOKEN, admin, bearer } from '../support/api.ts';
import { artifactDir, launchChromium, NO_CHROMIUM } from '../support/browser.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { captureLogger } from '../support/queues.ts';

/** "Today" for the demo and the server: Thursday of 2026-W48, so the demo's last week is 2026-W47. */
const NOW = new Date('2026-11-26T12:00:00Z');
const now = (): Date => NOW;

if (NO_CHROMIUM !== undefined) console.warn(NO_CHROMIUM);

/** What the page measured in one chart (`CHART_PROBE`). */
interface ChartProbe {
  id: string;
  width: number;
  height: number;
  elements: number;
  texts: string[];
  title: string | null;
  caption: string | null;
  /** Bars and marks by series index: data index and drawn size. */
  marks: Record<string, { data: number; width: number; height: number }[]>;
  /** Line series drawn without symbols: their stroke colour and number of vertices. */
  lines: { stroke: string; points: number }[];
}

/**
 * Runs in the page (a plain-JS string, so nothing of the test's transpiled code is needed there).
 * Bars and marks keep ECharts' `ecmeta_*` attributes (legend entries and silent decorations are
 * left out); lines without symbols have none, so they are the unfilled, untransformed paths whose
 * stroke is not a grid or axis grey.
 */
const CHART_PROBE = `Array.from(document.querySelectorAll('svg[data-chart]')).map((svg) => {
  const box = svg.getBoundingClientRect();
  const marks = {};
  for (const el of svg.querySelectorAll('[ecmeta_ssr_type="chart"]:not([ecmeta_silent])')) {
    const r = el.getBoundingClientRect();
    const s = el.getAttribute('ecmeta_series_index');
    (marks[s] = marks[s] || []).push({ data: Number(el.getAttribute('ecmeta_data_index')), width: r.width, height: r.height });
  }
  const lines = Array.from(svg.querySelectorAll('path[fill="none"]:not([ecmeta_ssr_type]):not([transform])'))
    .filter((p) => !/^#(EEEEEE|54555a|6E7079)$/i.test(p.getAttribute('stroke') || ''))
    .map((p) => ({ stroke: p.getAttribute('stroke'), points: (p.getAttribute('d').match(/[ML]/g) || []).length }));
  const figure = svg.closest('figure');
  return {
    id: svg.getAttribute('data-chart'),
    width: box.width,
    height: box.height,
    elements: svg.querySelectorAll('*').length,
    texts: Array.from(svg.querySelectorAll('text')).map((t) => t.textContent.trim()).filter((t) => t !== ''),
    title: svg.querySelector('title') && svg.querySelector('title').textContent,
    caption: figure && figure.querySelector('figcaption') && figure.querySelector('figcaption').textContent.trim(),
    marks,
    lines,
  };
})`;

/** The line colours of the load chart (src/report/charts.ts, Okabe–Ito). */
const LINE = { fitness: '#0072B2', fatigue: '#D55E00', acwr: '#CC79A7' } as const;

const count = (days: readonly ReportDay[], test: (d: ReportDay) => boolean): number => days.filter(test).length;

/** The run row's mark for a day (docs/report.md, week strip): hard, hard missed, easy, missed, rest. */
function runMark(d: ReportDay): 'hard' | 'missed' | 'easy' | 'rest' {
  if (d.hardDone) return 'hard';
  if (d.hardPlanned && d.doneDistanceM === 0) return 'missed';
  if (d.doneDistanceM > 0) return 'easy';
  if (d.plannedDistanceM > 0) return 'missed';
  return 'rest';
}

/** Marks per series that each chart must draw, from the report model. */
function expectedMarks(m: ReportModel): Record<string, Record<string, number>> {
  const hasHr = m.intensity.secondsWithHr > 0;
  const strip = { hard: 0, easy: 0, missed: 0, rest: 0 };
  for (const d of m.days) strip[runMark(d)]++;
  const drop0 = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0));
  return {
    // Planned (series 0) and done (series 1): one bar per day.
    'chart-distance': { 0: m.days.length, 1: m.days.length },
    // Run row: hard, easy, missed, rest (one per day); strength row: done, planned but missed.
    'chart-week': drop0({
      0: strip.hard,
      1: strip.easy,
      2: strip.missed,
      3: strip.rest,
      4: count(m.days, (d) => d.strengthDone),
      5: count(m.days, (d) => d.strengthPlanned && !d.strengthDone),
    }),
    // Rows "Target 80/20" and "This week": easy and hard in both, moderate only this week; no row
    // for this week without heart rate.
    'chart-intensity': hasHr ? { 0: 2, 1: 1, 2: 2 } : { 0: 1, 2: 1 },
    // Form bars: one per trend day with a load.
    'chart-load': drop0({ 0: m.load.days.filter((d) => d.form !== null).length }),
  };
}

describe.skipIf(NO_CHROMIUM !== undefined)('weekly report page in Chromium', () => {
  let t: TestDb;
  let app: ApiApp;
  let demo: DemoResult;
  let base: string;
  let token: string;
  let browser: Browser;
  let context: BrowserContext;
  const shots = artifactDir('report');

  beforeAll(async () => {
    t = await createTestDb('postgres');
    const { log } = captureLogger();
    demo = await createDemo({ db: t.db, log, now }, { seed: 1, units: 'mi' });
    const config = loadConfig({ DATABASE_URL: t.url!, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN });
    app = await buildServer({ db: t.db, log, jobs: new InlineRunner({ db: t.db, log, now }), config, now });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const issued = await app.inject({ method: 'POST', url: `/athletes/${demo.athlete.id}/tokens`, headers: admin });
    expect(issued.statusCode, issued.body).toBe(201);
    token = issued.json<{ token: string }>().token;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1024, height: 800 }, extraHTTPHeaders: bearer(token) });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await t?.drop();
  });

  it('the demo has the weeks the test opens', () => {
    expect(demo.reports.map((r) => r.isoWeek)).toHaveLength(10);
    expect(demo.reports.at(-1)!.isoWeek).toBe('2026-W47');
  });

  for (const which of ['first', 'last'] as const) {
    it(`renders every chart of the demo's ${which} week, with no console error, and saves a screenshot`, async () => {
      const isoWeek = which === 'first' ? demo.reports[0]!.isoWeek : demo.reports.at(-1)!.isoWeek;
      const url = `/athletes/${demo.athlete.id}/reports/${isoWeek}`;
      const json = await app.inject({ method: 'GET', url: `${url}?format=json`, headers: bearer(token) });
      expect(json.statusCode, json.body).toBe(200);
      const m = json.json<ReportJson>().report;
      expect(m.week.isoWeek).toBe(isoWeek);
      // The trend: 8 weeks, 56 days.
      expect(m.load.weeks).toHaveLength(8);
      expect(m.load.days).toHaveLength(56);

      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
      try {
        const res = await page.goto(`${base}${url}`, { waitUntil: 'load' });
        expect(res?.status()).toBe(200);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(`Week ${isoWeek}`);

        const charts = await page.evaluate<ChartProbe[]>(CHART_PROBE);
        expect(charts.map((c) => c.id)).toEqual(['chart-distance', 'chart-week', 'chart-intensity', 'chart-load']);
        const expected = expectedMarks(m);
        for (const c of charts) {
          // Non-empty: laid out with a size, drawn elements, text, a title and a caption.
          expect(c.width, c.id).toBeGreaterThan(200);
          expect(c.height, c.id).toBeGreaterThan(100);
          expect(c.elements, c.id).toBeGreaterThan(20);
          expect(c.texts.length, c.id).toBeGreaterThan(3);
          expect(c.title, c.id).toBeTruthy();
          expect(c.caption, c.id).toBeTruthy();
          const perSeries = Object.fromEntries(Object.entries(c.marks).map(([s, marks]) => [s, marks.length]));
          expect(perSeries, c.id).toEqual(expected[c.id]);
        }
        const byId = (id: string): ChartProbe => charts.find((c) => c.id === id)!;

        // Distance: every non-zero bar has a height, in the data's day order.
        const distance = byId('chart-distance');
        const miles = (metres: number): number => Math.round(metres / 160.9344) / 10;
        for (const [series, field] of [['0', 'plannedDistanceM'], ['1', 'doneDistanceM']] as const) {
          const bars = [...distance.marks[series]!].sort((a, b) => a.data - b.data);
          expect(bars.map((b) => b.data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
          for (const b of bars) {
            const value = miles(m.days[b.data]![field]);
            if (value > 0) expect(b.height, `${field} ${m.days[b.data]!.date}`).toBeGreaterThan(1);
            else expect(b.height).toBeLessThan(1);
          }
        }
        // Every mark of the week strip is drawn with a size.
        for (const marks of Object.values(byId('chart-week').marks)) for (const mk of marks) expect(mk.width * mk.height).toBeGreaterThan(0);

        // Load: one point per trend day with a value on each line; days without a load are gaps.
        const load = byId('chart-load');
        const points = (stroke: string): number => load.lines.filter((l) => l.stroke?.toUpperCase() === stroke.toUpperCase()).reduce((n, l) => n + l.points, 0);
        expect(points(LINE.fitness)).toBe(m.load.days.filter((d) => d.chronic !== null).length);
        expect(points(LINE.fatigue)).toBe(m.load.days.filter((d) => d.acute !== null).length);
        expect(points(LINE.acwr)).toBe(m.load.days.filter((d) => d.acwr !== null).length);
        for (const bar of load.marks['0'] ?? []) expect(bar.width).toBeGreaterThan(0);

        const file = path.join(shots, `${isoWeek}.png`);
        await page.screenshot({ path: file, fullPage: true });
        expect(existsSync(file) && statSync(file).size).toBeGreaterThan(10_000);
      } finally {
        await page.close();
      }
      expect(problems).toEqual([]);
    });
  }
});
