import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/iso-week.ts';
import {
  seededStart,
  acwrBand,
  rollingAcwr,
  dailyLoads,
  distanceRamp,
  ewmaLambda,
  expFactor,
  fillDays,
  loadSeries,
  weekLoads,
  weekMonotonyStrain,
} from './load.ts';
import type { DailyLoad } from './types.ts';

const days = (from: string, loads: number[]): DailyLoad[] => loads.map((load, i) => ({ date: addDays(from, i), load }));

describe('daily loads', () => {
  it('sums the activities of each date, dates sorted', () => {
    const m = dailyLoads([
      { date: '2027-01-05', load: 30 },
      { date: '2027-01-04', load: 50 },
      { date: '2027-01-05', load: 12.5 },
    ]);
    expect([...m.entries()]).toEqual([
      ['2027-01-04', 50],
      ['2027-01-05', 42.5],
    ]);
  });

  it('fillDays adds the days without activity as 0', () => {
    expect(fillDays('2027-01-04', '2027-01-06', new Map([['2027-01-05', 7]]))).toEqual([
      { date: '2027-01-04', load: 0 },
      { date: '2027-01-05', load: 7 },
      { date: '2027-01-06', load: 0 },
    ]);
  });

  it('property: totals never depend on the order activities arrive in', () => {
    const entry = fc.record({
      date: fc.constantFrom('2027-01-04', '2027-01-05', '2027-01-06', '2027-01-10'),
      // Loads with many significant digits (like real TRIMP values), so summing them in another order
      // would round differently.
      load: fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 9973),
    });
    fc.assert(
      fc.property(
        fc
          .array(entry, { maxLength: 40 })
          .chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length }))),
        ([xs, shuffled]) => {
          const a = dailyLoads(xs);
          const b = dailyLoads(shuffled);
          expect([...b.entries()]).toEqual([...a.entries()]);
          const series = (m: Map<string, number>) => loadSeries(null, fillDays('2027-01-04', '2027-01-10', m));
          expect(series(b)).toEqual(series(a));
        },
      ),
    );
  });
});

describe('fitness / fatigue / form (exponential form, τ = 7 and 42 days)', () => {
  it('matches a hand computation for loads 100, 0, 50', () => {
    // k7 = 1 − e^(−1/7) = 1 − 0.866878 = 0.133122;  k42 = 1 − e^(−1/42) = 1 − 0.976472 = 0.023528
    // acute:   a1 = 0 + 100·0.133122 = 13.3122
    //          a2 = 13.3122 + (0 − 13.3122)·0.133122 = 11.5401
    //          a3 = 11.5401 + (50 − 11.5401)·0.133122 = 11.5401 + 5.1198 = 16.6599
    // chronic: c1 = 100·0.023528 = 2.3528
    //          c2 = 2.3528 − 2.3528·0.023528 = 2.2975
    //          c3 = 2.2975 + (50 − 2.2975)·0.023528 = 2.2975 + 1.1223 = 3.4198
    // form = c − a: −10.9594, −9.2426, −13.2401
    expect(expFactor(7)).toBeCloseTo(0.133122, 6);
    expect(expFactor(42)).toBeCloseTo(0.023528, 6);
    const s = loadSeries(null, days('2027-01-04', [100, 0, 50]));
    expect(s.map((x) => x.acute)).toEqual([
      expect.closeTo(13.3122, 3),
      expect.closeTo(11.5401, 3),
      expect.closeTo(16.6599, 3),
    ]);
    expect(s.map((x) => x.chronic)).toEqual([
      expect.closeTo(2.3528, 3),
      expect.closeTo(2.2975, 3),
      expect.closeTo(3.4198, 3),
    ]);
    expect(s.map((x) => x.form)).toEqual([
      expect.closeTo(-10.9594, 3),
      expect.closeTo(-9.2426, 3),
      expect.closeTo(-13.2401, 3),
    ]);
    expect(s.map((x) => x.day)).toEqual([1, 2, 3]);
    expect(s.map((x) => x.date)).toEqual(['2027-01-04', '2027-01-05', '2027-01-06']);
  });

  it('a constant load is approached by both, form goes to 0', () => {
    const s = loadSeries(null, days('2027-01-01', new Array<number>(800).fill(60)));
    const last = s[s.length - 1];
    expect(last?.acute).toBeCloseTo(60, 6);
    expect(last?.chronic).toBeCloseTo(60, 3);
    expect(last?.form).toBeCloseTo(0, 3);
    expect(last?.acwr).toBeCloseTo(1, 6);
  });
});

