import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHardKind, isQualityKind, isRunKind, type TrainingPlan } from '../domain/plan.ts';
import { metresPerUnit } from '../domain/units.ts';
import { checkPlan, formatFindings } from './check.ts';
import {
  GeneratePlanError,
  generatePlan,
  outlinePlan,
  parseGenerateArgs,
  peakDistanceBoundsM,
  type GeneratePlanOptions,
} from './generate.ts';
import { addDays, daysBetween, isoWeekOf, weekdayOf, WEEKDAYS } from '../domain/iso-week.ts';
import { LONG_RUN_BOUNDS, longRunBounds, longRunMaxShare } from './rules.ts';
import { longRunPaceSPerKm, pacesForMarathonGoal } from './paces.ts';

/** Weekly running volume (race excluded) in plan units, one entry per plan week, in order. */
function weeklyUnits(plan: TrainingPlan): number[] {
  const raceDate = plan.race?.date ?? plan.startDate;
  const weeks = Math.floor(daysBetween(plan.startDate, raceDate) / 7) + 1;
  const out = Array<number>(weeks).fill(0);
  for (const s of plan.sessions) {
    if (!isRunKind(s.kind) || s.kind === 'race') continue;
    const i = Math.floor(daysBetween(plan.startDate, s.date) / 7);
    // Sessions are whole plan units, stored as whole metres.
    out[i] = (out[i] ?? 0) + Math.round(((s.distanceM ?? 0) / metresPerUnit(plan.units)) * 100) / 100;
  }
  return out;
}

const options = fc.record({
  raceOffset: fc.integer({ min: 0, max: 3650 }),
  weeks: fc.integer({ min: 12, max: 20 }),
  runsPerWeek: fc.integer({ min: 3, max: 7 }),
  strengthSessions: fc.constantFrom(1, 2),
  longRunDay: fc.constantFrom(...WEEKDAYS),
  units: fc.constantFrom('km' as const, 'mi' as const),
  peakShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
  goalTimeS: fc.option(fc.integer({ min: 9000, max: 19_800 })),
});

type RandomOptions = typeof options extends fc.Arbitrary<infer T> ? T : never;

function toOptions(o: RandomOptions): GeneratePlanOptions {
  const bounds = peakDistanceBoundsM(o.runsPerWeek, o.units);
  return {
    raceDate: addDays('2025-01-01', o.raceOffset),
    weeks: o.weeks,
    runsPerWeek: o.runsPerWeek,
    strengthSessions: o.strengthSessions,
    longRunDay: o.longRunDay,
    units: o.units,
    ...(o.peakShare !== null ? { peakWeeklyDistanceM: bounds.min + o.peakShare * (bounds.max - bounds.min) } : {}),
    ...(o.goalTimeS !== null ? { goalTimeS: o.goalTimeS } : {}),
  };
}

