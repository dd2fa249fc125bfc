import { describe, expect, it } from 'vitest';
import { parsePlanYaml } from '../ingest/plan/yaml.ts';
import { checkPlan, formatFindings, type PlanFinding } from './check.ts';
import { makePlan, makeSession } from '../../test/support/plans.ts';

/**
 * A clean hand-written plan: four 54 km weeks (intervals + strength Tue, tempo + strength Thu, an
 * 18 km long run Sun, 33% of the week), a 40 km taper week, race week with a 30 min strength session
 * and the marathon on Sun 2027-02-14. (Six weeks: too short a plan for the marathon long-run peak rule.)
 */
const CLEAN = `
name: Hand-written marathon block
start: 2027-01-04
units: km
race: { date: 2027-02-14, distance: 42.195 km }
sessions:
  - {week: 1, day: tue, kind: intervals, distance: 10 km, notes: "6×800 m at 5K pace"}
  - {week: 1, day: tue, kind: strength, duration: 45 min}
  - {week: 1, day: wed, kind: easy, distance: 8 km}
  - {week: 1, day: thu, kind: tempo, distance: 10 km}
  - {week: 1, day: thu, kind: strength, duration: 45 min}
  - {week: 1, day: sat, kind: easy, distance: 8 km}
  - {week: 1, day: sun, kind: long, distance: 18 km}

  - {week: 2, day: tue, kind: intervals, distance: 10 km, notes: "5×1000 m at 10K pace"}
  - {week: 2, day: tue, kind: strength, duration: 45 min}
  - {week: 2, day: wed, kind: easy, distance: 8 km}
  - {week: 2, day: thu, kind: tempo, distance: 10 km}
  - {week: 2, day: thu, kind: strength, duration: 45 min}
  - {week: 2, day: sat, kind: easy, distance: 8 km}
  - {week: 2, day: sun, kind: long, distance: 18 km}

  - {week: 3, day: tue, kind: intervals, distance: 10 km}
  - {week: 3, day: tue, kind: strength, duration: 45 min}
  - {week: 3, day: wed, kind: easy, distance: 8 km}
  - {week: 3, day: thu, kind: tempo, distance: 10 km}
  - {week: 3, day: thu, kind: strength, duration: 45 min}
  - {week: 3, day: sat, kind: easy, distance: 8 km}
  - {week: 3, day: sun, kind: long, distance: 18 km}

  - {week: 4, day: tue, kind: intervals, distance: 10 km}
  - {week: 4, day: tue, kind: strength, duration: 45 min}
  - {week: 4, day: wed, kind: easy, distance: 8 km}
  - {week: 4, day: thu, kind: tempo, distance: 10 km}
  - {week: 4, day: thu, kind: strength, duration: 45 min}
  - {week: 4, day: sat, kind: easy, distance: 8 km}
  - {week: 4, day: sun, kind: long, distance: 18 km}

  - {week: 5, day: tue, kind: intervals, distance: 8 km}
  - {week: 5, day: tue, kind: strength, duration: 40 min}
  - {week: 5, day: wed, kind: easy, distance: 6 km}
  - {week: 5, day: thu, kind: tempo, distance: 8 km}
  - {week: 5, day: thu, kind: strength, duration: 40 min}
  - {week: 5, day: sat, kind: easy, distance: 4 km}
  - {week: 5, day: sun, kind: long, distance: 14 km}

  - {week: 6, day: tue, kind: race_pace, distance: 8 km}
  - {week: 6, day: tue, kind: strength, duration: 30 min, notes: light}
  - {week: 6, day: thu, kind: easy, distance: 6 km}
  - {week: 6, day: sat, kind: easy, distance: 3 km}
  - {week: 6, day: sun, kind: race, distance: 42.195 km}
`;

/** The clean plan with one line replaced (the line must exist exactly once). */
function withChange(from: string, to: string): string {
  expect(CLEAN.split(from)).toHaveLength(2);
  return CLEAN.replace(from, to);
}

function check(text: string): PlanFinding[] {
  return checkPlan(parsePlanYaml(text));
}

