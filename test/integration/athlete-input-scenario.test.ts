/**
 * What the athlete tells us (issue #18, points 15–17), on a plan week built from generated FIT files:
 * a strength session logged by hand, the RPE of a run recorded without heart rate, days off with
 * illness, and a bike ride — each through its service, analysed by the queued jobs, and checked on
 * the stored week documents: statuses, flags, load and next week.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWeek } from '../../src/db/repositories/analysis.ts';
import { createAthlete, findAthlete } from '../../src/db/repositories/athletes.ts';
import type { Athlete } from '../../src/db/schema.ts';
import type { TrainingPlan } from '../../src/domain/plan.ts';
import type { WeekDocument } from '../../src/domain/week-document.ts';
import { createLogger } from '../../src/log.ts';
import { weekText } from '../../src/report/week-text.ts';
import { renderReportHtml } from '../../src/report/html.ts';
import { renderReportText } from '../../src/report/text.ts';
import { buildWeeklyReport } from '../../src/services/reports.ts';
import { addUnavailablePeriod, annotateActivity, logManualActivity, removeUnavailablePeriod } from '../../src/services/athlete-input.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { importPlan } from '../../src/services/plans.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { at, intervalLaps, session, steady } from '../support/scenario.ts';

const WEEK = '2027-W02'; // Mon 2027-01-11 … Sun 2027-01-17
const NEXT = '2027-W03';

const plan: TrainingPlan = {
  name: 'Athlete input',
  startDate: '2027-01-11',
  race: null,
  units: 'km',
  sessions: [
    session('2027-01-12', 1, 'intervals', { distanceM: 11000 }),
    session('2027-01-12', 2, 'strength', { durationS: 2700 }),
    session('2027-01-13', 1, 'easy', { distanceM: 8000 }),
    session('2027-01-14', 1, 'tempo', { distanceM: 10000 }),
    session('2027-01-14', 2, 'strength', { durationS: 2700 }),
    session('2027-01-16', 1, 'easy', { distanceM: 6000 }),
    session('2027-01-17', 1, 'long', { distanceM: 24000 }),
    session('2027-01-19', 1, 'intervals', { distanceM: 11000 }),
    session('2027-01-19', 2, 'strength', { durationS: 2700 }),
    session('2027-01-20', 1, 'easy', { distanceM: 8000 }),
    session('2027-01-21', 1, 'tempo', { distanceM: 10000 }),
    session('2027-01-21', 2, 'strength', { durationS: 2700 }),
    session('2027-01-23', 1, 'easy', { distanceM: 6000 }),
    session('2027-01-24', 1, 'long', { distanceM: 26000 }),
  ],
};

describe('what the athlete tells us, on a generated plan week', () => {
  let t: TestDb;
  let athlete: Athlete;
  let runner: InlineRunner;
  const now = (): Date => new Date('2027-01-18T12:00:00Z');
  let wedRunId: string;
  let strengthId: string;

  const week = async (isoWeek = WEEK): Promise<WeekDocument> => (await getWeek(t.db, athlete.id, isoWeek))!;
  const settle = async (): Promise<void> => {
    await runner.drain();
    expect(runner.failed).toEqual([]);
  };
  const match = (doc: WeekDocument, date: string, kind: string) => doc.compliance.matches.find((m) => m.plannedDate === date && m.plannedKind === kind)!;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    const id = (await createAthlete(t.db, { name: 'Input', email: null, sex: 'f', max_hr: 190, resting_hr: 50, lthr: 170, threshold_speed_mps: null, timezone: 'Europe/Berlin' })).id;
    athlete = (await findAthlete(t.db, id))!;
    runner = new InlineRunner({ db: t.db, log: createLogger('silent'), now });
    await importPlan(t.db, runner, { athleteId: id, plan, source: 'yaml', now: now(), today: '2027-01-18' });
    const files = [
      encodeRun({ startTime: at('2027-01-11', '16:00'), serialNumber: 3_900_400_001, sport: 'cycling', laps: Array.from({ length: 4 }, () => ({ durationS: 900, distanceM: 7500, avgHr: 128 })) }),
      encodeRun({ startTime: at('2027-01-12', '05:00'), serialNumber: 3_900_400_002, laps: intervalLaps() }),
      // Wednesday's easy run, recorded without heart rate (the strap stayed at home).
      encodeRun({ startTime: at('2027-01-13', '05:30'), serialNumber: 3_900_400_003, withHr: false, laps: steady(8, 360, 132) }),
    ];
    for (const [i, bytes] of files.entries()) {
      const res = await importFitFile(t.db, { athleteId: id, filename: `f${i}.fit`, bytes }, now);
      if (res.status !== 'imported') throw new Error(`f${i}.fit: ${res.status}`);
      if (i === 2) wedRunId = res.activities[0]!.id;
    }
    // Tuesday's strength, done without a watch: 17:30 Berlin time, 45 minutes, RPE 7.
    strengthId = (
      await logManualActivity(t.db, runner, athlete, {
        date: '2027-01-12',
        startTime: '17:30',
        durationS: 2700,
        rpe: 7,
        sport: 'strength',
        name: 'Gym',
        note: 'squats felt heavy',
        distanceM: null,
        exercises: [
          { name: 'Back squat', sets: 4, reps: 6, weightKg: 80 },
          { name: 'Plank', sets: 3, reps: 1, weightKg: null },
        ],
      }, now())
    ).id;
    await runner.enqueue('analysis', { athleteId: id, isoWeek: WEEK });
    await settle();
  });
  afterAll(async () => {
    await t.drop();
  });

  describe('15: a strength session logged without a watch, and RPE', () => {
    it('matches the planned strength session and counts for the weekly minimum', async () => {
      const doc = await week();
      expect(match(doc, '2027-01-12', 'strength')).toMatchObject({ status: 'completed', activityId: strengthId, ratio: 1, band: 'green', dayShift: 0 });
      expect(doc.compliance.actual.strengthSessions).toBe(1);
      expect(doc.compliance.actual.strengthMinutes).toBe(45);
      const a = doc.activities.find((x) => x.id === strengthId)!;
      expect(a).toMatchObject({ localDate: '2027-01-12', startTime: '2027-01-12T16:30:00.000Z', category: 'strength', source: 'manual', rpe: 7, note: 'squats felt heavy' });
      expect(a.metrics).toMatchObject({ loadBasis: 'session_rpe', sessionRpe: { value: 7, source: 'given' }, movingS: 2700 });
      expect(doc.flags.filter((f) => f.date === '2027-01-12').map((f) => f.code)).not.toContain('strength_skipped');
    });

    it('keeps its exercises as sets × reps × weight', async () => {
      const rows = await t.db.selectFrom('strength_sets').selectAll().where('activity_id', '=', strengthId).orderBy('set_index').execute();
      expect(rows.map((r) => [r.set_index, r.exercise_name, r.category, r.reps, r.weight_kg])).toEqual([
        [0, 'Back squat', 'back_squat', 6, 80],
        [1, 'Back squat', 'back_squat', 6, 80],
        [2, 'Back squat', 'back_squat', 6, 80],
        [3, 'Back squat', 'back_squat', 6, 80],
        [4, 'Plank', 'plank', 1, null],
        [5, 'Plank', 'plank', 1, null],
        [6, 'Plank', 'plank', 1, null],
      ]);
    });

    it("puts the RPE the athlete gives a run without heart rate into its load, and re-analyses the week", async () => {
      const before = await week();
      const run = (doc: WeekDocument) => doc.activities.find((x) => x.id === wedRunId)!;
      expect(run(before).metrics).toMatchObject({ loadBasis: 'session_rpe', sessionRpe: { source: 'default' } });
      const defaultRpe = run(before).metrics.sessionRpe!.value;
      const wed = (doc: WeekDocument) => doc.load.days.find((d) => d.date === '2027-01-13')!.load;
      expect(wed(before)).toBeCloseTo(run(before).metrics.load, 9);

      expect(defaultRpe).toBeLessThan(7);
      await annotateActivity(t.db, runner, wedRunId, { rpe: 7, note: 'legs heavy' });
      await settle();
      const after = await week();
      expect(run(after)).toMatchObject({ rpe: 7, note: 'legs heavy' });
      expect(run(after).metrics.sessionRpe).toEqual({ value: 7, source: 'given' });
      expect(run(after).metrics.load).toBeGreaterThan(run(before).metrics.load);
      // On the load scale a minute at RPE 7 counts the same whatever the session: as Tuesday's strength at RPE 7.
      const strength = after.activities.find((x) => x.id === strengthId)!;
      expect(run(after).metrics.load / run(after).metrics.movingS).toBeCloseTo(strength.metrics.load / strength.metrics.movingS, 9);
      expect(wed(after)).toBeCloseTo(run(after).metrics.load, 9);
      expect(after.load.weeklyLoad - before.load.weeklyLoad).toBeCloseTo(run(after).metrics.load - run(before).metrics.load, 6);
    });

    it('leaves a run with heart rate on its heart-rate load whatever RPE is given', async () => {
      const doc = await week();
      const intervals = doc.activities.find((x) => x.category === 'run' && x.localDate === '2027-01-12')!;
      await annotateActivity(t.db, runner, intervals.id, { rpe: 9 });
      await settle();
      const after = (await week()).activities.find((x) => x.id === intervals.id)!;
      expect(after.rpe).toBe(9);
      expect(after.metrics.loadBasis).toBe('trimp');
      expect(after.metrics.load).toBe(intervals.metrics.load);
    });
  });

  describe('16: days unavailable', () => {
    beforeAll(async () => {
      // Ill from Thursday to Sunday: the tempo, the second strength session, Saturday's easy run and the long run are not done.
      const { weeksQueued } = await addUnavailablePeriod(t.db, runner, athlete, { from: '2027-01-14', to: '2027-01-17', reason: 'illness', note: 'flu' }, now());
      expect(weeksQueued).toBe(1);
      await settle();
    });

    it('excuses the sessions of those days: never missed, out of the score', async () => {
      const doc = await week();
      expect(doc.unavailable).toEqual(['2027-01-14', '2027-01-15', '2027-01-16', '2027-01-17'].map((date) => ({ date, reason: 'illness' })));
      for (const [date, kind] of [['2027-01-14', 'tempo'], ['2027-01-14', 'strength'], ['2027-01-16', 'easy'], ['2027-01-17', 'long']] as const) {
        expect(match(doc, date, kind), `${date} ${kind}`).toMatchObject({ status: 'excused', activityId: null, ratio: null, band: null });
      }
      // What was due: the intervals (11 of 11 km), the strength (45 of 45 min), Wednesday's 8 km — all green.
      expect(doc.compliance.score).toBe(1);
      expect(doc.compliance.actual.sessionsCompleted).toBe(3);
    });

    it('raises no missed-session or mileage flag for them', async () => {
      const codes = (await week()).flags.map((f) => f.code);
      expect(codes).not.toContain('strength_skipped');
      expect(codes).not.toContain('key_session_missed');
      expect(codes).not.toContain('mileage_below_plan');
    });

    it('makes next week a return to running', async () => {
      const next = (await week()).nextWeek;
      expect(next.isoWeek).toBe(NEXT);
      expect(next.basis).toBe('return');
      // Four days off, none back yet: Monday to Thursday easy; the plan resumes on Friday.
      expect(next.strengthDays.every((s) => s.date >= '2027-01-22')).toBe(true);
      expect(next.notes[0]).toContain('4 days off with illness');
      expect(next.notes.join(' ')).toContain('From Fri');
    });

    it('gives the sessions back when the period is removed', async () => {
      const period = (await t.db.selectFrom('unavailable_periods').select('id').where('athlete_id', '=', athlete.id).executeTakeFirstOrThrow()).id;
      expect(await removeUnavailablePeriod(t.db, runner, athlete, period, now())).toMatchObject({ weeksQueued: 1 });
      await settle();
      const doc = await week();
      expect(doc.unavailable).toEqual([]);
      expect(match(doc, '2027-01-17', 'long')).toMatchObject({ status: 'missed', band: 'red' });
      expect(doc.nextWeek.basis).toBe('plan');
      expect(doc.flags.map((f) => `${f.code}@${f.date ?? ''}`)).toEqual(expect.arrayContaining(['key_session_missed@2027-01-14', 'key_session_missed@2027-01-17', 'strength_skipped@2027-01-14']));
      // Back as it was for the rest of the file.
      await addUnavailablePeriod(t.db, runner, athlete, { from: '2027-01-14', to: '2027-01-17', reason: 'illness', note: null }, now());
      await settle();
    });
  });
  describe('17: cross-training', () => {
    it('counts a bike ride as load, not as running volume, and shows it in the week', async () => {
      const doc = await week();
      const ride = doc.activities.find((a) => a.localDate === '2027-01-11')!;
      expect(ride).toMatchObject({ category: 'other', sport: 'cycling', distanceM: 30000 });
      expect(ride.metrics.loadBasis).toBe('trimp');
      expect(ride.metrics.load).toBeGreaterThan(0);
      // Running volume: Tuesday's intervals (11 km) and Wednesday's 8 km; the 30 km ride is not in it.
      expect(doc.compliance.actual.distanceM).toBe(19000);
      expect(doc.load.days[0]).toMatchObject({ date: '2027-01-11', load: ride.metrics.load });
      expect(doc.compliance.actual.crossTraining).toEqual({ sessions: 1, durationS: 3600, distanceM: 30000, load: ride.metrics.load, sports: ['cycling'] });
      expect(doc.compliance.matches.find((m) => m.activityId === ride.id)).toMatchObject({ status: 'unplanned' });
    });

    it('takes a swim logged without a watch the same way', async () => {
      const swim = await logManualActivity(t.db, runner, athlete, {
        date: '2027-01-11',
        startTime: '07:00',
        durationS: 1800,
        rpe: 4,
        sport: 'swimming',
        name: null,
        note: null,
        distanceM: 1500,
        exercises: [],
      }, now());
      await settle();
      const doc = await week();
      const ride = doc.activities.find((a) => a.sport === 'cycling')!;
      const swum = doc.activities.find((a) => a.id === swim.id)!;
      expect(swum).toMatchObject({ category: 'other', sport: 'swimming', source: 'manual', rpe: 4, metrics: { loadBasis: 'session_rpe', sessionRpe: { value: 4, source: 'given' } } });
      expect(doc.compliance.actual.distanceM).toBe(19000);
      expect(doc.compliance.actual.crossTraining).toEqual({ sessions: 2, durationS: 5400, distanceM: 31500, load: swum.metrics.load + ride.metrics.load, sports: ['swimming', 'cycling'] });
      expect(doc.load.days[0]!.load).toBeCloseTo(swum.metrics.load + ride.metrics.load, 9);
      expect(weekText(doc, 'Input', 'km')).toContain('Cross-training  2 session(s) (swimming, cycling), 1 h 30 min, 31.5 km; load');
      expect(weekText(doc, 'Input', 'km')).toContain('Unavailable: Thu 2027-01-14 – Sun 2027-01-17 (illness)');
    });

    it('the weekly report shows the cross-training, the days off and the excused sessions', async () => {
      const { model } = await buildWeeklyReport({ db: t.db, log: createLogger('silent'), now }, athlete.id, WEEK);
      expect(model.crossTraining).toMatchObject({ sessions: 2, durationS: 5400, distance: { metres: 31500 }, sports: ['swimming', 'cycling'] });
      expect(model.days.map((d) => d.unavailable ?? null)).toEqual([null, null, null, 'illness', 'illness', 'illness', 'illness']);
      expect(model.days[6]!.rows.map((r) => r.status)).toEqual(['excused']);
      const text = renderReportText(model);
      expect(text).toMatch(/Cross-train +2 sessions \(swimming, cycling\), 1 h 30 min, 31\.5 km; load \d+ — not\n {13}running volume/);
      expect(text.split('\n').every((line) => line.length <= 80)).toBe(true);
      expect(text).toMatch(/Sun 17 +24 km long run +— +excused\n +unavailable: illness/);
      expect(text).toMatch(/Fri 15 +unavailable: illness +—/);
      const html = renderReportHtml(model);
      expect(html).toContain('Excused (unavailable)');
      expect(html).toContain('· unavailable (illness)');
      expect(html).toContain('<dt>Cross-training</dt>');
    });
  });
});
