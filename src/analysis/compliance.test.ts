import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ActivityCategory } from '../domain/activity.ts';
import { SESSION_KINDS } from '../domain/plan.ts';
import { localDateOf } from '../domain/time.ts';
import { addDays, isoWeekOf, mondayOf, weekdayIndex } from '../domain/iso-week.ts';
import { isSessionDone, weekCompliance, type WeekComplianceInput } from './compliance.ts';
import { activity, metrics, planned } from '../../test/support/analysis.ts';
import type { ActivityMetrics, IntensityClass, MatchActivity, PlannedSessionRef, SessionMatch } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Factories


const byId = (...ms: ActivityMetrics[]) => new Map(ms.map((m) => [m.activityId, m]));

const WEEK = '2026-W24';
const MON = mondayOf(WEEK); // 2026-06-08
const day = (i: number) => addDays(MON, i);
const [TUE, WED, THU, FRI, SAT, SUN] = [1, 2, 3, 4, 5, 6].map(day) as [string, string, string, string, string, string];

function entry(matches: SessionMatch[], id: string): SessionMatch {
  const m = matches.find((x) => x.plannedId === id || (x.plannedId === null && x.activityId === id));
  if (m === undefined) throw new Error(`no entry for ${id}`);
  return m;
}

// ---------------------------------------------------------------------------------------------
// A hand-made week

