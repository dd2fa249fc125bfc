import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ActivityCategory } from '../domain/activity.ts';
import { SESSION_KINDS, type SessionKind } from '../domain/plan.ts';
import { addDays } from '../domain/iso-week.ts';
import { MATCH_COST, MAX_DAY_SHIFT, complianceBand, matchCategory, matchCost, matchWeek, volumeRatio } from './matching.ts';
import { activity, metrics, planned } from '../../test/support/analysis.ts';
import type { ActivityMetrics, IntensityClass, MatchActivity, PlannedSessionRef, SessionMatch } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Factories


const NO_METRICS: ReadonlyMap<string, ActivityMetrics> = new Map();
const byId = (...ms: ActivityMetrics[]) => new Map(ms.map((m) => [m.activityId, m]));

const MON = '2026-06-08';
const TUE = '2026-06-09';
const WED = '2026-06-10';
const THU = '2026-06-11';
const SAT = '2026-06-13';
const SUN = '2026-06-14';

function only(matches: SessionMatch[], plannedId: string): SessionMatch {
  const m = matches.find((x) => x.plannedId === plannedId);
  if (m === undefined) throw new Error(`no match for ${plannedId}`);
  return m;
}

function unplannedIds(matches: SessionMatch[]): string[] {
  return matches.filter((m) => m.status === 'unplanned').map((m) => m.activityId ?? '');
}

// ---------------------------------------------------------------------------------------------
// Bands

