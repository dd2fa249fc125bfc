/**
 * Issue #18, points 1, 2 and 14, from generated FIT files through the normal ingest path, the
 * analysis job and the report: the week in progress (upcoming sessions, "so far"), strength moved by
 * two days (within the week and across Monday) and compliance reported as parts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWeek } from '../../src/db/repositories/analysis.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import type { PlannedSession } from '../../src/domain/plan.ts';
import { createLogger } from '../../src/log.ts';
import { buildWeeklyReport } from '../../src/services/reports.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { importPlan } from '../../src/services/plans.ts';
import { weekDocument } from '../../src/services/weeks.ts';
import { renderReportText } from '../../src/report/text.ts';
import { weekText } from '../../src/report/week-text.ts';
import { encodeRun, encodeStrength } from '../../src/synth/fit.ts';
import { addDays } from '../../src/domain/iso-week.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { at, intervalLaps, session, steady } from '../support/scenario.ts';

const LTHR = 170;
const strength = (date: string, time: string, serialNumber: number): Uint8Array =>
  // 12 × (45 s work + 180 s rest) = 45 min.
  encodeStrength({ startTime: at(date, time), serialNumber, avgHr: 105, sets: Array.from({ length: 12 }, () => ({ category: 'squat', reps: 8, weightKg: 60, durationS: 45, restS: 180 })) });

interface Setup {
  athleteId: string;
  runner: InlineRunner;
}

async function athleteWith(t: TestDb, name: string, sessions: PlannedSession[], files: Uint8Array[], now: Date): Promise<Setup> {
  const athleteId = (await createAthlete(t.db, { name, email: null, sex: 'f', max_hr: 190, resting_hr: 50, lthr: LTHR, threshold_speed_mps: null, timezone: 'UTC' })).id;
  const runner = new InlineRunner({ db: t.db, log: createLogger('silent'), now: () => now });
  await importPlan(t.db, runner, { athleteId, plan: { name, startDate: sessions[0]!.date, race: null, units: 'km', sessions }, source: 'yaml', now, today: sessions[0]!.date });
  for (const [i, bytes] of files.entries()) {
    const res = await importFitFile(t.db, { athleteId, filename: `${name}-${i}.fit`, bytes }, () => now);
    expect(res.status).toBe('imported');
  }
  await runner.drain();
  expect(runner.failed).toEqual([]);
  return { athleteId, runner };
}

describe('issue #18: the week in progress, moved strength, compliance as parts', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('postgres');
  });
  afterAll(async () => {
    await t.drop();
  });

  // -------------------------------------------------------------------------------------------
  // Point 1: Thursday 14 Jan 2027, 07:00 — Tuesday and Wednesday done, the rest of the week ahead.
  describe('point 1: the week in progress', () => {
    const now = new Date('2027-01-14T07:00:00Z');
    const plan: PlannedSession[] = [
      // Last week (W01): 10 km Mon, Tue, Thu and Sat, so "the same days" differ from the whole week.
      session('2027-01-04', 1, 'easy', { distanceM: 10_000 }),
      session('2027-01-05', 1, 'easy', { distanceM: 10_000 }),
      session('2027-01-07', 1, 'easy', { distanceM: 10_000 }),
      session('2027-01-09', 1, 'easy', { distanceM: 10_000 }),
      // This week (W02).
      session('2027-01-12', 1, 'intervals', { distanceM: 11_000 }),
      session('2027-01-12', 2, 'strength', { durationS: 2700 }),
      session('2027-01-13', 1, 'easy', { distanceM: 8000 }),
      session('2027-01-14', 1, 'tempo', { distanceM: 10_000 }),
      session('2027-01-14', 2, 'strength', { durationS: 2700 }),
      session('2027-01-16', 1, 'easy', { distanceM: 6000 }),
      session('2027-01-17', 1, 'long', { distanceM: 24_000 }),
    ];
    const files = [
      ...['2027-01-04', '2027-01-05', '2027-01-07', '2027-01-09'].map((date, i) => encodeRun({ startTime: at(date, '07:00'), serialNumber: 3_918_100_001 + i, laps: steady(10, 360, 135) })),
      encodeRun({ startTime: at('2027-01-12', '06:00'), serialNumber: 3_918_100_011, laps: intervalLaps() }),
      strength('2027-01-12', '17:00', 3_918_100_012),
      encodeRun({ startTime: at('2027-01-13', '06:30'), serialNumber: 3_918_100_013, laps: steady(8, 360, 135) }),
    ];
    let s: Setup;
    beforeAll(async () => {
      s = await athleteWith(t, 'inprogress', plan, files, now);
    });

    it('marks sessions whose day is not over as upcoming, never missed, and scores only what was due', async () => {
      const doc = await weekDocument(t.db, (await t.db.selectFrom('athletes').selectAll().where('id', '=', s.athleteId).executeTakeFirstOrThrow()), '2027-W02', now, { refresh: true });
      const c = doc.compliance;
      const status = Object.fromEntries(c.matches.map((m) => [`${m.plannedDate ?? m.activityDate}:${m.plannedKind ?? 'none'}`, m.status]));
      expect(status).toEqual({
        '2027-01-12:intervals': 'completed',
        '2027-01-12:strength': 'completed',
        '2027-01-13:easy': 'completed',
        // Thursday is today: its sessions are not done yet, not missed.
        '2027-01-14:tempo': 'upcoming',
        '2027-01-14:strength': 'upcoming',
        '2027-01-16:easy': 'upcoming',
        '2027-01-17:long': 'upcoming',
      });
      for (const m of c.matches.filter((x) => x.status === 'upcoming')) expect(m).toMatchObject({ band: null, ratio: null });
      expect(c).toMatchObject({ asOf: '2027-01-14', complete: false });
      expect(c.plannedToDate).toMatchObject({ sessions: 3, keySessions: 1, strengthSessions: 1, distanceM: 19_000 });
      expect(c.planned.sessions).toBe(7);
      // Everything due was done on plan: the score of the week so far is 1, not 3 of 7.
      expect(c.score).toBe(1);
      // Week-on-week distance compares Monday–Thursday of both weeks: 19 km against 30 km (Mon, Tue, Thu).
      expect(doc.load.comparedDays).toBe(4);
      expect(doc.load.previousWeekDistanceM).toBe(30_000);
      expect(doc.load.distanceRamp).toBeCloseTo(19 / 30 - 1, 6);
      expect(doc.flags.filter((f) => f.code === 'strength_skipped' || f.code === 'key_session_missed')).toEqual([]);
      // `kinetic week` says the same.
      const text = weekText(doc, 'In progress', 'km');
      expect(text).toContain('Compliance      green: on plan so far');
      expect(text).toContain('Sessions        3 of 3 due so far done (7 this week)');
      expect(text).toContain('Distance        19 km of 19 km planned so far (59 km this week)');
      expect(text).toContain('distance vs last week (same days) −37 %'.replace('−', '-'));
      expect(text).not.toMatch(/missed/);
    });

    it('headlines the week "so far", planned-to-date against done-to-date, and stops the charts at today', async () => {
      const { model } = await buildWeeklyReport({ db: t.db, log: createLogger('silent'), now: () => now }, s.athleteId, '2027-W02');
      expect(model.week.complete).toBe(false);
      expect(model.headline).toMatchObject({ soFar: true, complianceBand: 'green', sessions: { planned: 3, completed: 3, keyPlanned: 1, keyCompleted: 1 } });
      expect(model.headline.distance.planned.metres).toBe(19_000);
      expect(model.headline.distance.plannedWeek.metres).toBe(59_000);
      expect(model.headline.summary).toMatch(/^On plan so far — volume 19 km of 19 km \(100 %\)/);
      const rows = model.days.flatMap((d) => d.rows);
      expect(rows.filter((r) => r.status === 'missed')).toEqual([]);
      expect(rows.filter((r) => r.status === 'upcoming')).toHaveLength(4);
      const thisWeek = model.load.days.slice(-7);
      expect(thisWeek.map((d) => d.load === null)).toEqual([false, false, false, false, true, true, true]);
      const text = renderReportText(model);
      expect(text).not.toContain('MISSED');
      expect(text).not.toContain('−100 %');
      expect(text).toContain('upcoming');
    });

    it('a stored in-progress week is analysed again the next day: Thursday not done becomes missed', async () => {
      const athlete = await t.db.selectFrom('athletes').selectAll().where('id', '=', s.athleteId).executeTakeFirstOrThrow();
      const friday = new Date('2027-01-15T12:00:00Z');
      const doc = await weekDocument(t.db, athlete, '2027-W02', friday);
      const tempo = doc.compliance.matches.find((m) => m.plannedKind === 'tempo')!;
      expect(tempo.status).toBe('missed');
      expect(doc.compliance.asOf).toBe('2027-01-15');
      expect(doc.compliance.matches.find((m) => m.plannedKind === 'long')!.status).toBe('upcoming');
    });
  });

  // -------------------------------------------------------------------------------------------
  // Point 2 and point 14: strength moved Thu → Sat, and three easy runs at threshold heart rate.
  describe('points 2 and 14: moved strength, easy runs too hard', () => {
    const now = new Date('2027-01-25T12:00:00Z');
    const plan: PlannedSession[] = [
      session('2027-01-19', 1, 'intervals', { distanceM: 11_000 }),
      session('2027-01-19', 2, 'strength', { durationS: 2700 }),
      session('2027-01-20', 1, 'easy', { distanceM: 8000 }),
      session('2027-01-21', 1, 'easy', { distanceM: 8000 }),
      session('2027-01-21', 2, 'strength', { durationS: 2700 }),
      session('2027-01-23', 1, 'easy', { distanceM: 8000 }),
      session('2027-01-24', 1, 'long', { distanceM: 24_000 }),
    ];
    const files = [
      encodeRun({ startTime: at('2027-01-19', '06:00'), serialNumber: 3_918_200_001, laps: intervalLaps() }),
      strength('2027-01-19', '17:00', 3_918_200_002),
      // Easy runs at 165 bpm: 97 % of LTHR, zone 4 — threshold, not easy.
      encodeRun({ startTime: at('2027-01-20', '06:30'), serialNumber: 3_918_200_003, laps: steady(8, 330, 165) }),
      encodeRun({ startTime: at('2027-01-21', '06:30'), serialNumber: 3_918_200_004, laps: steady(8, 330, 165) }),
      // Thursday's strength done on Saturday, after the easy run.
      encodeRun({ startTime: at('2027-01-23', '07:00'), serialNumber: 3_918_200_005, laps: steady(8, 330, 165) }),
      strength('2027-01-23', '10:00', 3_918_200_006),
      encodeRun({ startTime: at('2027-01-24', '08:00'), serialNumber: 3_918_200_007, laps: steady(24, 350, 140) }),
    ];
    let s: Setup;
    beforeAll(async () => {
      s = await athleteWith(t, 'moved', plan, files, now);
      await s.runner.enqueue('analysis', { athleteId: s.athleteId, isoWeek: '2027-W03' });
      await s.runner.drain();
    });

    it('counts strength moved by two days as the planned session done, with its dayShift', async () => {
      const doc = (await getWeek(t.db, s.athleteId, '2027-W03'))!;
      const moved = doc.compliance.matches.find((m) => m.plannedDate === '2027-01-21' && m.plannedKind === 'strength')!;
      expect(moved).toMatchObject({ status: 'completed', dayShift: 2, activityDate: '2027-01-23', band: 'green' });
      expect(doc.compliance.matches.filter((m) => m.status === 'unplanned')).toEqual([]);
      expect(doc.compliance.actual).toMatchObject({ strengthSessions: 2, strengthMinutes: 90, sessionsCompleted: 7 });
      const codes = doc.flags.map((f) => f.code);
      expect(codes).not.toContain('strength_skipped');
      // Placement is judged on the day it was done: Saturday, the day before the long run.
      expect(doc.flags.find((f) => f.code === 'strength_before_key_session')?.date).toBe('2027-01-23');
      for (const f of doc.flags) expect(f.suggestion).not.toMatch(/double up/i);
    });

    it('reports the parts: the easy runs at threshold make intensity red and the week never green', async () => {
      const { model } = await buildWeeklyReport({ db: t.db, log: createLogger('silent'), now: () => now }, s.athleteId, '2027-W03');
      const p = model.headline.parts;
      expect(p.intensity).toEqual({ band: 'red', easyRuns: 3, tooHard: 3 });
      expect(p.keySessions).toEqual({ band: 'green', planned: 2, done: 2 });
      expect(p.volume.band).toBe('green');
      expect(p.strength).toMatchObject({ done: 2, planned: 2, minimumMet: true, placementFlags: ['strength_before_key_session'], band: 'yellow' });
      expect(model.headline.complianceBand).toBe('red');
      // The weighted score alone would read as a good week.
      expect(model.headline.compliancePct).toBeGreaterThanOrEqual(50);
      const easyRows = model.days.flatMap((d) => d.rows).filter((r) => r.planned?.kind === 'easy');
      expect(easyRows.map((r) => [r.status, r.verdict])).toEqual([
        ['completed', 'too_hard'],
        ['completed', 'too_hard'],
        ['completed', 'too_hard'],
      ]);
      const thu = model.days[3]!;
      expect(thu.rows.find((r) => r.planned?.kind === 'strength')).toMatchObject({ status: 'completed', dayShift: 2, done: { date: '2027-01-23' } });
      const text = renderReportText(model);
      expect(text).toContain('done — too hard');
      expect(text).toContain('done, moved +2 d');
      expect(text).toMatch(/met, but placement\s+flagged/);
      expect(text).not.toContain('as a coach would want');
    });
  });

  // -------------------------------------------------------------------------------------------
  // Point 11: one load scale — the same session with and without heart rate.
  describe('point 11: load on one scale', () => {
    const now = new Date('2027-03-08T12:00:00Z');
    // 10 km easy at 148 bpm (87 % of LTHR, mid zone 2), once with a strap and once without; a 45-min
    // strength session with wrist heart rate and without.
    const files = [
      encodeRun({ startTime: at('2027-03-02', '07:00'), serialNumber: 3_918_400_001, laps: steady(10, 360, 148) }),
      encodeRun({ startTime: at('2027-03-04', '07:00'), serialNumber: 3_918_400_002, laps: steady(10, 360, 148), withHr: false }),
      strength('2027-03-02', '18:00', 3_918_400_003),
      encodeStrength({ startTime: at('2027-03-04', '18:00'), serialNumber: 3_918_400_004, sets: Array.from({ length: 12 }, () => ({ category: 'squat', reps: 8, weightKg: 60, durationS: 45, restS: 180 })) }),
    ];
    let s: Setup;
    beforeAll(async () => {
      s = await athleteWith(t, 'onescale', [session('2027-03-01', 1, 'rest')], files, now);
      await s.runner.enqueue('analysis', { athleteId: s.athleteId, isoWeek: '2027-W09' });
      await s.runner.drain();
    });

    it('gives the same session within 15 % with and without heart rate, and strength from session RPE either way', async () => {
      const doc = (await getWeek(t.db, s.athleteId, '2027-W09'))!;
      const [runHr, runNoHr] = doc.activities.filter((a) => a.category === 'run').sort((a, b) => a.localDate.localeCompare(b.localDate));
      expect(runHr!.metrics).toMatchObject({ loadBasis: 'trimp' });
      expect(runNoHr!.metrics).toMatchObject({ loadBasis: 'session_rpe', sessionRpe: { value: 3, source: 'default' } });
      expect(Math.abs(runNoHr!.metrics.load / runHr!.metrics.load - 1)).toBeLessThan(0.15);
      const [liftHr, liftNoHr] = doc.activities.filter((a) => a.category === 'strength').sort((a, b) => a.localDate.localeCompare(b.localDate));
      expect(liftHr!.metrics.trimp).not.toBeNull();
      expect(liftHr!.metrics).toMatchObject({ loadBasis: 'session_rpe', sessionRpe: { value: 5, source: 'default' } });
      expect(liftHr!.metrics.load).toBeCloseTo(liftNoHr!.metrics.load, 6);
      // On the TRIMP scale a 45-min strength session at RPE 5 weighs about as much as an easy 10 km,
      // not ten times its heart-rate TRIMP or four times the run.
      expect(liftHr!.metrics.load / runHr!.metrics.load).toBeGreaterThan(0.7);
      expect(liftHr!.metrics.load / runHr!.metrics.load).toBeLessThan(2);
    });
  });

  // -------------------------------------------------------------------------------------------
  // Points 12 and 13: the week's ACWR at its end, its bands, the baseline, load_too_low.
  describe('points 12 and 13: the week\'s ACWR, the baseline and load_too_low', () => {
    const now = new Date('2027-04-27T12:00:00Z');
    // Six weeks (W10–W15, from Mon 8 Mar) of four 10 km easy runs (Tue, Wed, Fri, Sun), then a planned
    // build week W16 (four 10 km again) in which the athlete ran once.
    const weeks = Array.from({ length: 6 }, (_, w) => ['2027-03-09', '2027-03-10', '2027-03-12', '2027-03-14'].map((d) => addDays(d, 7 * w))).flat();
    const plan: PlannedSession[] = [
      ...['2027-04-13', '2027-04-14', '2027-04-16', '2027-04-18', '2027-04-20', '2027-04-21', '2027-04-23', '2027-04-25'].map((d) => session(d, 1, 'easy', { distanceM: 10_000 })),
    ];
    const files = [
      ...weeks.map((d, i) => encodeRun({ startTime: at(d, '07:00'), serialNumber: 3_918_500_001 + i, recordIntervalS: 5, laps: steady(10, 360, 140) })),
      encodeRun({ startTime: at('2027-04-21', '07:00'), serialNumber: 3_918_500_100, recordIntervalS: 5, laps: steady(8, 360, 140) }),
    ];
    let s: Setup;
    beforeAll(async () => {
      s = await athleteWith(t, 'lowload', plan, files, now);
      for (let w = 10; w <= 16; w++) await s.runner.enqueue('analysis', { athleteId: s.athleteId, isoWeek: `2027-W${w}` });
      await s.runner.drain();
      expect(s.runner.failed).toEqual([]);
    });

    it('reads the ratio as 7-day over 28-day mean load at the end of the week, with its band', async () => {
      const w15 = (await getWeek(t.db, s.athleteId, '2027-W15'))!;
      const loads = new Map<string, number>();
      for (let w = 12; w <= 15; w++) for (const d of (await getWeek(t.db, s.athleteId, `2027-W${w}`))!.load.days) loads.set(d.date, d.load);
      const mean = (days: number): number => [...Array(days).keys()].reduce((n, i) => n + (loads.get(addDays('2027-04-18', -i)) ?? 0), 0) / days;
      expect(w15.load.acwr).toMatchObject({ date: '2027-04-18', band: 'sweet_spot', historyDays: 42 });
      expect(w15.load.acwr!.acute7d).toBeCloseTo(mean(7), 9);
      expect(w15.load.acwr!.chronic28d).toBeCloseTo(mean(28), 9);
      // Four like weeks: the ratio is 1, whatever the Sunday run does to the daily EWMA.
      expect(w15.load.acwr!.ratio).toBeCloseTo(1, 2);
      expect(w15.flags.map((f) => f.code)).not.toContain('ramp_too_steep');
    });

    it('seeds fitness and fatigue from the first weeks: a runner who follows the plan is not shown deep negative form', async () => {
      const days = [];
      for (let w = 10; w <= 15; w++) days.push(...(await getWeek(t.db, s.athleteId, `2027-W${w}`))!.load.days);
      const mean28 = days.slice(0, 28).reduce((n, d) => n + d.load, 0) / 28;
      // The state before the first day is the mean of the first 28 days: fitness starts there, not at 0.
      expect(days[0]!.chronic).toBeCloseTo(mean28 + (days[0]!.load - mean28) * (1 - Math.exp(-1 / 42)), 6);
      for (const d of days) expect(Math.abs(d.form)).toBeLessThan(0.5 * mean28);
      // The daily EWMA ratio waits for the baseline too (42 days).
      expect(days.filter((d) => d.acwr !== null).map((d) => d.day)).toEqual([42]);
    });

    it('shows fitness, form and ACWR as building baseline until 42 days of history exist', async () => {
      const w11 = (await getWeek(t.db, s.athleteId, '2027-W11'))!;
      expect(w11.load.acwr).toMatchObject({ ratio: null, band: 'building_baseline', historyDays: 14 });
      const { model } = await buildWeeklyReport({ db: t.db, log: createLogger('silent'), now: () => now }, s.athleteId, '2027-W11');
      expect(model.load.week.acwr).toMatchObject({ ratio: null, band: 'building_baseline' });
      const text = renderReportText(model);
      expect(text).toContain('fitness, form and ACWR: building baseline (day 14 of 42)');
      expect(text).not.toMatch(/form −\d/);
    });

    it('raises load_too_low (info) when a build week falls under 0.8', async () => {
      const w16 = (await getWeek(t.db, s.athleteId, '2027-W16'))!;
      expect(w16.load.acwr!.band).toBe('low');
      expect(w16.load.acwr!.ratio!).toBeLessThan(0.8);
      const flag = w16.flags.find((f) => f.code === 'load_too_low')!;
      expect(flag).toMatchObject({ severity: 'info', date: null });
      expect(flag.evidence.numbers.acwr).toBeCloseTo(w16.load.acwr!.ratio!, 3);
      expect(flag.evidence.numbers.minAcwr).toBe(0.8);
      // A week without a plan is no build week: W14 had none planned (and a normal load anyway).
      expect((await getWeek(t.db, s.athleteId, '2027-W14'))!.flags.map((f) => f.code)).not.toContain('load_too_low');
    });
  });

  // -------------------------------------------------------------------------------------------
  // Point 2 across Monday: Saturday's strength done on the Monday after.
  describe('point 2: strength moved across Monday', () => {
    const now = new Date('2027-02-10T12:00:00Z');
    const plan: PlannedSession[] = [
      session('2027-02-02', 1, 'easy', { distanceM: 8000 }),
      session('2027-02-06', 1, 'strength', { durationS: 2700 }),
      session('2027-02-09', 1, 'easy', { distanceM: 8000 }),
      session('2027-02-11', 1, 'strength', { durationS: 2700 }),
    ];
    const files = [
      encodeRun({ startTime: at('2027-02-02', '07:00'), serialNumber: 3_918_300_001, laps: steady(8, 360, 135) }),
      strength('2027-02-08', '18:00', 3_918_300_002),
      encodeRun({ startTime: at('2027-02-09', '07:00'), serialNumber: 3_918_300_003, laps: steady(8, 360, 135) }),
    ];
    let s: Setup;
    beforeAll(async () => {
      s = await athleteWith(t, 'acrossmonday', plan, files, now);
      await s.runner.enqueue('analysis', { athleteId: s.athleteId, isoWeek: '2027-W05' });
      await s.runner.enqueue('analysis', { athleteId: s.athleteId, isoWeek: '2027-W06' });
      await s.runner.drain();
    });

    it('credits the session to the week it was planned in, shown on the day it was done', async () => {
      const w5 = (await getWeek(t.db, s.athleteId, '2027-W05'))!;
      const sat = w5.compliance.matches.find((m) => m.plannedKind === 'strength')!;
      expect(sat).toMatchObject({ status: 'completed', dayShift: 2, plannedDate: '2027-02-06', activityDate: '2027-02-08' });
      expect(w5.compliance.actual.strengthSessions).toBe(1);
      // Counted for W05's weekly minimum: no strength_skipped, no strength_missing.
      expect(w5.flags.map((f) => f.code)).not.toContain('strength_skipped');
      expect(w5.flags.map((f) => f.code)).not.toContain('strength_missing');

      const w6 = (await getWeek(t.db, s.athleteId, '2027-W06'))!;
      const monday = w6.compliance.matches.find((m) => m.activityDate === '2027-02-08')!;
      expect(monday).toMatchObject({ status: 'completed', plannedDate: '2027-02-06', dayShift: 2 });
      // Done for last week's plan: it does not also count for this week (Thursday's session is still to come).
      expect(w6.compliance.actual.strengthSessions).toBe(0);
      expect(w6.compliance.matches.find((m) => m.plannedDate === '2027-02-11')!.status).toBe('upcoming');
    });
  });
});
