import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planArbitrary } from '../../../test/support/plans.ts';
import { parsePlanCsv, planToCsv } from './csv.ts';
import { PlanFormatError, type PlanProblem } from './errors.ts';

function problemsOf(text: string): readonly PlanProblem[] {
  try {
    parsePlanCsv(text, { name: 'x', filename: 'plan.csv' });
  } catch (e) {
    if (e instanceof PlanFormatError) return e.problems;
    throw e;
  }
  throw new Error('expected a PlanFormatError');
}

describe('parsePlanCsv', () => {
  it('reads a coach export: header row, quoted notes with commas, empty cells', () => {
    const text = [
      'date,kind,distance,duration,notes',
      '2027-01-05,intervals,10 km,,"6×800 m at 5K pace, 400 m jog"',
      '2027-01-05,strength,,45 min,"Squats, lunges, core"',
      '2027-01-06,easy,8 km,,',
      '2027-01-10,long,20 km,1:50:00,"Easy; last 2 km ""steady"""',
      '2027-04-25,race,42.195 km,,Goal race',
    ].join('\n');
    const plan = parsePlanCsv(text, { name: 'Coach export' });
    expect(plan.startDate).toBe('2027-01-05');
    expect(plan.units).toBe('km');
    expect(plan.race).toEqual({ date: '2027-04-25', distanceM: 42195, goalTimeS: null });
    expect(plan.sessions.map((s) => [s.date, s.order, s.kind, s.distanceM, s.durationS, s.notes])).toEqual([
      ['2027-01-05', 1, 'intervals', 10000, null, '6×800 m at 5K pace, 400 m jog'],
      ['2027-01-05', 2, 'strength', null, 2700, 'Squats, lunges, core'],
      ['2027-01-06', 1, 'easy', 8000, null, null],
      ['2027-01-10', 1, 'long', 20000, 6600, 'Easy; last 2 km "steady"'],
      ['2027-04-25', 1, 'race', 42195, null, 'Goal race'],
    ]);
  });

  it('takes columns in any order, optional order and target columns, CRLF and a BOM', () => {
    const text = '\uFEFFNotes,Target,Order,Duration,Distance,Kind,Date\r\n"hills, 8×60 s",rpe 8,1,,6 mi,hills,2027-01-05\r\n,,2,40 min,,strength,2027-01-05\r\n';
    const plan = parsePlanCsv(text, { name: 'x', startDate: '2027-01-04' });
    expect(plan.units).toBe('mi');
    expect(plan.startDate).toBe('2027-01-04');
    expect(plan.sessions).toEqual([
      { date: '2027-01-05', order: 1, kind: 'hills', distanceM: 9656, durationS: null, target: { type: 'rpe', rpe: 8 }, notes: 'hills, 8×60 s' },
      { date: '2027-01-05', order: 2, kind: 'strength', distanceM: null, durationS: 2400, target: null, notes: null },
    ]);
  });

  it('reads semicolon-separated exports', () => {
    const plan = parsePlanCsv('date;kind;distance\n2027-01-05;easy;8 km\n', { name: 'x' });
    expect(plan.sessions[0]?.distanceM).toBe(8000);
  });

  it('rejects unknown columns', () => {
    expect(problemsOf('date,kind,distanse,pace\n2027-01-05,easy,8 km,5:00\n')).toEqual([
      { row: 1, field: 'distanse', message: "unknown column 'distanse' (did you mean 'distance'?): columns are date, order, kind, distance, duration, target, notes" },
      { row: 1, field: 'pace', message: "unknown column 'pace': columns are date, order, kind, distance, duration, target, notes" },
    ]);
  });

  it('lists every problem with its row (as in the file) and column', () => {
    const text = [
      'date,kind,distance,duration,notes', // row 1
      '2027-01-05,easy,-3 km,,', // row 2
      '2027-02-30,tempo,10 km,,', // row 3
      '', // row 4 (blank, skipped)
      '2027-01-07,sprint,5 km,,', // row 5
      '2027-01-08,long,20 km,90,"multi', // row 6
      'line note"', // row 7
      '2027-01-09,easy,5 km,,a,b', // row 8
      ',easy,5 km,,', // row 9
    ].join('\n');
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.row, p.field ?? null])).toEqual([
      [2, 'distance'],
      [3, 'date'],
      [5, 'kind'],
      [6, 'duration'],
      [8, null],
      [9, 'date'],
    ]);
    expect(problems[0]?.message).toBe("'-3 km' is negative");
    expect(problems[1]?.message).toBe("'2027-02-30' is not a real calendar date");
    expect(problems[4]?.message).toContain('has 6 values but the header has 5 columns');
    try {
      parsePlanCsv(text, { name: 'x', filename: 'plan.csv' });
    } catch (e) {
      expect((e as Error).message).toContain("plan.csv row 2, field distance: '-3 km' is negative");
    }
  });

  it('needs the date and kind columns, a body, and a start not after the race', () => {
    expect(problemsOf('date,distance\n2027-01-05,8 km\n')).toEqual([{ row: 1, field: 'kind', message: "the header has no 'kind' column" }]);
    expect(problemsOf('date,kind\n')[0]?.message).toBe('the file has a header but no sessions');
    expect(problemsOf('')[0]?.message).toContain('the file is empty');
    expect(() =>
      parsePlanCsv('date,kind\n2027-01-05,easy\n', { name: 'x', race: { date: '2026-12-01', distanceM: null, goalTimeS: null } }),
    ).toThrow(/the race date 2026-12-01 is before the plan start 2027-01-05/);
  });

  it('reports an unclosed quote', () => {
    const problems = problemsOf('date,kind,notes\n2027-01-05,easy,"oops\n2027-01-06,easy,x\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/^CSV syntax: Quote Not Closed/);
  });
});

describe('planToCsv', () => {
  it('writes every column and parses back (property)', () => {
    fc.assert(
      fc.property(planArbitrary(), (plan) => {
        const back = parsePlanCsv(planToCsv(plan), { name: plan.name, startDate: plan.startDate, units: plan.units, race: plan.race });
        expect(back).toEqual(plan);
      }),
      { numRuns: 200 },
    );
  });
});
