/**
 * Issue #18, points 3–10: the new and corrected flags and the next-week advice, each on weeks built
 * from generated FIT files and a plan, imported through the normal ingest path, analysed by the job
 * and read back from Postgres — one athlete per point.
 *
 * Physiology of every athlete: LTHR 170 (Friel: zone 3 from 153 bpm), time zone UTC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWeek } from '../../src/db/repositories/analysis.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import type { PlannedSession, SessionKind, TrainingPlan } from '../../src/domain/plan.ts';
import type { WeekDocument } from '../../src/domain/week-document.ts';
import { addDays, mondayOf } from '../../src/domain/iso-week.ts';
import { createLogger } from '../../src/log.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { importPlan } from '../../src/services/plans.ts';
import { encodeRun, encodeStrength, type SynthLap } from '../../src/synth/fit.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { at, intervalLaps, session, steady } from '../support/scenario.ts';

const MI = 1609.344;
const LTHR = 170;

interface Athlete {
  name: string;
  plan: { sessions: PlannedSession[]; race?: { date: string; distanceM: number }; units?: 'km' | 'mi' };
  files: Uint8Array[];
  /** Weeks analysed, oldest first; the last is read back. */
  weeks: string[];
  /** "Now" of the analysis (the weeks are over before it). */
  now: string;
  /** The athlete's units for messages (default km). */
  units?: 'km' | 'mi';
}

let serial = 3_900_500_000;
const run = (date: string, time: string, laps: SynthLap[]): Uint8Array => encodeRun({ startTime: at(date, time), serialNumber: serial++, recordIntervalS: 2, laps });
/** A strength session of `minutes` (sets of 60 s work and the rest to fill the time). */
const lift = (date: string, time: string, minutes: number): Uint8Array =>
  encodeStrength({
    startTime: at(date, time),
    serialNumber: serial++,
    avgHr: 105,
    sets: Array.from({ length: 10 }, () => ({ category: 'squat', reps: 8, weightKg: 60, durationS: 60, restS: minutes * 6 - 60 })),
  });
/** `km` 1-km laps at 6:00/km and `hr`: an easy run when `hr` < 153 (zone 3 starts at 90 % of LTHR 170). */
const easy = (date: string, km: number, hr = 135, time = '06:30'): Uint8Array => run(date, time, steady(km, 360, hr));
const tempo = (date: string): Uint8Array =>
  run(date, '06:00', [
    { durationS: 600, distanceM: 1800, avgHr: 132, intensity: 'warmup' },
    { durationS: 1500, distanceM: 5800, avgHr: 168 },
    { durationS: 600, distanceM: 1700, avgHr: 135, intensity: 'cooldown' },
  ]);

async function analysed(t: TestDb, a: Athlete): Promise<WeekDocument[]> {
  const athleteId = (
    await createAthlete(t.db, { name: a.name, email: null, sex: 'f', max_hr: 190, resting_hr: 50, lthr: LTHR, threshold_speed_mps: null, timezone: 'UTC', units: a.units ?? 'km' })
  ).id;
  const now = (): Date => new Date(`${a.now}T12:00:00Z`);
  const runner = new InlineRunner({ db: t.db, log: createLogger('silent'), now });
  const plan: TrainingPlan = {
    name: a.name,
    startDate: a.plan.sessions[0]!.date,
    race: a.plan.race === undefined ? null : { ...a.plan.race, goalTimeS: null },
    units: a.plan.units ?? 'km',
    sessions: a.plan.sessions,
  };
  await importPlan(t.db, runner, { athleteId, plan, source: 'yaml', now: now(), today: a.now });
  for (const [i, bytes] of a.files.entries()) {
    expect((await importFitFile(t.db, { athleteId, filename: `${a.name}-${i}.fit`, bytes }, now)).status).toBe('imported');
  }
  for (const isoWeek of a.weeks) await runner.enqueue('analysis', { athleteId, isoWeek });
  await runner.drain();
  expect(runner.failed).toEqual([]);
  return Promise.all(a.weeks.map(async (w) => (await getWeek(t.db, athleteId, w))!));
}

const codes = (doc: WeekDocument): string[] => doc.flags.map((f) => `${f.code}@${f.date ?? 'week'}`);
const idsOn = (doc: WeekDocument, date: string, category: 'run' | 'strength'): string[] =>
  doc.activities.filter((x) => x.localDate === date && x.category === category).map((x) => x.id);

