/** Wording shared by the flags and the next-week advice: kind names, day names, lists, rounding. */
import { KIND_NAMES } from '../domain/plan.ts';
import { displayDistance, type PlanUnits } from '../domain/units.ts';
import { dayLabel, weekdayLabel, weekdayOf } from '../domain/iso-week.ts';

export { KIND_NAMES };

/** `Tue 2027-02-09`: how messages name a day of the analysed week. */
export const day = dayLabel;

/** `Tue`: how suggestions name a day of next week (the week is said once). */
export function wd(date: string): string {
  return weekdayLabel(weekdayOf(date));
}

/** `a`, `a and b`, `a, b and c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

export function distance(metres: number, units: PlanUnits): string {
  return displayDistance(metres, units);
}

export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

/** Rounds evidence numbers so stored documents do not carry floating-point noise. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export function minutes(seconds: number): number {
  return round(seconds / 60, 1);
}

/** `45 min`, `1 h 05 min`. */
export function durationText(mins: number): string {
  const total = Math.round(mins);
  if (total < 60) return `${total} min`;
  return `${Math.floor(total / 60)} h ${String(total % 60).padStart(2, '0')} min`;
}

export function capitalize(text: string): string {
  return text.length === 0 ? text : `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
}
