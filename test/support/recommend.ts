/**
 * Test factories for the recommender: synthetic activities with heart-rate streams and laps, run
 * through the real analysis (`activityMetrics`, `markLongRuns`, `weekCompliance`, `loadSeries`) into
 * week documents. Only tests import this module.
 *
 * Physiology: LTHR 160 (Friel zones: z2 from 136, z3 144, z4 152, z5 160 bpm), max 185, resting 50.
 * Samples every 10 s. Activities start on the hour in UTC, and the time zone is UTC, so the local
 * date is the date given.
 */
import { weekCompliance } from '../../src/analysis/compliance.ts';
import { dailyLoads, distanceRamp, fillDays, loadSeries, weekMonotonyStrain } from '../../src/analysis/load.ts';
import { activityMetrics, markLongRuns } from '../../src/analysis/metrics.ts';
import type { ActivityMetrics, AnalysisActivity, LoadState, Physiology, PlannedSessionRef } from '../../src/analysis/types.ts';
import type { WeekActivity, WeekReportData } from '../../src/domain/week-document.ts';
import type { Lap, SampleStreams } from '../../src/domain/activity.ts';
import type { SessionKind } from '../../src/domain/plan.ts';
import type { UnavailableDay } from '../../src/domain/athlete-input.ts';
import { addDays, addWeeks, mondayOf } from '../../src/domain/iso-week.ts';
import { prng } from '../../src/synth/fit.ts';

export const TEST_PHYSIOLOGY: Physiology = {
  sex: 'm',
  maxHr: { value: 185, source: 'given' },
  restingHr: { value: 50, source: 'given' },
  lthr: { value: 160, source: 'given' },
  thresholdSpeedMps: null,
};

/** Heart rates by zone at LTHR 160. */
export const HR = { z1: 128, z2: 140, z3: 148, z4: 156, z5: 165 } as const;

const SAMPLE_S = 10;

export interface Segment {
  min: number;
  hr: number | null;
  speedMps: number;
  /** FIT lap intensity label, when the segment is a lap of its own. */
  lap?: string;
}

export interface ActivityOptions {
  /** Hour of the start, UTC (default 7 for runs, 18 for strength). */
  startHour?: number;
  rpe?: number | null;
}