describe('acute:chronic workload ratio (EWMA, Williams et al. 2017)', () => {
  it('matches a hand computation for loads 100, 0, 50', () => {
    // λ7 = 2/8 = 0.25;  λ28 = 2/29 = 0.068966
    // acute EWMA:   25,  0.75·25 = 18.75,  0.25·50 + 0.75·18.75 = 12.5 + 14.0625 = 26.5625
    // chronic EWMA: 100·2/29 = 6.896552,  6.896552·27/29 = 6.420927,
    //               50·2/29 + 6.420927·27/29 = 3.448276 + 5.978105 = 9.426381
    // ACWR day 3: 26.5625 / 9.426381 = 2.8179
    expect(ewmaLambda(7)).toBe(0.25);
    expect(ewmaLambda(28)).toBeCloseTo(0.068966, 6);
    const s = loadSeries(null, days('2027-01-04', [100, 0, 50]), { minDaysForAcwr: 1 });
    expect(s.map((x) => x.acwrAcute)).toEqual([25, 18.75, 26.5625]);
    expect(s.map((x) => x.acwrChronic)).toEqual([
      expect.closeTo(6.896552, 5),
      expect.closeTo(6.420927, 5),
      expect.closeTo(9.426381, 5),
    ]);
    expect(s[2]?.acwr).toBeCloseTo(2.8179, 4);
  });

  it('is null for the first 28 days by default, and while the chronic EWMA is 0', () => {
    const s = loadSeries(null, days('2027-01-01', new Array<number>(30).fill(10)));
    expect(s.slice(0, 27).every((x) => x.acwr === null)).toBe(true);
    expect(s[27]?.acwr).not.toBeNull();
    const rest = loadSeries(null, days('2027-01-01', new Array<number>(30).fill(0)));
    expect(rest.every((x) => x.acwr === null)).toBe(true);
  });
});

describe('incremental load series', () => {
  it('rejects days that do not follow the previous state or each other', () => {
    const s = loadSeries(null, days('2027-01-04', [1, 2]));
    expect(() => loadSeries(s[1] ?? null, days('2027-01-07', [3]))).toThrow(RangeError);
    const gap = [
      { date: '2027-01-04', load: 1 },
      { date: '2027-01-06', load: 1 },
    ];
    expect(() => loadSeries(null, gap)).toThrow(RangeError);
    expect(() => loadSeries(null, [{ date: '2027-01-04', load: Number.NaN }])).toThrow(RangeError);
  });

  const loadsArb = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4_000_000 }).map((n) => n / 9973)), {
    minLength: 1,
    maxLength: 120,
  });

  it('property: continuing from a stored state equals recomputing the whole history', () => {
    fc.assert(
      fc.property(loadsArb, fc.nat(), (loads, cut) => {
        const all = days('2026-12-01', loads);
        const full = loadSeries(null, all);
        const k = cut % all.length; // recompute from day k, given the stored state of day k − 1
        const prev = k === 0 ? null : (full[k - 1] ?? null);
        const tail = loadSeries(prev, all.slice(k));
        expect([...full.slice(0, k), ...tail]).toEqual(full);
      }),
    );
  });

  it('property: a new activity on day D recomputed from D equals a full recomputation', () => {
    fc.assert(
      fc.property(loadsArb, fc.nat(), fc.double({ min: 0, max: 300, noNaN: true }), (loads, at, extra) => {
        const before = days('2026-12-01', loads);
        const stored = loadSeries(null, before);
        const d = at % before.length;
        const after = before.map((x, i) => (i === d ? { date: x.date, load: x.load + extra } : x));
        const prev = d === 0 ? null : (stored[d - 1] ?? null);
        const incremental = [...stored.slice(0, d), ...loadSeries(prev, after.slice(d))];
        expect(incremental).toEqual(loadSeries(null, after));
      }),
    );
  });
});

