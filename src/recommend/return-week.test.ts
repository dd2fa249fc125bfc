import { describe, expect, it } from 'vitest';
import type { NextWeekOutcome } from './next-week.ts';
import { returnNeed, returnWeek, withReturn } from './return-week.ts';

const SUNDAY = '2027-01-17';

describe('returnNeed', () => {
  it('owes one easy day per day off with illness or injury, less the days already back', () => {
    const ill = (dates: string[], reason: 'illness' | 'injury' | 'travel' = 'illness') => dates.map((date) => ({ date, reason }));
    expect(returnNeed(ill(['2027-01-14', '2027-01-15', '2027-01-16', '2027-01-17']), SUNDAY)).toEqual({ reason: 'illness', daysOff: 4, lastDay: SUNDAY, easyDays: 4 });
    // Ill Wednesday to Friday, back Saturday and Sunday: one easy day left.
    expect(returnNeed(ill(['2027-01-13', '2027-01-14', '2027-01-15']), SUNDAY)).toMatchObject({ daysOff: 3, easyDays: 1 });
    // Ill Monday and Tuesday, five days back already: nothing left.
    expect(returnNeed(ill(['2027-01-11', '2027-01-12']), SUNDAY)).toBeNull();
    expect(returnNeed(ill(['2027-01-16', '2027-01-17'], 'travel'), SUNDAY)).toBeNull();
    expect(returnNeed(ill(['2027-01-16', '2027-01-17'], 'injury'), SUNDAY)).toMatchObject({ reason: 'injury', easyDays: 2 });
    expect(returnNeed(undefined, SUNDAY)).toBeNull();
    // Ill Monday and Tuesday of a week in progress, today Thursday: one day back (Wednesday), one easy day left.
    expect(returnNeed(ill(['2027-01-11', '2027-01-12']), '2027-01-13')).toMatchObject({ daysOff: 2, easyDays: 1 });
  });
});

describe('returnWeek', () => {
  const next: NextWeekOutcome = {
    plan: {
      isoWeek: '2027-W03',
      basis: 'plan',
      strengthDays: [
        { date: '2027-01-19', afterKind: 'intervals', reason: 'r', optional: false },
        { date: '2027-01-21', afterKind: 'tempo', reason: 'r', optional: false },
      ],
      notes: ['plan note'],
    },
    days: new Map(),
    hardDays: [
      { date: '2027-01-19', label: 'intervals' },
      { date: '2027-01-21', label: 'tempo run' },
      { date: '2027-01-24', label: 'long run' },
    ],
    easyDays: [],
    taper: { taper: false, raceWeek: false },
  };

  it('keeps the first easy days free of hard sessions and strength, then lets the plan resume', () => {
    const out = returnWeek(next, { reason: 'illness', daysOff: 3, lastDay: SUNDAY, easyDays: 3 });
    expect(out.plan.basis).toBe('return');
    expect(out.plan.strengthDays.map((s) => s.date)).toEqual(['2027-01-21']);
    expect(out.hardDays.map((h) => h.date)).toEqual(['2027-01-21', '2027-01-24']);
    expect(out.plan.notes[0]).toMatch(/^Return to running after 3 days off with illness \(last Sun\): the first 3 days/);
    expect(out.plan.notes.at(-1)).toBe('plan note');
  });

  it('keeps the whole week easy after a week off', () => {
    const out = returnWeek(next, { reason: 'injury', daysOff: 7, lastDay: SUNDAY, easyDays: 7 });
    expect(out.plan.strengthDays).toEqual([]);
    expect(out.hardDays).toEqual([]);
    expect(out.plan.notes.join(' ')).toContain('Keep the whole week easy');
  });

  it('leaves a recovery week after a race as it is', () => {
    const recovery = { ...next, plan: { ...next.plan, basis: 'recovery' as const } };
    expect(withReturn({ reason: 'illness', daysOff: 2, lastDay: SUNDAY, easyDays: 2 }, recovery)).toBe(recovery);
    expect(withReturn(null, next)).toBe(next);
  });
});
