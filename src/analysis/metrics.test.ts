import fc from 'fast-check';
import { outcome } from '../../test/support/analysis.ts';
import { describe, expect, it } from 'vitest';
import type { Lap, SampleStreams } from '../domain/activity.ts';
import { dailyLoads, fillDays, loadSeries } from './load.ts';
import {
  activityMetrics,
  activityLoad,
  classify,
  DEFAULT_METRICS_OPTIONS,
  detectIntervals,
  lapSpeed,
  markLongRuns,
  streamTotals,
  type IntensitySpread,
  type MetricsOptions,
} from './metrics.ts';
import { trimpCoefficients, trimpOfSegments, trimpTable, TRIMP_WOMEN } from './trimp.ts';
import type { ActivityMetrics, AnalysisActivity, IntensityClass, Physiology } from './types.ts';
import {
  hrrZoneBounds,
  isValidHr,
  lthrZoneBounds,
  segmentsFromStreams,
  timeInZones,
  timeWithHr,
  zoneBounds,
  type Segment,
  type ZoneTimes,
} from './zones.ts';

/** Max 190, resting 50, LTHR 160 → Friel bounds 136 / 144 / 152 / 160; threshold speed 4 m/s (4:10/km). */
const physiology: Physiology = {
  sex: 'm',
  maxHr: { value: 190, source: 'given' },
  restingHr: { value: 50, source: 'given' },
  lthr: { value: 160, source: 'given' },
  thresholdSpeedMps: { value: 4, source: 'given' },
};
const noThreshold: Physiology = { ...physiology, thresholdSpeedMps: null };

function makeActivity(overrides: Partial<AnalysisActivity> = {}): AnalysisActivity {
  return {
    id: 'a1',
    category: 'run',
    sport: 'running',
    localDate: '2027-01-06',
    startTime: new Date('2027-01-06T07:00:00Z'),
    elapsedS: 3600,
    movingS: 3600,
    distanceM: 10_000,
    avgHr: null,
    maxHr: null,
    laps: [],
    streams: null,
    rpe: null,
    ...overrides,
  };
}

/** Streams at the given sample times; distance accumulates speed × time to the next sample. */
type PerSample = (i: number) => number | null;

function makeStreams(t: number[], hr: PerSample, speed: PerSample): SampleStreams {
  const distanceM: (number | null)[] = [];
  let d = 0;
  t.forEach((ti, i) => {
    const v = speed(i);
    distanceM.push(v === null ? null : d);
    d += (v ?? 0) * ((t[i + 1] ?? ti) - ti);
  });
  const none = t.map(() => null);
  return {
    t,
    heartRate: t.map((_, i) => hr(i)),
    speedMps: t.map((_, i) => speed(i)),
    distanceM,
    cadence: none,
    altitudeM: none,
    powerW: none,
  };
}

const seconds = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function makeLap(index: number, overrides: Partial<Lap> = {}): Lap {
  return {
    index,
    startTime: new Date('2027-01-06T07:00:00Z'),
    elapsedS: 300,
    movingS: 300,
    distanceM: null,
    avgHr: null,
    maxHr: null,
    avgSpeedMps: null,
    intensity: null,
    ...overrides,
  };
}

const lapsAt = (speeds: number[], durationS = 120): Lap[] =>
  speeds.map((v, i) => makeLap(i, { avgSpeedMps: v, movingS: durationS, elapsedS: durationS }));