describe('weekCompliance on a hand-made week', () => {
  const plan: PlannedSessionRef[] = [
    planned('rest', MON, 'rest'),
    planned('int', TUE, 'intervals', { distanceM: 12_000, durationS: 3600 }),
    planned('str1', TUE, 'strength', { order: 2, durationS: 2700 }),
    planned('e1', WED, 'easy', { distanceM: 8_000 }),
    planned('tempo', THU, 'tempo', { distanceM: 10_000 }),
    planned('rec', FRI, 'recovery', { distanceM: 6_000 }),
    planned('str2', FRI, 'strength', { order: 2, durationS: 2700 }),
    planned('long', SAT, 'long', { distanceM: 30_000 }),
    planned('e2', SUN, 'easy', { distanceM: 8_000 }),
  ];
  const acts: MatchActivity[] = [
    activity('a_mon', MON, { distanceM: 5_000, movingS: 1800 }),
    activity('a_int', TUE, { distanceM: 12_000, movingS: 3600 }),
    activity('a_str1', TUE, { category: 'strength', movingS: null, elapsedS: 2400, startTime: new Date(`${TUE}T18:00:00Z`) }),
    activity('a_e1', WED, { distanceM: 8_000, movingS: 2880 }),
    activity('a_tempo', THU, { distanceM: 10_000, movingS: 3300 }),
    activity('a_bike', SAT, { category: 'other', movingS: 3600 }),
    activity('a_long', SUN, { distanceM: 33_000, movingS: 11_000 }),
    activity('a_e2', SUN, { distanceM: 8_000, movingS: 2880, startTime: new Date(`${SUN}T17:00:00Z`) }),
  ];
  const ms = byId(
    metrics('a_int', { intensity: 'hard', intervals: true, timeInZonesS: [600, 1200, 600, 900, 300] }),
    metrics('a_e1', { intensity: 'moderate', timeInZonesS: [600, 1800, 480, 0, 0] }),
    metrics('a_tempo', { intensity: 'easy', timeInZonesS: [1200, 2100, 0, 0, 0] }),
    metrics('a_long', { intensity: 'easy', long: true, timeInZonesS: [4000, 6000, 1000, 0, 0] }),
    metrics('a_e2', { intensity: 'easy', timeInZonesS: [2000, 880, 0, 0, 0] }),
    metrics('a_str1', { intensity: null }),
  );
  const week = weekCompliance({ athleteId: 'ath', isoWeek: WEEK, planned: plan, activities: acts, metrics: ms });

  it('lists every planned session and unplanned activity with its status and band', () => {
    expect(week.matches.map((m) => [m.plannedId ?? m.activityId, m.activityId, m.status, m.band])).toEqual([
      ['a_mon', 'a_mon', 'unplanned', null],
      ['int', 'a_int', 'completed', 'green'],
      ['str1', 'a_str1', 'completed', 'green'],
      ['e1', 'a_e1', 'completed', 'green'],
      ['tempo', 'a_tempo', 'completed', 'green'],
      ['rec', null, 'missed', 'red'],
      ['str2', null, 'missed', 'red'],
      ['long', 'a_long', 'moved', 'green'],
      ['a_bike', 'a_bike', 'unplanned', null],
      ['e2', 'a_e2', 'completed', 'green'],
    ]);
    expect(entry(week.matches, 'long')).toMatchObject({ dayShift: 1, plannedDate: SAT, activityDate: SUN });
    expect(entry(week.matches, 'long').ratio).toBeCloseTo(1.1);
    expect(entry(week.matches, 'str1').ratio).toBeCloseTo(2400 / 2700);
  });

  it('totals the plan (run kinds for volume, rest excluded from sessions)', () => {
    expect(week.planned).toEqual({
      distanceM: 74_000,
      durationS: 3600,
      sessions: 8,
      keySessions: 3,
      strengthSessions: 2,
      strengthMinutes: 90,
      hardDays: [TUE, THU, SAT],
      strengthDays: [TUE, FRI],
    });
  });

  it('totals what was done (every run, every strength session)', () => {
    expect(week.actual).toMatchObject({
      distanceM: 76_000,
      volumeM: 76_000,
      durationS: 1800 + 3600 + 2880 + 3300 + 11_000 + 2880,
      sessionsCompleted: 6,
      keySessionsCompleted: 2, // intervals and the (moved) long run; the tempo was run easy
      strengthSessions: 1,
      strengthMinutes: 40,
      hardDays: [TUE, SUN],
      strengthDays: [TUE],
      restDaysWithActivity: [MON],
    });
  });

  it('reports the intensity distribution against 80/20', () => {
    const total = 8400 + 11_980 + 2080 + 900 + 300;
    expect(week.intensity.secondsWithHr).toBe(total);
    expect(week.intensity.low).toBeCloseTo((8400 + 11_980) / total);
    expect(week.intensity.moderate).toBeCloseTo(2080 / total);
    expect(week.intensity.high).toBeCloseTo(1200 / total);
    expect(week.intensity.targetLow).toBe(0.8);
  });

  it('flags easy runs done too hard and quality sessions done too easy', () => {
    expect(week.easyRunsTooHard).toEqual(['e1']);
    expect(week.hardSessionsTooEasy).toEqual(['tempo']);
  });

  it('scores by the documented formula', () => {
    // weights: int 2, str1 2, e1 1, tempo 2, rec 1, str2 2, long 2, e2 1 = 13
    // points:  1,     1,     0.5,  0.5,     0,     0,     1,      1   → 2 + 2 + 0.5 + 1 + 0 + 0 + 2 + 1 = 8.5
    expect(week.score).toBeCloseTo(8.5 / 13);
    expect(week.athleteId).toBe('ath');
    expect(week.isoWeek).toBe(WEEK);
  });
});

