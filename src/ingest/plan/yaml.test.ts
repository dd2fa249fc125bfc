import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planArbitrary } from '../../../test/support/plans.ts';
import { PlanFormatError, type PlanProblem } from './errors.ts';
import { parsePlanYaml, planToYaml } from './yaml.ts';

const GOOD = `
name: Spring marathon
start: 2027-01-04
units: mi
race:
  date: 2027-04-25
  distance: 26.2 mi
  goal: 3:15:00
sessions:
  - week: 1
    day: tue
    kind: intervals
    distance: 7 mi
    target: rpe 8
    notes: 6×800 m at 5K pace, 400 m jog
  - week: 1
    day: tue
    kind: strength
    duration: 45 min
  - date: 2027-01-06
    kind: easy
    distance: 5 mi
    target: z2
  - date: 2027-01-07
    kind: race-pace
    distance: 8 mi
    target: 7:15-7:30/mi
    order: pm
  - date: 2027-01-10
    kind: long
    distance: 12 mi
    duration: 1:50:00
`;

function problemsOf(text: string, filename = 'plan.yaml'): readonly PlanProblem[] {
  try {
    parsePlanYaml(text, { filename });
  } catch (e) {
    if (e instanceof PlanFormatError) return e.problems;
    throw e;
  }
  throw new Error('expected a PlanFormatError');
}

describe('parsePlanYaml', () => {
  it('reads a hand-written plan: units, week + day, targets, orders', () => {
    const plan = parsePlanYaml(GOOD);
    expect(plan.name).toBe('Spring marathon');
    expect(plan.units).toBe('mi');
    expect(plan.race).toEqual({ date: '2027-04-25', distanceM: 42165, goalTimeS: 11700 });
    expect(plan.sessions).toEqual([
      { date: '2027-01-05', order: 1, kind: 'intervals', distanceM: 11265, durationS: null, target: { type: 'rpe', rpe: 8 }, notes: '6×800 m at 5K pace, 400 m jog' },
      { date: '2027-01-05', order: 2, kind: 'strength', distanceM: null, durationS: 2700, target: null, notes: null },
      { date: '2027-01-06', order: 1, kind: 'easy', distanceM: 8047, durationS: null, target: { type: 'hr_zone', zone: 2 }, notes: null },
      { date: '2027-01-07', order: 2, kind: 'race_pace', distanceM: 12875, durationS: null, target: { type: 'pace', minSPerKm: 270.3, maxSPerKm: 279.62 }, notes: null },
      { date: '2027-01-10', order: 1, kind: 'long', distanceM: 19312, durationS: 6600, target: null, notes: null },
    ]);
  });

  it('lists every problem with its line and field, and rejects the whole file', () => {
    const text = [
      'name: Spring marathon', // 1
      'start: 2027-01-04', // 2
      'units: mi', // 3
      'race:', // 4
      '  date: 2026-12-20', // 5
      '  distance: 26.2 mi', // 6
      'sessions:', // 7
      '  - date: 2027-01-05', // 8
      '    kind: easy', // 9
      '    distance: -3 km', // 10
      '  - date: 2027-02-30', // 11
      '    kind: tempo', // 12
      '  - week: 2', // 13
      '    day: tue', // 14
      '    kind: sprint', // 15
      '  - date: 2027-01-07', // 16
      '    kind: long', // 17
      '    duration: 90', // 18
      '    target: z9', // 19
      '  - date: 2027-01-08', // 20
      '    kind: easy', // 21
      '    distnace: 5 km', // 22
      '  - week: 3', // 23
      '    kind: easy', // 24
      '  - date: 2027-01-09', // 25
      '    distance: 5 km', // 26
      '  - date: 2027-01-10', // 27
      '    order: 1', // 28
      '    kind: long', // 29
      '  - date: 2027-01-10', // 30
      '    order: 1', // 31
      '    kind: strength', // 32
      '  - date: 2027-01-01', // 33
      '    kind: easy', // 34
      '',
    ].join('\n');
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [5, 'race.date'],
      [10, 'distance'],
      [11, 'date'],
      [15, 'kind'],
      [18, 'duration'],
      [19, 'target'],
      [22, 'distnace'],
      [23, 'day'],
      [25, 'kind'],
      [30, 'order'],
      [33, 'date'],
    ]);
    const messages = problems.map((p) => p.message);
    expect(messages[0]).toBe('the race date 2026-12-20 is before the plan start 2027-01-04');
    expect(messages[1]).toBe("'-3 km' is negative");
    expect(messages[2]).toBe("'2027-02-30' is not a real calendar date");
    expect(messages[3]).toContain("unknown session kind 'sprint'");
    expect(messages[6]).toContain("did you mean 'distance'?");
    expect(messages[9]).toContain('(the first is at line 27)');
    expect(messages[10]).toBe('2027-01-01 is before the plan start 2027-01-04');

    try {
      parsePlanYaml(text, { filename: 'plan.yaml' });
    } catch (e) {
      expect(e).toBeInstanceOf(PlanFormatError);
      const message = (e as PlanFormatError).message;
      expect(message).toContain('plan.yaml is not a valid plan (11 problems)');
      expect(message).toContain("plan.yaml line 10, field distance: '-3 km' is negative");
    }
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('name: x\nstart: 2027-01-04\nsessions:\n  - date: 2027-01-05\n    kind: [easy\n  - date: 2027-01-06\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(5);
    expect(problems[0]?.message).toMatch(/^YAML syntax: /);
  });

  it('reports duplicate keys and structural mistakes', () => {
    expect(problemsOf('name: x\nname: y\nstart: 2027-01-04\nsessions: []\n')[0]?.line).toBe(2);
    expect(problemsOf('')).toEqual([{ message: 'the file is empty: a plan needs name, start and sessions' }]);
    expect(problemsOf('- a\n- b\n')[0]?.message).toContain('a plan is a mapping');
    const missing = problemsOf('units: km\n');
    expect(missing.map((p) => p.field)).toEqual(['name', 'start', 'sessions']);
    expect(problemsOf('name: x\nstart: 2027-01-04\nsessions: []\n')[0]?.message).toBe('the plan has no sessions');
    expect(problemsOf('name: x\nstart: 2027-01-04\nsessions:\n  - date: 2027-01-05\n    week: 1\n    day: tue\n    kind: easy\n')[0]).toMatchObject({
      line: 5,
      field: 'week',
      message: 'give either date or week + day, not both',
    });
  });

  it('places week 1 on the ISO week of the start date, and refuses days before the start', () => {
    const plan = parsePlanYaml('name: x\nstart: 2027-01-06\nsessions:\n  - {week: 1, day: sun, kind: long, distance: 20 km}\n  - {week: 2, day: mon, kind: easy}\n');
    expect(plan.sessions.map((s) => s.date)).toEqual(['2027-01-10', '2027-01-11']);
    const problems = problemsOf('name: x\nstart: 2027-01-06\nsessions:\n  - {week: 1, day: mon, kind: easy}\n');
    expect(problems).toEqual([{ line: 4, field: 'week', message: '2027-01-04 is before the plan start 2027-01-06' }]);
  });
});

