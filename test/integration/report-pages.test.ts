/**
 * The report pages of the HTTP API against real Postgres: one week's report (HTML with its charts,
 * or JSON), the index of past weeks and the season view; a report made on the first request and
 * served from storage after; auth and 404 isolation between athletes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { loadConfig } from '../../src/config.ts';
import { getReport, listReports } from '../../src/db/repositories/reports.ts';
import type { TrainingPlan } from '../../src/domain/plan.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { renderReportJson } from '../../src/report/json.ts';
import type { SeasonModel } from '../../src/report/season.ts';
import { importPlan } from '../../src/services/plans.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { ADMIN_TOKEN, admin, createAthleteViaApi, errorOf, type CreatedAthlete } from '../support/api.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { byTag, find, findAll, parseHtml, text } from '../support/html.ts';
import { captureLogger } from '../support/queues.ts';
import { reportWeekFiles, session } from '../support/scenario.ts';

const WEEK = '2027-W03'; // Mon 2027-01-18 … Sun 2027-01-24

const plan: TrainingPlan = {
  name: 'Pages test',
  startDate: '2027-01-11',
  race: { date: '2027-02-28', distanceM: 42_195, goalTimeS: null },
  units: 'km',
  sessions: [
    session('2027-01-12', 1, 'easy', { distanceM: 8000 }),
    session('2027-01-14', 1, 'strength', { durationS: 2700 }),
    session('2027-01-19', 1, 'intervals', { distanceM: 10_000 }),
    session('2027-01-19', 2, 'strength', { durationS: 2700 }),
    session('2027-01-20', 1, 'easy', { distanceM: 8000 }),
    session('2027-01-21', 1, 'tempo', { distanceM: 10_000 }),
    session('2027-01-24', 1, 'long', { distanceM: 24_000 }),
    session('2027-02-28', 1, 'race', { distanceM: 42_195 }),
  ],
};

describe('report pages', () => {
  let t: TestDb;
  let app: ApiApp;
  let a: CreatedAthlete;
  let b: CreatedAthlete;
  // Tuesday after the week: the week is complete.
  const clock = new Date('2027-01-26T09:00:00Z');
  const now = (): Date => clock;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    const { log } = captureLogger();
    const config = loadConfig({ DATABASE_URL: t.url!, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN });
    app = await buildServer({ db: t.db, log, jobs: new InlineRunner({ db: t.db, log, now }), config, now });
    await app.ready();
    a = await createAthleteViaApi(app, { name: 'Ada <A>', timezone: 'UTC', maxHr: 190 });
    b = await createAthleteViaApi(app, { name: 'Bea', timezone: 'UTC' });
    await importPlan(t.db, { enqueue: () => Promise.resolve() }, { athleteId: a.id, plan, source: 'yaml', now: clock, today: '2027-01-26' });
    const file = (filename: string, bytes: Uint8Array) => importFitFile(t.db, { athleteId: a.id, filename, bytes }, now);
    for (const f of reportWeekFiles(3_930_000_000)) await file(f.filename, f.bytes);
  });

  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });

  it("serves the week's report as a page with its four charts, made and stored on the first request", async () => {
    expect(await getReport(t.db, a.id, WEEK)).toBeUndefined();
    const res = await get(`/athletes/${a.id}/reports/${WEEK}`, a.headers);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const stored = await getReport(t.db, a.id, WEEK);
    expect(stored).toBeDefined();

    const doc = parseHtml(res.body);
    // #18 point 14: the heading gives the overall band of the compliance parts, not "% of plan".
    expect(text(find(doc, byTag('h1')))).toBe(`Week ${WEEK}: partly off plan`);
    expect(stored!.document.headline.complianceBand).toBe('yellow');
    expect(res.body).toContain('Ada &lt;A&gt;');
    const svgs = findAll(doc, byTag('svg'));
    expect(svgs.map((s) => s.attrs['data-chart'])).toEqual(['chart-distance', 'chart-week', 'chart-intensity', 'chart-load']);
    for (const s of svgs) expect(s.attrs.role).toBe('img');
    // Planned and done bars, one of each per day.
    const bars = res.body.match(/data-chart="chart-distance"[\s\S]*?<\/svg>/)![0].match(/ecmeta_series_index="[01]" ecmeta_data_index="\d" ecmeta_ssr_type="chart"(?! ecmeta_silent)/g);
    expect(bars).toHaveLength(14);
    // Navigation to the index, the season and the JSON.
    expect(findAll(doc, byTag('a')).map((x) => x.attrs.href)).toEqual(
      expect.arrayContaining([`/athletes/${a.id}/reports`, `/athletes/${a.id}/season`, `/athletes/${a.id}/reports/${WEEK}?format=json`]),
    );

    // The second request serves the stored report: same bytes, nothing regenerated.
    const again = await get(`/athletes/${a.id}/reports/${WEEK}`, a.headers);
    expect(again.body).toBe(res.body);
    expect((await getReport(t.db, a.id, WEEK))!.generatedAt).toEqual(stored!.generatedAt);
  });

  it('serves the JSON of the stored report with ?format=json, as kinetic report --format json prints it', async () => {
    const res = await get(`/athletes/${a.id}/reports/${WEEK}?format=json`, admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const stored = (await getReport(t.db, a.id, WEEK))!;
    expect(res.body).toBe(renderReportJson(stored.document, stored.generatedAt));
    expect(res.json<{ contentHash: string }>().contentHash).toBe(stored.contentHash);
  });

  it('lists the stored reports in the index, newest first, linked', async () => {
    await get(`/athletes/${a.id}/reports/2027-W02`, a.headers);
    const page = await get(`/athletes/${a.id}/reports`, a.headers);
    expect(page.statusCode).toBe(200);
    const links = findAll(find(parseHtml(page.body), byTag('tbody')), byTag('a')).map((x) => x.attrs.href);
    expect(links).toEqual([`/athletes/${a.id}/reports/2027-W03`, `/athletes/${a.id}/reports/2027-W02`]);

    const json = (await get(`/athletes/${a.id}/reports?format=json`, a.headers)).json<{ athleteId: string; reports: { isoWeek: string; compliancePct: number | null; summary: string; href: string }[] }>();
    expect(json.athleteId).toBe(a.id);
    expect(json.reports.map((r) => r.isoWeek)).toEqual(['2027-W03', '2027-W02']);
    const stored = (await getReport(t.db, a.id, WEEK))!;
    expect(json.reports[0]).toMatchObject({ compliancePct: stored.document.headline.compliancePct, summary: stored.document.headline.summary });
    expect((await listReports(t.db, a.id)).map((r) => r.isoWeek)).toEqual(['2027-W03', '2027-W02']);
  });

  it('answers 404 for a week that has not started and 400 for a malformed one', async () => {
    const future = await get(`/athletes/${a.id}/reports/2027-W09`, a.headers);
    expect(future.statusCode).toBe(404);
    expect(errorOf(future).message).toContain('2027-W09');
    expect(await getReport(t.db, a.id, '2027-W09')).toBeUndefined();
    const bad = await get(`/athletes/${a.id}/reports/2027-W60`, a.headers);
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).code).toBe('validation_failed');
  });

  it('shows the season: a row per plan week so far, strength per week, the load curve to race day', async () => {
    const json = await get(`/athletes/${a.id}/season?format=json`, a.headers);
    expect(json.statusCode, json.body).toBe(200);
    const season = json.json<SeasonModel>();
    expect(season.weeks.map((w) => [w.isoWeek, w.planWeek, w.strengthPlanned, w.strengthDone])).toEqual([
      ['2027-W02', 1, 1, 0],
      ['2027-W03', 2, 1, 1],
      ['2027-W04', 3, 0, 0],
    ]);
    const w3 = season.weeks[1]!;
    expect(w3.compliancePct).toBe((await getReport(t.db, a.id, WEEK))!.document.headline.compliancePct);
    expect(season.load.days.at(-1)!.date).toBe('2027-02-28');
    expect(season.load.markers).toEqual([
      { date: '2027-01-26', label: 'Today' },
      { date: '2027-02-28', label: 'Race day' },
    ]);
    expect(season.totals.daysToRace).toBe(33);

    const page = await get(`/athletes/${a.id}/season`, a.headers);
    expect(page.statusCode).toBe(200);
    const doc = parseHtml(page.body);
    expect(findAll(doc, byTag('svg')).map((s) => s.attrs['data-chart'])).toEqual(['chart-compliance', 'chart-strength', 'chart-season-load']);
    const rows = findAll(find(doc, byTag('tbody')), byTag('tr'));
    expect(rows.map((r) => text(find(r, byTag('th'))))).toEqual(['Week 1 · 2027-W02', 'Week 2 · 2027-W03', 'Week 3 · 2027-W04 (so far)']);
    expect(page.body).toContain('>Race day<');
  });

  it("gives another athlete 404 — the same answer as for an unknown athlete — and a stranger 401", async () => {
    for (const path of [`reports/${WEEK}`, `reports/${WEEK}?format=json`, 'reports', 'reports?format=json', 'season', 'season?format=json']) {
      const asB = await get(`/athletes/${a.id}/${path}`, b.headers);
      expect(asB.statusCode, path).toBe(404);
      const unknown = await get(`/athletes/${randomUUID()}/${path}`, b.headers);
      expect(asB.body).toBe(unknown.body);
      expect(asB.body).not.toContain('Ada');
      expect((await get(`/athletes/${a.id}/${path}`, {})).statusCode).toBe(401);
      expect((await get(`/athletes/${a.id}/${path}`, admin)).statusCode).toBe(200);
    }
    // B's own (empty) pages work.
    const own = await get(`/athletes/${b.id}/reports`, b.headers);
    expect(own.statusCode).toBe(200);
    expect(text(parseHtml(own.body))).toContain('No weekly report yet');
  });
});