const codes = (findings: PlanFinding[]): [string, string, string | undefined][] => findings.map((f) => [f.code, f.week, f.date]);

describe('checkPlan on a hand-written plan', () => {
  it('finds nothing in the clean plan', () => {
    expect(check(CLEAN)).toEqual([]);
  });

  it('a week without strength → no_strength_week', () => {
    const text = withChange('  - {week: 2, day: tue, kind: strength, duration: 45 min}\n', '').replace(
      '  - {week: 2, day: thu, kind: strength, duration: 45 min}\n',
      '',
    );
    const findings = check(text);
    expect(codes(findings)).toEqual([['no_strength_week', '2027-W02', undefined]]);
    expect(findings[0]?.message).toBe('Week 2027-W02 (from Mon 2027-01-11) has no strength session.');
    expect(findings[0]?.suggestion).toBe('Add a 40–60 min strength session on Tue 2027-01-12, after the intervals.');
  });

  it('strength the day before the long run → strength_before_hard_day', () => {
    const findings = check(withChange('{week: 2, day: thu, kind: strength', '{week: 2, day: sat, kind: strength'));
    expect(codes(findings)).toEqual([['strength_before_hard_day', '2027-W02', '2027-01-16']]);
    expect(findings[0]?.message).toBe('Strength on Sat 2027-01-16 is the day before the long run on Sun 2027-01-17.');
    expect(findings[0]?.suggestion).toBe('Move the strength session to Thu 2027-01-14, after the tempo run.');
  });

  it('strength the day before the race → strength_before_hard_day naming the race, and race_week_strength', () => {
    const findings = check(withChange('{week: 6, day: tue, kind: strength', '{week: 6, day: sat, kind: strength'));
    expect(codes(findings)).toEqual([
      ['strength_before_hard_day', '2027-W06', '2027-02-13'],
      ['race_week_strength', '2027-W06', '2027-02-13'],
    ]);
    expect(findings[1]?.message).toBe('Race-week strength on Sat 2027-02-13 is 1 day before the race (keep 72 h); the race is on Sun 2027-02-14.');
    expect(findings[0]?.message).toContain('the day before the race on Sun 2027-02-14');
  });

  it('strength on the easy day between two hard days → strength_between_hard_days (only)', () => {
    const findings = check(withChange('{week: 2, day: thu, kind: strength', '{week: 2, day: wed, kind: strength'));
    expect(codes(findings)).toEqual([['strength_between_hard_days', '2027-W02', '2027-01-13']]);
    expect(findings[0]?.message).toBe(
      'Strength on Wed 2027-01-13 turns the easy day between the intervals (Tue 2027-01-12) and the tempo run (Thu 2027-01-14) into a third hard day.',
    );
    expect(findings[0]?.suggestion).toBe('Stack it on Tue 2027-01-12, after the intervals, and keep Wed 2027-01-13 easy.');
  });

  it('hills the day before the long run → hard_days_back_to_back', () => {
    const findings = check(withChange('{week: 2, day: sat, kind: easy, distance: 8 km}', '{week: 2, day: sat, kind: hills, distance: 8 km}'));
    expect(codes(findings)).toEqual([['hard_days_back_to_back', '2027-W02', '2027-01-17']]);
    expect(findings[0]?.message).toBe('Hard days back to back: the hill repeats on Sat 2027-01-16, then the long run on Sun 2027-01-17.');
  });

  it('an easy run 8 km longer → volume_jump (62 km after 54 km)', () => {
    const findings = check(withChange('{week: 4, day: wed, kind: easy, distance: 8 km}', '{week: 4, day: wed, kind: easy, distance: 16 km}'));
    expect(codes(findings)).toEqual([['volume_jump', '2027-W04', undefined]]);
    expect(findings[0]?.message).toBe('Volume rises 15% in 2027-W04 (62 km) over 2027-W03 (54 km).');
    expect(findings[0]?.suggestion).toContain('Plan at most 59.4 km in 2027-W04');
  });

  it('a return from a cut-back week may rise up to 10% over the week before the cut-back', () => {
    const cut = withChange('{week: 3, day: sun, kind: long, distance: 18 km}', '{week: 3, day: sun, kind: long, distance: 9 km}');
    const back = (km: number): string => cut.replace('{week: 4, day: wed, kind: easy, distance: 8 km}', `{week: 4, day: wed, kind: easy, distance: ${km} km}`);
    expect(check(back(13))).toEqual([]); // 59 km ≤ 54 km + 10%
    const findings = check(back(14)); // 60 km
    expect(codes(findings)).toEqual([['volume_jump', '2027-W04', undefined]]);
    expect(findings[0]?.message).toContain('over 2027-W02 (54 km, the week before the cut-back)');
  });

  it('no reduction before race week → no_taper', () => {
    let text = CLEAN;
    for (const [from, to] of [
      ['{week: 5, day: tue, kind: intervals, distance: 8 km}', '{week: 5, day: tue, kind: intervals, distance: 10 km}'],
      ['{week: 5, day: wed, kind: easy, distance: 6 km}', '{week: 5, day: wed, kind: easy, distance: 8 km}'],
      ['{week: 5, day: thu, kind: tempo, distance: 8 km}', '{week: 5, day: thu, kind: tempo, distance: 10 km}'],
      ['{week: 5, day: sat, kind: easy, distance: 4 km}', '{week: 5, day: sat, kind: easy, distance: 8 km}'],
      ['{week: 5, day: sun, kind: long, distance: 14 km}', '{week: 5, day: sun, kind: long, distance: 18 km}'],
    ] as const) {
      text = text.replace(from, to);
    }
    const findings = check(text);
    expect(codes(findings)).toEqual([['no_taper', '2027-W05', '2027-02-14']]);
    expect(findings[0]?.message).toBe(
      'No taper before the race on Sun 2027-02-14: 2027-W05 holds 54 km, 100% of the peak week 2027-W01 (54 km).',
    );
  });
});

