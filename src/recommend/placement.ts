/**
 * Where a strength session sits relative to the hard days, judged with the rules of
 * `src/plan/rules.ts`. One judgement serves both directions: the flags judge the strength the athlete
 * did, the next-week advice judges a candidate day before suggesting it, so a suggested day never
 * raises a placement flag when the week goes as planned.
 */
import { addDays } from '../domain/iso-week.ts';
import {
  isHardDay,
  isQualityDay,
  isStrengthBeforeHardDay,
  isStrengthBetweenHardDays,
  rankStrengthDays,
  type DayMap,
} from '../plan/rules.ts';

export type StrengthPlacement =
  /** Strength on an easy day between two hard days: a third hard day in a row. */
  | { code: 'between'; date: string; before: string; after: string }
  /** Strength the day before a hard day (long run, quality session, race). */
  | { code: 'before_key'; date: string; keyDate: string }
  /** Strength on an easy or rest day while a quality day of the week could have carried it. */
  | { code: 'easy_day'; date: string; freeDays: string[] };

/**
 * The day map to judge a strength session on `date` with. The flags add next day's planned hard
 * sessions to what was done; the advice uses one map of the planned week.
 */
export type DayView = (date: string) => DayMap;

/**
 * Could `date` carry a strength session after its run? A quality day (hard, but no long run or race)
 * without strength yet, where strength keeps the rules (the next day is not hard) — the days
 * `rankStrengthDays` ranks first.
 */
export function canCarryStrength(days: DayMap, date: string): boolean {
  return isQualityDay(days, date) && rankStrengthDays(days, [date]).length === 1;
}

/**
 * Judges strength on `date` (the view must hold it). `weekDates` are the days a free quality day is
 * looked for. Returns the one broken rule, most specific first, or null when the placement is fine:
 * between two hard days, then the day before a hard day (as the plan check), then an easy day while a
 * quality day was free.
 */
export function judgeStrengthDay(view: DayView, date: string, weekDates: readonly string[]): StrengthPlacement | null {
  const days = view(date);
  if (isStrengthBetweenHardDays(days, date)) {
    return { code: 'between', date, before: addDays(date, -1), after: addDays(date, 1) };
  }
  if (isStrengthBeforeHardDay(days, date)) return { code: 'before_key', date, keyDate: addDays(date, 1) };
  if (!isHardDay(days, date)) {
    const freeDays = weekDates.filter((q) => q !== date && canCarryStrength(view(q), q));
    if (freeDays.length > 0) return { code: 'easy_day', date, freeDays };
  }
  return null;
}