function startOf(date: string, hour: number): Date {
  return new Date(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
}

/** A run made of segments, with streams (every 10 s) and one lap per segment. */
export function run(id: string, date: string, segments: readonly Segment[], options: ActivityOptions = {}): AnalysisActivity {
  const start = startOf(date, options.startHour ?? 7);
  const streams: SampleStreams = { t: [], distanceM: [], speedMps: [], heartRate: [], cadence: [], altitudeM: [], powerW: [] };
  const laps: Lap[] = [];
  let t = 0;
  let d = 0;
  segments.forEach((seg, index) => {
    const n = Math.round((seg.min * 60) / SAMPLE_S);
    const lapStart = t;
    const lapStartD = d;
    for (let i = 0; i < n; i++) {
      streams.t.push(t);
      streams.distanceM.push(d);
      streams.speedMps.push(seg.speedMps);
      streams.heartRate.push(seg.hr);
      streams.cadence.push(null);
      streams.altitudeM.push(null);
      streams.powerW.push(null);
      t += SAMPLE_S;
      d += seg.speedMps * SAMPLE_S;
    }
    laps.push({
      index,
      startTime: new Date(start.getTime() + lapStart * 1000),
      elapsedS: t - lapStart,
      movingS: t - lapStart,
      distanceM: d - lapStartD,
      avgHr: seg.hr,
      maxHr: seg.hr,
      avgSpeedMps: seg.speedMps,
      intensity: seg.lap ?? null,
    });
  });
  // A last sample closes the recording.
  streams.t.push(t);
  streams.distanceM.push(d);
  streams.speedMps.push(segments.at(-1)?.speedMps ?? null);
  streams.heartRate.push(segments.at(-1)?.hr ?? null);
  streams.cadence.push(null);
  streams.altitudeM.push(null);
  streams.powerW.push(null);
  return {
    id,
    category: 'run',
    sport: 'running',
    localDate: date,
    startTime: start,
    elapsedS: t,
    movingS: t,
    distanceM: d,
    avgHr: null,
    maxHr: null,
    laps,
    streams,
    rpe: options.rpe ?? null,
  };
}

const EASY_MPS = 1000 / 330; // 5:30/km
const STEADY_MPS = 1000 / 300;
const TEMPO_MPS = 1000 / 255;
const REP_MPS = 1000 / 225;

/** Easy run: all in zone 1. */
export function easyRun(id: string, date: string, options: ActivityOptions & { min?: number; hr?: number } = {}): AnalysisActivity {
  return run(id, date, [{ min: options.min ?? 45, hr: options.hr ?? HR.z1, speedMps: EASY_MPS }], options);
}

/** An "easy" run with `fraction` of its time in zone 3 (classed moderate at ≥ 20 %). */
export function greyZoneRun(id: string, date: string, fraction: number, options: ActivityOptions & { min?: number } = {}): AnalysisActivity {
  const min = options.min ?? 45;
  return run(
    id,
    date,
    [
      { min: min * (1 - fraction), hr: HR.z1, speedMps: EASY_MPS },
      { min: min * fraction, hr: HR.z3, speedMps: STEADY_MPS },
    ],
    options,
  );
}

/** Tempo: 15 min easy, 25 min in zone 4, 10 min easy (hard: ≥ 10 min in zones 4–5). */
export function tempoRun(id: string, date: string, options: ActivityOptions & { tempoMin?: number } = {}): AnalysisActivity {
  return run(
    id,
    date,
    [
      { min: 15, hr: HR.z1, speedMps: EASY_MPS },
      { min: options.tempoMin ?? 25, hr: HR.z4, speedMps: TEMPO_MPS },
      { min: 10, hr: HR.z1, speedMps: EASY_MPS },
    ],
    options,
  );
}

/** Intervals: warm-up, 6 × (3 min hard, 2 min jog) with device lap labels, cool-down. */
export function intervalRun(id: string, date: string, options: ActivityOptions = {}): AnalysisActivity {
  const reps: Segment[] = [];
  for (let i = 0; i < 6; i++) {
    reps.push({ min: 3, hr: HR.z4, speedMps: REP_MPS, lap: 'interval' });
    reps.push({ min: 2, hr: HR.z2, speedMps: EASY_MPS * 0.9, lap: 'recovery' });
  }
  return run(
    id,
    date,
    [{ min: 15, hr: HR.z1, speedMps: EASY_MPS, lap: 'warmup' }, ...reps, { min: 10, hr: HR.z1, speedMps: EASY_MPS, lap: 'cooldown' }],
    options,
  );
}

/** Long run: easy, `km` at 5:30/km (30 km by default: 2 h 45). */
export function longRun(id: string, date: string, options: ActivityOptions & { km?: number } = {}): AnalysisActivity {
  const km = options.km ?? 30;
  return run(id, date, [{ min: (km * 330) / 60, hr: HR.z1 + 2, speedMps: EASY_MPS }], options);
}

/** A gym session without heart rate (load from session RPE). */
export function strength(id: string, date: string, options: ActivityOptions & { min?: number } = {}): AnalysisActivity {
  const s = (options.min ?? 45) * 60;
  return {
    id,
    category: 'strength',
    sport: 'training',
    localDate: date,
    startTime: startOf(date, options.startHour ?? 18),
    elapsedS: s,
    movingS: s,
    distanceM: null,
    avgHr: null,
    maxHr: null,
    laps: [],
    streams: null,
    rpe: options.rpe ?? null,
  };
}

/** Cycling or any other sport. */
export function cross(id: string, date: string, options: ActivityOptions & { min?: number } = {}): AnalysisActivity {
  return { ...strength(id, date, { startHour: 12, ...options }), category: 'other', sport: 'cycling' };
}

export function planned(id: string, date: string, kind: SessionKind, over: Partial<PlannedSessionRef> = {}): PlannedSessionRef {
  return { id, date, kind, order: kind === 'strength' ? 2 : 1, distanceM: null, durationS: null, target: null, notes: null, ...over };
}

/** The activity a planned kind is carried out as, with the builders above. */
export function activityFor(id: string, date: string, kind: SessionKind, options: ActivityOptions = {}): AnalysisActivity | null {
  switch (kind) {
    case 'rest':
      return null;
    case 'easy':
    case 'recovery':
      return easyRun(id, date, options);
    case 'long':
      return longRun(id, date, options);
    case 'tempo':
    case 'threshold':
    case 'hills':
    case 'race_pace':
    case 'race':
      return tempoRun(id, date, options);
    case 'intervals':
      return intervalRun(id, date, options);
    case 'strength':
      return strength(id, date, options);
    case 'cross':
      return cross(id, date, options);
  }
}

// ---------------------------------------------------------------------------------------------------
// Weeks

export interface WeekSpec {
  isoWeek: string;
  planned?: readonly PlannedSessionRef[];
  activities?: readonly AnalysisActivity[];
  /** Metrics fields to force after analysis (e.g. `{ intensityBasis: 'none' }`), by activity id. */
  metrics?: Readonly<Record<string, Partial<ActivityMetrics>>>;
  /** Days the athlete could not train. */
  unavailable?: readonly UnavailableDay[];
}

export interface BuildOptions {
  physiology?: Physiology;
  /** Days of constant daily load before the first week, so the ACWR exists (it needs 28). */
  history?: { days: number; dailyLoad: number };
  /** Run distance of the week before the first week (default 0). */
  previousWeekDistanceM?: number;
}

function weekActivity(a: AnalysisActivity, m: ActivityMetrics): WeekActivity {
  return {
    id: a.id,
    localDate: a.localDate,
    startTime: a.startTime.toISOString(),
    category: a.category,
    sport: a.sport,
    subSport: a.category === 'strength' ? 'strength_training' : null,
    distanceM: a.distanceM,
    movingS: a.movingS,
    metrics: m,
  };
}

/** Consecutive weeks analysed as `analyseWeeks` does, with a continuous load series. */
export function buildWeeks(specs: readonly WeekSpec[], options: BuildOptions = {}): WeekReportData[] {
  const physiology = options.physiology ?? TEST_PHYSIOLOGY;
  const first = specs[0];
  if (first === undefined) return [];
  let prev: LoadState | null = null;
  if (options.history !== undefined && options.history.days > 0) {
    const monday = mondayOf(first.isoWeek);
    const from = addDays(monday, -options.history.days);
    const loads = new Map<string, number>();
    for (let i = 0; i < options.history.days; i++) loads.set(addDays(from, i), options.history.dailyLoad);
    prev = loadSeries(null, fillDays(from, addDays(monday, -1), loads)).at(-1) ?? null;
  }
  let previousDistance = options.previousWeekDistanceM ?? 0;
  const docs: WeekReportData[] = [];
  specs.forEach((spec, i) => {
    if (i > 0 && spec.isoWeek !== addWeeks(specs[i - 1]?.isoWeek ?? spec.isoWeek, 1)) {
      throw new RangeError(`weeks must be consecutive: ${spec.isoWeek} after ${specs[i - 1]?.isoWeek ?? '?'}`);
    }
    const monday = mondayOf(spec.isoWeek);
    const sunday = addDays(monday, 6);
    const activities = [...(spec.activities ?? [])];
    const metrics = markLongRuns(activities, activities.map((a) => activityMetrics(a, physiology))).map((m) => ({
      ...m,
      ...(spec.metrics?.[m.activityId] ?? {}),
    }));
    const byId = new Map(metrics.map((m) => [m.activityId, m]));
    const unavailable = [...(spec.unavailable ?? [])];
    const compliance = weekCompliance({ athleteId: 'athlete-1', isoWeek: spec.isoWeek, planned: spec.planned ?? [], activities, metrics: byId, unavailable: unavailable.map((d) => d.date) });
    const days = loadSeries(prev, fillDays(monday, sunday, dailyLoads(activities.map((a) => ({ date: a.localDate, load: byId.get(a.id)?.load ?? 0 })))));
    prev = days.at(-1) ?? prev;
    const ms = weekMonotonyStrain(days.map((d) => d.load));
    docs.push({
      version: 1,
      athleteId: 'athlete-1',
      isoWeek: spec.isoWeek,
      from: monday,
      to: sunday,
      timezone: 'UTC',
      physiology,
      compliance,
      activities: activities
        .map((a) => {
          const m = byId.get(a.id);
          if (m === undefined) throw new Error(`no metrics for ${a.id}`);
          return weekActivity(a, m);
        })
        .sort((x, y) => x.startTime.localeCompare(y.startTime) || x.id.localeCompare(y.id)),
      load: {
        days,
        weeklyLoad: ms.weeklyLoad,
        monotony: ms.monotony,
        strain: ms.strain,
        distanceRamp: distanceRamp(compliance.actual.distanceM, previousDistance),
        previousWeekDistanceM: previousDistance,
      },
      ...(unavailable.length > 0 && { unavailable }),
    });
    previousDistance = compliance.actual.distanceM;
  });
  return docs;
}

export interface WeekPlanAndActivities {
  planned: PlannedSessionRef[];
  activities: AnalysisActivity[];
}

/**
 * The model week: Mon rest; Tue intervals, strength after; Wed easy; Thu tempo, strength after; Fri
 * rest; Sat easy; Sun long run. Planned and done alike. Ids start with `prefix`.
 */
export function modelWeek(isoWeek: string, prefix: string): WeekPlanAndActivities {
  const d = (i: number): string => addDays(mondayOf(isoWeek), i);
  return {
    planned: [
      planned(`${prefix}p-mon`, d(0), 'rest'),
      planned(`${prefix}p-int`, d(1), 'intervals', { durationS: 4500 }),
      planned(`${prefix}p-str1`, d(1), 'strength', { durationS: 2700 }),
      planned(`${prefix}p-e1`, d(2), 'easy', { durationS: 2700 }),
      planned(`${prefix}p-tempo`, d(3), 'tempo', { durationS: 3000 }),
      planned(`${prefix}p-str2`, d(3), 'strength', { durationS: 2700 }),
      planned(`${prefix}p-fri`, d(4), 'rest'),
      planned(`${prefix}p-e2`, d(5), 'easy', { durationS: 2700 }),
      planned(`${prefix}p-long`, d(6), 'long', { distanceM: 30_000 }),
    ],
    activities: [
      intervalRun(`${prefix}a-int`, d(1)),
      strength(`${prefix}a-str1`, d(1)),
      easyRun(`${prefix}a-e1`, d(2)),
      tempoRun(`${prefix}a-tempo`, d(3)),
      strength(`${prefix}a-str2`, d(3)),
      easyRun(`${prefix}a-e2`, d(5)),
      longRun(`${prefix}a-long`, d(6)),
    ],
  };
}

/** Deterministic shuffle (Fisher–Yates on the synth PRNG), for reordering properties. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const x = out[i] as T;
    out[i] = out[j] as T;
    out[j] = x;
  }
  return out;
}
