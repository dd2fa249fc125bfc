/**
 * The athlete's physiology for analysis: what the profile gives, else an estimate from recorded runs,
 * else a documented default — each value says which (`source`) and how (`note`). See docs/analysis.md.
 */
import type { ActivityCategory, AnalysisStreams } from '../domain/activity.ts';
import type { AthleteProfile, Physiology, SourcedValue } from './types.ts';
import { DEFAULT_MAX_SAMPLE_GAP_S, isValidHr } from './zones.ts';

/** The fields of an activity physiology looks at (an `AnalysisActivity` has them all). */
export interface PhysiologyActivity {
  id: string;
  category: ActivityCategory;
  startTime: Date;
  streams: AnalysisStreams | null;
}

export interface PhysiologyHistory {
  /**
   * Recent activities with their streams, any order. Max HR uses the most recent runs among them;
   * threshold pace uses every run passed (pass e.g. the last 90 days).
   */
  activities: readonly PhysiologyActivity[];
}

export interface PhysiologyOptions {
  /** Percentile of HR samples taken as max HR. */
  maxHrPercentile: number;
  /** How many of the most recent runs with heart rate feed the max-HR percentile. */
  maxHrRuns: number;
  /** Minimum data for a max-HR estimate: HR samples and runs. */
  minHrSamples: number;
  minHrRuns: number;
  /** Age-free population default for max HR, bpm. */
  defaultMaxHr: number;
  /** Default resting HR, bpm. */
  defaultRestingHr: number;
  /** LTHR estimated as this fraction of max HR. */
  lthrFractionOfMax: number;
  /** Threshold pace: length of the best sustained window, seconds. */
  thresholdWindowS: number;
  /** A window counts as a threshold effort only when its mean HR is at least this fraction of LTHR… */
  thresholdMinHrFraction: number;
  /** …and heart rate covers at least this fraction of its time. */
  thresholdMinHrCoverage: number;
  /** Windows faster than this (m/s) are GPS errors or not running. */
  maxPlausibleSpeedMps: number;
  maxSampleGapS: number;
}

export const DEFAULT_PHYSIOLOGY_OPTIONS: Readonly<PhysiologyOptions> = Object.freeze({
  maxHrPercentile: 99.5,
  maxHrRuns: 20,
  minHrSamples: 3600,
  minHrRuns: 3,
  defaultMaxHr: 185,
  defaultRestingHr: 60,
  lthrFractionOfMax: 0.9,
  thresholdWindowS: 30 * 60,
  thresholdMinHrFraction: 0.95,
  thresholdMinHrCoverage: 0.8,
  maxPlausibleSpeedMps: 6.5,
  maxSampleGapS: DEFAULT_MAX_SAMPLE_GAP_S,
});

/** Ranges a given value must fall in to be used; outside them it is ignored as a typo. */
const PLAUSIBLE = {
  maxHr: [100, 240],
  restingHr: [25, 110],
  lthr: [80, 235],
  thresholdSpeedMps: [1, 7],
} as const;

/** Max HR must exceed resting HR by at least this much for zones and TRIMP to make sense. */
const MIN_HR_RESERVE = 20;

export function resolvePhysiology(
  profile: AthleteProfile,
  history: PhysiologyHistory,
  options: Partial<PhysiologyOptions> = {},
): Physiology {
  const o: PhysiologyOptions = { ...DEFAULT_PHYSIOLOGY_OPTIONS, ...options };

  const maxHr = givenValue('maxHr', profile.maxHr) ?? estimateMaxHr(history.activities, o) ?? {
    value: o.defaultMaxHr,
    source: 'default',
    note:
      `default ${o.defaultMaxHr} bpm: not enough heart-rate data ` +
      `(need ${o.minHrSamples} samples from ${o.minHrRuns} runs)`,
  };

  let restingHr: SourcedValue = givenValue('restingHr', profile.restingHr) ?? {
    value: o.defaultRestingHr,
    source: 'default',
    note: `default ${o.defaultRestingHr} bpm`,
  };
  if (maxHr.value - restingHr.value < MIN_HR_RESERVE) {
    restingHr = {
      value: Math.min(o.defaultRestingHr, maxHr.value - MIN_HR_RESERVE),
      source: 'default',
      note: `resting HR ${restingHr.value} bpm ignored: too close to max HR ${maxHr.value} bpm`,
    };
  }

  const lthr = givenValue('lthr', profile.lthr) ?? {
    value: Math.round(o.lthrFractionOfMax * maxHr.value),
    source: maxHr.source === 'default' ? 'default' : 'estimated',
    note: `${Math.round(o.lthrFractionOfMax * 100)}% of max HR (${maxHr.value} bpm, ${maxHr.source})`,
  };

  const thresholdSpeedMps =
    givenValue('thresholdSpeedMps', profile.thresholdSpeedMps) ??
    estimateThresholdSpeed(history.activities, lthr.value, o);

  return { sex: profile.sex, maxHr, restingHr, lthr, thresholdSpeedMps };
}

