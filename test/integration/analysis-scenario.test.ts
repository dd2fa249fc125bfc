/**
 * A full plan week with known truth, built from generated FIT files: imported through the normal
 * ingest path, analysed by the job, and checked exactly — statuses, ratios, hard days, strength and
 * the intensity distribution.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWeek } from '../../src/db/repositories/analysis.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import type { TrainingPlan } from '../../src/domain/plan.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { createLogger } from '../../src/log.ts';
import { importPlan } from '../../src/services/plans.ts';
import { encodeRun, encodeStrength, expectedRun, type SynthRun } from '../../src/synth/fit.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { at, intervalLaps, steady } from '../support/scenario.ts';

const LTHR = 170;
/** Friel run zones at LTHR 170: lower bounds of zones 2..5 (85 / 90 / 95 / 100 % of LTHR). */
const BOUNDS = [0.85, 0.9, 0.95, 1.0].map((f) => f * LTHR);
const zoneOf = (hr: number): number => 1 + BOUNDS.filter((b) => hr >= b).length;


const runs: Record<string, SynthRun> = {
  intervals: {
    startTime: at('2027-01-12', '06:00'),
    serialNumber: 3_900_200_001,
    laps: intervalLaps(),
  },
  easyWed: { startTime: at('2027-01-13', '06:30'), serialNumber: 3_900_200_002, laps: steady(8, 360, 132) },
  tempoShort: {
    startTime: at('2027-01-14', '06:00'),
    serialNumber: 3_900_200_003,
    laps: [
      { durationS: 600, distanceM: 1800, avgHr: 132, intensity: 'warmup' },
      { durationS: 1200, distanceM: 4400, avgHr: 168 },
      { durationS: 300, distanceM: 800, avgHr: 135, intensity: 'cooldown' },
    ],
  },
  easyFri: { startTime: at('2027-01-15', '07:00'), serialNumber: 3_900_200_004, laps: steady(6, 370, 130) },
  long: { startTime: at('2027-01-17', '08:00'), serialNumber: 3_900_200_005, laps: steady(24, 350, 140) },
};

const plan: TrainingPlan = {
  name: 'Scenario',
  startDate: '2027-01-11',
  race: null,
  units: 'km',
  sessions: [
    { date: '2027-01-11', order: 1, kind: 'rest', distanceM: null, durationS: null, target: null, notes: null },
    { date: '2027-01-12', order: 1, kind: 'intervals', distanceM: 10000, durationS: null, target: null, notes: '6×800 m' },
    { date: '2027-01-12', order: 2, kind: 'strength', distanceM: null, durationS: 2700, target: null, notes: null },
    { date: '2027-01-13', order: 1, kind: 'easy', distanceM: 8000, durationS: null, target: null, notes: null },
    { date: '2027-01-14', order: 1, kind: 'tempo', distanceM: 10000, durationS: null, target: null, notes: null },
    { date: '2027-01-14', order: 2, kind: 'strength', distanceM: null, durationS: 2700, target: null, notes: null },
    { date: '2027-01-16', order: 1, kind: 'easy', distanceM: 6000, durationS: null, target: null, notes: null },
    { date: '2027-01-17', order: 1, kind: 'long', distanceM: 24000, durationS: null, target: null, notes: null },
  ],
};

