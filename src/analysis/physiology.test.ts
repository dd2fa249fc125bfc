import fc from 'fast-check';
import { outcome } from '../../test/support/analysis.ts';
import { describe, expect, it } from 'vitest';
import type { AnalysisStreams } from '../domain/activity.ts';
import {
  DEFAULT_PHYSIOLOGY_OPTIONS,
  estimateMaxHr,
  estimateThresholdSpeed,
  formatPace,
  percentile,
  resolvePhysiology,
  type PhysiologyActivity,
  type PhysiologyOptions,
} from './physiology.ts';
import type { AthleteProfile, SourcedValue } from './types.ts';
import { isValidHr, sampleDurations } from './zones.ts';

const emptyProfile: AthleteProfile = { sex: null, maxHr: null, restingHr: null, lthr: null, thresholdSpeedMps: null };

/** 1 Hz streams of `n` samples; heart rate and speed given per second. */
type PerSecond = (i: number) => number | null;

function stream(n: number, hr: PerSecond, speed: PerSecond = () => null): AnalysisStreams {
  const t: number[] = [];
  const heartRate: (number | null)[] = [];
  const distanceM: (number | null)[] = [];
  let d = 0;
  for (let i = 0; i < n; i++) {
    t.push(i);
    heartRate.push(hr(i));
    const v = speed(i);
    distanceM.push(v === null ? null : d);
    d += v ?? 0;
  }
  const none = t.map(() => null);
  return { t, heartRate, distanceM, speedMps: none };
}

function run(id: string, day: number, streams: AnalysisStreams | null): PhysiologyActivity {
  return { id, category: 'run', startTime: new Date(Date.UTC(2027, 0, day, 7)), streams };
}

/**
 * 4 runs of 1000 samples; sample i of the 4000 has HR 100 + floor(i / 50), so 50 samples at each of
 * 100…179 bpm; one run also holds a 10-sample spike at 230 bpm.
 */
function fourRuns(): PhysiologyActivity[] {
  return [0, 1, 2, 3].map((r) => {
    const hrs = Array.from({ length: 1000 }, (_, i) => 100 + Math.floor((r * 1000 + i) / 50));
    if (r === 3) hrs.push(...new Array<number>(10).fill(230));
    return run(`r${r}`, 10 + r, stream(hrs.length, (i) => hrs[i] ?? null));
  });
}

