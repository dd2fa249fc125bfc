/**
 * A hand-written report model of one realistic week, for the renderer tests (charts, HTML, email):
 * intervals on Tuesday with strength after it, an easy run done too hard, a missed tempo on Thursday,
 * a long run on Sunday, one strength session of two, and an activity without heart rate.
 * Typed against `ReportModel`, so it follows the model's shape.
 */
import { addDays } from '../../src/domain/iso-week.ts';
import type { ReportDay, ReportModel, ReportTrendDay, ReportTrendWeek } from '../../src/report/model.ts';

const MI = 1609.344;
const mi = (x: number): number => Math.round(x * MI);

export const SAMPLE_ATHLETE_ID = '0b6f3c1e-4d7a-4f7e-9a51-3f0c2d9e8a11';

function day(date: string, weekday: ReportDay['weekday'], p: Partial<ReportDay>): ReportDay {
  return {
    date,
    weekday,
    plannedDistanceM: 0,
    doneDistanceM: 0,
    hardPlanned: false,
    hardDone: false,
    strengthPlanned: false,
    strengthDone: false,
    rows: [],
    ...p,
  };
}

/** 8 weeks × 7 days of load, rising gently, ending on Sunday 2026-11-29. */
function trendDays(): ReportTrendDay[] {
  const out: ReportTrendDay[] = [];
  const first = '2026-10-05';
  for (let i = 0; i < 56; i++) {
    const date = addDays(first, i);
    const load = i % 7 === 0 ? 0 : 40 + ((i * 37) % 50);
    const chronic = Math.round((38 + i * 0.35) * 10) / 10;
    const acute = Math.round((chronic + 6 * Math.sin(i / 3)) * 10) / 10;
    out.push({ date, load, acute, chronic, form: Math.round((chronic - acute) * 10) / 10, acwr: Math.round((acute / chronic) * 1000) / 1000 });
  }
  return out;
}

function trendWeeks(days: ReportTrendDay[]): ReportTrendWeek[] {
  const weeks: ReportTrendWeek[] = [];
  for (let w = 0; w < 8; w++) {
    const slice = days.slice(w * 7, w * 7 + 7);
    const last = slice[6]!;
    weeks.push({
      isoWeek: `2026-W${41 + w}`,
      from: slice[0]!.date,
      load: Math.round(slice.reduce((n, d) => n + (d.load ?? 0), 0) * 10) / 10,
      acute: last.acute,
      chronic: last.chronic,
      form: last.form,
      acwr: last.acwr,
      distanceM: mi(24 + w * 1.5),
      plannedDistanceM: mi(25 + w * 1.5),
    });
  }
  return weeks;
}