describe('complianceBand', () => {
  it.each([
    [1, 'green'],
    [0.8, 'green'],
    [1.2, 'green'],
    [0.795, 'green'], // 79.5 % rounds to 80 %
    [0.79, 'yellow'],
    [0.5, 'yellow'],
    [1.21, 'yellow'],
    [1.5, 'yellow'],
    [0.49, 'orange'],
    [1.51, 'orange'],
    [0, 'orange'],
    [3, 'orange'],
  ] as const)('ratio %f is %s', (ratio, band) => {
    expect(complianceBand(ratio)).toBe(band);
  });

  it('rejects negative and non-finite ratios', () => {
    expect(() => complianceBand(-0.1)).toThrow(RangeError);
    expect(() => complianceBand(Number.NaN)).toThrow(RangeError);
    expect(() => complianceBand(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Statuses on hand-made weeks

describe('matchWeek statuses', () => {
  it('completed: same day, 80–120 % of the planned distance', () => {
    const [m] = matchWeek([planned('p', TUE, 'easy', { distanceM: 10_000 })], [activity('a', TUE, { distanceM: 10_500 })], NO_METRICS);
    expect(m).toEqual({
      plannedId: 'p',
      activityId: 'a',
      status: 'completed',
      ratio: 1.05,
      band: 'green',
      dayShift: 0,
      plannedKind: 'easy',
      plannedDate: TUE,
      activityDate: TUE,
    });
  });

  it('partial: under 80 % (yellow from 50 %, orange below)', () => {
    const ms = matchWeek(
      [planned('p1', TUE, 'easy', { distanceM: 10_000 }), planned('p2', THU, 'easy', { distanceM: 10_000 })],
      [activity('a1', TUE, { distanceM: 6_000 }), activity('a2', THU, { distanceM: 4_000 })],
      NO_METRICS,
    );
    expect(only(ms, 'p1')).toMatchObject({ status: 'partial', band: 'yellow', activityId: 'a1' });
    expect(only(ms, 'p1').ratio).toBeCloseTo(0.6);
    expect(only(ms, 'p2')).toMatchObject({ status: 'partial', band: 'orange', activityId: 'a2' });
  });

  it('exceeded: over 120 % (yellow to 150 %, orange above)', () => {
    const ms = matchWeek(
      [planned('p1', TUE, 'easy', { distanceM: 10_000 }), planned('p2', THU, 'easy', { distanceM: 10_000 })],
      [activity('a1', TUE, { distanceM: 13_000 }), activity('a2', THU, { distanceM: 16_000 })],
      NO_METRICS,
    );
    expect(only(ms, 'p1')).toMatchObject({ status: 'exceeded', band: 'yellow' });
    expect(only(ms, 'p2')).toMatchObject({ status: 'exceeded', band: 'orange' });
  });

  it('moved: one day either side; the band still comes from the ratio', () => {
    const ms = matchWeek(
      [planned('p1', TUE, 'tempo', { distanceM: 10_000 }), planned('p2', SAT, 'long', { distanceM: 30_000 })],
      [activity('a1', WED, { distanceM: 7_000 }), activity('a2', SUN, { distanceM: 50_000 })],
      NO_METRICS,
    );
    expect(only(ms, 'p1')).toMatchObject({ status: 'moved', dayShift: 1, band: 'yellow', activityDate: WED, plannedDate: TUE });
    expect(only(ms, 'p1').ratio).toBeCloseTo(0.7);
    expect(only(ms, 'p2')).toMatchObject({ status: 'moved', dayShift: 1, band: 'orange' });
    const back = matchWeek([planned('p', WED, 'easy', { distanceM: 8_000 })], [activity('a', TUE, { distanceM: 8_000 })], NO_METRICS);
    expect(back).toEqual([expect.objectContaining({ status: 'moved', dayShift: -1, band: 'green', ratio: 1 })]);
  });

  it('missed: no activity within a day; red, ratio 0 (null when the plan states no volume)', () => {
    const ms = matchWeek(
      [planned('p1', MON, 'intervals', { durationS: 3600 }), planned('p2', THU, 'easy')],
      [activity('a', SAT, { distanceM: 10_000 })],
      NO_METRICS,
    );
    expect(only(ms, 'p1')).toEqual({
      plannedId: 'p1',
      activityId: null,
      status: 'missed',
      ratio: 0,
      band: 'red',
      dayShift: 0,
      plannedKind: 'intervals',
      plannedDate: MON,
      activityDate: null,
    });
    expect(only(ms, 'p2')).toMatchObject({ status: 'missed', ratio: null, band: 'red' });
  });

  it('unplanned: an activity nothing was planned for', () => {
    expect(matchWeek([], [activity('a', TUE)], NO_METRICS)).toEqual([
      {
        plannedId: null,
        activityId: 'a',
        status: 'unplanned',
        ratio: null,
        band: null,
        dayShift: 0,
        plannedKind: null,
        plannedDate: null,
        activityDate: TUE,
      },
    ]);
  });

  it('a rest session never matches and is not listed; a run on the rest day is unplanned', () => {
    const ms = matchWeek(
      [planned('r', WED, 'rest'), planned('p', MON, 'easy', { distanceM: 8000 })],
      [activity('a', WED, { distanceM: 8000 }), activity('b', MON, { distanceM: 8000 })],
      NO_METRICS,
    );
    expect(ms.map((m) => [m.plannedId, m.activityId, m.status])).toEqual([
      ['p', 'b', 'completed'],
      [null, 'a', 'unplanned'],
    ]);
  });

  it('a session from the day before a rest day may still be done on the rest day (moved)', () => {
    const ms = matchWeek(
      [planned('long', SAT, 'long', { distanceM: 30_000 }), planned('r', SUN, 'rest')],
      [activity('a', SUN, { distanceM: 30_000 })],
      NO_METRICS,
    );
    expect(ms).toEqual([expect.objectContaining({ plannedId: 'long', activityId: 'a', status: 'moved', dayShift: 1 })]);
  });

  it('a matched session with no comparable volume is completed with no band', () => {
    const ms = matchWeek([planned('p', TUE, 'easy', { distanceM: 10_000 })], [activity('a', TUE, { distanceM: null, movingS: 3000 })], NO_METRICS);
    expect(ms).toEqual([expect.objectContaining({ status: 'completed', ratio: null, band: null })]);
  });
});

describe('matchWeek kinds and volume', () => {
  it('pairs run kinds with runs, strength with strength, cross with other sports, never across', () => {
    const ms = matchWeek(
      [
        planned('run', TUE, 'easy', { durationS: 3600 }),
        planned('gym', TUE, 'strength', { durationS: 2700 }),
        planned('bike', TUE, 'cross', { durationS: 3600 }),
      ],
      [
        activity('s', TUE, { category: 'strength', movingS: 2400 }),
        activity('c', TUE, { category: 'other', movingS: 3600 }),
        activity('r', TUE, { category: 'run', movingS: 3600 }),
      ],
      NO_METRICS,
    );
    expect(only(ms, 'run').activityId).toBe('r');
    expect(only(ms, 'gym')).toMatchObject({ activityId: 's', status: 'completed', band: 'green' });
    expect(only(ms, 'gym').ratio).toBeCloseTo(2400 / 2700);
    expect(only(ms, 'bike').activityId).toBe('c');

    const none = matchWeek([planned('gym', TUE, 'strength', { durationS: 2700 })], [activity('r', TUE)], NO_METRICS);
    expect(none.map((m) => m.status)).toEqual(['missed', 'unplanned']);
  });

  it('matchCategory maps every kind', () => {
    const got = Object.fromEntries(SESSION_KINDS.map((k) => [k, matchCategory(k)]));
    expect(got).toEqual({
      rest: null,
      easy: 'run',
      recovery: 'run',
      long: 'run',
      tempo: 'run',
      threshold: 'run',
      intervals: 'run',
      hills: 'run',
      race_pace: 'run',
      race: 'run',
      strength: 'strength',
      cross: 'other',
    });
  });

  it('ratio uses distance, else duration (moving, else elapsed time), else null', () => {
    const p = planned('p', TUE, 'easy', { distanceM: 10_000, durationS: 3000 });
    expect(volumeRatio(p, activity('a', TUE, { distanceM: 9_000, movingS: 6000 }))).toBeCloseTo(0.9);
    expect(volumeRatio(p, activity('a', TUE, { distanceM: null, movingS: 2700 }))).toBeCloseTo(0.9);
    expect(volumeRatio(p, activity('a', TUE, { distanceM: 0, movingS: null, elapsedS: 3300 }))).toBeCloseTo(1.1);
    expect(volumeRatio(planned('p', TUE, 'easy'), activity('a', TUE, { distanceM: 9000 }))).toBeNull();
    expect(volumeRatio(planned('p', TUE, 'easy', { distanceM: 10_000 }), activity('a', TUE, { movingS: 3000 }))).toBeNull();
  });
});

describe('matchCost', () => {
  it('adds volume, intensity and long-run terms', () => {
    const p = planned('p', TUE, 'easy', { distanceM: 10_000 });
    const a = activity('a', WED, { distanceM: 5_000 });
    const c = matchCost(p, a, metrics('a', { intensity: 'hard', long: false }));
    expect(c).not.toBeNull();
    expect(c?.dayShift).toBe(1);
    expect(c?.volume).toBeCloseTo(Math.log(2));
    expect(c?.intensity).toBe(1); // two steps above easy
    expect(c?.long).toBe(0);
    expect(c?.fit).toBe(1.693);
    expect(c?.total).toBe(2.693);
  });

  it('uses the neutral costs when nothing is known', () => {
    const c = matchCost(planned('p', TUE, 'long'), activity('a', TUE), undefined);
    expect(c).toEqual({ dayShift: 0, volume: 0.5, intensity: 0.25, long: 0.125, fit: 0.875, total: 0.875 });
  });

  it('treats a class with no heart rate or pace behind it as unknown, unless laps show intervals', () => {
    const p = planned('p', TUE, 'tempo');
    const guess = metrics('a', { intensity: 'easy', intensityBasis: 'none' });
    expect(matchCost(p, activity('a', TUE), guess)?.intensity).toBe(0.25);
    const laps = metrics('a', { intensity: 'hard', intensityBasis: 'none', intervals: true });
    expect(matchCost(p, activity('a', TUE), laps)?.intensity).toBe(0);
    const hr = metrics('a', { intensity: 'easy', intensityBasis: 'hr' });
    expect(matchCost(p, activity('a', TUE), hr)?.intensity).toBe(0.5);
  });

  it('expects easy for easy runs, easy–moderate for long runs, moderate–hard for quality', () => {
    const cost = (kind: SessionKind, intensity: IntensityClass, long = false) =>
      matchCost(planned('p', TUE, kind), activity('a', TUE), metrics('a', { intensity, long }))?.intensity;
    expect([cost('easy', 'easy'), cost('easy', 'moderate'), cost('recovery', 'hard')]).toEqual([0, 0.5, 1]);
    expect([cost('long', 'easy', true), cost('long', 'moderate', true), cost('long', 'hard', true)]).toEqual([0, 0, 0.5]);
    expect([cost('intervals', 'easy'), cost('tempo', 'moderate'), cost('race', 'hard')]).toEqual([0.5, 0, 0]);
  });

  it('is null across kinds, for rest, and beyond one day', () => {
    expect(matchCost(planned('p', TUE, 'rest'), activity('a', TUE), undefined)).toBeNull();
    expect(matchCost(planned('p', TUE, 'easy'), activity('a', TUE, { category: 'strength' }), undefined)).toBeNull();
    expect(matchCost(planned('p', TUE, 'easy'), activity('a', THU), undefined)).toBeNull();
    expect(matchCost(planned('p', THU, 'easy'), activity('a', TUE), undefined)).toBeNull();
  });
});

describe('matchWeek assignment', () => {
  it('prefers the same day over a better-fitting run one day away, unless the same-day fit is far off', () => {
    const ms = matchWeek(
      [planned('p', TUE, 'easy', { distanceM: 10_000 })],
      [activity('mon', MON, { distanceM: 10_000 }), activity('tue', TUE, { distanceM: 5_000 })],
      NO_METRICS,
    );
    expect(only(ms, 'p')).toMatchObject({ activityId: 'tue', status: 'partial' });
    expect(unplannedIds(ms)).toEqual(['mon']);
    // A 3 km shake-out on Tuesday is not the planned 10 km: Monday's 10 km was the session, moved.
    const far = matchWeek(
      [planned('p', TUE, 'easy', { distanceM: 10_000 })],
      [activity('mon', MON, { distanceM: 10_000 }), activity('tue', TUE, { distanceM: 3_000 })],
      NO_METRICS,
    );
    expect(only(far, 'p')).toMatchObject({ activityId: 'mon', status: 'moved', dayShift: -1 });
  });

  it('sees a long run moved onto the next day even when that day had its own session', () => {
    const ms = matchWeek(
      [planned('long', SAT, 'long', { distanceM: 30_000 }), planned('easy', SUN, 'easy', { distanceM: 8_000 })],
      [activity('a', SUN, { distanceM: 33_000 })],
      byId(metrics('a', { intensity: 'easy', long: true })),
    );
    expect(only(ms, 'long')).toMatchObject({ activityId: 'a', status: 'moved', band: 'green' });
    expect(only(ms, 'easy')).toMatchObject({ status: 'missed' });
  });

  it('is optimal, not greedy: a week shifted by one day pairs everything as moved', () => {
    // Greedy same-day first would pair Tue↔Tue and leave Mon missed and Wed unplanned.
    const ms = matchWeek(
      [planned('p1', MON, 'easy', { distanceM: 8000 }), planned('p2', TUE, 'easy', { distanceM: 8000 })],
      [activity('a1', TUE, { distanceM: 8000 }), activity('a2', WED, { distanceM: 8000 })],
      NO_METRICS,
    );
    expect(ms.map((m) => [m.plannedId, m.activityId, m.status])).toEqual([
      ['p1', 'a1', 'moved'],
      ['p2', 'a2', 'moved'],
    ]);
  });

  it('does not ripple moves through the week to absorb one extra run', () => {
    const ms = matchWeek(
      [
        planned('tue', TUE, 'intervals', { distanceM: 12_000 }),
        planned('wed', WED, 'easy', { distanceM: 8_000 }),
        planned('thu', THU, 'tempo', { distanceM: 10_000 }),
        planned('fri', addDays(THU, 1), 'recovery', { distanceM: 6_000 }),
      ],
      [
        activity('mon', MON, { distanceM: 5_000 }),
        activity('a_tue', TUE, { distanceM: 12_000 }),
        activity('a_wed', WED, { distanceM: 8_000 }),
        activity('a_thu', THU, { distanceM: 10_000 }),
      ],
      byId(metrics('a_tue', { intensity: 'hard' }), metrics('a_wed', { intensity: 'easy' }), metrics('a_thu', { intensity: 'moderate' })),
    );
    expect(ms.map((m) => [m.plannedId, m.activityId, m.status])).toEqual([
      [null, 'mon', 'unplanned'],
      ['tue', 'a_tue', 'completed'],
      ['wed', 'a_wed', 'completed'],
      ['thu', 'a_thu', 'completed'],
      ['fri', null, 'missed'],
    ]);
  });

  it('always pairs an unclaimed same-day candidate, however poor the fit', () => {
    const ms = matchWeek(
      [planned('long', SAT, 'long', { distanceM: 30_000 })],
      [activity('a', SAT, { distanceM: 1_000 })],
      byId(metrics('a', { intensity: 'hard', long: false })),
    );
    expect(ms).toEqual([expect.objectContaining({ plannedId: 'long', activityId: 'a', status: 'partial', band: 'orange' })]);
  });

  it('does not pair a moved candidate whose fit is far off (cost above two unpaired items)', () => {
    const p = planned('long', SAT, 'long', { distanceM: 30_000 });
    const a = activity('a', SUN, { distanceM: 2_000 });
    const m = byId(metrics('a', { intensity: 'hard', long: false }));
    expect(matchCost(p, a, m.get('a'))?.total).toBeGreaterThan(2 * MATCH_COST.unpaired);
    expect(matchWeek([p], [a], m).map((x) => x.status)).toEqual(['missed', 'unplanned']);
  });

  it('pairs a two-a-day by fit: distance and intensity, whatever the clock order', () => {
    const ms = matchWeek(
      [
        planned('am', TUE, 'easy', { order: 1, distanceM: 6000 }),
        planned('pm', TUE, 'intervals', { order: 2, distanceM: 12_000 }),
      ],
      [
        activity('early', TUE, { startTime: new Date(`${TUE}T06:00:00Z`), distanceM: 12_500 }),
        activity('late', TUE, { startTime: new Date(`${TUE}T18:00:00Z`), distanceM: 6_200 }),
      ],
      byId(metrics('early', { intensity: 'hard' }), metrics('late', { intensity: 'easy' })),
    );
    expect(only(ms, 'am').activityId).toBe('late');
    expect(only(ms, 'pm').activityId).toBe('early');
  });

  it('breaks an exact tie by place in the day: first session ↔ first activity', () => {
    const ms = matchWeek(
      [planned('second', TUE, 'easy', { order: 2 }), planned('first', TUE, 'easy', { order: 1 })],
      [
        activity('pm', TUE, { startTime: new Date(`${TUE}T18:00:00Z`) }),
        activity('am', TUE, { startTime: new Date(`${TUE}T07:00:00Z`) }),
      ],
      NO_METRICS,
    );
    expect(ms.map((m) => [m.plannedId, m.activityId])).toEqual([
      ['first', 'am'],
      ['second', 'pm'],
    ]);
  });

  it('sorts the result by date, planned before unplanned, then order / start time', () => {
    const ms = matchWeek(
      [planned('t2', TUE, 'strength', { order: 2 }), planned('t1', TUE, 'easy', { order: 1 }), planned('m', MON, 'easy')],
      [activity('x', MON, { category: 'other' }), activity('y', TUE, { category: 'strength' }), activity('z', MON)],
      NO_METRICS,
    );
    expect(ms.map((m) => m.plannedId ?? m.activityId)).toEqual(['m', 'x', 't1', 't2']);
  });

  it('rejects duplicate ids', () => {
    expect(() => matchWeek([planned('p', TUE, 'easy'), planned('p', WED, 'easy')], [], NO_METRICS)).toThrow(RangeError);
    expect(() => matchWeek([], [activity('a', TUE), activity('a', WED)], NO_METRICS)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const CATEGORY_LIST: readonly ActivityCategory[] = ['run', 'strength', 'other'];
const INTENSITIES: readonly (IntensityClass | null)[] = ['easy', 'moderate', 'hard', null];

interface Week {
  planned: PlannedSessionRef[];
  activities: MatchActivity[];
  metrics: Map<string, ActivityMetrics>;
}

const optionalVolume = (min: number, max: number) => fc.option(fc.integer({ min, max }), { nil: null });

function weekArb(maxPlanned: number, maxActivities: number): fc.Arbitrary<Week> {
  const plannedArb = fc.record({
    day: fc.integer({ min: 0, max: 6 }),
    order: fc.integer({ min: 1, max: 2 }),
    kind: fc.constantFrom(...SESSION_KINDS),
    distanceM: optionalVolume(0, 40_000),
    durationS: optionalVolume(0, 10_000),
  });
  const activityArb = fc.record({
    day: fc.integer({ min: 0, max: 6 }),
    minute: fc.integer({ min: 0, max: 1439 }),
    category: fc.constantFrom(...CATEGORY_LIST),
    distanceM: optionalVolume(0, 40_000),
    movingS: optionalVolume(0, 10_000),
    elapsedS: fc.integer({ min: 0, max: 12_000 }),
    metrics: fc.option(fc.record({ intensity: fc.constantFrom(...INTENSITIES), long: fc.boolean() }), { nil: null }),
  });
  return fc
    .tuple(fc.array(plannedArb, { maxLength: maxPlanned }), fc.array(activityArb, { maxLength: maxActivities }))
    .map(([ps, as]) => {
      const plannedOut = ps.map((p, i) =>
        planned(`p${i}`, addDays(MON, p.day), p.kind, { order: p.order, distanceM: p.distanceM, durationS: p.durationS }),
      );
      const activitiesOut = as.map((a, i) => {
        const localDate = addDays(MON, a.day);
        return activity(`a${i}`, localDate, {
          category: a.category,
          startTime: new Date(new Date(`${localDate}T00:00:00Z`).getTime() + a.minute * 60_000),
          distanceM: a.distanceM,
          movingS: a.movingS,
          elapsedS: a.elapsedS,
        });
      });
      const ms = new Map<string, ActivityMetrics>();
      as.forEach((a, i) => {
        if (a.metrics !== null) ms.set(`a${i}`, metrics(`a${i}`, a.metrics));
      });
      return { planned: plannedOut, activities: activitiesOut, metrics: ms };
    });
}

function shuffled<T>(xs: readonly T[], keys: readonly number[]): T[] {
  return xs
    .map((x, i) => ({ x, k: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.k - b.k || b.i - a.i)
    .map((e) => e.x);
}

/** Cost in thousandths of a matching: the documented objective without the final tie-break. */
function objective(week: Week, pairs: readonly (readonly [PlannedSessionRef, MatchActivity])[]): number {
  const sessions = week.planned.filter((p) => p.kind !== 'rest').length;
  let total = (sessions + week.activities.length - 2 * pairs.length) * Math.round(MATCH_COST.unpaired * 1000);
  for (const [p, a] of pairs) {
    const c = matchCost(p, a, week.metrics.get(a.id));
    if (c === null) throw new Error('paired an ineligible couple');
    total += Math.round(c.total * 1000);
  }
  return total;
}

/** Exhaustive minimum over every one-to-one pairing (small weeks only). */
function bruteForceBest(week: Week): number {
  const sessions = week.planned.filter((p) => p.kind !== 'rest');
  let best = Number.POSITIVE_INFINITY;
  const used = new Set<string>();
  const pairs: [PlannedSessionRef, MatchActivity][] = [];
  const visit = (i: number): void => {
    const s = sessions[i];
    if (s === undefined) {
      best = Math.min(best, objective(week, pairs));
      return;
    }
    visit(i + 1);
    for (const a of week.activities) {
      if (used.has(a.id) || matchCost(s, a, week.metrics.get(a.id)) === null) continue;
      used.add(a.id);
      pairs.push([s, a]);
      visit(i + 1);
      pairs.pop();
      used.delete(a.id);
    }
  };
  visit(0);
  return best;
}

describe('matchWeek properties', () => {
  it('is one-to-one: every non-rest session once, every activity once, pairs compatible and within a day (two for strength)', () => {
    fc.assert(
      fc.property(weekArb(12, 12), (week) => {
        const ms = matchWeek(week.planned, week.activities, week.metrics);
        const plannedIds = ms.flatMap((m) => (m.plannedId === null ? [] : [m.plannedId]));
        const activityIds = ms.flatMap((m) => (m.activityId === null ? [] : [m.activityId]));
        expect([...plannedIds].sort()).toEqual(week.planned.filter((p) => p.kind !== 'rest').map((p) => p.id).sort());
        expect([...activityIds].sort()).toEqual(week.activities.map((a) => a.id).sort());
        for (const m of ms) {
          if (m.plannedId === null || m.activityId === null) continue;
          const p = week.planned.find((x) => x.id === m.plannedId);
          const a = week.activities.find((x) => x.id === m.activityId);
          expect(p && a && matchCategory(p.kind) === a.category).toBe(true);
          expect(Math.abs(m.dayShift)).toBeLessThanOrEqual(MAX_DAY_SHIFT[a!.category]);
          // Strength done on another day is the planned session done then (status by volume, with its dayShift).
          expect(m.status === 'moved').toBe(m.dayShift !== 0 && p!.kind !== 'strength');
        }
      }),
    );
  });

  it('finds the optimum of the documented objective (checked exhaustively on small weeks)', () => {
    fc.assert(
      fc.property(weekArb(6, 6), (week) => {
        const ms = matchWeek(week.planned, week.activities, week.metrics);
        const pairs = ms.flatMap((m) => {
          const p = week.planned.find((x) => x.id === m.plannedId);
          const a = week.activities.find((x) => x.id === m.activityId);
          return p && a ? [[p, a] as const] : [];
        });
        expect(objective(week, pairs)).toEqual(bruteForceBest(week));
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order the inputs arrive in', () => {
    fc.assert(
      fc.property(weekArb(12, 12), fc.array(fc.integer(), { minLength: 1 }), fc.array(fc.integer(), { minLength: 1 }), (week, k1, k2) => {
        const a = matchWeek(week.planned, week.activities, week.metrics);
        const b = matchWeek(shuffled(week.planned, k1), shuffled(week.activities, k2), week.metrics);
        expect(b).toEqual(a);
      }),
    );
  });

  it('bands agree with statuses', () => {
    fc.assert(
      fc.property(weekArb(10, 10), (week) => {
        for (const m of matchWeek(week.planned, week.activities, week.metrics)) {
          if (m.status === 'missed') expect(m.band).toBe('red');
          if (m.status === 'unplanned') expect([m.band, m.ratio, m.plannedId]).toEqual([null, null, null]);
          if (m.status === 'completed') expect(m.band === null || m.band === 'green').toBe(true);
          if (m.status === 'partial' || m.status === 'exceeded') expect(['yellow', 'orange']).toContain(m.band);
          if (m.ratio !== null && m.status !== 'missed') expect(m.band).toBe(complianceBand(m.ratio));
        }
      }),
    );
  });
});