describe('weekCompliance edge cases', () => {
  it('a week with no plan still reports actuals, with a null score', () => {
    const week = weekCompliance({
      athleteId: 'a',
      isoWeek: WEEK,
      planned: [],
      activities: [
        activity('r', TUE, { distanceM: 10_000, movingS: 3000 }),
        activity('s', WED, { category: 'strength', movingS: 3000 }),
      ],
      metrics: byId(metrics('r', { intensity: 'hard', timeInZonesS: [100, 100, 0, 0, 0] })),
    });
    expect(week.matches.map((m) => m.status)).toEqual(['unplanned', 'unplanned']);
    expect(week.planned).toEqual({
      distanceM: 0,
      durationS: 0,
      sessions: 0,
      keySessions: 0,
      strengthSessions: 0,
      strengthMinutes: 0,
      hardDays: [],
      strengthDays: [],
    });
    expect(week.actual).toMatchObject({ distanceM: 10_000, durationS: 3000, strengthSessions: 1, strengthMinutes: 50, hardDays: [TUE] });
    expect(week.actual.restDaysWithActivity).toEqual([]);
    expect(week.intensity).toMatchObject({ low: 1, moderate: 0, high: 0, secondsWithHr: 200 });
    expect(week.score).toBeNull();
  });

  it('a plan of rest only has a null score and shows training on rest days', () => {
    const week = weekCompliance({
      athleteId: 'a',
      isoWeek: WEEK,
      planned: [planned('r1', MON, 'rest'), planned('r2', TUE, 'rest')],
      activities: [activity('x', TUE)],
      metrics: new Map(),
    });
    expect(week.score).toBeNull();
    expect(week.planned.sessions).toBe(0);
    expect(week.actual.restDaysWithActivity).toEqual([TUE]);
    expect(week.matches.map((m) => m.status)).toEqual(['unplanned']);
  });

  it('no heart rate: the distribution is all zeros', () => {
    const week = weekCompliance({ athleteId: 'a', isoWeek: WEEK, planned: [], activities: [activity('x', TUE)], metrics: new Map() });
    expect(week.intensity).toEqual({ low: 0, moderate: 0, high: 0, targetLow: 0.8, secondsWithHr: 0 });
  });

  it('ignores what lies outside the ISO week; a Monday session run the Sunday before stays missed', () => {
    const week = weekCompliance({
      athleteId: 'a',
      isoWeek: WEEK,
      planned: [planned('mon', MON, 'easy', { distanceM: 8000 }), planned('next', addDays(MON, 7), 'easy')],
      activities: [activity('before', addDays(MON, -1), { distanceM: 8000 }), activity('after', addDays(MON, 7))],
      metrics: new Map(),
    });
    expect(week.matches).toEqual([expect.objectContaining({ plannedId: 'mon', status: 'missed' })]);
    expect(week.actual.distanceM).toBe(0);
    expect(week.planned.sessions).toBe(1);
  });

  it('counts a session as done from half its volume, and a key session only at the right intensity', () => {
    const week = weekCompliance({
      athleteId: 'a',
      isoWeek: WEEK,
      planned: [
        planned('short', TUE, 'easy', { distanceM: 10_000 }),
        planned('half', WED, 'easy', { distanceM: 10_000 }),
        planned('big', THU, 'threshold', { distanceM: 10_000 }),
        planned('soft', SAT, 'intervals', { distanceM: 10_000 }),
      ],
      activities: [
        activity('a1', TUE, { distanceM: 4_900 }),
        activity('a2', WED, { distanceM: 5_000 }),
        activity('a3', THU, { distanceM: 20_000 }),
        activity('a4', SAT, { distanceM: 10_000 }),
      ],
      metrics: byId(metrics('a3', { intensity: 'hard' }), metrics('a4', { intensity: 'easy' })),
    });
    expect(week.matches.map((m) => [m.plannedId, m.status, m.band, isSessionDone(m)])).toEqual([
      ['short', 'partial', 'orange', false],
      ['half', 'partial', 'yellow', true],
      ['big', 'exceeded', 'orange', true],
      ['soft', 'completed', 'green', true],
    ]);
    expect(week.actual.sessionsCompleted).toBe(3);
    expect(week.actual.keySessionsCompleted).toBe(1);
    expect(week.hardSessionsTooEasy).toEqual(['soft']);
    // weights 1, 1, 2, 2; points 0.25, 0.5, 0.25, 1 × 0.5
    expect(week.score).toBeCloseTo((0.25 + 0.5 + 0.5 + 1) / 6);
  });

  it('does not flag intensity it cannot know (no heart rate, no pace)', () => {
    const week = weekCompliance({
      athleteId: 'a',
      isoWeek: WEEK,
      planned: [planned('tempo', TUE, 'tempo', { distanceM: 10_000 }), planned('easy', WED, 'easy', { distanceM: 8_000 })],
      activities: [activity('a1', TUE, { distanceM: 10_000 }), activity('a2', WED, { distanceM: 8_000 })],
      metrics: byId(
        metrics('a1', { intensity: 'easy', intensityBasis: 'none' }),
        metrics('a2', { intensity: 'hard', intensityBasis: 'none', intervals: true }),
      ),
    });
    expect(week.hardSessionsTooEasy).toEqual([]);
    expect(week.easyRunsTooHard).toEqual(['easy']); // interval laps are evidence
    expect(week.actual.keySessionsCompleted).toBe(1);
    expect(week.actual.hardDays).toEqual([WED]);
  });

  it('rejects a malformed ISO week', () => {
    const input: WeekComplianceInput = { athleteId: 'a', isoWeek: '2026-W60', planned: [], activities: [], metrics: new Map() };
    expect(() => weekCompliance(input)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Local midnight

/** First instant (to the minute) whose local date in `timeZone` is `date`: local midnight. */
function localMidnight(date: string, timeZone: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  let lo = utcMidnight - 15 * 3_600_000; // still the day before everywhere
  let hi = utcMidnight + 15 * 3_600_000; // already `date` everywhere
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (localDateOf(new Date(mid), timeZone) >= date) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** An activity as ingest would store it: local date from the instant in the athlete's zone. */
function runAt(id: string, instantMs: number, timeZone: string): MatchActivity {
  const startTime = new Date(instantMs);
  return activity(id, localDateOf(startTime, timeZone), { startTime, distanceM: 5000, movingS: 1500 });
}

function reportFor(isoWeek: string, activities: MatchActivity[], plan: PlannedSessionRef[] = []) {
  return weekCompliance({ athleteId: 'a', isoWeek, planned: plan, activities, metrics: new Map() });
}

describe('local midnight in the athlete time zone', () => {
  it.each([
    // Sunday → Monday in London summer time: both instants are on Sunday in UTC.
    ['Europe/London', '2026-06-14T22:59:00Z', '2026-06-14T23:01:00Z', '2026-06-14', '2026-06-15', '2026-W24', '2026-W25'],
    // New York (EDT): both instants are on Monday in UTC.
    ['America/New_York', '2026-06-15T03:59:00Z', '2026-06-15T04:01:00Z', '2026-06-14', '2026-06-15', '2026-W24', '2026-W25'],
    // New Year's Sunday → Monday in London winter time: the ISO year changes too.
    ['Europe/London', '2027-01-03T23:59:00Z', '2027-01-04T00:01:00Z', '2027-01-03', '2027-01-04', '2026-W53', '2027-W01'],
  ])('%s: %s and %s land on different days and ISO weeks', (tz, before, after, dayBefore, dayAfter, weekBefore, weekAfter) => {
    const a = runAt('before', Date.parse(before), tz);
    const b = runAt('after', Date.parse(after), tz);
    expect([a.localDate, b.localDate]).toEqual([dayBefore, dayAfter]);
    expect([isoWeekOf(a.localDate), isoWeekOf(b.localDate)]).toEqual([weekBefore, weekAfter]);

    const first = reportFor(weekBefore, [a, b]);
    const second = reportFor(weekAfter, [a, b]);
    expect(first.matches.map((m) => m.activityId)).toEqual(['before']);
    expect(second.matches.map((m) => m.activityId)).toEqual(['after']);
    expect([first.actual.distanceM, second.actual.distanceM]).toEqual([5000, 5000]);
  });

  it('two minutes across midnight turn a completed session into a moved one', () => {
    const tz = 'America/New_York';
    const midnight = localMidnight(WED, tz);
    const plan = [planned('tue', TUE, 'easy', { distanceM: 5000 })];
    const late = reportFor(WEEK, [runAt('late', midnight - 60_000, tz)], plan);
    const early = reportFor(WEEK, [runAt('early', midnight + 60_000, tz)], plan);
    expect(late.matches).toEqual([expect.objectContaining({ status: 'completed', dayShift: 0, activityDate: TUE })]);
    expect(early.matches).toEqual([expect.objectContaining({ status: 'moved', dayShift: 1, activityDate: WED })]);
  });

  const ZONES = [
    'Europe/London',
    'America/New_York',
    'America/Los_Angeles',
    'Asia/Tokyo',
    'Asia/Kolkata',
    'Australia/Sydney',
    'Pacific/Auckland',
    'UTC',
  ] as const;

  it('property: an activity a minute either side of local midnight changes day, and week on Sunday → Monday', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3650 }), fc.constantFrom(...ZONES), (offset, tz) => {
        const date = addDays('2024-01-01', offset);
        const midnight = localMidnight(date, tz);
        const a = runAt('before', midnight - 60_000, tz);
        const b = runAt('after', midnight + 60_000, tz);
        expect(a.localDate).toBe(addDays(date, -1));
        expect(b.localDate).toBe(date);
        const crossesWeek = weekdayIndex(date) === 0;
        expect(isoWeekOf(a.localDate) !== isoWeekOf(b.localDate)).toBe(crossesWeek);
        const report = reportFor(isoWeekOf(b.localDate), [a, b]);
        expect(report.matches.map((m) => m.activityId)).toEqual(crossesWeek ? ['after'] : ['before', 'after']);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const CATEGORY_LIST: readonly ActivityCategory[] = ['run', 'strength', 'other'];
const INTENSITIES: readonly (IntensityClass | null)[] = ['easy', 'moderate', 'hard', null];
const optionalVolume = (max: number) => fc.option(fc.integer({ min: 0, max }), { nil: null });
const zonesArb = fc.tuple(
  fc.integer({ min: 0, max: 4000 }),
  fc.integer({ min: 0, max: 4000 }),
  fc.integer({ min: 0, max: 4000 }),
  fc.integer({ min: 0, max: 4000 }),
  fc.integer({ min: 0, max: 4000 }),
);

/** A week's input; dates run from the Sunday before to the Monday after, to exercise the week filter. */
const inputArb = (maxPlanned: number): fc.Arbitrary<WeekComplianceInput> =>
  fc
    .tuple(
      fc.array(
        fc.record({
          day: fc.integer({ min: -1, max: 7 }),
          order: fc.integer({ min: 1, max: 3 }),
          kind: fc.constantFrom(...SESSION_KINDS),
          distanceM: optionalVolume(40_000),
          durationS: optionalVolume(10_000),
        }),
        { maxLength: maxPlanned },
      ),
      fc.array(
        fc.record({
          day: fc.integer({ min: -1, max: 7 }),
          minute: fc.integer({ min: 0, max: 1439 }),
          category: fc.constantFrom(...CATEGORY_LIST),
          distanceM: optionalVolume(40_000),
          movingS: optionalVolume(12_000),
          elapsedS: fc.integer({ min: 0, max: 14_000 }),
          metrics: fc.option(
            fc.record({ intensity: fc.constantFrom(...INTENSITIES), long: fc.boolean(), timeInZonesS: fc.option(zonesArb, { nil: null }) }),
            { nil: null },
          ),
        }),
        { maxLength: 14 },
      ),
    )
    .map(([ps, as]) => {
      const ms = new Map<string, ActivityMetrics>();
      const activities = as.map((a, i) => {
        const localDate = day(a.day);
        if (a.metrics !== null) ms.set(`a${i}`, metrics(`a${i}`, a.metrics));
        return activity(`a${i}`, localDate, {
          category: a.category,
          startTime: new Date(Date.parse(`${localDate}T00:00:00Z`) + a.minute * 60_000),
          distanceM: a.distanceM,
          movingS: a.movingS,
          elapsedS: a.elapsedS,
        });
      });
      return {
        athleteId: 'ath',
        isoWeek: WEEK,
        planned: ps.map((p, i) =>
          planned(`p${i}`, day(p.day), p.kind, { order: p.order, distanceM: p.distanceM, durationS: p.durationS }),
        ),
        activities,
        metrics: ms,
      };
    });

function shuffled<T>(xs: readonly T[], keys: readonly number[]): T[] {
  return xs
    .map((x, i) => ({ x, k: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.k - b.k || b.i - a.i)
    .map((e) => e.x);
}

const inWeek = (date: string) => date >= MON && date <= SUN;

describe('weekCompliance properties', () => {
  it('does not depend on the order activities and sessions arrive in', () => {
    fc.assert(
      fc.property(inputArb(14), fc.array(fc.integer(), { minLength: 1 }), fc.array(fc.integer(), { minLength: 1 }), (input, k1, k2) => {
        const reshuffled = { ...input, planned: shuffled(input.planned, k1), activities: shuffled(input.activities, k2) };
        const metricsReversed = new Map([...input.metrics].reverse());
        expect(weekCompliance({ ...reshuffled, metrics: metricsReversed })).toEqual(weekCompliance(input));
      }),
    );
  });

  it('a week with no plan reports every in-week activity as unplanned, zero plan, null score', () => {
    fc.assert(
      fc.property(inputArb(0), (input) => {
        const week = weekCompliance(input);
        const expected = input.activities.filter((a) => inWeek(a.localDate));
        expect(week.matches).toHaveLength(expected.length);
        expect(week.matches.every((m) => m.status === 'unplanned')).toBe(true);
        expect(week.planned).toMatchObject({ distanceM: 0, durationS: 0, sessions: 0, keySessions: 0, strengthSessions: 0 });
        expect(week.score).toBeNull();
        const runs = expected.filter((a) => a.category === 'run');
        expect(week.actual.distanceM).toBeCloseTo(runs.reduce((s, a) => s + (a.distanceM ?? 0), 0));
        expect(week.actual.strengthSessions).toBe(expected.filter((a) => a.category === 'strength').length);
      }),
    );
  });

  it('keeps its counts consistent', () => {
    fc.assert(
      fc.property(inputArb(14), (input) => {
        const week = weekCompliance(input);
        const sessions = input.planned.filter((p) => inWeek(p.date) && p.kind !== 'rest');
        expect(week.planned.sessions).toBe(sessions.length);
        expect(week.actual.sessionsCompleted).toBeLessThanOrEqual(week.planned.sessions);
        expect(week.actual.keySessionsCompleted).toBeLessThanOrEqual(week.planned.keySessions);
        // (An entry for a session of another week — strength moved across Monday — counts in its own week.)
        expect(week.actual.sessionsCompleted).toBe(week.matches.filter((m) => m.plannedDate !== null && inWeek(m.plannedDate) && isSessionDone(m)).length);
        if (sessions.length === 0) expect(week.score).toBeNull();
        else {
          expect(week.score).not.toBeNull();
          expect(week.score ?? -1).toBeGreaterThanOrEqual(0);
          expect(week.score ?? 2).toBeLessThanOrEqual(1);
        }
        const { low, moderate, high, secondsWithHr } = week.intensity;
        if (secondsWithHr > 0) expect(low + moderate + high).toBeCloseTo(1);
        for (const d of [...week.actual.hardDays, ...week.actual.strengthDays, ...week.planned.hardDays]) expect(inWeek(d)).toBe(true);
        const ids = new Set(week.matches.map((m) => m.plannedId ?? `activity:${m.activityId ?? ''}`));
        expect(ids.size).toBe(week.matches.length);
      }),
    );
  });
});