/** A build week: rest Mon, intervals Tue (strength after), easy Wed, tempo Thu (strength after), easy Sat, long Sun. */
function buildWeek(isoWeek: string, longM: number, extra: { kind: SessionKind; day: number; distanceM: number }[] = []): PlannedSession[] {
  const d = (i: number): string => addDays(mondayOf(isoWeek), i);
  return [
    session(d(0), 1, 'rest'),
    session(d(1), 1, 'intervals', { distanceM: 11_000 }),
    session(d(1), 2, 'strength', { durationS: 2700 }),
    session(d(2), 1, 'easy', { distanceM: 8000 }),
    session(d(3), 1, 'tempo', { distanceM: 9300 }),
    session(d(3), 2, 'strength', { durationS: 2700 }),
    session(d(5), 1, 'easy', { distanceM: 6000 }),
    session(d(6), 1, 'long', { distanceM: longM }),
    ...extra.map((e) => session(d(e.day), 1, e.kind, { distanceM: e.distanceM })),
  ];
}

/** The build week done as planned (strength at 17:00 after the run). */
function buildWeekFiles(isoWeek: string, longKm: number): Uint8Array[] {
  const d = (i: number): string => addDays(mondayOf(isoWeek), i);
  return [
    run(d(1), '06:00', intervalLaps()),
    lift(d(1), '17:00', 45),
    easy(d(2), 8),
    tempo(d(3)),
    lift(d(3), '17:00', 45),
    easy(d(5), 6),
    run(d(6), '08:00', steady(longKm, 350, 140)),
  ];
}