describe('planToYaml', () => {
  it('round-trips the hand-written plan', () => {
    const plan = parsePlanYaml(GOOD);
    const text = planToYaml(plan);
    expect(text).toContain('# Week 1 · 2027-W01');
    expect(text).toContain('distance: 7 mi');
    expect(text).toContain('target: 7:15-7:30/mi');
    expect(parsePlanYaml(text)).toEqual(plan);
    expect(parsePlanYaml(planToYaml(plan, { dates: 'week' }))).toEqual(plan);
  });

  it('YAML → parse → serialize → parse is the identity (property)', () => {
    fc.assert(
      fc.property(planArbitrary(), fc.constantFrom('absolute' as const, 'week' as const), (plan, dates) => {
        const once = parsePlanYaml(planToYaml(plan, { dates }));
        expect(once).toEqual(plan);
        expect(parsePlanYaml(planToYaml(once))).toEqual(once);
      }),
      { numRuns: 200 },
    );
  });
});

describe('YAML anchors', () => {
  it('resolves aliases and << merge keys, so repeated sessions can be written once', () => {
    const plan = parsePlanYaml(
      [
        'name: x',
        'start: 2027-01-04',
        'x-templates:',
        '  strength: &strength {kind: strength, duration: 45 min, order: 2}',
        'sessions:',
        '  - {week: 1, day: tue, kind: intervals, distance: 10 km}',
        '  - {<<: *strength, week: 1, day: tue}',
        '  - {<<: *strength, week: 1, day: thu, duration: 50 min}',
        '',
      ].join('\n'),
    );
    expect(plan.sessions.map((s) => [s.date, s.order, s.kind, s.durationS])).toEqual([
      ['2027-01-05', 1, 'intervals', null],
      ['2027-01-05', 2, 'strength', 2700],
      ['2027-01-07', 2, 'strength', 3000],
    ]);
  });
});
