/**
 * Per-activity metrics: moving time, distance, pace, time in HR zones, TRIMP, load, interval
 * structure, intensity class, and (per week) the long run. From streams when the activity has them,
 * from its summary (totals, laps) otherwise. Every threshold is in `DEFAULT_METRICS_OPTIONS` /
 * `DEFAULT_LONG_RUN_OPTIONS` and documented in docs/analysis.md.
 */
import type { Lap } from '../domain/activity.ts';
import { isoWeekOf } from '../plan/iso-week.ts';
import { DEFAULT_TRIMP_CONSTANTS, trimpCoefficients, trimpOfSegments, type TrimpConstants } from './trimp.ts';
import type {
  ActivityMetrics,
  AnalysisActivity,
  IntensityClass,
  Physiology,
  SourcedValue,
  ZoneModel,
} from './types.ts';
import {
  DEFAULT_MAX_SAMPLE_GAP_S,
  isValidHr,
  segmentsFromStreams,
  timeInZones,
  timeWithHr,
  zoneBounds,
  type Segment,
  type ZoneTimes,
} from './zones.ts';

export interface IntervalOptions {
  /** Work laps needed (each next to a rest lap). */
  minReps: number;
  /** A work lap is at least this many times faster than each neighbouring lap. */
  speedFactor: number;
  /** Shortest work lap, seconds (shorter laps are strides or button presses). */
  minWorkS: number;
}

export interface MetricsOptions {
  zoneModel: ZoneModel;
  trimpConstants: TrimpConstants;
  maxSampleGapS: number;
  /** Below this speed (m/s) a sample is standing still and does not add to moving time. */
  stoppedSpeedMps: number;
  /** Hard: at least this fraction of the time with HR (or pace) in zones 4–5… */
  hardFraction: number;
  /** …or at least this many seconds there. */
  hardMinS: number;
  /** Moderate: at least this fraction in zones 3–5. */
  moderateFraction: number;
  /**
   * Pace zones without HR (Friel's run pace zones, as % of threshold pace): zone 4+ is pace within
   * 105 % of threshold pace, zone 3+ within 113 %. Speed ≥ threshold speed / factor.
   */
  zone4PaceFactor: number;
  zone3PaceFactor: number;
  intervals: IntervalOptions;
  /** Session RPE (CR-10) used when the athlete gave none and there is no heart rate. */
  defaultRpe: { strength: number; other: number; run: Record<IntensityClass, number> };
}

export const DEFAULT_METRICS_OPTIONS: Readonly<MetricsOptions> = Object.freeze({
  zoneModel: 'friel_lthr',
  trimpConstants: DEFAULT_TRIMP_CONSTANTS,
  maxSampleGapS: DEFAULT_MAX_SAMPLE_GAP_S,
  stoppedSpeedMps: 0.5,
  hardFraction: 0.2,
  hardMinS: 600,
  moderateFraction: 0.2,
  zone4PaceFactor: 1.05,
  zone3PaceFactor: 1.13,
  intervals: { minReps: 3, speedFactor: 1.2, minWorkS: 30 },
  defaultRpe: { strength: 5, other: 3, run: { easy: 3, moderate: 5, hard: 7 } },
});

export interface LongRunOptions {
  /** Long by duration alone: moving time at least this, seconds. */
  minMovingS: number;
  /** Long by distance: at least this many metres… */
  minDistanceM: number;
  /** …and at least this fraction of the ISO week's run distance. */
  minShareOfWeek: number;
}

export const DEFAULT_LONG_RUN_OPTIONS: Readonly<LongRunOptions> = Object.freeze({
  minMovingS: 90 * 60,
  minDistanceM: 16_000,
  minShareOfWeek: 0.25,
});

/** Seconds with HR (or pace), and of them in zones 3–5 and 4–5. */
export interface IntensitySpread {
  total: number;
  zone3Plus: number;
  zone4Plus: number;
}