describe('analysis of a generated plan week', () => {
  let t: TestDb;
  let athleteId: string;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    athleteId = (await createAthlete(t.db, { name: 'Scenario', email: null, sex: 'f', max_hr: 190, resting_hr: 50, lthr: LTHR, threshold_speed_mps: null, timezone: 'UTC' })).id;
    const now = (): Date => new Date('2027-01-18T12:00:00Z');
    const runner = new InlineRunner({ db: t.db, log: createLogger('silent'), now });
    await importPlan(t.db, runner, { athleteId, plan, source: 'yaml', now: now(), today: '2027-01-18' });
    const files = [
      ...Object.values(runs).map((r) => encodeRun(r)),
      encodeStrength({
        startTime: at('2027-01-12', '17:00'),
        serialNumber: 3_900_200_010,
        avgHr: 105,
        sets: Array.from({ length: 12 }, () => ({ category: 'squat', reps: 8, weightKg: 60, durationS: 45, restS: 180 })),
      }),
    ];
    for (const [i, bytes] of files.entries()) {
      const res = await importFitFile(t.db, { athleteId, filename: `f${i}.fit`, bytes }, now);
      expect(res.status).toBe('imported');
    }
    await runner.enqueue('analysis', { athleteId, isoWeek: '2027-W02' });
    await runner.drain();
    expect(runner.failed).toEqual([]);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('matches every planned session with the right status and ratio', async () => {
    const doc = (await getWeek(t.db, athleteId, '2027-W02'))!;
    const byKind = Object.fromEntries(
      doc.compliance.matches.map((m) => [`${m.plannedDate ?? m.activityDate}:${m.plannedKind ?? 'none'}`, m]),
    );
    expect(byKind['2027-01-12:intervals']).toMatchObject({ status: 'completed', band: 'green', ratio: 11000 / 10000 });
    expect(byKind['2027-01-12:strength']).toMatchObject({ status: 'completed' });
    expect(byKind['2027-01-13:easy']).toMatchObject({ status: 'completed', band: 'green', ratio: 1 });
    expect(byKind['2027-01-14:tempo']).toMatchObject({ status: 'partial', band: 'yellow', ratio: 0.7 });
    expect(byKind['2027-01-14:strength']).toMatchObject({ status: 'missed', band: 'red' });
    expect(byKind['2027-01-16:easy']).toMatchObject({ status: 'moved', band: 'green', ratio: 1, dayShift: -1, activityDate: '2027-01-15' });
    expect(byKind['2027-01-17:long']).toMatchObject({ status: 'completed', band: 'green', ratio: 1 });
    expect(doc.compliance.matches).toHaveLength(7);
  });

  it('totals, hard days and strength', async () => {
    const c = (await getWeek(t.db, athleteId, '2027-W02'))!.compliance;
    expect(c.planned.distanceM).toBe(10000 + 8000 + 10000 + 6000 + 24000);
    // intervals: 2.5 km warm-up + 6 × (800 + 300 m) + 1.9 km cool-down = 11 km
    expect(c.actual.distanceM).toBe(11000 + 8000 + 7000 + 6000 + 24000);
    expect(c.planned.sessions).toBe(7);
    expect(c.actual.sessionsCompleted).toBe(6);
    expect(c.planned.keySessions).toBe(3);
    expect(c.actual.keySessionsCompleted).toBe(3);
    expect(c.actual.strengthSessions).toBe(1);
    expect(c.planned.strengthSessions).toBe(2);
    expect(c.actual.hardDays).toEqual(['2027-01-12', '2027-01-14', '2027-01-17']);
    expect(c.planned.hardDays).toEqual(['2027-01-12', '2027-01-14', '2027-01-17']);
    expect(c.easyRunsTooHard).toEqual([]);
  });

  it('intensity distribution equals the zone of every recorded second', async () => {
    const c = (await getWeek(t.db, athleteId, '2027-W02'))!.compliance;
    const seconds = [0, 0, 0, 0, 0, 0];
    for (const run of Object.values(runs)) {
      const hr = expectedRun(run).sessions[0]!.streams.heartRate as number[];
      // Each 1 Hz sample lasts until the next one; the last sample has no duration.
      for (const h of hr.slice(0, -1)) seconds[zoneOf(h)]! += 1;
    }
    const total = seconds.reduce((a, b) => a + b, 0);
    expect(c.intensity.secondsWithHr).toBe(total);
    expect(c.intensity.low).toBeCloseTo((seconds[1]! + seconds[2]!) / total, 10);
    expect(c.intensity.moderate).toBeCloseTo(seconds[3]! / total, 10);
    expect(c.intensity.high).toBeCloseTo((seconds[4]! + seconds[5]!) / total, 10);
  });

  it('flags exactly the skipped strength session and places next week\'s strength', async () => {
    const doc = (await getWeek(t.db, athleteId, '2027-W02'))!;
    expect(doc.flags.map((f) => [f.code, f.date])).toEqual([['strength_skipped', '2027-01-14']]);
    const planned = doc.compliance.matches.find((m) => m.plannedDate === '2027-01-14' && m.plannedKind === 'strength')!;
    expect(doc.flags[0]!.evidence.plannedIds).toEqual([planned.plannedId]);
    expect(doc.nextWeek.isoWeek).toBe('2027-W03');
  });

  it('stores a load series through the week', async () => {
    const doc = (await getWeek(t.db, athleteId, '2027-W02'))!;
    expect(doc.load.days.map((d) => d.date)).toEqual(['2027-01-11', '2027-01-12', '2027-01-13', '2027-01-14', '2027-01-15', '2027-01-16', '2027-01-17']);
    expect(doc.load.days[0]!.load).toBe(0);
    expect(doc.load.weeklyLoad).toBeCloseTo(doc.activities.reduce((n, a) => n + a.metrics.load, 0), 6);
  });
});
