/**
 * Back to running after illness or injury (issue #18, point 16): when days of this week were
 * unavailable for illness or injury and the athlete has not had as many days since to come back,
 * next week opens with easy days — `nextWeek.basis: "return"` — before the plan's hard sessions and
 * strength resume. docs/flags.md ("Next week") gives the rule and its sources.
 */
import { needsReturn, type UnavailableDay } from '../domain/athlete-input.ts';
import { addDays, daysBetween, mondayOf } from '../domain/iso-week.ts';
import type { NextWeekOutcome } from './next-week.ts';
import { wd } from './text.ts';

/** At most this many easy days open the return week, however long the athlete was off. */
export const MAX_RETURN_EASY_DAYS = 7;

export interface ReturnNeed {
  reason: 'illness' | 'injury';
  /** Illness or injury days in the week. */
  daysOff: number;
  /** The last of them. */
  lastDay: string;
  /** Easy days next week still owes: one per day off, less the days already back this week, at most 7. */
  easyDays: number;
}

/**
 * What this week's unavailable days ask of next week: null when there were no illness or injury days,
 * or when the days after the last of them, to `lastDayOver` (Sunday, or the day before today while
 * the week is in progress), already number as many as the days off.
 */
export function returnNeed(unavailable: readonly UnavailableDay[] | undefined, lastDayOver: string): ReturnNeed | null {
  const off = (unavailable ?? []).filter((d) => needsReturn(d.reason));
  const last = off.at(-1);
  if (last === undefined) return null;
  const backAlready = Math.max(0, daysBetween(last.date, lastDayOver));
  const easyDays = Math.min(MAX_RETURN_EASY_DAYS, off.length - backAlready);
  if (easyDays <= 0) return null;
  return { reason: off.some((d) => d.reason === 'illness') ? 'illness' : 'injury', daysOff: off.length, lastDay: last.date, easyDays };
}

/**
 * Next week as a return to running: its first `easyDays` days easy and short — no hard session and no
 * strength on them (light mobility only) — then the plan (or the pattern) resumes, its hard days and
 * strength days from there on.
 */
export function returnWeek(next: NextWeekOutcome, need: ReturnNeed): NextWeekOutcome {
  const monday = mondayOf(next.plan.isoWeek);
  const resume = addDays(monday, need.easyDays);
  const after = (date: string): boolean => date >= resume;
  const wholeWeek = !after(addDays(monday, 6));
  const days = need.easyDays === 1 ? 'day' : `${need.easyDays} days`;
  const what = need.reason === 'illness' ? 'the illness' : 'the injury';
  const notes = [
    `Return to running after ${need.daysOff} day${need.daysOff === 1 ? '' : 's'} off with ${need.reason} (last ${wd(need.lastDay)}): the first ${days} of the week easy and short — about half the usual easy run, at a conversational pace — with no intervals, tempo or long run.`,
    need.reason === 'illness'
      ? `Run only without fever and with symptoms above the neck at most (a blocked nose, a sore throat); a fever, aching muscles or a chest cold mean rest, and the easy ${need.easyDays === 1 ? 'day starts' : 'days start'} after.`
      : 'Run only pain-free and as the physiotherapist advises; any pain that changes your stride ends the run.',
    wholeWeek
      ? `Keep the whole week easy; the plan resumes the week after, its first hard session shortened.`
      : `From ${wd(resume)}, if the easy ${need.easyDays === 1 ? 'day' : 'days'} went well, the plan resumes — its first hard session shortened, and not back to back with the long run.`,
    `Strength: light mobility and bodyweight work only until ${what} is behind you${
      wholeWeek ? '' : next.plan.strengthDays.some((s) => after(s.date)) ? '; the strength days below stand' : `; next week's strength days fall in the easy days, so full sessions come back the week after`
    }.`,
  ];
  return {
    ...next,
    plan: { ...next.plan, basis: 'return', strengthDays: next.plan.strengthDays.filter((s) => after(s.date)), notes: [...notes, ...next.plan.notes] },
    hardDays: next.hardDays.filter((h) => after(h.date)),
  };
}

/** `next`, or its return-to-running version when this week asks for one (a recovery week after a race stays one). */
export function withReturn(need: ReturnNeed | null, next: NextWeekOutcome): NextWeekOutcome {
  const usual = next.plan.basis === 'plan' || next.plan.basis === 'pattern';
  return need === null || !usual ? next : returnWeek(next, need);
}
