/**
 * Days the athlete could not train, read by the recommender (issue #18, point 16): sessions excused
 * on them raise no missed-session, missing-strength or mileage flag, and after illness next week is a
 * return to running. The model week of test/support/recommend.ts, ill from Wednesday to Sunday.
 */
import { describe, expect, it } from 'vitest';
import { addDays, addWeeks, mondayOf } from '../domain/iso-week.ts';
import type { UnavailableDay } from '../domain/athlete-input.ts';
import { buildWeeks, modelWeek, strength } from '../../test/support/recommend.ts';
import { recommend } from './recommend.ts';

const W = '2027-W06';
const day = (i: number): string => addDays(mondayOf(W), i);
const off = (from: number, to: number, reason: UnavailableDay['reason'] = 'illness'): UnavailableDay[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ date: day(from + i), reason }));

function analyse(unavailable: UnavailableDay[], keep: (id: string) => boolean) {
  const prev = modelWeek(addWeeks(W, -1), 'prev-');
  const week = modelWeek(W, '');
  const next = modelWeek(addWeeks(W, 1), 'next-');
  const [previousWeek, doc] = buildWeeks(
    [
      { isoWeek: addWeeks(W, -1), ...prev },
      { isoWeek: W, planned: week.planned, activities: week.activities.filter((a) => keep(a.id)), unavailable },
    ],
    { history: { days: 35, dailyLoad: 150 } },
  );
  return recommend({ week: doc!, previousWeek: previousWeek!, plannedThisWeek: week.planned, plannedNextWeek: next.planned, raceDate: null, taperStart: null });
}

describe('a week with days off ill', () => {
  it('raises no flag for what the illness excused, and makes next week a return to running', () => {
    // Tuesday done as planned; ill Wednesday to Sunday: easy run, tempo, strength, Saturday's run and the long run not done.
    const r = analyse(off(2, 6), (id) => id === 'a-int' || id === 'a-str1');
    expect(r.flags.map((f) => f.code)).toEqual([]);
    expect(r.nextWeek.basis).toBe('return');
    expect(r.nextWeek.notes[0]).toContain('5 days off with illness');
  });

  it('still flags what was missed on the days the athlete could train', () => {
    // Tuesday's intervals and strength not done either, while well.
    const r = analyse(off(2, 6), () => false);
    expect(r.flags.map((f) => `${f.code}@${f.date ?? 'week'}`)).toEqual(['strength_skipped@' + day(1), 'key_session_missed@' + day(1)]);
  });

  it('holds no minimum against a week cut short: 20 minutes of strength before falling ill', () => {
    const prev = modelWeek(addWeeks(W, -1), 'prev-');
    const week = modelWeek(W, '');
    const short = week.activities.filter((a) => a.id === 'a-int').concat(strength('a-short', day(1), { min: 20 }));
    const [previousWeek, doc] = buildWeeks(
      [
        { isoWeek: addWeeks(W, -1), ...prev },
        { isoWeek: W, planned: week.planned, activities: short, unavailable: off(2, 6) },
      ],
      { history: { days: 35, dailyLoad: 150 } },
    );
    const r = recommend({ week: doc!, previousWeek: previousWeek!, plannedThisWeek: week.planned, plannedNextWeek: [], raceDate: null, taperStart: null });
    expect(r.flags.map((f) => f.code)).not.toContain('strength_too_short');
  });

  it('raises no strength_missing for a week mostly off, even without a planned session on those days', () => {
    const travel = analyse(off(3, 6, 'travel'), (id) => id === 'a-int' || id === 'a-e1');
    expect(travel.flags.map((f) => f.code)).not.toContain('strength_missing');
    // Travel asks for no return week.
    expect(travel.nextWeek.basis).toBe('plan');
  });
});