describe('generatePlan', () => {
  it.each([12, 16, 20].flatMap((weeks) => [3, 4, 5, 6, 7].map((runs) => [weeks, runs] as const)))(
    '%i weeks, %i runs a week: passes plan check with no findings',
    (weeks, runs) => {
      const plan = generatePlan({ raceDate: '2027-04-25', weeks, runsPerWeek: runs });
      expect(formatFindings(checkPlan(plan))).toBe(formatFindings([]));
      expect(plan.startDate).toBe(addDays('2027-04-19', -(weeks - 1) * 7));
      expect(plan.sessions.at(-1)).toMatchObject({ date: '2027-04-25', kind: 'race', distanceM: 42195 });
    },
  );

  it('uses the defaults: 16 weeks, 5 runs, 2 strength sessions, long run on Sunday, km', () => {
    const plan = generatePlan({ raceDate: '2027-10-10' });
    expect(plan.units).toBe('km');
    expect(outlinePlan({ raceDate: '2027-10-10' })).toHaveLength(16);
    const firstWeek = plan.sessions.filter((s) => s.date < addDays(plan.startDate, 7));
    expect(firstWeek.filter((s) => isRunKind(s.kind))).toHaveLength(5);
    expect(firstWeek.filter((s) => s.kind === 'strength')).toHaveLength(2);
    expect(weekdayOf(firstWeek.find((s) => s.kind === 'long')?.date ?? '')).toBe('sun');
  });

  it('follows base → build → peak → taper with cut-backs every 3–4 weeks', () => {
    for (const weeks of [12, 16, 20]) {
      const outline = outlinePlan({ raceDate: '2027-04-25', weeks });
      const phases = outline.map((w) => w.phase);
      expect(phases.join(' ')).toMatch(/^(base )+(build )+(peak ){2,4}(taper ){1,2}race$/);
      // Long run on Sunday, race on Sunday: the last big long run is 21 days out, then 2 taper weeks.
      expect(outline.filter((w) => w.phase === 'taper' || w.phase === 'race')).toHaveLength(3);
      // Never more than 4 weeks between recovery weeks (cut-backs, then the taper).
      let sinceRecovery = 0;
      for (const w of outline) {
        sinceRecovery = w.cutback || w.phase === 'taper' ? 0 : sinceRecovery + 1;
        expect(sinceRecovery).toBeLessThanOrEqual(4);
      }
    }
  });

  it('places strength after the run on quality days, 40–60 min, 30 min and ≥ 72 h before the race in race week', () => {
    const plan = generatePlan({ raceDate: '2027-04-25', weeks: 16, runsPerWeek: 6 });
    const strength = plan.sessions.filter((s) => s.kind === 'strength');
    for (const s of strength) {
      const raceWeek = daysBetween(s.date, '2027-04-25') < 7;
      expect(s.durationS).toBeGreaterThanOrEqual((raceWeek ? 20 : 40) * 60);
      expect(s.durationS).toBeLessThanOrEqual((raceWeek ? 30 : 60) * 60);
      if (raceWeek) expect(daysBetween(s.date, '2027-04-25')).toBeGreaterThanOrEqual(3);
      const sameDay = plan.sessions.filter((x) => x.date === s.date && x.kind !== 'strength');
      if (sameDay.length > 0) expect(s.order).toBe(2);
    }
    // Weeks 5–6 are build weeks with two quality sessions (week 7 is a cut-back).
    const build = strength.filter((s) => s.date >= '2027-02-01' && s.date < '2027-02-15');
    expect(build).toHaveLength(4);
    expect(build.every((s) => plan.sessions.some((x) => x.date === s.date && isQualityKind(x.kind)))).toBe(true);
    const raceWeek = strength.filter((s) => s.date >= '2027-04-19');
    expect(raceWeek).toHaveLength(1);
    expect(raceWeek[0]?.date).toBe('2027-04-20');
    expect(raceWeek[0]?.notes).toContain('light');
  });

  it('is deterministic', () => {
    expect(generatePlan({ raceDate: '2027-04-25', units: 'mi' })).toEqual(generatePlan({ raceDate: '2027-04-25', units: 'mi' }));
  });

  it('rejects bad options with every problem listed', () => {
    const bad = (): TrainingPlan =>
      generatePlan({ raceDate: '2027-02-30', weeks: 25, runsPerWeek: 2, strengthSessions: 3, peakWeeklyDistanceM: 10_000 });
    expect(bad).toThrow(GeneratePlanError);
    try {
      bad();
    } catch (e) {
      const problems = (e as GeneratePlanError).problems.map((p) => p.message);
      expect(problems).toEqual([
        "--race-date '2027-02-30' is not a calendar date (YYYY-MM-DD)",
        '--weeks must be a whole number from 12 to 20 (got 25)',
        '--runs-per-week must be a whole number from 3 to 7 (got 2)',
        '--strength-sessions must be a whole number from 1 to 2 (got 3)',
        '--peak-distance 10 km is too low for 5 runs a week: a marathon long run of at least 26 km within 35% of the week needs a peak of at least 75 km',
      ]);
    }
    expect(() => generatePlan({ raceDate: '2027-04-25', runsPerWeek: 3, peakWeeklyDistanceM: 200_000 })).toThrow(
      '--peak-distance 200 km is too high for 3 runs a week: use at most 75 km or more runs',
    );
  });

  it('parses command-line strings', () => {
    expect(
      parseGenerateArgs({ raceDate: '2027-04-25', weeks: '18', runsPerWeek: '4', peakDistance: '40mi', longRunDay: 'Saturday', strengthSessions: '1', units: 'mi', goal: '3:30:00' }),
    ).toEqual({
      raceDate: '2027-04-25',
      weeks: 18,
      runsPerWeek: 4,
      peakWeeklyDistanceM: 64374,
      longRunDay: 'sat',
      strengthSessions: 1,
      units: 'mi',
      goalTimeS: 12600,
    });
    expect(() => parseGenerateArgs({ raceDate: '2027-04-25', weeks: 'many', peakDistance: '40', longRunDay: 'someday' })).toThrow(
      /--weeks must be a whole number \(got 'many'\)[\s\S]*--long-run-day must be one of[\s\S]*--peak-distance '40' has no unit/,
    );
  });
});