export function activityMetrics(
  activity: AnalysisActivity,
  physiology: Physiology,
  options: Partial<MetricsOptions> = {},
): ActivityMetrics {
  const o: MetricsOptions = { ...DEFAULT_METRICS_OPTIONS, ...options };
  const isRun = activity.category === 'run';

  const streamSegs =
    activity.streams !== null && activity.streams.t.length >= 2
      ? segmentsFromStreams(activity.streams, o.maxSampleGapS)
      : null;
  const basis = streamSegs === null ? 'summary' : 'streams';

  const movingSegs = streamSegs?.filter((s) => s.speedMps === null || s.speedMps >= o.stoppedSpeedMps) ?? null;
  const streamMovingS = movingSegs === null ? 0 : sum(movingSegs.map((s) => s.durationS));
  const movingS = streamMovingS > 0 ? streamMovingS : (activity.movingS ?? activity.elapsedS);
  const distanceM =
    (activity.streams !== null ? streamDistance(activity, movingSegs ?? []) : null) ?? activity.distanceM;

  // Heart rate: the samples when they carry any, else the laps' or the activity's average HR.
  const hrSegs = streamSegs !== null && timeWithHr(streamSegs) > 0 ? streamSegs : summaryHrSegments(activity, movingS);
  const hasHr = timeWithHr(hrSegs) > 0;
  const timeInZonesS = hasHr ? timeInZones(hrSegs, zoneBounds(o.zoneModel, physiology)) : null;
  const trimp = hasHr
    ? trimpOfSegments(
        hrSegs,
        { maxHr: physiology.maxHr.value, restingHr: physiology.restingHr.value },
        trimpCoefficients(physiology.sex, o.trimpConstants),
      )
    : null;

  const intervals = detectIntervals(activity.laps, o.intervals);

  let intensity: IntensityClass | null = null;
  let intensityBasis: 'hr' | 'pace' | 'none' | undefined;
  if (isRun) {
    const spread =
      timeInZonesS !== null
        ? hrSpread(timeInZonesS)
        : paceSpread(activity, movingSegs, movingS, distanceM, physiology, o);
    intensityBasis = timeInZonesS !== null ? 'hr' : spread !== null ? 'pace' : 'none';
    intensity = intervals ? 'hard' : spread !== null ? classify(spread, o) : 'easy';
  }

  let load: number;
  let loadBasis: ActivityMetrics['loadBasis'];
  let sessionRpe: SourcedValue | undefined;
  if (trimp !== null) {
    load = trimp;
    loadBasis = 'trimp';
  } else {
    sessionRpe = resolveRpe(activity, intensity, o);
    load = sessionRpe.value * (movingS / 60);
    loadBasis = 'session_rpe';
  }

  const paceSPerKm = isRun && distanceM !== null && distanceM > 0 && movingS > 0 ? movingS / (distanceM / 1000) : null;

  const out: ActivityMetrics = {
    activityId: activity.id,
    basis,
    movingS,
    distanceM,
    paceSPerKm,
    timeInZonesS,
    trimp,
    load,
    loadBasis,
    intensity,
    intervals,
    long: false,
  };
  if (intensityBasis !== undefined) out.intensityBasis = intensityBasis;
  if (sessionRpe !== undefined) out.sessionRpe = sessionRpe;
  return out;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Cumulative distance channel's last value; else speed × time over moving samples; else null. */
function streamDistance(activity: AnalysisActivity, movingSegs: readonly Segment[]): number | null {
  const streams = activity.streams;
  if (streams === null) return null;
  for (let i = streams.distanceM.length - 1; i >= 0; i--) {
    const d = streams.distanceM[i];
    if (typeof d === 'number' && Number.isFinite(d)) return d;
  }
  if (!streams.speedMps.some((v) => typeof v === 'number')) return null;
  return sum(movingSegs.map((s) => (s.speedMps ?? 0) * s.durationS));
}

function lapDuration(lap: Lap): number {
  return lap.movingS ?? lap.elapsedS;
}

export function lapSpeed(lap: Lap): number | null {
  if (lap.avgSpeedMps !== null && Number.isFinite(lap.avgSpeedMps)) return lap.avgSpeedMps;
  const d = lapDuration(lap);
  if (lap.distanceM !== null && d > 0) return lap.distanceM / d;
  return null;
}

/** Without HR samples: each lap at its average HR when every lap has one, else the whole activity. */
function summaryHrSegments(activity: AnalysisActivity, movingS: number): Segment[] {
  const laps = activity.laps;
  if (laps.length > 0 && laps.every((l) => isValidHr(l.avgHr) && lapDuration(l) > 0)) {
    return laps.map((l) => ({ durationS: lapDuration(l), hr: l.avgHr, speedMps: lapSpeed(l) }));
  }
  if (isValidHr(activity.avgHr)) return [{ durationS: movingS, hr: activity.avgHr, speedMps: null }];
  return [];
}

function hrSpread(z: ZoneTimes): IntensitySpread {
  const [, , z3, z4, z5] = z;
  return { total: sum(z), zone3Plus: z3 + z4 + z5, zone4Plus: z4 + z5 };
}

/**
 * Time at zone-3+ and zone-4+ pace (Friel pace zones) when threshold speed is known: per moving sample,
 * else per lap (when every lap has a speed), else the activity's average speed. Null without a
 * threshold speed or any speed.
 */
function paceSpread(
  activity: AnalysisActivity,
  movingSegs: readonly Segment[] | null,
  movingS: number,
  distanceM: number | null,
  physiology: Physiology,
  o: MetricsOptions,
): IntensitySpread | null {
  const threshold = physiology.thresholdSpeedMps?.value ?? null;
  if (threshold === null || !(threshold > 0)) return null;
  let segs: { durationS: number; speedMps: number }[] = [];
  if (movingSegs !== null) {
    for (const s of movingSegs) if (s.speedMps !== null) segs.push({ durationS: s.durationS, speedMps: s.speedMps });
  }
  if (sum(segs.map((s) => s.durationS)) <= 0) {
    const laps = activity.laps;
    const lapSegs = laps.map((l) => ({ durationS: lapDuration(l), speedMps: lapSpeed(l) }));
    if (laps.length > 0 && lapSegs.every((s) => s.speedMps !== null && s.durationS > 0)) {
      segs = lapSegs.map((s) => ({ durationS: s.durationS, speedMps: s.speedMps ?? 0 }));
    } else if (distanceM !== null && distanceM > 0 && movingS > 0) {
      segs = [{ durationS: movingS, speedMps: distanceM / movingS }];
    } else {
      return null;
    }
  }
  const z4 = threshold / o.zone4PaceFactor;
  const z3 = threshold / o.zone3PaceFactor;
  const out: IntensitySpread = { total: 0, zone3Plus: 0, zone4Plus: 0 };
  for (const s of segs) {
    out.total += s.durationS;
    if (s.speedMps >= z3) out.zone3Plus += s.durationS;
    if (s.speedMps >= z4) out.zone4Plus += s.durationS;
  }
  return out.total > 0 ? out : null;
}

/** Hard: ≥ 20 % or ≥ 10 min in zones 4–5; moderate: ≥ 20 % in zones 3–5; else easy. */
export function classify(
  spread: IntensitySpread,
  o: Pick<MetricsOptions, 'hardFraction' | 'hardMinS' | 'moderateFraction'> = DEFAULT_METRICS_OPTIONS,
): IntensityClass {
  if (spread.total <= 0) return 'easy';
  if (spread.zone4Plus >= o.hardFraction * spread.total || spread.zone4Plus >= o.hardMinS) return 'hard';
  if (spread.zone3Plus >= o.moderateFraction * spread.total) return 'moderate';
  return 'easy';
}

function resolveRpe(activity: AnalysisActivity, intensity: IntensityClass | null, o: MetricsOptions): SourcedValue {
  const given = activity.rpe;
  if (given !== null && Number.isFinite(given) && given >= 0 && given <= 10) return { value: given, source: 'given' };
  switch (activity.category) {
    case 'strength':
      return { value: o.defaultRpe.strength, source: 'default', note: 'default RPE for a strength session' };
    case 'run': {
      const cls = intensity ?? 'easy';
      return { value: o.defaultRpe.run[cls], source: 'default', note: `default RPE for a ${cls} run` };
    }
    case 'other':
      return { value: o.defaultRpe.other, source: 'default', note: 'default RPE for other activities' };
  }
}

/**
 * Repeated work/rest structure in the laps, by either rule:
 * - device labels: at least `minReps` work laps (`active`/`interval`) next to a rest lap
 *   (`rest`/`recovery`), warm-up and cool-down laps set aside;
 * - speed: at least `minReps` laps of ≥ `minWorkS` that are ≥ `speedFactor` × faster than every
 *   neighbouring lap (a neighbour without speed counts as standing rest).
 */
export function detectIntervals(
  laps: readonly Lap[],
  options: IntervalOptions = DEFAULT_METRICS_OPTIONS.intervals,
): boolean {
  const ordered = [...laps].sort((a, b) => a.index - b.index);
  return byDeviceLabels(ordered, options) || bySpeedAlternation(ordered, options);
}

function labelOf(lap: Lap): 'work' | 'rest' | null {
  const i = lap.intensity?.toLowerCase() ?? null;
  if (i === 'active' || i === 'interval') return 'work';
  if (i === 'rest' || i === 'recovery') return 'rest';
  return null;
}

function byDeviceLabels(laps: readonly Lap[], o: IntervalOptions): boolean {
  const seq = laps.flatMap((lap) => {
    const label = labelOf(lap);
    return label === null ? [] : [{ label, lap }];
  });
  let reps = 0;
  seq.forEach((s, i) => {
    if (s.label !== 'work' || lapDuration(s.lap) < o.minWorkS) return;
    if (seq[i - 1]?.label === 'rest' || seq[i + 1]?.label === 'rest') reps++;
  });
  return reps >= o.minReps;
}

function bySpeedAlternation(laps: readonly Lap[], o: IntervalOptions): boolean {
  if (laps.length < 2) return false;
  const speeds = laps.map(lapSpeed);
  let reps = 0;
  laps.forEach((lap, i) => {
    const v = speeds[i];
    if (v === null || v === undefined || !(v > 0) || lapDuration(lap) < o.minWorkS) return;
    const neighbours = [i - 1, i + 1].filter((j) => j >= 0 && j < laps.length).map((j) => speeds[j] ?? 0);
    if (neighbours.every((n) => v >= o.speedFactor * n)) reps++;
  });
  return reps >= o.minReps;
}

/**
 * Marks each ISO week's long run: the week's longest run (by distance, then moving time, then id) when
 * it lasted ≥ 90 min, or covered ≥ 16 km and ≥ 25 % of the week's run distance. Returns the metrics in
 * their order with `long` set (false for every other metric, including ones without an activity).
 */
export function markLongRuns(
  weekActivities: readonly AnalysisActivity[],
  metrics: readonly ActivityMetrics[],
  options: Partial<LongRunOptions> = {},
): ActivityMetrics[] {
  const o: LongRunOptions = { ...DEFAULT_LONG_RUN_OPTIONS, ...options };
  const byId = new Map(weekActivities.map((a) => [a.id, a]));
  const weeks = new Map<string, ActivityMetrics[]>();
  for (const m of metrics) {
    const a = byId.get(m.activityId);
    if (a === undefined || a.category !== 'run') continue;
    const week = isoWeekOf(a.localDate);
    const list = weeks.get(week) ?? [];
    list.push(m);
    weeks.set(week, list);
  }
  const longIds = new Set<string>();
  for (const runs of weeks.values()) {
    runs.sort((a, b) => (a.activityId < b.activityId ? -1 : a.activityId > b.activityId ? 1 : 0));
    const weekDistance = sum(runs.map((r) => r.distanceM ?? 0));
    let longest: ActivityMetrics | null = null;
    for (const r of runs) {
      if (longest === null || longerThan(r, longest)) longest = r;
    }
    if (longest === null) continue;
    const d = longest.distanceM ?? 0;
    const byTime = longest.movingS >= o.minMovingS;
    const byDistance = d >= o.minDistanceM && d >= o.minShareOfWeek * weekDistance;
    if (byTime || byDistance) longIds.add(longest.activityId);
  }
  return metrics.map((m) => ({ ...m, long: longIds.has(m.activityId) }));
}

/** Strictly longer: more distance, then more moving time (ties keep the earlier id). */
function longerThan(a: ActivityMetrics, b: ActivityMetrics): boolean {
  const da = a.distanceM ?? 0;
  const db = b.distanceM ?? 0;
  if (da !== db) return da > db;
  return a.movingS > b.movingS;
}