function givenValue(key: keyof typeof PLAUSIBLE, value: number | null): SourcedValue | null {
  if (value === null) return null;
  const [lo, hi] = PLAUSIBLE[key];
  if (!Number.isFinite(value) || value < lo || value > hi) return null;
  return { value, source: 'given' };
}

/** Linear interpolation between closest ranks (Excel PERCENTILE.INC, R type 7). `sorted` ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  return percentileAt(sorted.length, (i) => sorted[i], p);
}

/** `percentile` of n ascending values, the i-th (0-based) given by `at` (undefined outside 0…n−1). */
function percentileAt(n: number, at: (i: number) => number | undefined, p: number): number {
  if (n === 0) throw new RangeError('percentile of no values');
  const h = (n - 1) * (p / 100);
  const lo = Math.floor(h);
  const a = at(lo) ?? 0;
  const b = at(Math.min(lo + 1, n - 1)) ?? a;
  return a + (h - lo) * (b - a);
}

function byRecency(a: PhysiologyActivity, b: PhysiologyActivity): number {
  const d = b.startTime.getTime() - a.startTime.getTime();
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whole-bpm heart rates up to this are counted in a histogram by `estimateMaxHr` (valid ones are ≤ 250). */
const HR_HISTOGRAM_SIZE = 256;

/**
 * Max HR as a high percentile of the HR samples of the most recent runs; null without enough data.
 * Heart rates are whole bpm, so the samples are counted in a histogram instead of sorted (the same
 * percentile exactly); a non-integer sample falls back to sorting.
 */
export function estimateMaxHr(
  activities: readonly PhysiologyActivity[],
  options: Partial<PhysiologyOptions> = {},
): SourcedValue | null {
  const o: PhysiologyOptions = { ...DEFAULT_PHYSIOLOGY_OPTIONS, ...options };
  const runs = activities
    .filter((a) => a.category === 'run' && a.streams !== null && a.streams.heartRate.some(isValidHr))
    .sort(byRecency)
    .slice(0, o.maxHrRuns);
  const counts = new Uint32Array(HR_HISTOGRAM_SIZE);
  let n = 0;
  let wholeBpm = true;
  for (const run of runs) {
    const hrs = run.streams?.heartRate ?? [];
    for (let i = 0; i < hrs.length; i++) {
      const hr = hrs[i];
      if (!isValidHr(hr)) continue;
      n++;
      if (Math.floor(hr) === hr && hr < HR_HISTOGRAM_SIZE) counts[hr]!++;
      else wholeBpm = false;
    }
  }
  if (runs.length < o.minHrRuns || n < o.minHrSamples) return null;
  let pct: number;
  if (wholeBpm) {
    pct = percentileAt(n, (i) => histogramRank(counts, n, i), o.maxHrPercentile);
  } else {
    const samples: number[] = [];
    for (const run of runs) for (const hr of run.streams?.heartRate ?? []) if (isValidHr(hr)) samples.push(hr);
    samples.sort((a, b) => a - b);
    pct = percentile(samples, o.maxHrPercentile);
  }
  const value = Math.round(pct);
  return {
    value,
    source: 'estimated',
    note: `${o.maxHrPercentile}th percentile of ${n} HR samples from the last ${runs.length} runs`,
  };
}

/** The i-th (0-based) smallest of the n values counted in `counts` (index = value), as `sorted[i]` would be. */
function histogramRank(counts: Uint32Array, n: number, i: number): number | undefined {
  if (!(Number.isInteger(i) && i >= 0 && i < n)) return undefined;
  let seen = 0;
  for (let v = 0; v < counts.length; v++) {
    seen += counts[v]!;
    if (i < seen) return v;
  }
  return undefined;
}

/**
 * Threshold speed: the fastest `thresholdWindowS` (30 min) stretch of any run whose mean heart rate
 * shows a threshold effort (≥ 95 % of LTHR, HR over ≥ 80 % of the stretch). Friel's field test takes
 * the pace of a 30-minute solo time trial as threshold pace; a stretch at ≥ 95 % LTHR is that effort.
 * Null when no run holds such a stretch (easy running alone says nothing about threshold).
 */
export function estimateThresholdSpeed(
  activities: readonly PhysiologyActivity[],
  lthr: number,
  options: Partial<PhysiologyOptions> = {},
): SourcedValue | null {
  const o: PhysiologyOptions = { ...DEFAULT_PHYSIOLOGY_OPTIONS, ...options };
  let best: { speed: number; activity: PhysiologyActivity } | null = null;
  for (const a of activities) {
    if (a.category !== 'run' || a.streams === null) continue;
    const speed = bestThresholdWindowSpeed(a.streams, lthr, o);
    if (speed === null) continue;
    if (best === null || speed > best.speed || (speed === best.speed && byRecency(a, best.activity) < 0)) {
      best = { speed, activity: a };
    }
  }
  if (best === null) return null;
  return {
    value: best.speed,
    source: 'estimated',
    note:
      `best ${Math.round(o.thresholdWindowS / 60)}-min stretch at ` +
      `≥ ${Math.round(o.thresholdMinHrFraction * 100)}% LTHR: ` +
      `${formatPace(best.speed)} on ${best.activity.startTime.toISOString().slice(0, 10)}`,
  };
}

function bestThresholdWindowSpeed(streams: AnalysisStreams, lthr: number, o: PhysiologyOptions): number | null {
  const { t, distanceM, heartRate } = streams;
  const n = t.length;
  const maxGapS = o.maxSampleGapS;
  // Prefix sums over samples: seconds with HR and HR × seconds, so a window's mean HR is O(1). A
  // sample's seconds are as `sampleDurations`: the gap to the next sample clamped to [0, maxGapS].
  const hrTime = new Float64Array(n + 1);
  const hrSum = new Float64Array(n + 1);
  // Samples with a distance, in order.
  const idx = new Uint32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    let d = 0;
    if (i + 1 < n) {
      const gap = (t[i + 1] ?? 0) - (t[i] ?? 0);
      d = Number.isFinite(gap) ? Math.min(Math.max(gap, 0), maxGapS) : 0;
    }
    const hr = heartRate[i];
    const valid = isValidHr(hr);
    hrTime[i + 1] = hrTime[i]! + (valid ? d : 0);
    hrSum[i + 1] = hrSum[i]! + (valid ? hr * d : 0);
    const dist = distanceM[i];
    if (typeof dist === 'number' && Number.isFinite(dist)) idx[count++] = i;
  }
  let best: number | null = null;
  let j = 0;
  for (let s = 0; s < count; s++) {
    const a = idx[s]!;
    const ta = t[a] ?? 0;
    if (j <= s) j = s + 1;
    while (j < count && (t[idx[j]!] ?? 0) - ta < o.thresholdWindowS) j++;
    if (j >= count) break;
    const b = idx[j]!;
    const span = (t[b] ?? 0) - ta;
    const speed = ((distanceM[b] ?? 0) - (distanceM[a] ?? 0)) / span;
    if (!(speed > 0) || speed > o.maxPlausibleSpeedMps) continue;
    const withHr = hrTime[b]! - hrTime[a]!;
    if (withHr < o.thresholdMinHrCoverage * span) continue;
    const meanHr = (hrSum[b]! - hrSum[a]!) / withHr;
    if (meanHr < o.thresholdMinHrFraction * lthr) continue;
    if (best === null || speed > best) best = speed;
  }
  return best;
}

/** `4:05/km` */
export function formatPace(speedMps: number): string {
  const sPerKm = Math.round(1000 / speedMps);
  return `${Math.floor(sPerKm / 60)}:${String(sPerKm % 60).padStart(2, '0')}/km`;
}
