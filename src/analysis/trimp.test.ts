import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SampleStreams } from '../domain/activity.ts';
import {
  DEFAULT_TRIMP_CONSTANTS,
  TRIMP_MEN,
  TRIMP_WOMEN,
  hrReserveFraction,
  trimpCoefficients,
  trimpFromSummary,
  trimpOfSegments,
  trimpPerMinute,
  TrimpTable,
  trimpTable,
} from './trimp.ts';
import { segmentsFromStreams } from './zones.ts';

const rates = { maxHr: 180, restingHr: 60 };

describe('Banister TRIMP constants (Morton et al. 1990)', () => {
  it('pins 0.64·e^(1.92x) for men and 0.86·e^(1.67x) for women; unknown sex uses the men’s', () => {
    expect(TRIMP_MEN).toEqual({ a: 0.64, b: 1.92 });
    expect(TRIMP_WOMEN).toEqual({ a: 0.86, b: 1.67 });
    expect(trimpCoefficients('m')).toBe(DEFAULT_TRIMP_CONSTANTS.m);
    expect(trimpCoefficients('f')).toBe(DEFAULT_TRIMP_CONSTANTS.f);
    expect(trimpCoefficients(null)).toEqual(TRIMP_MEN);
  });

  it('constants are configurable', () => {
    const custom = { m: { a: 1, b: 0 }, f: { a: 2, b: 0 }, unknown: { a: 3, b: 0 } };
    // b = 0 leaves x·a: HR 150 → x = 0.75 → 0.75·a per minute.
    expect(trimpPerMinute(150, rates, trimpCoefficients('f', custom))).toBeCloseTo(1.5, 12);
    expect(trimpPerMinute(150, rates, trimpCoefficients(null, custom))).toBeCloseTo(2.25, 12);
  });
});

describe('heart-rate reserve fraction', () => {
  it('is (HR − rest) / (max − rest), clamped to [0, 1]', () => {
    expect(hrReserveFraction(150, rates)).toBeCloseTo(0.75, 12); // 90 / 120
    expect(hrReserveFraction(200, rates)).toBe(1);
    expect(hrReserveFraction(40, rates)).toBe(0);
    expect(() => hrReserveFraction(150, { maxHr: 60, restingHr: 60 })).toThrow(RangeError);
  });
});

describe('TRIMP from a summary', () => {
  it('man, 10 min at 150 bpm (rest 60, max 180)', () => {
    // x = (150 − 60) / (180 − 60) = 0.75
    // e^(1.92 · 0.75) = e^1.44 = 4.220696
    // per minute: 0.75 · 0.64 · 4.220696 = 2.025934;  × 10 min = 20.2593
    expect(trimpFromSummary(150, 600, rates, TRIMP_MEN)).toBeCloseTo(20.2593, 3);
  });

  it('woman, 10 min at 150 bpm (rest 60, max 180)', () => {
    // x = 0.75;  e^(1.67 · 0.75) = e^1.2525 = 3.499080
    // per minute: 0.75 · 0.86 · 3.499080 = 2.256907;  × 10 min = 22.5691
    expect(trimpFromSummary(150, 600, rates, TRIMP_WOMEN)).toBeCloseTo(22.5691, 3);
  });

  it('is 0 for no time', () => {
    expect(trimpFromSummary(150, 0, rates, TRIMP_MEN)).toBe(0);
  });
});