describe('activity metrics from streams', () => {
  it('an easy hour at 3 m/s and 140 bpm (hand-computed)', () => {
    // 3600 samples at 1 Hz: 3599 × 1 s (the last sample lasts 0 s) → moving 3599 s, all in zone 2 (136–144).
    // distance = 3 m/s · 3599 s = 10 797 m; pace = 3599 / 10.797 = 333.33 s/km.
    // TRIMP (man): x = (140 − 50) / (190 − 50) = 0.642857; e^(1.92x) = e^1.234286 = 3.435923;
    //   per minute 0.642857 · 0.64 · 3.435923 = 1.413637;  × 3599/60 min = 84.7947
    const m = activityMetrics(makeActivity({ streams: makeStreams(seconds(3600), () => 140, () => 3) }), physiology);
    expect(m).toMatchObject({
      activityId: 'a1',
      basis: 'streams',
      movingS: 3599,
      distanceM: 10_797,
      timeInZonesS: [0, 3599, 0, 0, 0],
      loadBasis: 'trimp',
      intensity: 'easy',
      intensityBasis: 'hr',
      intervals: false,
      long: false,
    });
    expect(m.paceSPerKm).toBeCloseTo(1000 / 3, 6);
    expect(m.trimp).toBeCloseTo(84.7947, 3);
    expect(m.load).toBe(m.trimp);
    expect(m.sessionRpe).toBeUndefined();
  });

  it('a recording pause adds at most 10 s; standing still is not moving time', () => {
    // t 0…599, a 5-min pause, t 900…1499. Durations: 599 × 1 s, 10 s (gap of 301 s capped), 599 × 1 s, 0.
    // Standing still (speed 0) for samples at t = 1200…1259: 60 s off the moving time.
    // moving = 599 + 10 + 599 − 60 = 1148 s; zone time (HR everywhere) = 599 + 10 + 599 = 1208 s.
    const t = [...seconds(600), ...seconds(600).map((s) => s + 900)];
    const m = activityMetrics(
      makeActivity({ streams: makeStreams(t, () => 140, (i) => ((t[i] ?? 0) >= 1200 && (t[i] ?? 0) < 1260 ? 0 : 3)) }),
      physiology,
    );
    expect(m.movingS).toBe(1148);
    expect(m.timeInZonesS).toEqual([0, 1208, 0, 0, 0]);
  });

  it('hard: 11 min in zone 4 of an hour (≥ 10 min, though only 18 %)', () => {
    const hr = (i: number) => (i >= 1000 && i < 1660 ? 155 : 140);
    const m = activityMetrics(makeActivity({ streams: makeStreams(seconds(3600), hr, () => 3) }), physiology);
    expect(m.timeInZonesS).toEqual([0, 2939, 0, 660, 0]);
    expect(m.intensity).toBe('hard');
  });

  it('hard: 7 min in zone 5 of 30 min (23 %, though under 10 min)', () => {
    const hr = (i: number) => (i >= 1000 && i < 1420 ? 165 : 140);
    const m = activityMetrics(makeActivity({ streams: makeStreams(seconds(1800), hr, () => 3) }), physiology);
    expect(m.timeInZonesS?.[4]).toBe(420);
    expect(m.intensity).toBe('hard');
  });

  it('moderate: 15 min in zone 3 of an hour (25 %); easy: 5 min (8 %)', () => {
    const at = (minutes: number) => (i: number) => (i >= 1000 && i < 1000 + minutes * 60 ? 148 : 140);
    const hour = (hr: PerSample) => makeActivity({ streams: makeStreams(seconds(3600), hr, () => 3) });
    expect(activityMetrics(hour(at(15)), physiology).intensity).toBe('moderate');
    expect(activityMetrics(hour(at(5)), physiology).intensity).toBe('easy');
  });

  it('Karvonen zones as an option', () => {
    // max 190, resting 50 → bounds 134 / 148 / 162 / 176: 150 bpm is zone 3.
    const m = activityMetrics(
      makeActivity({ streams: makeStreams(seconds(601), () => 150, () => 3) }),
      physiology,
      { zoneModel: 'karvonen_hrr' },
    );
    expect(m.timeInZonesS).toEqual([0, 0, 600, 0, 0]);
  });

  it('without HR samples: pace against threshold pace, from the speed samples', () => {
    // 60 min at 3 m/s with 15 min at 4 m/s; zone 4+ pace needs ≥ 4 / 1.05 = 3.81 m/s → 900 of 3599 s = 25 % → hard.
    const speed = (i: number) => (i >= 1000 && i < 1900 ? 4 : 3);
    const m = activityMetrics(makeActivity({ streams: makeStreams(seconds(3600), () => null, speed) }), physiology);
    expect(m).toMatchObject({ intensity: 'hard', intensityBasis: 'pace', timeInZonesS: null, trimp: null });
    // No HR: session RPE on the TRIMP scale, default RPE 7 of a hard run → 1.015 × LTHR 160 = 162.4 bpm,
    // x = 112.4 / 140 = 0.802857, 0.802857 · 0.64 · e^(1.92 · 0.802857) = 2.400363 a minute × 3599/60 = 143.98.
    expect(m.loadBasis).toBe('session_rpe');
    expect(m.load).toBeCloseTo(143.9818, 3);
    expect(m.sessionRpe).toMatchObject({ value: 7, source: 'default' });
  });

  it('property: zone times sum to the time with heart rate', () => {
    const sample = fc.record({
      gap: fc.integer({ min: 0, max: 30 }),
      hr: fc.option(fc.integer({ min: 0, max: 240 }), { nil: null }),
      speed: fc.option(fc.double({ min: 0, max: 7, noNaN: true }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 2, maxLength: 150 }), (xs) => {
        let now = 0;
        const t = xs.map((x) => (now += x.gap));
        const streams = makeStreams(
          t,
          (i) => xs[i]?.hr ?? null,
          (i) => xs[i]?.speed ?? null,
        );
        const m = activityMetrics(makeActivity({ streams, avgHr: null }), physiology);
        const withHr = timeWithHr(segmentsFromStreams(streams));
        if (withHr === 0) {
          expect(m.timeInZonesS).toBeNull();
        } else {
          expect((m.timeInZonesS ?? []).reduce((a, b) => a + b, 0)).toBe(withHr);
        }
        expect(m.load).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('activity metrics from the summary', () => {
  it('average HR for the whole moving time (hand-computed)', () => {
    // 150 bpm is zone 3 (144–152) → all 3600 s there → moderate.
    // TRIMP: x = 100/140 = 0.714286; e^(1.92x) = e^1.371429 = 3.940977;
    //   per minute 0.714286 · 0.64 · 3.940977 = 1.801589;  × 60 min = 108.0954
    const m = activityMetrics(makeActivity({ avgHr: 150, distanceM: 12_000 }), physiology);
    expect(m).toMatchObject({
      basis: 'summary',
      movingS: 3600,
      distanceM: 12_000,
      paceSPerKm: 300,
      timeInZonesS: [0, 0, 3600, 0, 0],
      intensity: 'moderate',
    });
    expect(m.trimp).toBeCloseTo(108.0954, 3);
  });

  it('women’s constants for a woman', () => {
    // x = 0.714286; e^(1.67x) = e^1.192857 = 3.296486;
    // per minute 0.714286 · 0.86 · 3.296486 = 2.024984; × 60 = 121.4991
    const m = activityMetrics(makeActivity({ avgHr: 150 }), { ...physiology, sex: 'f' });
    expect(m.trimp).toBeCloseTo(121.4991, 3);
  });

  it('laps with average HR are used one by one', () => {
    // 30 min at 140 (zone 2) + 30 min at 158 (zone 4) → hard.
    // TRIMP: 30 · 1.413637 + 30 · (0.771429 · 0.64 · e^1.481143 = 0.771429 · 0.64 · 4.397969 = 2.171340) = 107.5493
    const laps = [makeLap(0, { movingS: 1800, avgHr: 140 }), makeLap(1, { movingS: 1800, avgHr: 158 })];
    const m = activityMetrics(makeActivity({ avgHr: 149, laps }), physiology);
    expect(m.timeInZonesS).toEqual([0, 1800, 0, 1800, 0]);
    expect(m.intensity).toBe('hard');
    expect(m.trimp).toBeCloseTo(107.5493, 3);
  });

  it('no HR, threshold pace known: average pace against it', () => {
    // 10 km in 40 min = 4.17 m/s ≥ 3.81 (zone 4+ pace) → hard; RPE 7: 2.400363 a minute × 40 = 96.01.
    const hard = activityMetrics(makeActivity({ movingS: 2400 }), physiology);
    expect(hard).toMatchObject({ intensity: 'hard', intensityBasis: 'pace', loadBasis: 'session_rpe' });
    expect(hard.load).toBeCloseTo(96.0145, 3);
    // 10 km in 45 min = 3.70 m/s: ≥ 4 / 1.13 = 3.54 (zone 3+) but < 3.81 → moderate; RPE 5 → 0.965 × 160 =
    // 154.4 bpm, x = 0.745714, 1.997850 a minute × 45 = 89.90.
    const moderate = activityMetrics(makeActivity({ movingS: 2700 }), physiology);
    expect(moderate).toMatchObject({ intensity: 'moderate' });
    expect(moderate.load).toBeCloseTo(89.9032, 3);
  });

  it('no HR, no threshold pace: easy unless intervals, and says so', () => {
    const m = activityMetrics(makeActivity({ movingS: 2400 }), noThreshold);
    // RPE 3 → 0.87 × 160 = 139.2 bpm (zone 2), x = 0.637143, 1.385784 a minute × 40 = 55.43.
    expect(m).toMatchObject({ intensity: 'easy', intensityBasis: 'none' });
    expect(m.load).toBeCloseTo(55.4313, 3);
    const withIntervals = activityMetrics(makeActivity({ laps: lapsAt([2.8, 4.5, 2, 4.5, 2, 4.5, 2.8]) }), noThreshold);
    expect(withIntervals).toMatchObject({ intensity: 'hard', intervals: true, intensityBasis: 'none' });
  });

  it('a given RPE wins over the default', () => {
    const m = activityMetrics(makeActivity({ movingS: 2400, rpe: 4 }), noThreshold);
    // RPE 4 → 0.92 × 160 = 147.2 bpm, x = 0.694286, 1.685176 a minute × 40 = 67.41.
    expect(m.load).toBeCloseTo(67.407, 3);
    expect(m.sessionRpe).toEqual({ value: 4, source: 'given' });
  });
});

describe('strength and other sessions', () => {
  const strength = (overrides: Partial<AnalysisActivity> = {}) =>
    makeActivity({
      category: 'strength',
      sport: 'training',
      movingS: 2700,
      elapsedS: 2700,
      distanceM: null,
      ...overrides,
    });

  it('without HR: session RPE on the TRIMP scale, with the default RPE 5', () => {
    const m = activityMetrics(strength(), physiology);
    // RPE 5 → 154.4 bpm: 1.997850 a minute × 45 min = 89.90
    expect(m).toMatchObject({ loadBasis: 'session_rpe', intensity: null, paceSPerKm: null });
    expect(m.load).toBeCloseTo(89.9032, 3);
    expect(m.sessionRpe).toMatchObject({ value: 5, source: 'default' });
    // RPE 8 → 1.04 × 160 = 166.4 bpm, x = 0.831429: 2.625958 × 45 = 118.17
    expect(activityMetrics(strength({ rpe: 8 }), physiology).load).toBeCloseTo(118.1681, 3);
  });

  it('with HR: still session RPE (heart rate says little about lifting), zones kept, no intensity class', () => {
    const m = activityMetrics(strength({ streams: makeStreams(seconds(2701), () => 120, () => null) }), physiology);
    expect(m).toMatchObject({ loadBasis: 'session_rpe', intensity: null, movingS: 2700, basis: 'streams' });
    expect(m.load).toBeCloseTo(activityMetrics(strength(), physiology).load, 6);
    expect(m.trimp).not.toBeNull();
    expect(m.intensityBasis).toBeUndefined();
  });
});

describe('interval detection', () => {
  it('device labels: ≥ 3 work laps next to rest laps', () => {
    const labelled = (labels: string[]) => labels.map((intensity, i) => makeLap(i, { intensity }));
    expect(
      detectIntervals(labelled(['warmup', 'active', 'rest', 'active', 'rest', 'active', 'cooldown'])),
    ).toBe(true);
    expect(detectIntervals(labelled(['warmup', 'interval', 'recovery', 'interval', 'recovery', 'interval']))).toBe(
      true,
    );
    expect(detectIntervals(labelled(['warmup', 'active', 'rest', 'active', 'cooldown']))).toBe(false); // 2 reps
    expect(detectIntervals(labelled(['active', 'active', 'active', 'active']))).toBe(false); // a normal run
  });

  it('speed: ≥ 3 laps at least 1.2× faster than their neighbours', () => {
    expect(detectIntervals(lapsAt([2.8, 4.5, 2.0, 4.5, 2.0, 4.5, 2.8]))).toBe(true);
    expect(detectIntervals(lapsAt([4.5, 0, 4.5, 0, 4.5]))).toBe(true); // standing rests
    expect(detectIntervals(lapsAt([3.0, 3.1, 2.9, 3.2, 3.0, 3.3]))).toBe(false); // auto-laps of an easy run
    expect(detectIntervals(lapsAt([2.8, 4.5, 2.0, 4.5, 2.8]))).toBe(false); // only 2 reps
    expect(detectIntervals(lapsAt([2.8, 6, 2.8, 6, 2.8, 6, 2.8], 20))).toBe(false); // strides, 20 s each
    expect(detectIntervals(lapsAt([3.5, 4.25, 3.5, 4.25, 3.5, 4.25]))).toBe(true); // 1.21× faster
    expect(detectIntervals(lapsAt([3.5, 4.1, 3.5, 4.1, 3.5, 4.1]))).toBe(false); // 1.17×: a fartlek at most
  });

  it('uses lap order, not array order', () => {
    const laps = lapsAt([2.8, 4.5, 2.0, 4.5, 2.0, 4.5, 2.8]).reverse();
    expect(detectIntervals(laps)).toBe(true);
  });
});

describe('long runs', () => {
  const runOn = (id: string, localDate: string, distanceM: number, movingS: number) => ({
    activity: makeActivity({ id, localDate, distanceM, movingS }),
    metrics: activityMetrics(makeActivity({ id, localDate, distanceM, movingS }), noThreshold),
  });

  function longIds(runs: ReturnType<typeof runOn>[]): string[] {
    return markLongRuns(
      runs.map((r) => r.activity),
      runs.map((r) => r.metrics),
    )
      .filter((m) => m.long)
      .map((m) => m.activityId)
      .sort();
  }

  it('the week’s longest run when ≥ 90 min', () => {
    // 2027-W01: 10, 12, 21 km → 21 km in 110 min is long; 12 km is not (not the longest).
    expect(
      longIds([
        runOn('a', '2027-01-05', 10_000, 3000),
        runOn('b', '2027-01-07', 12_000, 3600),
        runOn('c', '2027-01-10', 21_000, 6600),
      ]),
    ).toEqual(['c']);
  });

  it('or ≥ 16 km and ≥ 25 % of the week’s run distance', () => {
    // 16 km in 85 min, the longest run of a 50 km week (32 %) → long; of an 80 km week (20 %) → not.
    const w50 = [
      runOn('a', '2027-01-05', 12_000, 3600),
      runOn('b', '2027-01-07', 12_000, 3600),
      runOn('c', '2027-01-09', 10_000, 3000),
      runOn('l', '2027-01-10', 16_000, 5100),
    ];
    expect(longIds(w50)).toEqual(['l']);
    const w80 = [...w50, runOn('d', '2027-01-08', 15_000, 4500), runOn('e', '2027-01-06', 15_000, 4500)];
    expect(longIds(w80)).toEqual([]);
  });

  it('is not long when short: 12 km in 60 min', () => {
    expect(longIds([runOn('a', '2027-01-05', 8000, 2400), runOn('b', '2027-01-10', 12_000, 3600)])).toEqual([]);
  });

  it('each ISO week has its own long run; strength sessions never are', () => {
    const runs = [runOn('w1', '2027-01-10', 25_000, 8000), runOn('w2', '2027-01-11', 22_000, 7000)];
    expect(longIds(runs)).toEqual(['w1', 'w2']);
    const s = makeActivity({ id: 's', category: 'strength', movingS: 7200, distanceM: null });
    const out = markLongRuns([s], [activityMetrics(s, physiology)]);
    expect(out[0]?.long).toBe(false);
  });

  it('property: the long runs never depend on the order activities arrive in', () => {
    const runArb = fc.record({
      day: fc.integer({ min: 4, max: 17 }),
      km: fc.integer({ min: 0, max: 30 }),
      min: fc.integer({ min: 10, max: 180 }),
    });
    fc.assert(
      fc.property(
        fc.array(runArb, { maxLength: 12 }).chain((xs) =>
          fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs.map((_, i) => i), { minLength: xs.length })),
        ),
        ([xs, order]) => {
          const runs = xs.map((x, i) =>
            runOn(`r${i}`, `2027-01-${String(x.day).padStart(2, '0')}`, x.km * 1000, x.min * 60),
          );
          const shuffled = order.map((i) => runs[i]).filter((r) => r !== undefined);
          expect(longIds(shuffled)).toEqual(longIds(runs));
        },
      ),
    );
  });
});

describe('activities → metrics → daily loads → load series', () => {
  it('property: nothing depends on the order activities arrive in', () => {
    const activityArb = fc.record({
      day: fc.integer({ min: 4, max: 24 }),
      category: fc.constantFrom('run' as const, 'strength' as const, 'other' as const),
      minutes: fc.integer({ min: 10, max: 200 }),
      km: fc.integer({ min: 0, max: 35 }),
      avgHr: fc.option(fc.integer({ min: 90, max: 195 }), { nil: null }),
      rpe: fc.option(fc.integer({ min: 1, max: 10 }), { nil: null }),
    });
    fc.assert(
      fc.property(
        fc.array(activityArb, { maxLength: 25 }).chain((xs) =>
          fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs.map((_, i) => i), { minLength: xs.length })),
        ),
        ([xs, order]) => {
          const activities = xs.map((x, i) =>
            makeActivity({
              id: `a${i}`,
              category: x.category,
              localDate: `2027-01-${String(x.day).padStart(2, '0')}`,
              movingS: x.minutes * 60,
              distanceM: x.category === 'run' ? x.km * 1000 : null,
              avgHr: x.avgHr,
              rpe: x.rpe,
            }),
          );
          const pipeline = (list: AnalysisActivity[]) => {
            const metrics = markLongRuns(
              list,
              list.map((a) => activityMetrics(a, physiology)),
            );
            const byId = new Map(list.map((a) => [a.id, a]));
            const loads = dailyLoads(
              metrics.map((m) => ({ date: byId.get(m.activityId)?.localDate ?? '', load: m.load })),
            );
            const series = loadSeries(null, fillDays('2027-01-04', '2027-01-31', loads));
            const sorted = [...metrics].sort((a, b) => (a.activityId < b.activityId ? -1 : 1));
            return { sorted, series };
          };
          const shuffled = order.map((i) => activities[i]).filter((a) => a !== undefined);
          expect(pipeline(shuffled)).toEqual(pipeline(activities));
        },
      ),
      { numRuns: 50 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The single-pass stream path against the segment-based reference it replaced.

/** Random streams: gaps (0, backwards, pauses), HR (drop-outs, noise, non-integer), speed and distance with gaps and junk. */
const streamsArb = (minLength: number) =>
  fc
    .array(
      fc.record({
        gap: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -5, max: 40 })),
        hr: fc.oneof(
          fc.constant(null),
          fc.integer({ min: 25, max: 255 }),
          fc.integer({ min: 0, max: 260 }),
          fc.double({ min: 20, max: 260, noNaN: true }),
          fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
        ),
        speed: fc.oneof(
          fc.constant(null),
          fc.double({ min: 0, max: 7, noNaN: true }),
          fc.double({ min: -1, max: 1 }),
          fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
        ),
        dist: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 50, noNaN: true }), fc.constantFrom(Number.NaN)),
      }),
      { minLength, maxLength: 150, size: 'medium' },
    )
    .map((xs): SampleStreams => {
      let now = 0;
      let d = 0;
      const none = xs.map(() => null);
      return {
        t: xs.map((x) => (now += x.gap)),
        heartRate: xs.map((x) => x.hr),
        speedMps: xs.map((x) => x.speed),
        distanceM: xs.map((x) => (x.dist === null ? null : (d += x.dist))),
        cadence: none,
        altitudeM: none,
        powerW: none,
      };
    });

const physiologyArb: fc.Arbitrary<Physiology> = fc
  .record({
    sex: fc.constantFrom('m' as const, 'f' as const, null),
    maxHr: fc.integer({ min: 150, max: 210 }),
    restingHr: fc.oneof(fc.integer({ min: 35, max: 80 }), fc.integer({ min: 150, max: 220 })),
    lthr: fc.oneof(fc.integer({ min: 130, max: 190 }), fc.double({ min: 130, max: 190, noNaN: true })),
    threshold: fc.option(fc.double({ min: -1, max: 6, noNaN: true }), { nil: null }),
  })
  .map((x) => ({
    sex: x.sex,
    maxHr: { value: x.maxHr, source: 'given' },
    restingHr: { value: x.restingHr, source: 'given' },
    lthr: { value: x.lthr, source: 'given' },
    thresholdSpeedMps: x.threshold === null ? null : { value: x.threshold, source: 'given' },
  }));

const optionsArb: fc.Arbitrary<Partial<MetricsOptions>> = fc.record(
  {
    zoneModel: fc.constantFrom('friel_lthr' as const, 'karvonen_hrr' as const),
    maxSampleGapS: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant(Number.POSITIVE_INFINITY)),
    stoppedSpeedMps: fc.double({ min: 0, max: 3, noNaN: true }),
  },
  { requiredKeys: [] },
);


describe('streamTotals (one pass over the samples)', () => {
  it('property: equals the reference computations over segmentsFromStreams, bit for bit', () => {
    fc.assert(
      fc.property(
        streamsArb(0),
        physiologyArb,
        fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant(Number.POSITIVE_INFINITY)),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 2, max: 6, noNaN: true }),
        (streams, p, maxGapS, stoppedSpeedMps, threshold) => {
          const rates = { maxHr: p.maxHr.value, restingHr: Math.min(p.restingHr.value, p.maxHr.value - 20) };
          const k = trimpCoefficients(p.sex);
          const bounds = lthrZoneBounds(p.lthr.value);
          const z3 = threshold / 1.13;
          const z4 = threshold / 1.05;
          const totals = streamTotals(streams, {
            maxGapS,
            stoppedSpeedMps,
            bounds,
            trimp: trimpTable(rates, k),
            paceZone3Mps: z3,
            paceZone4Mps: z4,
          });

          const segs = segmentsFromStreams(streams, maxGapS);
          const moving = segs.filter((s) => s.speedMps === null || s.speedMps >= stoppedSpeedMps);
          const pace: IntensitySpread = { total: 0, zone3Plus: 0, zone4Plus: 0 };
          for (const s of moving) {
            if (s.speedMps === null) continue;
            pace.total += s.durationS;
            if (s.speedMps >= z3) pace.zone3Plus += s.durationS;
            if (s.speedMps >= z4) pace.zone4Plus += s.durationS;
          }
          expect(totals).toEqual({
            movingS: sumOf(moving.map((s) => s.durationS)),
            movingDistanceM: sumOf(moving.map((s) => (s.speedMps ?? 0) * s.durationS)),
            timeWithHrS: timeWithHr(segs),
            timeInZonesS: timeInZones(segs, bounds),
            trimp: trimpOfSegments(segs, rates, k),
            pace,
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves zones and TRIMP out without bounds or a TRIMP table', () => {
    const s = makeStreams(seconds(10), () => 150, () => 3);
    const totals = streamTotals(s, {
      maxGapS: 10,
      stoppedSpeedMps: 0.5,
      bounds: null,
      trimp: null,
      paceZone3Mps: Infinity,
      paceZone4Mps: Infinity,
    });
    expect(totals).toMatchObject({ timeWithHrS: 9, movingS: 9, timeInZonesS: null, trimp: null });
  });

  it('a hole in t gives its sample no speed, as sampleSpeeds does', () => {
    const s = makeStreams(seconds(6), () => 150, () => 3);
    // eslint-disable-next-line @typescript-eslint/no-array-delete
    delete s.t[2];
    const params = { maxGapS: 10, stoppedSpeedMps: 0.5, bounds: lthrZoneBounds(160), trimp: null, paceZone3Mps: 3, paceZone4Mps: 4 };
    const segs = segmentsFromStreams(s);
    expect(segs[2]?.speedMps).toBeNull();
    expect(streamTotals(s, params).pace.total).toBe(sumOf(segs.filter((x) => x.speedMps !== null).map((x) => x.durationS)));
  });
});

describe('activityMetrics from streams against the segment-based implementation it replaced', () => {
  it('property: identical metrics (or the identical error) for random streams, physiology and options', () => {
    fc.assert(
      fc.property(
        streamsArb(0),
        physiologyArb,
        optionsArb,
        fc.constantFrom('run' as const, 'strength' as const, 'other' as const),
        fc.option(fc.integer({ min: 90, max: 190 }), { nil: null }),
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
        fc.array(fc.record({ speed: fc.option(fc.double({ min: 0, max: 6, noNaN: true }), { nil: null }), hr: fc.option(fc.integer({ min: 100, max: 190 }), { nil: null }) }), { maxLength: 6 }),
        (streams, p, options, category, avgHr, distanceM, lapSpecs) => {
          const laps = lapSpecs.map((l, i) => makeLap(i, { avgSpeedMps: l.speed, avgHr: l.hr, movingS: 120, elapsedS: 120 }));
          const activity = makeActivity({ category, streams, avgHr, distanceM, laps });
          expect(outcome(() => activityMetrics(activity, p, options))).toEqual(
            outcome(() => referenceActivityMetrics(activity, p, options)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('identical on realistic hour-long runs (1 Hz, whole-bpm HR, women’s constants, Karvonen zones)', () => {
    const hr = (i: number) => 120 + Math.round(40 * Math.sin(i / 300) ** 2);
    const speed = (i: number) => (i % 600 < 60 ? 0.2 : 2.5 + (i % 7) / 10);
    const a = makeActivity({ streams: makeStreams(seconds(3600), hr, speed) });
    const p = { ...physiology, sex: 'f' as const };
    for (const options of [{}, { zoneModel: 'karvonen_hrr' as const }, { trimpConstants: { m: TRIMP_WOMEN, f: TRIMP_WOMEN, unknown: TRIMP_WOMEN } }]) {
      expect(activityMetrics(a, p, options)).toEqual(referenceActivityMetrics(a, p, options));
    }
    expect(activityMetrics(a, noThreshold)).toEqual(referenceActivityMetrics(a, noThreshold));
    // Without heart rate: pace against threshold pace from the samples.
    const noHr = makeActivity({ streams: makeStreams(seconds(3600), () => null, speed) });
    expect(activityMetrics(noHr, physiology)).toEqual(referenceActivityMetrics(noHr, physiology));
  });

  it('max HR not above resting HR: the same RangeError when there is heart rate, none without', () => {
    const bad: Physiology = { ...physiology, maxHr: { value: 150, source: 'given' }, restingHr: { value: 150, source: 'given' } };
    const withHr = makeActivity({ streams: makeStreams(seconds(100), () => 140, () => 3) });
    for (const zoneModel of ['friel_lthr', 'karvonen_hrr'] as const) {
      expect(() => activityMetrics(withHr, bad, { zoneModel })).toThrow('max HR (150) must exceed resting HR (150)');
    }
    const noHr = makeActivity({ streams: makeStreams(seconds(100), () => null, () => 3) });
    expect(activityMetrics(noHr, bad, { zoneModel: 'karvonen_hrr' })).toEqual(referenceActivityMetrics(noHr, bad, { zoneModel: 'karvonen_hrr' }));
  });

  it('Karvonen bounds are those of hrrZoneBounds', () => {
    expect(zoneBounds('karvonen_hrr', physiology)).toEqual(hrrZoneBounds(190, 50));
  });
});

function sumOf(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

// The segment-based activityMetrics as it was before the single-pass stream path, kept as the reference.

function referenceActivityMetrics(
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