describe('generatePlan properties (random options)', () => {
  const RUNS = 150;

  it('passes plan check', () => {
    fc.assert(
      fc.property(options, (o) => {
        expect(checkPlan(generatePlan(toOptions(o)))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('never raises volume more than 10% week on week outside a cut-back recovery', () => {
    fc.assert(
      fc.property(options, (o) => {
        const v = weeklyUnits(generatePlan(toOptions(o)));
        for (let i = 1; i < v.length; i++) {
          const prev = v[i - 1] ?? 0;
          const before = v[i - 2];
          // After a cut-back week (≥ 10% down), the reference is the week before the cut-back.
          const ref = before !== undefined && prev <= 0.9 * before ? before : prev;
          expect(v[i]).toBeLessThanOrEqual(ref * 1.1 + 1e-6);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('has at least one strength session in every week (a race week without a day 72 h before the race aside)', () => {
    fc.assert(
      fc.property(options, (o) => {
        const plan = generatePlan(toOptions(o));
        const raceDate = plan.race?.date ?? '';
        const weeks = new Set<string>();
        for (let d = plan.startDate; d <= raceDate; d = addDays(d, 7)) weeks.add(isoWeekOf(d));
        const lastWeekDays = (daysBetween(plan.startDate, raceDate) % 7) + 1;
        // Race week needs strength when it has a day at least 72 h (3 days) before the race.
        if (lastWeekDays <= 3) weeks.delete(isoWeekOf(raceDate));
        else weeks.add(isoWeekOf(raceDate));
        const withStrength = new Set(plan.sessions.filter((s) => s.kind === 'strength').map((s) => isoWeekOf(s.date)));
        for (const w of weeks) expect(withStrength.has(w), w).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('never puts strength the day before a long run, a quality session or the race', () => {
    fc.assert(
      fc.property(options, (o) => {
        const plan = generatePlan(toOptions(o));
        for (const s of plan.sessions.filter((x) => x.kind === 'strength')) {
          const next = addDays(s.date, 1);
          const nextHard = plan.sessions.filter((x) => x.date === next && isHardKind(x.kind));
          expect(nextHard, `strength on ${s.date}`).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('lets volume fall through the taper', () => {
    fc.assert(
      fc.property(options, (o) => {
        const opts = toOptions(o);
        const v = weeklyUnits(generatePlan(opts));
        const taper = outlinePlan(opts).filter((w) => w.phase === 'taper' || w.phase === 'race').length;
        for (let i = v.length - taper; i < v.length; i++) expect(v[i]).toBeLessThan(v[i - 1] ?? 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('runs the requested number of runs in loading weeks and ends on race day', () => {
    fc.assert(
      fc.property(options, (o) => {
        const opts = toOptions(o);
        const plan = generatePlan(opts);
        const firstWeek = plan.sessions.filter((s) => s.date < addDays(plan.startDate, 7) && isRunKind(s.kind));
        expect(firstWeek).toHaveLength(opts.runsPerWeek ?? 5);
        expect(plan.sessions.at(-1)?.kind).toBe('race');
        expect(plan.sessions.every((s) => s.date >= plan.startDate && s.date <= opts.raceDate)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('long runs a coach would sign (#19 points 1–3)', () => {
  const RUNS = 150;
  const longs = (plan: TrainingPlan): { date: string; units: number }[] =>
    plan.sessions
      .filter((s) => s.kind === 'long')
      .map((s) => ({ date: s.date, units: Math.round(((s.distanceM ?? 0) / metresPerUnit(plan.units)) * 100) / 100 }));

  it('peaks at a marathon long run (16–20 mi / 26–32 km, or 2 h 45–3 h at long-run pace) within 35% of the week (40% at 3 runs)', () => {
    fc.assert(
      fc.property(options, (o) => {
        const opts = toOptions(o);
        const plan = generatePlan(opts);
        const bounds = longRunBounds(plan.units, longRunPaceSPerKm(opts.goalTimeS ?? null));
        expect(bounds.max).toBeLessThanOrEqual(LONG_RUN_BOUNDS[plan.units].max);
        const peak = Math.max(...longs(plan).map((l) => l.units));
        expect(peak).toBeGreaterThanOrEqual(bounds.minPeak);
        expect(peak).toBeLessThanOrEqual(bounds.max);
        const v = weeklyUnits(plan);
        for (const l of longs(plan)) {
          const i = Math.floor(daysBetween(plan.startDate, l.date) / 7);
          // Weeks the race week reaches into follow the near-race caps instead (their runs are the taper's).
          if (daysBetween(addDays(plan.startDate, 7 * i + 6), plan.race?.date ?? '') < 7) continue;
          expect(l.units, l.date).toBeLessThanOrEqual(longRunMaxShare(opts.runsPerWeek ?? 5) * (v[i] ?? 0) + 1e-6);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('runs the last big long run (≥ 18 mi / 29 km, or the peak when shorter) 21 ± 3 days before the race', () => {
    fc.assert(
      fc.property(options, (o) => {
        const plan = generatePlan(toOptions(o));
        const raceDate = plan.race?.date ?? '';
        const all = longs(plan);
        const big = Math.min(LONG_RUN_BOUNDS[plan.units].big, Math.max(...all.map((l) => l.units)));
        const last = all.filter((l) => l.units >= big).at(-1);
        const days = daysBetween(last?.date ?? plan.startDate, raceDate);
        expect(days).toBeGreaterThanOrEqual(18);
        expect(days).toBeLessThanOrEqual(24);
      }),
      { numRuns: RUNS },
    );
  });

  it('cuts the long run in cut-back weeks', () => {
    fc.assert(
      fc.property(options, (o) => {
        const opts = toOptions(o);
        const plan = generatePlan(opts);
        const byWeek = new Map(longs(plan).map((l) => [Math.floor(daysBetween(plan.startDate, l.date) / 7) + 1, l.units]));
        for (const w of outlinePlan(opts).filter((x) => x.cutback)) {
          expect(byWeek.get(w.week) ?? 0, `week ${w.week}`).toBeLessThan(byWeek.get(w.week - 1) ?? Infinity);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a peak too low for the long run, naming the lowest that works (peaks 20–100 mi)', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 20, max: 100 }), (o, miles) => {
        const opts: GeneratePlanOptions = { ...toOptions(o), units: 'mi', peakWeeklyDistanceM: miles * 1609.344 };
        const bounds = peakDistanceBoundsM(opts.runsPerWeek ?? 5, 'mi', opts.goalTimeS ?? null);
        if (miles * 1609.344 > bounds.max) return;
        if (miles * 1609.344 >= bounds.min - 0.5) {
          expect(checkPlan(generatePlan(opts))).toEqual([]);
          return;
        }
        const lowest = Math.ceil(bounds.min / 1609.344 - 1e-9);
        expect(() => generatePlan(opts)).toThrow(`needs a peak of at least ${lowest} mi`);
        expect(checkPlan(generatePlan({ ...opts, peakWeeklyDistanceM: lowest * 1609.344 }))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('caps the long run at 3 h for a 5:30 goal (19 km at about 9:05/km), 20 mi for a 3:00 goal', () => {
    const slow = generatePlan({ raceDate: '2027-04-25', weeks: 16, runsPerWeek: 5, goalTimeS: 19_800 });
    expect(Math.max(...slow.sessions.filter((s) => s.kind === 'long').map((s) => s.distanceM ?? 0))).toBe(19_000);
    const fast = generatePlan({ raceDate: '2027-04-25', weeks: 16, runsPerWeek: 6, units: 'mi', peakWeeklyDistanceM: 60 * 1609.344, goalTimeS: 10_800 });
    expect(Math.max(...fast.sessions.filter((s) => s.kind === 'long').map((s) => Math.round((s.distanceM ?? 0) / 1609.344)))).toBe(20);
  });

  it('18 weeks, 4 runs, 25 mi peak: refused with the lowest peak (the issue’s example)', () => {
    // 4:45 goal: long-run pace ≈ 7:54/km, 2 h 45 min ≈ 12.99 mi (12 whole miles), so 12 mi within 35% needs 35 mi.
    expect(() => generatePlan({ raceDate: '2027-04-25', weeks: 18, runsPerWeek: 4, peakWeeklyDistanceM: 25 * 1609.344, units: 'mi', goalTimeS: 17100 })).toThrow(
      '--peak-distance 25 mi is too low for 4 runs a week: a marathon long run of at least 12 mi within 35% of the week needs a peak of at least 35 mi',
    );
    expect(() => generatePlan({ raceDate: '2027-04-25', weeks: 18, runsPerWeek: 4, peakWeeklyDistanceM: 25 * 1609.344, units: 'mi' })).toThrow(
      'a marathon long run of at least 16 mi within 35% of the week needs a peak of at least 46 mi',
    );
  });
});

describe('pace targets from the goal (#19 point 4)', () => {
  it('puts a pace target consistent with the goal on every run but hills and the race', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 9000, max: 19_800 }), (o, goal) => {
        const plan = generatePlan({ ...toOptions(o), goalTimeS: goal });
        const p = pacesForMarathonGoal(goal);
        for (const s of plan.sessions.filter((x) => isRunKind(x.kind) && x.kind !== 'race' && x.kind !== 'hills')) {
          const t = s.target;
          expect(t?.type, `${s.date} ${s.kind}`).toBe('pace');
          if (t?.type !== 'pace') continue;
          if (s.kind === 'long' || s.kind === 'easy' || s.kind === 'recovery') expect(t.minSPerKm).toBeGreaterThan(p.marathon.slowSPerKm);
          if (s.kind === 'intervals') expect(t.maxSPerKm).toBeLessThan(p.threshold.fastSPerKm);
          if (s.kind === 'race_pace') expect([t.minSPerKm, t.maxSPerKm]).toEqual([Math.round(p.marathon.fastSPerKm), Math.round(p.marathon.slowSPerKm)]);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('impossible dates (#19 point 7)', () => {
  it('refuses a plan that would start before today, naming the longest that fits', () => {
    // Race Sun 2027-04-25; today Wed 2027-01-20: the latest Monday ≥ today is 2027-01-25, 13 weeks out.
    expect(() => generatePlan({ raceDate: '2027-04-25', weeks: 16, today: '2027-01-20' })).toThrow(
      'a 16-week plan for the race on 2027-04-25 would start on 2027-01-04, before today (2027-01-20): use --weeks 13',
    );
    expect(generatePlan({ raceDate: '2027-04-25', weeks: 13, today: '2027-01-20' }).startDate).toBe('2027-01-25');
  });

  it('refuses a race too close for any plan', () => {
    expect(() => generatePlan({ raceDate: '2027-04-25', weeks: 16, today: '2027-04-08' })).toThrow(
      'the race on 2027-04-25 is 17 days away: too close for a marathon plan of at least 12 weeks',
    );
  });
});
