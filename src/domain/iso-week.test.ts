import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addWeeks,
  dateOfPlanWeek,
  daysBetween,
  isoWeekOf,
  isValidDate,
  isValidIsoWeek,
  mondayOf,
  parseWeekday,
  planWeekOf,
  weekdayOf,
  weekStart,
} from './iso-week.ts';

describe('ISO weeks', () => {
  it.each([
    ['2027-01-04', '2027-W01'],
    ['2027-01-03', '2026-W53'],
    ['2027-01-01', '2026-W53'],
    ['2026-12-31', '2026-W53'],
    ['2024-12-30', '2025-W01'],
    ['2027-01-18', '2027-W03'],
    ['2020-12-31', '2020-W53'],
    ['2021-01-03', '2020-W53'],
  ])('%s is in %s', (date, week) => {
    expect(isoWeekOf(date)).toBe(week);
  });

  it('finds the Monday of a week', () => {
    expect(mondayOf('2027-W03')).toBe('2027-01-18');
    expect(mondayOf('2026-W53')).toBe('2026-12-28');
    expect(mondayOf('2025-W01')).toBe('2024-12-30');
    expect(() => mondayOf('2027-W53')).toThrow(RangeError);
    expect(isValidIsoWeek('2027-W53')).toBe(false);
    expect(addWeeks('2026-W52', 2)).toBe('2027-W01');
  });

  it('round-trips weeks and dates (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 40 }), (n) => {
        const date = addDays('2000-01-01', n);
        const week = isoWeekOf(date);
        expect(weekStart(date)).toBe(mondayOf(week));
        expect(weekdayOf(weekStart(date))).toBe('mon');
        expect(daysBetween(mondayOf(week), date)).toBeGreaterThanOrEqual(0);
        expect(daysBetween(mondayOf(week), date)).toBeLessThan(7);
      }),
    );
  });
});

describe('calendar dates', () => {
  it('knows real dates', () => {
    expect(isValidDate('2027-02-28')).toBe(true);
    expect(isValidDate('2027-02-30')).toBe(false);
    expect(isValidDate('2028-02-29')).toBe(true);
    expect(isValidDate('2027-13-01')).toBe(false);
    expect(isValidDate('27-01-01')).toBe(false);
  });

  it('adds days across months, years and DST changes', () => {
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2027-03-28', -1)).toBe('2027-03-27');
    expect(daysBetween('2027-01-01', '2027-12-31')).toBe(364);
  });

  it('maps plan weeks: week 1 is the ISO week containing the start', () => {
    expect(dateOfPlanWeek('2027-01-06', 1, 'mon')).toBe('2027-01-04');
    expect(dateOfPlanWeek('2027-01-06', 3, 'sun')).toBe('2027-01-24');
    expect(planWeekOf('2027-01-06', '2027-01-24')).toBe(3);
    expect(parseWeekday('Tuesday')).toBe('tue');
    expect(parseWeekday('THU')).toBe('thu');
    expect(parseWeekday('x')).toBeNull();
  });
});
