import { describe, expect, it } from 'vitest';
import type { LoadState } from '../analysis/types.ts';
import { addDays } from '../domain/iso-week.ts';
import { buildSeason, seasonWeeks, SEASON_WEEKS_WITHOUT_PLAN, type SeasonInput } from './season.ts';
import type { WeekDocument } from '../domain/week-document.ts';

const plan = { name: 'Spring', startDate: '2026-11-04', raceDate: '2026-12-20', endDate: '2026-12-20' };

/** A week document with only what the season reads (compliance totals); the rest is never looked at. */
function week(isoWeek: string, c: { score: number | null; strength: [number, number]; minutes?: number; distance?: [number, number] }): WeekDocument {
  const [planned, done] = c.distance ?? [40_000, 36_000];
  return {
    isoWeek,
    activities: [],
    flags: [],
    compliance: {
      score: c.score,
      planned: { distanceM: planned, strengthSessions: c.strength[0], sessions: 6, keySessions: 0 },
      actual: { distanceM: done, strengthSessions: c.strength[1], strengthMinutes: c.minutes ?? c.strength[1] * 45, keySessionsCompleted: 0 },
      matches: [],
      easyRunsTooHard: [],
      hardSessionsTooEasy: [],
    },
  } as unknown as WeekDocument;
}

function load(date: string, chronic: number, acute: number): LoadState {
  return { date, load: 50, acute, chronic, form: chronic - acute, acwrAcute: acute, acwrChronic: chronic, acwr: acute / chronic, day: 0 };
}

const input: SeasonInput = {
  athlete: { id: 'a', name: 'Ada', units: 'km', timezone: 'UTC' },
  plan,
  asOf: '2026-11-25',
  weeks: [week('2026-W45', { score: 0.91, strength: [2, 2] }), week('2026-W46', { score: 0.62, strength: [2, 0] }), week('2026-W48', { score: null, strength: [1, 1] })],
  loadDays: [load('2026-11-08', 40, 44), load('2026-11-15', 42, 38), load('2026-11-25', 45, 50)],
  acwrLimit: 1.5,
};

describe('seasonWeeks', () => {
  it('runs from the plan start week to this week', () => {
    expect(seasonWeeks(plan, '2026-11-25')).toEqual(['2026-W45', '2026-W46', '2026-W47', '2026-W48']);
  });

  it('stops at the plan end after the race', () => {
    expect(seasonWeeks(plan, '2027-02-01')).toHaveLength(7);
  });

  it('is empty before the plan starts, and the last weeks without a plan', () => {
    expect(seasonWeeks(plan, '2026-10-01')).toEqual([]);
    const weeks = seasonWeeks(null, '2026-11-25');
    expect(weeks).toHaveLength(SEASON_WEEKS_WITHOUT_PLAN);
    expect(weeks.at(-1)).toBe('2026-W48');
  });
});

describe('buildSeason', () => {
  const s = buildSeason(input);

  it('gives each plan week its compliance, strength and end-of-week load', () => {
    expect(s.weeks.map((w) => [w.isoWeek, w.planWeek, w.compliancePct, w.band, w.strengthPlanned, w.strengthDone, w.chronic, w.complete])).toEqual([
      ['2026-W45', 1, 91, 'green', 2, 2, 40, true],
      // #18 point 14: the band is the worst compliance part — no strength at all is red, whatever the score.
      ['2026-W46', 2, 62, 'red', 2, 0, 42, true],
      // Not analysed: no score, nothing done.
      ['2026-W47', 3, null, null, 0, 0, null, true],
      // This week: load of today, not of Sunday.
      ['2026-W48', 4, null, null, 1, 1, 45, false],
    ]);
  });

  it('totals the season', () => {
    expect(s.totals).toEqual({ meanCompliancePct: 77, strengthSessions: 3, strengthMinutes: 135, weeksWithStrength: 2, daysToRace: 25 });
  });

  it('draws the load curve to race day, empty after today, with markers', () => {
    expect(s.load.days[0]!.date).toBe('2026-11-02');
    expect(s.load.days.at(-1)!.date).toBe('2026-12-20');
    expect(s.load.days.find((d) => d.date === '2026-11-25')!.chronic).toBe(45);
    expect(s.load.days.filter((d) => d.date > '2026-11-25').every((d) => d.chronic === null)).toBe(true);
    expect(s.load.markers).toEqual([
      { date: '2026-11-25', label: 'Today' },
      { date: '2026-12-20', label: 'Race day' },
    ]);
  });

  it('without a plan: the last weeks, to today', () => {
    const free = buildSeason({ ...input, plan: null });
    expect(free.weeks).toHaveLength(SEASON_WEEKS_WITHOUT_PLAN);
    expect(free.weeks.every((w) => w.planWeek === null)).toBe(true);
    expect(free.load.days.at(-1)!.date).toBe('2026-11-25');
    expect(free.load.markers).toEqual([{ date: '2026-11-25', label: 'Today' }]);
    expect(free.totals.daysToRace).toBeNull();
    expect(free.load.days).toHaveLength(SEASON_WEEKS_WITHOUT_PLAN * 7 - 4);
    expect(addDays(free.load.days[0]!.date, free.load.days.length - 1)).toBe('2026-11-25');
  });
});