describe('monotony and strain (Foster 1998)', () => {
  it('matches a hand computation', () => {
    // loads 10, 20, 30, 40, 50, 60, 70: weekly 280, mean 40
    // squared deviations 900 + 400 + 100 + 0 + 100 + 400 + 900 = 2800;  SD = √(2800 / 7) = √400 = 20
    // monotony = 40 / 20 = 2;  strain = 280 · 2 = 560
    expect(weekMonotonyStrain([10, 20, 30, 40, 50, 60, 70])).toEqual({
      weeklyLoad: 280,
      mean: 40,
      sd: 20,
      monotony: 2,
      strain: 560,
    });
  });

  it('a typical week: 3 sessions of 100 and 4 rest days', () => {
    // mean 300/7 = 42.857; deviations² 3·57.143² + 4·42.857² = 9795.9 + 7346.9 = 17142.9
    // SD = √(17142.9 / 7) = 49.487;  monotony = 0.8660;  strain = 300 · 0.8660 = 259.81
    const r = weekMonotonyStrain([100, 0, 100, 0, 100, 0, 0]);
    expect(r.sd).toBeCloseTo(49.487, 3);
    expect(r.monotony).toBeCloseTo(0.866, 3);
    expect(r.strain).toBeCloseTo(259.81, 2);
  });

  it('is null when every day has the same load, and needs 7 days', () => {
    expect(weekMonotonyStrain([0, 0, 0, 0, 0, 0, 0]).monotony).toBeNull();
    expect(weekMonotonyStrain([50, 50, 50, 50, 50, 50, 50]).strain).toBeNull();
    expect(() => weekMonotonyStrain([1, 2, 3])).toThrow(RangeError);
  });

  it('weekLoads picks Monday..Sunday of an ISO week', () => {
    const m = new Map([
      ['2027-01-03', 99], // Sunday of the week before
      ['2027-01-04', 10], // Monday of 2027-W01
      ['2027-01-10', 70], // Sunday
    ]);
    expect(weekLoads(m, '2027-W01')).toEqual([10, 0, 0, 0, 0, 0, 70]);
  });
});

describe('distance ramp', () => {
  it('is the week-on-week change as a fraction', () => {
    expect(distanceRamp(55_000, 50_000)).toBeCloseTo(0.1, 12);
    expect(distanceRamp(40_000, 50_000)).toBeCloseTo(-0.2, 12);
    expect(distanceRamp(40_000, 0)).toBeNull();
  });
});

describe("the week's ACWR (rollingAcwr) and its bands", () => {
  it('is the 7-day over the 28-day mean load at the end of the week', () => {
    // Five weeks of 40 a day, then a week of 20 a day (42 days): acute 20, chronic (21 × 40 + 7 × 20) / 28 = 35.
    const loads = new Map(fillDays('2026-12-28', '2027-02-07', new Map()).map((d, i) => [d.date, i < 35 ? 40 : 20]));
    const r = rollingAcwr(loads, '2027-02-07', 42);
    expect(r.acute7d).toBe(20);
    expect(r.chronic28d).toBe(35);
    expect(r.ratio).toBeCloseTo(0.571429, 6);
    expect(r.band).toBe('low');
  });

  it('is a baseline being built, not a ratio, before 42 days of history', () => {
    const loads = new Map([['2027-01-04', 50]]);
    expect(rollingAcwr(loads, '2027-02-13', 41)).toMatchObject({ ratio: null, band: 'building_baseline', historyDays: 41 });
    expect(rollingAcwr(new Map(), '2027-02-13', 60)).toMatchObject({ ratio: null, band: 'building_baseline' });
  });

  it('bands: < 0.8 low, 0.8–1.3 sweet spot, to 1.5 caution, above spike (two decimals)', () => {
    expect([0.79, 0.795, 0.8, 1.3, 1.304, 1.31, 1.5, 1.504, 1.51].map(acwrBand)).toEqual([
      'low',
      'sweet_spot',
      'sweet_spot',
      'sweet_spot',
      'sweet_spot',
      'caution',
      'caution',
      'caution',
      'spike',
    ]);
  });
});

describe('seededStart (the baseline)', () => {
  it('starts a series from the mean load of its first 28 days, not from 0', () => {
    // 28 days alternating 90 and 0: mean 45. A runner at that steady load shows form near 0 from day 1.
    const days = fillDays('2027-01-04', '2027-02-28', new Map()).map((d, i) => ({ date: d.date, load: i % 2 === 0 ? 90 : 0 }));
    const seed = seededStart(days)!;
    expect(seed).toEqual({ date: '2027-01-03', load: 0, acute: 45, chronic: 45, form: 0, acwrAcute: 45, acwrChronic: 45, acwr: null, day: 0 });
    const seeded = loadSeries(seed, days);
    const cold = loadSeries(null, days);
    expect(seeded[0]!.day).toBe(1);
    expect(Math.max(...seeded.map((s) => Math.abs(s.form)))).toBeLessThan(10);
    expect(Math.min(...cold.map((s) => s.form))).toBeLessThan(-25);
    expect(seededStart([])).toBeNull();
    expect(seededStart(days.slice(0, 3))!.chronic).toBe(60);
  });
});
