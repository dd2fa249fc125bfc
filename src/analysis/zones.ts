/**
 * Heart-rate zones and the time-weighting of samples that zones, TRIMP and moving time share.
 *
 * Sample time: a sample lasts until the next one, capped at `maxGapS` (default 10 s), so a pause in
 * recording (auto-pause, lost signal) adds at most 10 s; the last sample lasts 0 s. Formulas and
 * sources: docs/analysis.md.
 */
import type { AnalysisStreams } from '../domain/activity.ts';
import type { Physiology, ZoneModel } from './types.ts';

/** Longest time one sample may stand for, seconds. */
export const DEFAULT_MAX_SAMPLE_GAP_S = 10;

/** Heart rates outside this range (bpm) are sensor noise or drop-outs (0) and count as missing. */
export const MIN_VALID_HR = 30;
export const MAX_VALID_HR = 250;

/**
 * Lower bounds of zones 2–5 as fractions of LTHR: Friel's running zones (Z1 < 85 %, Z2 85–89 %,
 * Z3 90–94 %, Z4 95–99 %, Z5a–c ≥ 100 % of LTHR), with Z5a–c merged into zone 5.
 */
export const FRIEL_RUN_ZONE_FRACTIONS = [0.85, 0.9, 0.95, 1.0] as const;

/** Lower bounds of zones 2–5 as fractions of heart-rate reserve (Karvonen): 60, 70, 80, 90 % HRR. */
export const KARVONEN_ZONE_FRACTIONS = [0.6, 0.7, 0.8, 0.9] as const;

export type ZoneFractions = readonly [number, number, number, number];

/** Zone boundaries in bpm: `lowerBpm[i]` is the lowest heart rate of zone i + 2. */
export interface ZoneBounds {
  model: ZoneModel;
  lowerBpm: readonly [number, number, number, number];
}

export type ZoneTimes = [number, number, number, number, number];

/**
 * A stretch of an activity with one heart rate and speed: one sample of a stream (its duration is the
 * capped gap to the next sample) or, without streams, a lap or the whole activity.
 */
export interface Segment {
  durationS: number;
  /** Valid heart rate in bpm, or null. */
  hr: number | null;
  /** Speed in m/s, or null when unknown. */
  speedMps: number | null;
}

export function isValidHr(hr: number | null | undefined): hr is number {
  return typeof hr === 'number' && Number.isFinite(hr) && hr >= MIN_VALID_HR && hr <= MAX_VALID_HR;
}

/** Zone boundaries of a model for an athlete. */
export function zoneBounds(model: ZoneModel, physiology: Physiology): ZoneBounds {
  switch (model) {
    case 'friel_lthr':
      return lthrZoneBounds(physiology.lthr.value);
    case 'karvonen_hrr':
      return hrrZoneBounds(physiology.maxHr.value, physiology.restingHr.value);
  }
}

export function lthrZoneBounds(lthr: number, fractions: ZoneFractions = FRIEL_RUN_ZONE_FRACTIONS): ZoneBounds {
  const [a, b, c, d] = fractions;
  return { model: 'friel_lthr', lowerBpm: [a * lthr, b * lthr, c * lthr, d * lthr] };
}

/** Karvonen: zone bound = resting + fraction × (max − resting). */
export function hrrZoneBounds(
  maxHr: number,
  restingHr: number,
  fractions: ZoneFractions = KARVONEN_ZONE_FRACTIONS,
): ZoneBounds {
  if (!(maxHr > restingHr)) throw new RangeError(`max HR (${maxHr}) must exceed resting HR (${restingHr})`);
  const reserve = maxHr - restingHr;
  const [a, b, c, d] = fractions.map((f) => restingHr + f * reserve) as [number, number, number, number];
  return { model: 'karvonen_hrr', lowerBpm: [a, b, c, d] };
}

/** Zone 1..5 of a heart rate: a heart rate on a boundary belongs to the zone above it. */
export function zoneOf(hr: number, bounds: ZoneBounds): 1 | 2 | 3 | 4 | 5 {
  const [z2, z3, z4, z5] = bounds.lowerBpm;
  if (hr >= z5) return 5;
  if (hr >= z4) return 4;
  if (hr >= z3) return 3;
  if (hr >= z2) return 2;
  return 1;
}

/** Duration of each sample: the gap to the next sample, clamped to [0, maxGapS]; the last lasts 0 s. */
export function sampleDurations(t: readonly number[], maxGapS: number = DEFAULT_MAX_SAMPLE_GAP_S): number[] {
  const out = new Array<number>(t.length).fill(0);
  for (let i = 0; i + 1 < t.length; i++) {
    const gap = (t[i + 1] ?? 0) - (t[i] ?? 0);
    out[i] = Number.isFinite(gap) ? Math.min(Math.max(gap, 0), maxGapS) : 0;
  }
  return out;
}

/**
 * Speed over each sample: the speed channel when recorded, else the distance gained to the next sample
 * over the time to it, else null.
 */
export function sampleSpeeds(streams: AnalysisStreams): (number | null)[] {
  const { t, distanceM, speedMps } = streams;
  return t.map((ti, i) => {
    const v = speedMps[i];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
    const d0 = distanceM[i];
    const d1 = distanceM[i + 1];
    const t1 = t[i + 1];
    if (typeof d0 === 'number' && typeof d1 === 'number' && typeof t1 === 'number' && t1 > ti) {
      return Math.max(d1 - d0, 0) / (t1 - ti);
    }
    return null;
  });
}

/** One segment per sample (see the module comment for the durations). */
export function segmentsFromStreams(
  streams: AnalysisStreams,
  maxGapS: number = DEFAULT_MAX_SAMPLE_GAP_S,
): Segment[] {
  const durations = sampleDurations(streams.t, maxGapS);
  const speeds = sampleSpeeds(streams);
  return durations.map((durationS, i) => {
    const hr = streams.heartRate[i];
    return { durationS, hr: isValidHr(hr) ? hr : null, speedMps: speeds[i] ?? null };
  });
}

/** Seconds of segments with a valid heart rate. */
export function timeWithHr(segments: readonly Segment[]): number {
  let s = 0;
  for (const seg of segments) if (seg.hr !== null) s += seg.durationS;
  return s;
}

/** Seconds in zones 1..5 (index 0 = zone 1); only segments with a heart rate count. */
export function timeInZones(segments: readonly Segment[], bounds: ZoneBounds): ZoneTimes {
  const out: ZoneTimes = [0, 0, 0, 0, 0];
  for (const seg of segments) {
    if (seg.hr === null || seg.durationS <= 0) continue;
    const i = zoneOf(seg.hr, bounds) - 1;
    out[i] = (out[i] ?? 0) + seg.durationS;
  }
  return out;
}

/** `timeInZones` straight from streams. */
export function timeInZonesOfStreams(
  streams: AnalysisStreams,
  bounds: ZoneBounds,
  maxGapS: number = DEFAULT_MAX_SAMPLE_GAP_S,
): ZoneTimes {
  return timeInZones(segmentsFromStreams(streams, maxGapS), bounds);
}
