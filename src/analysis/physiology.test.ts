import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SampleStreams } from '../domain/activity.ts';
import {
  estimateMaxHr,
  estimateThresholdSpeed,
  formatPace,
  percentile,
  resolvePhysiology,
  type PhysiologyActivity,
} from './physiology.ts';
import type { AthleteProfile } from './types.ts';

const emptyProfile: AthleteProfile = { sex: null, maxHr: null, restingHr: null, lthr: null, thresholdSpeedMps: null };

/** 1 Hz streams of `n` samples; heart rate and speed given per second. */
type PerSecond = (i: number) => number | null;

function stream(n: number, hr: PerSecond, speed: PerSecond = () => null): SampleStreams {
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
  return { t, heartRate, distanceM, speedMps: none, cadence: none, altitudeM: none, powerW: none };
}

function run(id: string, day: number, streams: SampleStreams | null): PhysiologyActivity {
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
