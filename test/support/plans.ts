/**
 * Test factories and fast-check arbitraries for plans. Only tests import this module.
 */
import fc from 'fast-check';
import { SESSION_KINDS, type IntensityTarget, type PlannedSession, type TrainingPlan } from '../../src/domain/plan.ts';
import { addDays } from '../../src/domain/iso-week.ts';

export function makeSession(overrides: Partial<PlannedSession> = {}): PlannedSession {
  return {
    date: '2027-01-05',
    order: 1,
    kind: 'easy',
    distanceM: 8000,
    durationS: null,
    target: null,
    notes: null,
    ...overrides,
  };
}

export function makePlan(overrides: Partial<TrainingPlan> = {}): TrainingPlan {
  return {
    name: 'Test plan',
    startDate: '2027-01-04',
    race: null,
    units: 'km',
    sessions: [makeSession()],
    ...overrides,
  };
}

const NOTES = [
  '6×800 m at 5K pace',
  'Warm up, 3×10 min at threshold, 2 min jog; cool down',
  'line one\nline two',
  'a: b, c; "quoted" — ok',
  '# not a comment',
  '- dash first',
  '12',
  'true',
  'null',
  '2027-01-01',
  "it's {flow} [like]",
];

const trimmedText = fc
  .oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom(...NOTES))
  .map((s) => s.trim())
  .filter((s) => s !== '');

const target: fc.Arbitrary<IntensityTarget> = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map((zone): IntensityTarget => ({ type: 'hr_zone', zone })),
  fc.integer({ min: 2, max: 20 }).map((n): IntensityTarget => ({ type: 'rpe', rpe: n / 2 })),
  fc
    .tuple(fc.integer({ min: 9000, max: 100_000 }), fc.integer({ min: 0, max: 6000 }))
    .map(([a, d]): IntensityTarget => ({ type: 'pace', minSPerKm: a / 100, maxSPerKm: (a + d) / 100 })),
);

/** Valid plans as the readers produce them: whole metres and seconds, sessions sorted, orders unique per day. */
export function planArbitrary(options: { withRace?: boolean } = {}): fc.Arbitrary<TrainingPlan> {
  return fc
    .record({
      name: trimmedText,
      startOffset: fc.integer({ min: 0, max: 3650 }),
      units: fc.constantFrom('km' as const, 'mi' as const),
      race: options.withRace === false
        ? fc.constant(null)
        : fc.option(
            fc.record({
              offset: fc.integer({ min: 0, max: 200 }),
              distanceM: fc.option(fc.integer({ min: 1000, max: 100_000 })),
              goalTimeS: fc.option(fc.integer({ min: 600, max: 30 * 3600 })),
            }),
          ),
      sessions: fc.uniqueArray(
        fc.record({
          day: fc.integer({ min: 0, max: 140 }),
          order: fc.integer({ min: 1, max: 3 }),
          kind: fc.constantFrom(...SESSION_KINDS),
          distanceM: fc.option(fc.integer({ min: 0, max: 100_000 })),
          durationS: fc.option(fc.integer({ min: 0, max: 30_000 })),
          target: fc.option(target),
          notes: fc.option(trimmedText),
        }),
        { minLength: 1, maxLength: 25, selector: (s) => `${s.day}/${s.order}` },
      ),
    })
    .map(({ name, startOffset, units, race, sessions }) => {
      const startDate = addDays('2020-01-01', startOffset);
      const planned = sessions
        .map(
          (s): PlannedSession => ({
            date: addDays(startDate, s.day),
            order: s.order,
            kind: s.kind,
            distanceM: s.distanceM,
            durationS: s.durationS,
            target: s.target,
            notes: s.notes,
          }),
        )
        .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.order - b.order));
      return {
        name,
        startDate,
        race: race ? { date: addDays(startDate, race.offset), distanceM: race.distanceM, goalTimeS: race.goalTimeS } : null,
        units,
        sessions: planned,
      };
    });
}