export function sampleReport(overrides: Partial<ReportModel> = {}): ReportModel {
  const days = trendDays();
  return {
    version: 2,
    athlete: { id: SAMPLE_ATHLETE_ID, name: 'Ada <Runner> & Co', units: 'mi', timezone: 'Europe/London' },
    week: { isoWeek: '2026-W48', from: '2026-11-23', to: '2026-11-29', complete: true },
    plan: { name: 'Spring marathon', raceDate: '2027-04-18', weekNumber: 6, totalWeeks: 21 },
    headline: {
      compliancePct: 78,
      complianceBand: 'red',
      soFar: false,
      distance: {
        planned: { metres: mi(35), value: 35, units: 'mi' },
        done: { metres: mi(31.2), value: 31.2, units: 'mi' },
        plannedWeek: { metres: mi(35), value: 35, units: 'mi' },
      },
      runTime: { plannedS: 18_000, doneS: 16_200 },
      sessions: { planned: 6, completed: 4, keyPlanned: 3, keyCompleted: 2 },
      strength: { planned: 2, done: 1 },
      parts: {
        volume: { band: 'green', basis: 'distance', ratio: 0.891 },
        keySessions: { band: 'yellow', planned: 3, done: 2 },
        intensity: { band: 'red', easyRuns: 1, tooHard: 1 },
        strength: { band: 'yellow', planned: 2, done: 1, minimumMet: true, minMinutes: 40, placementFlags: [], missedPlanned: 1 },
        overall: 'red',
      },
      flags: { critical: 1, warning: 1, info: 0 },
      summary: 'Off plan — volume 31.2 mi of 35 mi (89 %), key sessions 2 of 3, easy runs 1 of 1 too hard, strength 1 of 2 (minimum met); 2 to fix',
    },
    days: [
      day('2026-11-23', 'mon', {}),
      day('2026-11-24', 'tue', {
        plannedDistanceM: mi(7),
        doneDistanceM: mi(7.1),
        hardPlanned: true,
        hardDone: true,
        strengthPlanned: true,
        strengthDone: true,
        rows: [
          {
            planned: { id: 'p-tue', kind: 'intervals', label: 'intervals', distanceM: mi(7), durationS: null, text: '7 mi intervals, 6 × 800 m at 5K pace' },
            done: { id: 'a-tue', date: '2026-11-24', category: 'run', sport: 'running', distanceM: mi(7.1), movingS: 3480, intensity: 'hard', hasHr: true, text: '7.1 mi in 58 min, hard' },
            status: 'completed',
            band: 'green',
            ratio: 1.014,
            dayShift: 0,
            verdict: null,
          },
          {
            planned: { id: 'p-tue-s', kind: 'strength', label: 'strength session', distanceM: null, durationS: 2700, text: '45 min strength session' },
            done: { id: 'a-tue-s', date: '2026-11-24', category: 'strength', sport: 'training', distanceM: null, movingS: 2820, intensity: null, hasHr: true, text: 'strength 47 min' },
            status: 'completed',
            band: 'green',
            ratio: 1.044,
            dayShift: 0,
            verdict: null,
          },
        ],
      }),
      day('2026-11-25', 'wed', {
        plannedDistanceM: mi(6),
        doneDistanceM: mi(6.2),
        rows: [
          {
            planned: { id: 'p-wed', kind: 'easy', label: 'easy run', distanceM: mi(6), durationS: null, text: '6 mi easy run, zone 2' },
            done: { id: 'a-wed', date: '2026-11-25', category: 'run', sport: 'running', distanceM: mi(6.2), movingS: 3000, intensity: 'moderate', hasHr: true, text: '6.2 mi in 50 min, moderate' },
            status: 'completed',
            band: 'green',
            ratio: 1.033,
            dayShift: 0,
            verdict: 'too_hard',
          },
        ],
      }),
      day('2026-11-26', 'thu', {
        plannedDistanceM: mi(6),
        hardPlanned: true,
        strengthPlanned: true,
        rows: [
          {
            planned: { id: 'p-thu', kind: 'tempo', label: 'tempo run', distanceM: mi(6), durationS: null, text: '6 mi tempo run, 4:10/km' },
            done: null,
            status: 'missed',
            band: 'red',
            ratio: 0,
            dayShift: 0,
            verdict: null,
          },
          {
            planned: { id: 'p-thu-s', kind: 'strength', label: 'strength session', distanceM: null, durationS: 2700, text: '45 min strength session' },
            done: null,
            status: 'missed',
            band: 'red',
            ratio: 0,
            dayShift: 0,
            verdict: null,
          },
        ],
      }),
      day('2026-11-27', 'fri', {}),
      day('2026-11-28', 'sat', {
        plannedDistanceM: mi(4),
        doneDistanceM: mi(4.1),
        rows: [
          {
            planned: { id: 'p-sat', kind: 'recovery', label: 'recovery run', distanceM: mi(4), durationS: null, text: '4 mi recovery run' },
            done: { id: 'a-sat', date: '2026-11-28', category: 'run', sport: 'running', distanceM: mi(4.1), movingS: 2460, intensity: null, hasHr: false, text: '4.1 mi in 41 min' },
            status: 'completed',
            band: 'green',
            ratio: 1.025,
            dayShift: 0,
            verdict: null,
          },
        ],
      }),
      day('2026-11-29', 'sun', {
        plannedDistanceM: mi(12),
        doneDistanceM: mi(13.8),
        hardPlanned: true,
        hardDone: true,
        rows: [
          {
            planned: { id: 'p-sun', kind: 'long', label: 'long run', distanceM: mi(12), durationS: null, text: '12 mi long run' },
            done: { id: 'a-sun', date: '2026-11-29', category: 'run', sport: 'running', distanceM: mi(13.8), movingS: 7200, intensity: 'easy', hasHr: true, text: '13.8 mi in 2 h, easy' },
            status: 'exceeded',
            band: 'yellow',
            ratio: 1.15,
            dayShift: 0,
            verdict: null,
          },
        ],
      }),
    ],
    strength: {
      planned: { sessions: 2, minutes: 90, days: ['2026-11-24', '2026-11-26'] },
      done: { sessions: 1, minutes: 47, days: ['2026-11-24'] },
      minimum: { sessions: 1, minMinutes: 40, met: true },
      sessions: [{ activityId: 'a-tue-s', date: '2026-11-24', minutes: 47, dayType: 'hard_day', afterRun: true, beforeHardDay: false, flagCodes: [] }],
      hardDays: { planned: ['2026-11-24', '2026-11-26', '2026-11-29'], done: ['2026-11-24', '2026-11-29'] },
    },
    intensity: {
      secondsWithHr: 13_680,
      low: 0.72,
      moderate: 0.18,
      high: 0.1,
      target: { low: 0.8, high: 0.2 },
      lowVsTargetPts: -8,
      easyRunsTooHard: 1,
      qualitySessionsTooEasy: 0,
    },
    load: {
      week: {
        load: 412.5,
        monotony: 1.42,
        strain: 585.8,
        distanceRamp: 0.072,
        previousWeekDistanceM: mi(29.1),
        acwr: { date: '2026-11-29', ratio: 0.952, band: 'sweet_spot', acute7d: 58.9, chronic28d: 61.9, historyDays: 420 },
      },
      end: days[55]!,
      weeks: trendWeeks(days),
      days,
      acwrLimit: 1.5,
    },
    flags: [
      {
        code: 'strength_skipped',
        severity: 'critical',
        date: '2026-11-26',
        message: 'The planned strength session on Thursday was skipped.',
        suggestion: 'Keep the strength session next Tuesday, after the intervals.',
        evidence: { activityIds: [], plannedIds: ['p-thu-s'], numbers: { plannedMinutes: 45 } },
      },
      {
        code: 'easy_run_too_hard',
        severity: 'warning',
        date: '2026-11-25',
        message: 'Wednesday’s easy run spent 34 % of its time above zone 2.',
        suggestion: 'Slow down on easy days: stay under 150 bpm.',
        evidence: { activityIds: ['a-wed'], plannedIds: ['p-wed'], numbers: { fractionAboveZone2: 0.34 } },
      },
    ],
    nextWeek: {
      isoWeek: '2026-W49',
      basis: 'plan',
      strengthDays: [
        { date: '2026-12-01', weekday: 'tue', afterKind: 'intervals', reason: 'After Tuesday’s intervals: two easy days follow.', optional: false },
        { date: '2026-12-03', weekday: 'thu', afterKind: 'tempo', reason: 'After Thursday’s tempo, if you feel fresh.', optional: true },
      ],
      notes: [],
    },
    dataQuality: {
      activitiesWithoutHr: [{ activityId: 'a-sat', date: '2026-11-28', category: 'run', sport: 'running' }],
      failedUploads: [],
      strava: null,
      notes: ['1 activity has no heart rate (1 run): their load is estimated from session RPE and they are left out of the intensity split.'],
    },
    physiology: {
      maxHr: { value: 188, source: 'estimated' },
      restingHr: { value: 48, source: 'given' },
      lthr: { value: 171, source: 'estimated' },
      thresholdPaceSPerKm: { value: 250, source: 'estimated' },
    },
    ...overrides,
  };
}