describe('#18 points 3–10: flags and advice on generated FIT files', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('postgres');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('point 3: strength Thu 18:00 and Fri 08:00 is strength_too_close (14 h), not "on a rest day"', async () => {
    const W = '2027-W02';
    const fri = '2027-01-15';
    const files = buildWeekFiles(W, 24).filter((_, i) => i !== 4);
    files.push(lift('2027-01-14', '18:00', 45), lift(fri, '08:00', 46));
    const [doc] = await analysed(t, { name: 'p3', plan: { sessions: buildWeek(W, 24_000) }, files, weeks: [W], now: '2027-01-20' });
    expect(codes(doc!)).toEqual([`strength_too_close@${fri}`]);
    const f = doc!.flags[0]!;
    expect(f.evidence.activityIds).toEqual([...idsOn(doc!, '2027-01-14', 'strength'), ...idsOn(doc!, fri, 'strength')].sort());
    expect(f.evidence.numbers).toMatchObject({ hoursApart: 14, minHoursBetweenStrength: 48 });
    expect(f.message).toBe('Strength on Fri 2027-01-15 started 14 h 00 min after the strength session on Thu 2027-01-14 (keep at least 48 h between them).');
  });

  describe('points 4, 5 and 6: race week and the week after', () => {
    // Five weeks of easy running, 4 × 10 km (the load series needs 28 days for its ratio), then race
    // week: Tue intervals with strength after, Wed easy, Fri strength 41 min at 09:00 (47 h before the
    // race at 08:00), Sat shake-out, Sun the marathon.
    const raceWeek = '2027-W07';
    const race = '2027-02-21';
    const weeks = ['2027-W02', '2027-W03', '2027-W04', '2027-W05', '2027-W06'];
    const sessions: PlannedSession[] = [];
    const files: Uint8Array[] = [];
    for (const w of weeks) {
      const d = (i: number): string => addDays(mondayOf(w), i);
      for (const i of [1, 2, 4, 6]) {
        sessions.push(session(d(i), 1, 'easy', { distanceM: 10_000 }));
        files.push(easy(d(i), 10));
      }
    }
    const d = (i: number): string => addDays(mondayOf(raceWeek), i);
    sessions.push(
      session(d(1), 1, 'intervals', { distanceM: 11_000 }),
      session(d(1), 2, 'strength', { durationS: 1500 }),
      session(d(2), 1, 'easy', { distanceM: 6000 }),
      session(d(5), 1, 'easy', { distanceM: 4000 }),
      session(race, 1, 'race', { distanceM: 42_195 }),
    );
    files.push(
      run(d(1), '06:00', intervalLaps()),
      lift(d(1), '17:00', 25),
      easy(d(2), 6),
      lift(d(4), '09:00', 41),
      easy(d(5), 4),
      run(race, '08:00', steady(42, 330, 158)),
    );
    let doc: WeekDocument;
    beforeAll(async () => {
      const docs = await analysed(t, {
        name: 'p456',
        plan: { sessions, race: { date: race, distanceM: 42_195 } },
        files,
        weeks: [...weeks, raceWeek],
        now: '2027-02-23',
      });
      doc = docs.at(-1)!;
    });

    it('point 4: a 41-min session 47 h before the marathon is strength_near_race, not "fell on an easy day"', () => {
      const f = doc.flags.find((x) => x.code === 'strength_near_race');
      expect(f).toMatchObject({ date: d(4), severity: 'warning' });
      expect(f!.evidence.numbers).toMatchObject({ hoursBeforeRace: 47, minHoursStrengthBeforeRace: 72, longestSessionMinutes: 41, maxRaceWeekStrengthMinutes: 30 });
      expect(f!.evidence.activityIds).toEqual([...idsOn(doc, d(4), 'strength'), ...idsOn(doc, race, 'run')].sort());
      expect(f!.message).toBe('Strength on Fri 2027-02-19 started 47 h 00 min before the race on Sun 2027-02-21 (keep at least 72 h) and lasted 41 min (at most 30 min in race week).');
      expect(codes(doc)).not.toContain(`strength_on_easy_day@${d(4)}`);
    });

    it('point 5: the race raises no load flag, though the ratio spiked on race day', () => {
      const raceDay = doc.load.days.find((x) => x.date === race)!;
      expect(raceDay.acwr).toBeGreaterThan(1.5);
      expect(codes(doc).filter((c) => c.startsWith('ramp_too_steep') || c.startsWith('mileage_above_plan'))).toEqual([]);
    });

    it('point 6: next week is recovery: no strength days, half the recent volume, and it says why', () => {
      expect(doc.nextWeek.basis).toBe('recovery');
      expect(doc.nextWeek.strengthDays).toEqual([]);
      // Recent weeks: 40 km each, and race week before the race 21 km: at most 20 km.
      expect(doc.nextWeek.maxDistanceM).toBe(20_000);
      expect(doc.nextWeek.notes).toEqual([
        'Recovery week after the race on Sun: easy running only — no quality session and no long run — and let how the legs feel decide, not the plan.',
        'Strength: only light mobility and core work (15–20 min, no heavy loads); full strength sessions come back the week after.',
        'Keep the running to at most 20 km (about half of the recent weeks), in short easy runs; rest days are welcome.',
      ]);
    });
  });

  it('point 7: a 16.9 mi long run for 12 planned is long_run_overshoot (141 %)', async () => {
    const W = '2027-W02';
    const files = buildWeekFiles(W, 24).slice(0, -1);
    files.push(run('2027-01-17', '08:00', [...steady(27, 350, 140), { durationS: 69, distanceM: 198, avgHr: 140 }]));
    const sessions = buildWeek(W, Math.round(12 * MI));
    const [doc] = await analysed(t, { name: 'p7', plan: { sessions, units: 'mi' }, units: 'mi', files, weeks: [W], now: '2027-01-20' });
    const f = doc!.flags.find((x) => x.code === 'long_run_overshoot');
    expect(f).toMatchObject({ date: '2027-01-17', severity: 'warning', evidence: { activityIds: idsOn(doc!, '2027-01-17', 'run') } });
    expect(f!.evidence.numbers).toMatchObject({ distanceM: 27_198, plannedDistanceM: 19_312, overshootFraction: 0.408 });
    expect(f!.message).toBe('The long run on Sun 2027-01-17 came to 16.9 mi, 141 % of the 12 mi planned (limit +15 % or 20 min).');
  });

  it('point 8: a planned cut-back week run as a full week is cutback_skipped', async () => {
    const [w1, w2] = ['2027-W02', '2027-W03'];
    // Week 1: 58.3 km as planned; week 2 planned with a 14 km long run (48.3 km, −17 %) but run as week 1.
    const files = [...buildWeekFiles(w1, 24), ...buildWeekFiles(w2, 24)];
    const sessions = [...buildWeek(w1, 24_000), ...buildWeek(w2, 14_000)];
    const docs = await analysed(t, { name: 'p8', plan: { sessions }, files, weeks: [w1, w2], now: '2027-01-27' });
    const doc = docs[1]!;
    expect(codes(doc)).toEqual(['long_run_overshoot@2027-01-24', 'cutback_skipped@week']);
    const f = doc.flags[1]!;
    expect(f.evidence.numbers).toMatchObject({ distanceM: 58_300, plannedDistanceM: 48_300, previousDistanceM: 58_300, previousPlannedDistanceM: 58_300, ratioToPreviousWeek: 1 });
    expect(f.message).toBe("The plan made 2027-W03 a cut-back week (48.3 km, 17 % under last week's 58.3 km), but you ran 58.3 km, 100 % of last week's 58.3 km.");
  });

  it('point 9: three easy runs too hard are one easy_run_too_hard with a heart-rate and a pace ceiling', async () => {
    const W = '2027-W02';
    const d = (i: number): string => addDays(mondayOf(W), i);
    const sessions = [
      ...buildWeek(W, 24_000),
      session(d(0), 1, 'easy', { distanceM: 8000 }),
      session(d(4), 1, 'easy', { distanceM: 6000 }),
    ].filter((s) => s.kind !== 'rest');
    const files = [
      run(d(1), '06:00', intervalLaps()),
      lift(d(1), '17:00', 45),
      easy(d(0), 8, 160),
      easy(d(2), 8, 160),
      tempo(d(3)),
      lift(d(3), '17:00', 45),
      easy(d(4), 6, 140),
      easy(d(5), 6, 158),
      run(d(6), '08:00', steady(24, 350, 140)),
    ];
    const [doc] = await analysed(t, { name: 'p9', plan: { sessions }, files, weeks: [W], now: '2027-01-20' });
    expect(codes(doc!)).toEqual(['easy_run_too_hard@week']);
    const f = doc!.flags[0]!;
    expect(f.evidence.activityIds).toEqual([d(0), d(2), d(5)].flatMap((x) => idsOn(doc!, x, 'run')).sort());
    // The pace ceiling: Friday's easy run, the week's only run that stayed in zone 2 (6:00/km), rather
    // than the threshold pace the analysis estimated (the athlete gave none).
    expect(f.evidence.numbers).toMatchObject({ runs: 3, zone2MaxBpm: 153 });
    expect(f.evidence.numbers.easyPaceCeilingSPerKm).toBeCloseTo(360, 0);
    expect(f.message).toMatch(/^Easy runs were run too hard 3 times in 2027-W02 \(limit 20 % of heart-rate time above zone 2\): Mon 2027-01-11 \(\d+ % above zone 2\), Wed 2027-01-13 \(\d+ % above zone 2\) and Sat 2027-01-16 \(\d+ % above zone 2\)\.$/);
    expect(f.suggestion).toMatch(/^Keep easy runs under 153 bpm \(the top of zone 2\) and at about 6:00\/km or slower \(your pace on recent runs that stayed in zone 2\), slowing down on hills if need be/);
  });

  it('point 10: after 35.8 mi for 29 planned, the advice for a 40-mi week never trips the ramp (not "at most 48 mi")', async () => {
    const [w1, w2] = ['2027-W02', '2027-W03'];
    const d = (i: number): string => addDays(mondayOf(w1), i);
    const e = (i: number): string => addDays(mondayOf(w2), i);
    const sessions = [
      session(d(1), 1, 'easy', { distanceM: Math.round(6 * MI) }),
      session(d(3), 1, 'easy', { distanceM: Math.round(7 * MI) }),
      session(d(5), 1, 'easy', { distanceM: Math.round(6 * MI) }),
      session(d(6), 1, 'long', { distanceM: Math.round(10 * MI) }),
      session(e(1), 1, 'easy', { distanceM: Math.round(8 * MI) }),
      session(e(3), 1, 'easy', { distanceM: Math.round(8 * MI) }),
      session(e(5), 1, 'easy', { distanceM: Math.round(10 * MI) }),
      session(e(6), 1, 'long', { distanceM: Math.round(14 * MI) }),
    ];
    // 8.1 + 9 + 8.1 + 10.6 = 35.8 mi, in 1-mile laps at 9:40/mi (the long run within 15 % of its 10 mi).
    const miles = (date: string, n: number, time = '06:30'): Uint8Array =>
      run(date, time, Array.from({ length: n }, () => ({ durationS: 580, distanceM: MI, avgHr: 138 })));
    const tenths = (date: string, whole: number, tenth: number, time = '06:30'): Uint8Array =>
      run(date, time, [...Array.from({ length: whole }, () => ({ durationS: 580, distanceM: MI, avgHr: 138 })), { durationS: 58 * tenth, distanceM: (MI * tenth) / 10, avgHr: 138 }]);
    const files = [tenths(d(1), 8, 1), miles(d(3), 9), tenths(d(5), 8, 1), tenths(d(6), 10, 6, '08:00')];
    const [doc] = await analysed(t, { name: 'p10', plan: { sessions, units: 'mi' }, units: 'mi', files, weeks: [w1], now: '2027-01-18' });
    const f = doc!.flags.find((x) => x.code === 'mileage_above_plan')!;
    expect(f.message).toBe('You ran 35.8 mi in 2027-W02, 123 % of the 29 mi planned (band 80–120 %).');
    // 35.8 mi + 10 % is 39.4 mi; the plan's 40 mi is allowed, 48 mi would itself be ramp_too_steep.
    // maxDistanceM: 40 mi rounded down to 0.1 mi, in whole metres.
    expect(doc!.nextWeek.maxDistanceM).toBe(64_373);
    expect(f.suggestion).toBe("Next week stick to the plan's 40 mi and no more: extra volume is where overuse injuries start.");
  });
});
