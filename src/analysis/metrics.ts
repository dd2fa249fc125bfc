/**
 * Per-activity metrics: moving time, distance, pace, time in HR zones, TRIMP, load, interval
 * structure, intensity class, and (per week) the long run. From streams when the activity has them,
 * from its summary (totals, laps) otherwise. Every threshold is in `DEFAULT_METRICS_OPTIONS` /
 * `DEFAULT_LONG_RUN_OPTIONS` and documented in docs/analysis.md.
 */
import type { Lap, AnalysisStreams } from '../domain/activity.ts';
import { isoWeekOf } from '../domain/iso-week.ts';
import {
  DEFAULT_TRIMP_CONSTANTS,
  trimpCoefficients,
  trimpPerMinute,
  trimpOfSegments,
  trimpTable,
  type TrimpConstants,
  type TrimpTable,
} from './trimp.ts';
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
  type ZoneBounds,
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
  const rates = { maxHr: physiology.maxHr.value, restingHr: physiology.restingHr.value };
  const k = trimpCoefficients(physiology.sex, o.trimpConstants);
  const threshold = physiology.thresholdSpeedMps?.value ?? null;
  const paceThresholdKnown = threshold !== null && threshold > 0;

  // One pass over the samples (see `streamTotals`). Zones and TRIMP need max HR above resting HR;
  // without that the pass leaves them out, and the reference code below throws as it always did.
  const streams = activity.streams;
  const reserveOk = rates.maxHr > rates.restingHr;
  const totals =
    streams !== null && streams.t.length >= 2
      ? streamTotals(streams, {
          maxGapS: o.maxSampleGapS,
          stoppedSpeedMps: o.stoppedSpeedMps,
          bounds: reserveOk ? zoneBounds(o.zoneModel, physiology) : null,
          trimp: reserveOk ? trimpTable(rates, k) : null,
          paceZone3Mps: paceThresholdKnown ? threshold / o.zone3PaceFactor : Infinity,
          paceZone4Mps: paceThresholdKnown ? threshold / o.zone4PaceFactor : Infinity,
        })
      : null;
  const basis = totals === null ? 'summary' : 'streams';

  const streamMovingS = totals === null ? 0 : totals.movingS;
  const movingS = streamMovingS > 0 ? streamMovingS : (activity.movingS ?? activity.elapsedS);
  const distanceM = (streams !== null ? streamDistance(streams, totals?.movingDistanceM ?? 0) : null) ?? activity.distanceM;

  // Heart rate: the samples when they carry any, else the laps' or the activity's average HR.
  let timeInZonesS: ZoneTimes | null;
  let trimp: number | null;
  if (streams !== null && totals !== null && totals.timeWithHrS > 0) {
    if (totals.timeInZonesS !== null && totals.trimp !== null) {
      timeInZonesS = totals.timeInZonesS;
      trimp = totals.trimp;
    } else {
      // Max HR not above resting HR: zones or TRIMP throw a RangeError, exactly as from segments.
      const segs = segmentsFromStreams(streams, o.maxSampleGapS);
      timeInZonesS = timeInZones(segs, zoneBounds(o.zoneModel, physiology));
      trimp = trimpOfSegments(segs, rates, k);
    }
  } else {
    const hrSegs = summaryHrSegments(activity, movingS);
    const hasHr = timeWithHr(hrSegs) > 0;
    timeInZonesS = hasHr ? timeInZones(hrSegs, zoneBounds(o.zoneModel, physiology)) : null;
    trimp = hasHr ? trimpOfSegments(hrSegs, rates, k) : null;
  }

  const intervals = detectIntervals(activity.laps, o.intervals);

  let intensity: IntensityClass | null = null;
  let intensityBasis: 'hr' | 'pace' | 'none' | undefined;
  if (isRun) {
    const spread =
      timeInZonesS !== null
        ? hrSpread(timeInZonesS)
        : paceSpread(activity, totals?.pace ?? null, movingS, distanceM, physiology, o);
    intensityBasis = timeInZonesS !== null ? 'hr' : spread !== null ? 'pace' : 'none';
    intensity = intervals ? 'hard' : spread !== null ? classify(spread, o) : 'easy';
  }

  const { load, loadBasis, sessionRpe } = activityLoad(activity, { trimp, intensity, movingS }, physiology, o);

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

export interface StreamTotalsParams {
  maxGapS: number;
  /** Below this speed (m/s) a sample is standing still. */
  stoppedSpeedMps: number;
  /** Zone bounds for `timeInZonesS`; null leaves zones and TRIMP out. */
  bounds: ZoneBounds | null;
  /** TRIMP per minute by heart rate; null leaves zones and TRIMP out. */
  trimp: TrimpTable | null;
  /** A moving sample at least this fast (m/s) counts toward zone-3+ pace… */
  paceZone3Mps: number;
  /** …and at least this fast toward zone-4+ pace. */
  paceZone4Mps: number;
}