describe('percentile', () => {
  it('interpolates between closest ranks', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // h = (10 − 1) · 0.995 = 8.955 → xs[8] + 0.955 · (xs[9] − xs[8]) = 9 + 0.955 = 9.955
    expect(percentile(xs, 99.5)).toBeCloseTo(9.955, 12);
    expect(percentile(xs, 50)).toBe(5.5);
    expect(percentile(xs, 100)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});

describe('max HR', () => {
  it('is the 99.5th percentile of HR samples, never a single spike', () => {
    // 4010 samples, sorted: 50 each of 100…179, then 10 × 230.
    // h = 4009 · 0.995 = 3988.955 → samples 3988 and 3989, both in the 179 block (indices 3950–3999) → 179.
    const est = estimateMaxHr(fourRuns());
    expect(est).toMatchObject({ value: 179, source: 'estimated' });
    expect(est?.note).toContain('4010 HR samples');
  });

  it('needs enough data: minimum samples and runs, else the default', () => {
    const runs = fourRuns();
    expect(estimateMaxHr(runs.slice(0, 2))).toBeNull(); // 2 runs < 3
    expect(estimateMaxHr(runs, { minHrSamples: 5000 })).toBeNull();
    const p = resolvePhysiology(emptyProfile, { activities: runs.slice(0, 2) });
    expect(p.maxHr).toMatchObject({ value: 185, source: 'default' });
  });

  it('uses only the most recent runs', () => {
    const runs = fourRuns();
    // The 3 most recent (r1–r3): 50 each of 120…179 plus the spike, 3010 values;
    // h = 3009 · 0.995 = 2993.955 → indices 2993 and 2994 → 120 + floor(2993 / 50) = 179.
    // (3 runs hold about 3000 samples: the minimum is lowered to 3000 for this example.)
    expect(estimateMaxHr(runs, { maxHrRuns: 3, minHrSamples: 3000 })?.value).toBe(179);
    // r0–r2: 3000 values 100…159, h = 2999 · 0.995 = 2984.005 → index 2984 → 100 + floor(2984 / 50) = 159.
    expect(estimateMaxHr(runs.slice(0, 3), { minHrSamples: 3000 })?.value).toBe(159);
  });

  it('ignores strength sessions and other sports', () => {
    const runs = fourRuns().map((r) => ({ ...r, category: 'strength' as const }));
    expect(estimateMaxHr(runs)).toBeNull();
  });
});

describe('resolvePhysiology', () => {
  it('uses what the athlete gave', () => {
    const p = resolvePhysiology(
      { sex: 'f', maxHr: 192, restingHr: 48, lthr: 171, thresholdSpeedMps: 4.2 },
      { activities: fourRuns() },
    );
    expect(p).toEqual({
      sex: 'f',
      maxHr: { value: 192, source: 'given' },
      restingHr: { value: 48, source: 'given' },
      lthr: { value: 171, source: 'given' },
      thresholdSpeedMps: { value: 4.2, source: 'given' },
    });
  });

  it('falls back to documented defaults without data', () => {
    const p = resolvePhysiology(emptyProfile, { activities: [] });
    expect(p.maxHr).toMatchObject({ value: 185, source: 'default' });
    expect(p.restingHr).toMatchObject({ value: 60, source: 'default' });
    // LTHR = 0.90 · 185 = 166.5 → 167 (rounded); default because max HR is.
    expect(p.lthr).toMatchObject({ value: 167, source: 'default' });
    expect(p.thresholdSpeedMps).toBeNull();
  });

  it('estimates LTHR as 90 % of an estimated max HR', () => {
    const p = resolvePhysiology(emptyProfile, { activities: fourRuns() });
    // 0.90 · 179 = 161.1 → 161
    expect(p.lthr).toMatchObject({ value: 161, source: 'estimated' });
  });

  it('ignores implausible given values, and a resting HR too close to max', () => {
    const p = resolvePhysiology({ ...emptyProfile, maxHr: 1900, restingHr: 500, lthr: 12 }, { activities: [] });
    expect(p.maxHr.source).toBe('default');
    expect(p.restingHr.source).toBe('default');
    expect(p.lthr.source).toBe('default');
    const q = resolvePhysiology({ ...emptyProfile, maxHr: 120, restingHr: 105 }, { activities: [] });
    expect(q.restingHr).toMatchObject({ value: 60, source: 'default' });
  });

  it('property: the result does not depend on the order of the history', () => {
    const runs = fourRuns();
    fc.assert(
      fc.property(fc.shuffledSubarray(runs, { minLength: runs.length }), (shuffled) => {
        expect(resolvePhysiology(emptyProfile, { activities: shuffled })).toEqual(
          resolvePhysiology(emptyProfile, { activities: runs }),
        );
      }),
      { numRuns: 20 },
    );
  });
});

describe('threshold pace', () => {
  const lthr = 165; // a threshold effort needs a mean HR ≥ 0.95 · 165 = 156.75 bpm

  it('is the fastest 30-min stretch at threshold heart rate', () => {
    // 10 min at 3 m/s (HR 140), then 35 min at 4 m/s (HR 160): the best 30-min stretch is 4 m/s = 4:10/km.
    const tempo = stream(
      2700,
      (i) => (i < 600 ? 140 : 160),
      (i) => (i < 600 ? 3 : 4),
    );
    // Faster, but at 130 bpm: no evidence it was a threshold effort (or a GPS error) — ignored.
    const easy = stream(
      2400,
      () => 130,
      () => 4.5,
    );
    const est = estimateThresholdSpeed([run('a', 3, tempo), run('b', 4, easy)], lthr);
    expect(est?.value).toBeCloseTo(4, 9);
    expect(est?.source).toBe('estimated');
    expect(est?.note).toContain('4:10/km');
    expect(formatPace(4)).toBe('4:10/km');
  });

  it('is null with no 30-min stretch at threshold heart rate, or without heart rate', () => {
    const short = stream(
      1500,
      () => 165,
      () => 4,
    );
    const noHr = stream(
      2400,
      () => null,
      () => 4,
    );
    expect(estimateThresholdSpeed([run('a', 3, short), run('b', 4, noHr)], lthr)).toBeNull();
  });

  it('ignores implausible speeds (GPS errors, not running)', () => {
    const car = stream(
      2400,
      () => 170,
      () => 12,
    );
    expect(estimateThresholdSpeed([run('a', 3, car)], lthr)).toBeNull();
  });

  it('resolvePhysiology fills it in from the history', () => {
    const tempo = stream(
      2400,
      () => 170,
      () => 4,
    );
    const p = resolvePhysiology({ ...emptyProfile, lthr }, { activities: [run('a', 3, tempo)] });
    expect(p.thresholdSpeedMps?.value).toBeCloseTo(4, 9);
  });
});

// ---------------------------------------------------------------------------------------------
// The histogram max HR and typed-array threshold window against the implementations they replaced.

/** Runs of random HR samples: whole bpm with drop-outs and noise, optionally a few fractional ones. */
const hrRunsArb = (fractional: boolean) =>
  fc.array(
    fc.record({
      day: fc.integer({ min: 1, max: 28 }),
      category: fc.constantFrom('run' as const, 'run' as const, 'strength' as const),
      hrs: fc.array(
        fractional
          ? fc.oneof(fc.integer({ min: 0, max: 260 }), fc.double({ min: 25, max: 255, noNaN: true }), fc.constant(null))
          : fc.oneof(
              fc.integer({ min: 145, max: 155 }),
              fc.integer({ min: 90, max: 200 }),
              fc.integer({ min: 0, max: 260 }),
              fc.constant(null),
            ),
        { maxLength: 300, size: 'large' },
      ),
      noStreams: fc.boolean(),
    }),
    { maxLength: 8 },
  );

function toRuns(xs: { day: number; category: 'run' | 'strength'; hrs: (number | null)[]; noStreams: boolean }[]): PhysiologyActivity[] {
  return xs.map((x, i) => ({
    id: `r${i}`,
    category: x.category,
    startTime: new Date(Date.UTC(2027, 0, x.day, 7)),
    streams: x.noStreams ? null : stream(x.hrs.length, (j) => x.hrs[j] ?? null),
  }));
}

const maxHrOptionsArb: fc.Arbitrary<Partial<PhysiologyOptions>> = fc.record(
  {
    maxHrPercentile: fc.oneof(
      fc.constantFrom(0, 50, 99.5, 100),
      fc.integer({ min: 0, max: 1000 }).map((x) => x / 10),
      fc.double({ min: 0, max: 100, noNaN: true }),
    ),
    maxHrRuns: fc.integer({ min: 1, max: 6 }),
    minHrSamples: fc.integer({ min: 0, max: 50 }),
    minHrRuns: fc.integer({ min: 0, max: 2 }),
  },
  { requiredKeys: [] },
);


describe('max HR from a histogram', () => {
  it('property: identical to sorting every sample (whole-bpm samples)', () => {
    fc.assert(
      fc.property(hrRunsArb(false), maxHrOptionsArb, (xs, options) => {
        const runs = toRuns(xs);
        expect(outcome(() => estimateMaxHr(runs, options))).toEqual(outcome(() => referenceEstimateMaxHr(runs, options)));
      }),
      { numRuns: 300 },
    );
  });

  it('property: identical with fractional samples too (they fall back to sorting)', () => {
    fc.assert(
      fc.property(hrRunsArb(true), maxHrOptionsArb, (xs, options) => {
        const runs = toRuns(xs);
        expect(outcome(() => estimateMaxHr(runs, options))).toEqual(outcome(() => referenceEstimateMaxHr(runs, options)));
      }),
      { numRuns: 200 },
    );
  });

  it('no samples at all with no minimum: the same RangeError as percentile of nothing', () => {
    expect(() => estimateMaxHr([], { minHrSamples: 0, minHrRuns: 0 })).toThrow('percentile of no values');
  });

  it('identical on the hand-computed example and for percentiles outside 0…100', () => {
    const runs = fourRuns();
    for (const maxHrPercentile of [99.5, 0, 100, 50, 37.3, 150, -20, Number.NaN]) {
      expect(estimateMaxHr(runs, { maxHrPercentile })).toEqual(referenceEstimateMaxHr(runs, { maxHrPercentile }));
    }
  });
});

describe('threshold pace with typed arrays', () => {
  it('property: identical to the number[] implementation', () => {
    // Mostly 1 Hz running at threshold heart rate, so that many windows qualify and the best one counts.
    const sample = fc.record({
      gap: fc.oneof(fc.constant(1), fc.constant(1), fc.integer({ min: 0, max: 40 })),
      hr: fc.oneof(fc.integer({ min: 150, max: 190 }), fc.constant(null), fc.integer({ min: 0, max: 260 })),
      step: fc.oneof(
        fc.double({ min: 2, max: 6, noNaN: true }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        fc.constant(null),
        fc.constant(Number.NaN),
      ),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(sample, { maxLength: 400, size: 'large' }), { maxLength: 4 }),
        fc.integer({ min: 140, max: 170 }),
        fc.record(
          {
            thresholdWindowS: fc.integer({ min: 1, max: 120 }),
            maxSampleGapS: fc.integer({ min: 0, max: 20 }),
            thresholdMinHrCoverage: fc.double({ min: 0, max: 1, noNaN: true }),
            maxPlausibleSpeedMps: fc.double({ min: 1, max: 30, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        (activities, lthr, options) => {
          const runs = activities.map((xs, i): PhysiologyActivity => {
            let now = 0;
            let d = 0;
            const none = xs.map(() => null);
            return {
              id: `r${i}`,
              category: 'run',
              startTime: new Date(Date.UTC(2027, 0, 1 + i, 7)),
              streams: {
                t: xs.map((x) => (now += x.gap)),
                heartRate: xs.map((x) => x.hr),
                distanceM: xs.map((x) => (x.step === null ? null : (d += x.step))),
                speedMps: none,
              },
            };
          });
          expect(estimateThresholdSpeed(runs, lthr, options)).toEqual(referenceEstimateThresholdSpeed(runs, lthr, options));
        },
      ),
      { numRuns: 300 },
    );
  });
});

function byRecency(a: PhysiologyActivity, b: PhysiologyActivity): number {
  const d = b.startTime.getTime() - a.startTime.getTime();
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function referenceEstimateMaxHr(
  activities: readonly PhysiologyActivity[],
  options: Partial<PhysiologyOptions> = {},
): SourcedValue | null {
  const o: PhysiologyOptions = { ...DEFAULT_PHYSIOLOGY_OPTIONS, ...options };
  const runs = activities
    .filter((a) => a.category === 'run' && a.streams !== null && a.streams.heartRate.some(isValidHr))
    .sort(byRecency)
    .slice(0, o.maxHrRuns);
  const samples: number[] = [];
  for (const run of runs) for (const hr of run.streams?.heartRate ?? []) if (isValidHr(hr)) samples.push(hr);
  if (runs.length < o.minHrRuns || samples.length < o.minHrSamples) return null;
  samples.sort((a, b) => a - b);
  const value = Math.round(percentile(samples, o.maxHrPercentile));
  return {
    value,
    source: 'estimated',
    note: `${o.maxHrPercentile}th percentile of ${samples.length} HR samples from the last ${runs.length} runs`,
  };
}

function referenceEstimateThresholdSpeed(
  activities: readonly PhysiologyActivity[],
  lthr: number,
  options: Partial<PhysiologyOptions> = {},
): SourcedValue | null {
  const o: PhysiologyOptions = { ...DEFAULT_PHYSIOLOGY_OPTIONS, ...options };
  let best: { speed: number; activity: PhysiologyActivity } | null = null;
  for (const a of activities) {
    if (a.category !== 'run' || a.streams === null) continue;
    const speed = referenceBestWindowSpeed(a.streams, lthr, o);
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

function referenceBestWindowSpeed(streams: AnalysisStreams, lthr: number, o: PhysiologyOptions): number | null {
  const { t, distanceM, heartRate } = streams;
  const durations = sampleDurations(t, o.maxSampleGapS);
  // Prefix sums over samples: seconds with HR and HR × seconds, so a window's mean HR is O(1).
  const hrTime = [0];
  const hrSum = [0];
  for (let i = 0; i < t.length; i++) {
    const hr = heartRate[i];
    const d = durations[i] ?? 0;
    const valid = isValidHr(hr);
    hrTime.push((hrTime[i] ?? 0) + (valid ? d : 0));
    hrSum.push((hrSum[i] ?? 0) + (valid ? hr * d : 0));
  }
  const idx: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const d = distanceM[i];
    if (typeof d === 'number' && Number.isFinite(d)) idx.push(i);
  }
  let best: number | null = null;
  let j = 0;
  for (let s = 0; s < idx.length; s++) {
    const a = idx[s] ?? 0;
    const ta = t[a] ?? 0;
    if (j <= s) j = s + 1;
    while (j < idx.length && (t[idx[j] ?? 0] ?? 0) - ta < o.thresholdWindowS) j++;
    if (j >= idx.length) break;
    const b = idx[j] ?? 0;
    const span = (t[b] ?? 0) - ta;
    const speed = ((distanceM[b] ?? 0) - (distanceM[a] ?? 0)) / span;
    if (!(speed > 0) || speed > o.maxPlausibleSpeedMps) continue;
    const withHr = (hrTime[b] ?? 0) - (hrTime[a] ?? 0);
    if (withHr < o.thresholdMinHrCoverage * span) continue;
    const meanHr = ((hrSum[b] ?? 0) - (hrSum[a] ?? 0)) / withHr;
    if (meanHr < o.thresholdMinHrFraction * lthr) continue;
    if (best === null || speed > best) best = speed;
  }
  return best;
}

