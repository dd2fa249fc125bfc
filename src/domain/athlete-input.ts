/**
 * What the athlete tells us besides their recordings (issue #18, points 15–16): the session RPE of an
 * activity, and the days they could not train. Small pure rules shared by the services, the analysis
 * and the edges that validate input.
 */
import { addDays } from './iso-week.ts';

/** Session RPE on Foster's CR-10 scale, as the athlete gives it: a whole number from 1 to 10. */
export const RPE_MIN = 1;
export const RPE_MAX = 10;

/** The longest note kept on an activity or an unavailable period (characters). */
export const NOTE_MAX_LENGTH = 2000;

/** Sports a session can be logged by hand as (`kinetic activity log --sport`): strength, and cross-training. */
export const MANUAL_SPORTS = ['strength', 'cycling', 'swimming', 'elliptical', 'rowing'] as const;
export type ManualSport = (typeof MANUAL_SPORTS)[number];

/** The stored sport / sub-sport of a hand-logged session (as a watch names them, so categories agree). */
export function manualSportOf(sport: ManualSport): { sport: string; subSport: string | null } {
  return sport === 'strength' ? { sport: 'training', subSport: 'strength_training' } : { sport, subSport: null };
}

/** Bounds of a hand-logged session and its exercises. */
export const MANUAL_LIMITS = {
  minDurationS: 60,
  maxDurationS: 10 * 3600,
  maxExercises: 30,
  maxSets: 20,
  maxReps: 200,
  maxWeightKg: 500,
  maxNameLength: 100,
} as const;

/** One exercise of a hand-logged strength session: `sets` × `reps` at `weightKg` (null: bodyweight). */
export interface LoggedExercise {
  name: string;
  sets: number;
  reps: number;
  weightKg: number | null;
}

/**
 * `squat 3x8x60`, `squat 3x8@60kg`, `plank 3x1`, `Romanian deadlift 4×6×80 kg` → the exercise; null
 * when the text is not `<name> <sets>x<reps>[x|@<weight>[kg]]`.
 */
export function parseExercise(text: string): LoggedExercise | null {
  const m = /^(.*?\S)\s*[:,]?\s+(\d+)\s*[x×]\s*(\d+)(?:\s*(?:[x×@])\s*(\d+(?:\.\d+)?)\s*(?:kg)?)?$/i.exec(text.trim());
  if (m === null) return null;
  return { name: m[1]!, sets: Number(m[2]), reps: Number(m[3]), weightKg: m[4] === undefined ? null : Number(m[4]) };
}

/** Why the athlete could not train. Illness and injury call for a return to running afterwards. */
export const UNAVAILABLE_REASONS = ['illness', 'injury', 'travel', 'other'] as const;
export type UnavailableReason = (typeof UNAVAILABLE_REASONS)[number];

/** A stretch of days the athlete could not train, both dates included (local dates, YYYY-MM-DD). */
export interface UnavailablePeriod {
  from: string;
  to: string;
  reason: UnavailableReason;
}

/** One unavailable day, as the week document lists them. */
export interface UnavailableDay {
  date: string;
  reason: UnavailableReason;
}

/** Reasons that leave the athlete off running and call for a gradual return (`nextWeek.basis: "return"`). */
export function needsReturn(reason: UnavailableReason): boolean {
  return reason === 'illness' || reason === 'injury';
}

/**
 * The unavailable days of dates [from, to], in date order, one per date: where periods overlap, the
 * reason that needs a return wins (illness before injury before travel before other).
 */
export function unavailableDays(periods: readonly UnavailablePeriod[], from: string, to: string): UnavailableDay[] {
  const byDate = new Map<string, UnavailableReason>();
  const rank = (r: UnavailableReason): number => UNAVAILABLE_REASONS.indexOf(r);
  for (const p of periods) {
    const first = p.from > from ? p.from : from;
    const last = p.to < to ? p.to : to;
    for (let d = first; d <= last; d = addDays(d, 1)) {
      const seen = byDate.get(d);
      if (seen === undefined || rank(p.reason) < rank(seen)) byDate.set(d, p.reason);
    }
  }
  return [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([date, reason]) => ({ date, reason }));
}
