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

describe('checkPlan: the mistakes of #19 point 8, each with exactly its findings', () => {
  /** The clean plan with several lines replaced (each must exist exactly once). */
  function withChanges(changes: readonly (readonly [string, string])[]): string {
    let text = CLEAN;
    for (const [from, to] of changes) {
      expect(text.split(from), from).toHaveLength(2);
      text = text.replace(from, to);
    }
    return text;
  }

  it('a 39 km (24 mi) long run in a 54 km week → long_run_too_long and long_run_share', () => {
    const findings = check(
      withChanges([
        ['{week: 2, day: tue, kind: intervals, distance: 10 km', '{week: 2, day: tue, kind: intervals, distance: 5 km'],
        ['{week: 2, day: wed, kind: easy, distance: 8 km}', '{week: 2, day: wed, kind: easy, distance: 4 km}'],
        ['{week: 2, day: thu, kind: tempo, distance: 10 km}', '{week: 2, day: thu, kind: tempo, distance: 4 km}'],
        ['{week: 2, day: sat, kind: easy, distance: 8 km}', '{week: 2, day: sat, kind: easy, distance: 2 km}'],
        ['{week: 2, day: sun, kind: long, distance: 18 km}', '{week: 2, day: sun, kind: long, distance: 39 km}'],
      ]),
    );
    expect(codes(findings)).toEqual([
      ['long_run_too_long', '2027-W02', '2027-01-17'],
      ['long_run_share', '2027-W02', '2027-01-17'],
    ]);
    expect(findings[0]?.message).toBe('The long run on Sun 2027-01-17 is 39 km: more than the 32 km a marathon long run needs.');
    expect(findings[1]?.message).toBe("The long run on Sun 2027-01-17 is 39 km, 72% of the week's 54 km: more than 35% at 5 runs a week.");
    expect(findings[1]?.suggestion).toBe('Shorten it to 18.9 km or add volume to the other runs (at least 111.4 km in the week).');
  });

  it('a 10 min and a 90 min strength session → strength_duration twice, naming each day', () => {
    const findings = check(
      withChanges([
        ['{week: 3, day: tue, kind: strength, duration: 45 min}', '{week: 3, day: tue, kind: strength, duration: 10 min}'],
        ['{week: 3, day: thu, kind: strength, duration: 45 min}', '{week: 3, day: thu, kind: strength, duration: 90 min}'],
      ]),
    );
    expect(codes(findings)).toEqual([
      ['strength_duration', '2027-W03', '2027-01-19'],
      ['strength_duration', '2027-W03', '2027-01-21'],
    ]);
    expect(findings[0]?.message).toBe('The strength session on Tue 2027-01-19 is 10 min: too short to build strength (at least 20).');
    expect(findings[1]?.message).toBe('The strength session on Thu 2027-01-21 is 90 min: longer than 75 min tires the legs for the runs.');
  });

  it('a 32 km (20 mi) long run 7 days before the race → long_run_near_race (and its share of the taper week)', () => {
    const findings = check(
      withChanges([
        ['{week: 5, day: tue, kind: intervals, distance: 8 km}', '{week: 5, day: tue, kind: intervals, distance: 3 km}'],
        ['{week: 5, day: thu, kind: tempo, distance: 8 km}', '{week: 5, day: thu, kind: tempo, distance: 4 km}'],
        ['{week: 5, day: sat, kind: easy, distance: 4 km}', '{week: 5, day: sat, kind: easy, distance: 0 km}'],
        ['{week: 5, day: sun, kind: long, distance: 14 km}', '{week: 5, day: sun, kind: long, distance: 32 km}'],
      ]),
    );
    expect(codes(findings)).toEqual([
      ['long_run_share', '2027-W05', '2027-02-07'],
      ['long_run_near_race', '2027-W05', '2027-02-07'],
    ]);
    expect(findings[1]?.message).toBe('The long run on Sun 2027-02-07 is 32 km, 7 days before the race on Sun 2027-02-14: too close to recover from.');
    expect(findings[1]?.suggestion).toBe('Keep the long run within 7 days of the race at 21 km or less.');
  });

  it('a 30 km long run 14 days out → long_run_near_race asking for the last one 3 weeks out', () => {
    const findings = check(
      withChanges([
        ['{week: 4, day: tue, kind: intervals, distance: 10 km', '{week: 4, day: tue, kind: intervals, distance: 8 km'],
        ['{week: 4, day: wed, kind: easy, distance: 8 km}', '{week: 4, day: wed, kind: easy, distance: 4 km}'],
        ['{week: 4, day: thu, kind: tempo, distance: 10 km}', '{week: 4, day: thu, kind: tempo, distance: 8 km}'],
        ['{week: 4, day: sat, kind: easy, distance: 8 km}', '{week: 4, day: sat, kind: easy, distance: 4 km}'],
        ['{week: 4, day: sun, kind: long, distance: 18 km}', '{week: 4, day: sun, kind: long, distance: 30 km}'],
      ]),
    );
    // In a 54 km week a 30 km long run is also too big a share.
    expect(codes(findings)).toEqual([
      ['long_run_share', '2027-W04', '2027-01-31'],
      ['long_run_near_race', '2027-W04', '2027-01-31'],
    ]);
    expect(findings[1]?.suggestion).toBe('Run the last long run of 29 km or more 21 days before the race (Sun 2027-01-24); keep this one under 29 km.');
  });

  it('a cut-back week that keeps the long run → cutback_long_run', () => {
    const findings = check(
      withChanges([
        // Week 2: a 15 km long run (54 km); week 3 cuts to 43 km but keeps the 15 km long run.
        ['{week: 2, day: sat, kind: easy, distance: 8 km}', '{week: 2, day: sat, kind: easy, distance: 11 km}'],
        ['{week: 2, day: sun, kind: long, distance: 18 km}', '{week: 2, day: sun, kind: long, distance: 15 km}'],
        ['{week: 3, day: tue, kind: intervals, distance: 10 km}', '{week: 3, day: tue, kind: intervals, distance: 6 km}'],
        ['{week: 3, day: wed, kind: easy, distance: 8 km}', '{week: 3, day: wed, kind: easy, distance: 5 km}'],
        ['{week: 3, day: thu, kind: tempo, distance: 10 km}', '{week: 3, day: thu, kind: tempo, distance: 8 km}'],
        ['{week: 3, day: sat, kind: easy, distance: 8 km}', '{week: 3, day: sat, kind: easy, distance: 9 km}'],
        ['{week: 3, day: sun, kind: long, distance: 18 km}', '{week: 3, day: sun, kind: long, distance: 15 km}'],
      ]),
    );
    expect(codes(findings)).toEqual([['cutback_long_run', '2027-W03', '2027-01-24']]);
    expect(findings[0]?.message).toBe("2027-W03 is a cut-back week (43 km after 54 km) but its long run (15 km) is not shorter than the week before's (15 km).");
  });

  it('a 6:00/mi long-run target and 5:00/km intervals for a 3:30 goal → target_inconsistent twice', () => {
    const findings = check(
      withChanges([
        ['race: { date: 2027-02-14, distance: 42.195 km }', 'race: { date: 2027-02-14, distance: 42.195 km, goal: 3:30:00 }'],
        ['{week: 2, day: sun, kind: long, distance: 18 km}', '{week: 2, day: sun, kind: long, distance: 18 km, target: 6:00/mi}'],
        ['{week: 3, day: tue, kind: intervals, distance: 10 km}', '{week: 3, day: tue, kind: intervals, distance: 10 km, target: 5:00/km}'],
      ]),
    );
    expect(codes(findings)).toEqual([
      ['target_inconsistent', '2027-W02', '2027-01-17'],
      ['target_inconsistent', '2027-W03', '2027-01-19'],
    ]);
    expect(findings[0]?.message).toBe('The long run on Sun 2027-01-17 targets 3:44 /km: faster than marathon pace (4:54–5:03 /km) for the 3:30:00 goal.');
    expect(findings[0]?.suggestion).toBe('Run it at easy pace, 5:37–6:11 /km; marathon-pace segments go inside the long run, not the whole run.');
    expect(findings[1]?.message).toBe('The intervals on Tue 2027-01-19 target 5:00 /km: slower than threshold pace (4:38–4:45 /km) for the 3:30:00 goal.');
  });

  it('race-week strength of 45 min → race_week_strength', () => {
    const findings = check(withChange('{week: 6, day: tue, kind: strength, duration: 30 min', '{week: 6, day: tue, kind: strength, duration: 45 min'));
    expect(codes(findings)).toEqual([['race_week_strength', '2027-W06', '2027-02-09']]);
    expect(findings[0]?.message).toBe('Race-week strength on Tue 2027-02-09 is 45 min long (at most 30 in race week); the race is on Sun 2027-02-14.');
  });

  it('a 12-week marathon plan whose long run peaks at 20 km → long_run_peak_short', () => {
    const weeks = Array.from({ length: 11 }, (_, i) => i + 1);
    const text = [
      'name: Short long runs',
      'start: 2027-01-04',
      'units: km',
      'race: { date: 2027-03-28, distance: 42.195 km }',
      'sessions:',
      ...weeks.flatMap((w) => [
        `  - {week: ${w}, day: tue, kind: tempo, distance: 12 km}`,
        `  - {week: ${w}, day: tue, kind: strength, duration: 45 min}`,
        `  - {week: ${w}, day: thu, kind: easy, distance: 13 km}`,
        `  - {week: ${w}, day: sat, kind: easy, distance: 13 km}`,
        `  - {week: ${w}, day: sun, kind: long, distance: ${w === 11 ? 14 : 20} km}`,
      ]),
      '  - {week: 12, day: tue, kind: easy, distance: 8 km}',
      '  - {week: 12, day: tue, kind: strength, duration: 30 min}',
      '  - {week: 12, day: sun, kind: race, distance: 42.195 km}',
      '',
    ].join('\n');
    const findings = check(text).filter((f) => f.code !== 'no_taper');
    expect(codes(findings)).toEqual([['long_run_peak_short', '2027-W09', '2027-03-28']]);
    expect(findings[0]?.suggestion).toBe('Build the long run to at least 26 km by Sun 2027-03-07, 3 weeks before the race, within 35% of the week.');
  });
});