describe('TRIMP summed over samples', () => {
  const segments = [
    { durationS: 300, hr: 120, speedMps: null },
    { durationS: 300, hr: 180, speedMps: null },
    { durationS: 300, hr: null, speedMps: null }, // no heart rate: adds nothing
  ];

  it('man: 5 min at 120 bpm + 5 min at 180 bpm (rest 60, max 180)', () => {
    // 120 bpm: x = 60/120 = 0.5;  0.5 · 0.64 · e^0.96 = 0.5 · 0.64 · 2.611696 = 0.835743 /min → × 5 = 4.178714
    // 180 bpm: x = 1;             1 · 0.64 · e^1.92 = 0.64 · 6.820958 = 4.365413 /min        → × 5 = 21.827067
    // total 26.0058 — more than the 20.2593 of the 150 bpm average held for 10 min (the weighting is convex).
    expect(trimpOfSegments(segments, rates, TRIMP_MEN)).toBeCloseTo(26.0058, 3);
  });

  it('woman: the same samples', () => {
    // 120 bpm: x = 0.5;  0.5 · 0.86 · e^0.835 = 0.5 · 0.86 · 2.304814 = 0.991070 /min → × 5 = 4.955350
    // 180 bpm: x = 1;    1 · 0.86 · e^1.67 = 0.86 · 5.312168 = 4.568464 /min         → × 5 = 22.842322
    // total 27.7977
    expect(trimpOfSegments(segments, rates, TRIMP_WOMEN)).toBeCloseTo(27.7977, 3);
  });

  it('from streams: each sample lasts until the next (capped at 10 s)', () => {
    // t 0, 10, 20 → durations 10, 10, 0 s; HR 120, 180, 180.
    // 10/60 · 0.835743 + 10/60 · 4.365413 = 0.139290 + 0.727569 = 0.866859
    const none = [null, null, null];
    const s: SampleStreams = {
      t: [0, 10, 20],
      heartRate: [120, 180, 180],
      distanceM: none,
      speedMps: none,
      cadence: none,
      altitudeM: none,
      powerW: none,
    };
    expect(trimpOfSegments(segmentsFromStreams(s), rates, TRIMP_MEN)).toBeCloseTo(0.866859, 5);
  });

  it('property: never negative, and a constant heart rate equals the summary formula', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 30, max: 230 }),
        fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 100 }),
        (hr, durations) => {
          const segs = durations.map((d) => ({ durationS: d, hr, speedMps: null }));
          const total = durations.reduce((a, b) => a + b, 0);
          const t = trimpOfSegments(segs, rates, TRIMP_MEN);
          expect(t).toBeGreaterThanOrEqual(0);
          expect(t).toBeCloseTo(trimpFromSummary(hr, total, rates, TRIMP_MEN), 9);
        },
      ),
    );
  });
});

describe('TRIMP per minute memoised by whole bpm', () => {
  it('property: the table gives exactly trimpPerMinute, for whole and fractional heart rates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 150, max: 220 }),
        fc.integer({ min: 30, max: 100 }),
        fc.constantFrom(TRIMP_MEN, TRIMP_WOMEN, { a: 1, b: 0 }),
        fc.array(fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double({ min: -5, max: 300, noNaN: true })), {
          maxLength: 50,
        }),
        (maxHr, restingHr, k, hrs) => {
          const r = { maxHr, restingHr };
          const table = new TrimpTable(r, k);
          // Twice: the first lookup of a bpm fills the table, the second reads it.
          for (const hr of [...hrs, ...hrs]) expect(table.perMinute(hr)).toBe(trimpPerMinute(hr, r, k));
        },
      ),
    );
  });

  it('throws the same RangeError as trimpPerMinute for an invalid max / resting pair, on lookup', () => {
    const table = new TrimpTable({ maxHr: 60, restingHr: 60 }, TRIMP_MEN);
    expect(() => table.perMinute(150)).toThrow('max HR (60) must exceed resting HR (60)');
    expect(() => table.perMinute(150.5)).toThrow(RangeError);
  });

  it('trimpTable reuses the table for the same heart rates and coefficients only', () => {
    const a = trimpTable(rates, TRIMP_MEN);
    expect(trimpTable({ ...rates }, { ...TRIMP_MEN })).toBe(a);
    expect(trimpTable(rates, TRIMP_WOMEN)).not.toBe(a);
    expect(trimpTable({ ...rates, restingHr: 61 }, TRIMP_MEN)).not.toBe(a);
    expect(trimpTable(rates, TRIMP_MEN)).toBe(a);
    // A table never changes with the caller's objects.
    const mutable = { maxHr: 190, restingHr: 50 };
    const t = trimpTable(mutable, TRIMP_MEN);
    mutable.maxHr = 200;
    expect(t.perMinute(150)).toBe(trimpPerMinute(150, { maxHr: 190, restingHr: 50 }, TRIMP_MEN));
  });
});