/**
 * Everything `activityMetrics` needs from a stream, in one pass over the samples without building
 * `Segment`s. Each field equals its reference computation over `segmentsFromStreams(streams, maxGapS)`
 * — same values, summed in the same order — as the property tests check:
 * - `movingS`: Σ durationS of the moving segments (speed null or ≥ stoppedSpeedMps);
 * - `movingDistanceM`: Σ (speedMps ?? 0) × durationS of the moving segments;
 * - `timeWithHrS`: `timeWithHr`; `timeInZonesS`: `timeInZones`; `trimp`: `trimpOfSegments`;
 * - `pace`: over moving segments with a speed, Σ durationS, and of it at ≥ paceZone3Mps / ≥ paceZone4Mps.
 */
export interface StreamTotals {
  movingS: number;
  movingDistanceM: number;
  timeWithHrS: number;
  /** Null when `bounds` or `trimp` was null. */
  timeInZonesS: ZoneTimes | null;
  trimp: number | null;
  pace: IntensitySpread;
}

export function streamTotals(streams: AnalysisStreams, p: StreamTotalsParams): StreamTotals {
  const { t, distanceM, speedMps, heartRate } = streams;
  const n = t.length;
  const { maxGapS, stoppedSpeedMps, paceZone3Mps, paceZone4Mps } = p;
  const table = p.trimp;
  const bounds = p.bounds?.lowerBpm ?? null;
  const withHr = bounds !== null && table !== null;
  const [b2, b3, b4, b5] = bounds ?? [0, 0, 0, 0];
  let movingS = 0;
  let movingDistanceM = 0;
  let timeWithHrS = 0;
  let trimp = 0;
  let z1 = 0;
  let z2 = 0;
  let z3 = 0;
  let z4 = 0;
  let z5 = 0;
  let paceTotal = 0;
  let pace3 = 0;
  let pace4 = 0;
  for (let i = 0; i < n; i++) {
    const ti = t[i];
    const t1 = t[i + 1];

    // Duration, as `sampleDurations`: the gap to the next sample clamped to [0, maxGapS]; the last 0.
    let d = 0;
    if (i + 1 < n) {
      const gap = (t1 ?? 0) - (ti ?? 0);
      d = Number.isFinite(gap) ? Math.min(Math.max(gap, 0), maxGapS) : 0;
    }

    // Speed, as `sampleSpeeds` (whose `t.map` leaves a hole in `t` without a speed).
    let speed: number | null = null;
    if (ti !== undefined || i in t) {
      const v = speedMps[i];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) {
        speed = v;
      } else if (ti !== undefined) {
        const d0 = distanceM[i];
        const d1 = distanceM[i + 1];
        if (typeof d0 === 'number' && typeof d1 === 'number' && typeof t1 === 'number' && t1 > ti) {
          speed = Math.max(d1 - d0, 0) / (t1 - ti);
        }
      }
    }

    if (speed === null || speed >= stoppedSpeedMps) {
      movingS += d;
      movingDistanceM += (speed ?? 0) * d;
      if (speed !== null) {
        paceTotal += d;
        if (speed >= paceZone3Mps) pace3 += d;
        if (speed >= paceZone4Mps) pace4 += d;
      }
    }

    const hr = heartRate[i];
    if (isValidHr(hr)) {
      timeWithHrS += d;
      if (withHr && !(d <= 0)) {
        // `zoneOf`: a heart rate on a boundary belongs to the zone above.
        if (hr >= b5) z5 += d;
        else if (hr >= b4) z4 += d;
        else if (hr >= b3) z3 += d;
        else if (hr >= b2) z2 += d;
        else z1 += d;
        trimp += (d / 60) * table.perMinute(hr);
      }
    }
  }
  return {
    movingS,
    movingDistanceM,
    timeWithHrS,
    timeInZonesS: withHr ? [z1, z2, z3, z4, z5] : null,
    trimp: withHr ? trimp : null,
    pace: { total: paceTotal, zone3Plus: pace3, zone4Plus: pace4 },
  };
}

