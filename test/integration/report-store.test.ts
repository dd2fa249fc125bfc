/**
 * Generating and storing weekly reports on both back ends: the analysis is brought up to date, the
 * report is stored once per athlete-week, regenerating an unchanged week writes nothing, a change
 * replaces the report under the same id, and the data-quality notes come from what is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { deleteAthlete } from '../../src/db/repositories/demo.ts';
import { getReport, listReports } from '../../src/db/repositories/reports.ts';
import type { TrainingPlan } from '../../src/domain/plan.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { createLogger } from '../../src/log.ts';
import { canonicalJson, reportHash } from '../../src/report/model.ts';
import { generateWeeklyReport, ReportWeekError } from '../../src/services/reports.ts';
import { AthleteGoneError } from '../../src/services/analysis.ts';
import { importPlan } from '../../src/services/plans.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';
import { at, reportWeekFiles, session } from '../support/scenario.ts';

const WEEK = '2027-W03'; // Mon 2027-01-18 … Sun 2027-01-24

const plan: TrainingPlan = {
  name: 'Store test',
  startDate: '2027-01-11',
  race: null,
  units: 'km',
  sessions: [
    session('2027-01-19', 1, 'intervals', { distanceM: 10_000 }),
    session('2027-01-19', 2, 'strength', { durationS: 2700 }),
    session('2027-01-20', 1, 'easy', { distanceM: 8000 }),
    session('2027-01-21', 1, 'tempo', { distanceM: 10_000 }),
    session('2027-01-21', 2, 'strength', { durationS: 2700 }),
    session('2027-01-24', 1, 'long', { distanceM: 24_000 }),
  ],
};

describe.each(BACKENDS)('weekly reports on %s', (kind) => {
  let db: TestDb;
  let athleteId: string;
  let clock = new Date('2027-01-26T09:00:00Z');
  const deps = () => ({ db: db.db, log: createLogger('silent'), now: () => clock });
  const importFile = async (filename: string, bytes: Uint8Array) => {
    const r = await importFitFile(db.db, { athleteId, filename, bytes }, () => clock);
    return r;
  };

  beforeAll(async () => {
    db = await createTestDb(kind);
    const athlete = await createAthlete(db.db, { name: 'Store Runner', timezone: 'UTC', lthr: 170, max_hr: 190, units: 'km' });
    athleteId = athlete.id;
    await importPlan(db.db, { enqueue: () => Promise.resolve() }, { athleteId, plan, source: 'yaml', now: clock, today: '2027-01-26' });
    for (const f of reportWeekFiles(3_920_000_000)) await importFile(f.filename, f.bytes);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores the report once; an unchanged regeneration writes nothing', async () => {
    const first = await generateWeeklyReport(deps(), athleteId, WEEK);
    expect(first.created).toBe(true);
    const stored = (await getReport(db.db, athleteId, WEEK))!;
    expect(stored.id).toBe(first.reportId);
    expect(stored.version).toBe(2); // #18: report model version 2 (compliance parts, the week in progress)
    expect(stored.generatedAt.toISOString()).toBe(clock.toISOString());
    expect(stored.contentHash).toBe(reportHash(stored.document));
    expect(stored.document.week).toEqual({ isoWeek: WEEK, from: '2027-01-18', to: '2027-01-24', complete: true });
    expect(stored.document.flags.map((f) => `${f.code}@${f.date ?? 'week'}`)).toEqual(
      expect.arrayContaining(['strength_skipped@2027-01-21', 'key_session_missed@2027-01-21']),
    );
    expect(stored.document.strength.sessions).toMatchObject([{ date: '2027-01-19', dayType: 'hard_day', afterRun: true }]);

    clock = new Date('2027-01-27T09:00:00Z');
    const again = await generateWeeklyReport(deps(), athleteId, WEEK);
    expect(again).toEqual({ reportId: first.reportId, created: false });
    const same = (await getReport(db.db, athleteId, WEEK))!;
    expect(same.generatedAt.toISOString()).toBe(stored.generatedAt.toISOString());
    expect(canonicalJson(same.document)).toBe(canonicalJson(stored.document));
  });

  it('a change to the week replaces the report under the same id', async () => {
    const before = (await getReport(db.db, athleteId, WEEK))!;
    await importFile('thu.fit', encodeRun({ startTime: at('2027-01-21', '06:00'), serialNumber: 3_920_000_005, recordIntervalS: 2, laps: [
      { durationS: 600, distanceM: 1800, avgHr: 132, intensity: 'warmup' },
      { durationS: 1500, distanceM: 6000, avgHr: 166 },
      { durationS: 600, distanceM: 1700, avgHr: 135, intensity: 'cooldown' },
    ] }));
    clock = new Date('2027-01-28T09:00:00Z');
    const r = await generateWeeklyReport(deps(), athleteId, WEEK);
    expect(r).toEqual({ reportId: before.id, created: true });
    const after = (await getReport(db.db, athleteId, WEEK))!;
    expect(after.contentHash).not.toBe(before.contentHash);
    expect(after.generatedAt.toISOString()).toBe(clock.toISOString());
    expect(after.document.flags.map((f) => f.code)).not.toContain('key_session_missed');
    expect(after.document.days[3]!.rows[0]).toMatchObject({ status: 'completed', done: { category: 'run' } });
    expect(await listReports(db.db, athleteId)).toEqual([expect.objectContaining({ id: before.id, isoWeek: WEEK, contentHash: after.contentHash })]);
  });

  it('notes uploads of the week that failed to parse', async () => {
    const failed = await importFile('broken.fit', new TextEncoder().encode('this is not a FIT file at all'));
    expect(failed.status).toBe('failed');
    // Stored "during" the week (the upload time is the database's clock).
    await db.db.updateTable('uploads').set({ created_at: '2027-01-22T10:00:00Z' }).where('id', '=', failed.uploadId!).execute();
    const r = await generateWeeklyReport(deps(), athleteId, WEEK);
    expect(r.created).toBe(true);
    const q = (await getReport(db.db, athleteId, WEEK))!.document.dataQuality;
    expect(q.failedUploads).toEqual([{ uploadId: failed.uploadId, filename: 'broken.fit', error: expect.any(String) as string, date: '2027-01-22' }]);
    expect(q.notes.some((n) => n.includes('broken.fit'))).toBe(true);
    // Another week does not see it.
    await generateWeeklyReport(deps(), athleteId, '2027-W02');
    expect((await getReport(db.db, athleteId, '2027-W02'))!.document.dataQuality.failedUploads).toEqual([]);
  });

  it('says when Strava needs the athlete to connect again, and not before', async () => {
    await generateWeeklyReport(deps(), athleteId, WEEK);
    expect((await getReport(db.db, athleteId, WEEK))!.document.dataQuality.strava).toBeNull();
    await db.db
      .insertInto('strava_connections')
      .values({ athlete_id: athleteId, strava_athlete_id: '9007199254740993', scopes: 'read,activity:read_all', access_token: null, refresh_token: null, expires_at: null, status: 'needs_reauth', status_reason: 'refresh token revoked', status_at: '2027-01-20T08:00:00Z' })
      .execute();
    await generateWeeklyReport(deps(), athleteId, WEEK);
    const q = (await getReport(db.db, athleteId, WEEK))!.document.dataQuality;
    expect(q.strava).toEqual({ status: 'needs_reauthorisation', since: '2027-01-20T08:00:00.000Z' });
    expect(q.notes.some((n) => n.includes('connect Strava again'))).toBe(true);
    await db.db.deleteFrom('strava_connections').where('athlete_id', '=', athleteId).execute();
  });

  it('rejects an unknown athlete and a malformed week', async () => {
    await expect(generateWeeklyReport(deps(), '6f1c1d7e-0000-4000-8000-000000000000', WEEK)).rejects.toBeInstanceOf(AthleteGoneError);
    await expect(generateWeeklyReport(deps(), athleteId, '2027-W54')).rejects.toBeInstanceOf(ReportWeekError);
    await expect(generateWeeklyReport(deps(), athleteId, '2027-01-18')).rejects.toThrow(/not an ISO week/);
  });

  it('reports go with their athlete', async () => {
    const other = await createAthlete(db.db, { name: 'Gone', timezone: 'UTC' });
    await generateWeeklyReport(deps(), other.id, WEEK);
    expect(await listReports(db.db, other.id)).toHaveLength(1);
    await deleteAthlete(db.db, other.id);
    expect(await listReports(db.db, other.id)).toEqual([]);
  });
});