describe('checkPlan edge cases', () => {
  it('does not ask for strength in a week the plan barely touches', () => {
    // Starts on a Saturday; the race is on the Monday after the last full week.
    const plan = makePlan({
      startDate: '2027-01-09',
      race: { date: '2027-01-18', distanceM: 42195, goalTimeS: null },
      sessions: [
        makeSession({ date: '2027-01-10', kind: 'easy' }),
        makeSession({ date: '2027-01-12', kind: 'tempo' }),
        makeSession({ date: '2027-01-12', order: 2, kind: 'strength', distanceM: null, durationS: 1800 }),
        makeSession({ date: '2027-01-18', kind: 'race', distanceM: 42195 }),
      ],
    });
    expect(checkPlan(plan)).toEqual([]);
  });

  it('counts duration-only runs at the plan’s own pace', () => {
    const week = (monday: string, easyMin: number) => [
      makeSession({ date: monday, kind: 'easy', distanceM: 10_000, durationS: 3000 }),
      makeSession({ date: monday, order: 2, kind: 'strength', distanceM: null, durationS: 2700 }),
      makeSession({ date: `${monday.slice(0, 8)}${String(Number(monday.slice(8)) + 2).padStart(2, '0')}`, kind: 'easy', distanceM: null, durationS: easyMin * 60 }),
    ];
    // 5:00/km: 10 km + 50 min = 20 km, then 10 km + 70 min = 24 km (+20%).
    const plan = makePlan({ sessions: [...week('2027-01-04', 50), ...week('2027-01-11', 70)] });
    expect(codes(checkPlan(plan))).toEqual([['volume_jump', '2027-W02', undefined]]);
  });

  it('formats findings for the terminal', () => {
    const text = formatFindings(check(withChange('{week: 2, day: thu, kind: strength', '{week: 2, day: sat, kind: strength')));
    expect(text).toContain('Plan check: 1 finding');
    expect(text).toContain('2027-W02  Sat 2027-01-16  [strength_before_hard_day]');
    expect(text).toContain('  → Move the strength session to Thu 2027-01-14, after the tempo run.');
    expect(formatFindings([])).toContain('no findings');
  });
});