/** Cumulative distance channel's last value; else speed × time over moving samples; else null. */
function streamDistance(streams: AnalysisStreams, movingDistanceM: number): number | null {
  for (let i = streams.distanceM.length - 1; i >= 0; i--) {
    const d = streams.distanceM[i];
    if (typeof d === 'number' && Number.isFinite(d)) return d;
  }
  if (!streams.speedMps.some((v) => typeof v === 'number')) return null;
  return movingDistanceM;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
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
 * Time at zone-3+ and zone-4+ pace (Friel pace zones) when threshold speed is known: per moving sample
 * (`streamPace`, from `streamTotals`), else per lap (when every lap has a speed), else the activity's
 * average speed. Null without a threshold speed or any speed.
 */
function paceSpread(
  activity: AnalysisActivity,
  streamPace: IntensitySpread | null,
  movingS: number,
  distanceM: number | null,
  physiology: Physiology,
  o: MetricsOptions,
): IntensitySpread | null {
  const threshold = physiology.thresholdSpeedMps?.value ?? null;
  if (threshold === null || !(threshold > 0)) return null;
  if (streamPace !== null && !(streamPace.total <= 0)) {
    return streamPace.total > 0 ? streamPace : null;
  }
  let segs: { durationS: number; speedMps: number }[];
  const laps = activity.laps;
  const lapSegs = laps.map((l) => ({ durationS: lapDuration(l), speedMps: lapSpeed(l) }));
  if (laps.length > 0 && lapSegs.every((s) => s.speedMps !== null && s.durationS > 0)) {
    segs = lapSegs.map((s) => ({ durationS: s.durationS, speedMps: s.speedMps ?? 0 }));
  } else if (distanceM !== null && distanceM > 0 && movingS > 0) {
    segs = [{ durationS: movingS, speedMps: distanceM / movingS }];
  } else {
    return null;
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

/**
 * Heart rate as a fraction of LTHR that each rating of perceived exertion (Foster's CR-10, index 0–10)
 * stands for: the middle of the Friel zone with that exertion (1–2 very easy / easy → zone 1, 3
 * moderate → zone 2, 4 somewhat hard → zone 3, 5 hard → zone 4, 6–7 → threshold and zone 5a, 8–10 →
 * zones 5b–5c). Ratings between whole numbers are interpolated; 0 is resting heart rate.
 */
export const RPE_LTHR_FRACTION: readonly number[] = Object.freeze([0, 0.75, 0.8, 0.87, 0.92, 0.965, 0.99, 1.015, 1.04, 1.06, 1.08]);

/** The heart rate a session RPE (CR-10) stands for (`RPE_LTHR_FRACTION` of LTHR; resting HR at 0). */
export function rpeHeartRate(rpe: number, physiology: Pick<Physiology, 'lthr' | 'restingHr'>): number {
  const r = Math.min(Math.max(rpe, 0), 10);
  const at = (i: number): number => (i === 0 ? physiology.restingHr.value : (RPE_LTHR_FRACTION[i] ?? 1) * physiology.lthr.value);
  const lo = Math.floor(r);
  const hi = Math.min(lo + 1, 10);
  return at(lo) + (r - lo) * (at(hi) - at(lo));
}

/**
 * Session RPE on Kinetic's one load scale, TRIMP units: `minutes × TRIMP per minute at the heart rate
 * the rating stands for` (`rpeHeartRate`), with the athlete's own resting and max HR and TRIMP
 * constants. A run without heart rate at its default RPE then counts what the same run with heart rate
 * in that zone counts (docs/analysis.md, "One load scale").
 */
export function sessionRpeLoad(rpe: number, minutes: number, physiology: Physiology, o: Pick<MetricsOptions, 'trimpConstants'> = DEFAULT_METRICS_OPTIONS): number {
  const rates = { maxHr: physiology.maxHr.value, restingHr: physiology.restingHr.value };
  // Without a heart-rate reserve there is no TRIMP scale to convert to (resolved physiology never has
  // one): Foster's plain RPE × minutes.
  if (!(rates.maxHr > rates.restingHr)) return rpe * minutes;
  return minutes * trimpPerMinute(rpeHeartRate(rpe, physiology), rates, trimpCoefficients(physiology.sex, o.trimpConstants));
}

/**
 * The activity's training load, on one scale (TRIMP units): TRIMP when it has heart rate, else its
 * session RPE (given, or the default for its kind) converted by `sessionRpeLoad`. Strength always comes
 * from session RPE: heart rate says little about lifting (a 46-minute session at 105 bpm is 23 TRIMP).
 */
export function activityLoad(
  activity: AnalysisActivity,
  computed: { trimp: number | null; intensity: IntensityClass | null; movingS: number },
  physiology: Physiology,
  o: MetricsOptions = DEFAULT_METRICS_OPTIONS,
): { load: number; loadBasis: ActivityMetrics['loadBasis']; sessionRpe?: SourcedValue } {
  if (computed.trimp !== null && activity.category !== 'strength') return { load: computed.trimp, loadBasis: 'trimp' };
  const sessionRpe = resolveRpe(activity, computed.intensity, o);
  return { load: sessionRpeLoad(sessionRpe.value, computed.movingS / 60, physiology, o), loadBasis: 'session_rpe', sessionRpe };
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
