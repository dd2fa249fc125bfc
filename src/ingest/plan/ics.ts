/**
 * iCalendar export of a plan: one all-day event per planned session, so a runner can subscribe to the
 * plan in any calendar app. Built with the `ics` package.
 *
 * UIDs are derived from a caller-given seed (e.g. the plan's id) plus the session's date and order, so
 * exporting the same plan again — even after a session was edited — updates events in subscribed
 * calendars instead of duplicating them.
 */
import { createHash } from 'node:crypto';
import { createEvents, type DateArray, type EventAttributes } from 'ics';
import type { PlannedSession, SessionKind, TrainingPlan } from '../../domain/plan.ts';
import { addDays } from '../../domain/iso-week.ts';
import { displayTarget } from '../../domain/target.ts';
import { displayDistance, displayDuration, type PlanUnits } from '../../domain/units.ts';

export interface PlanToIcsOptions {
  /** Seed for stable event UIDs, e.g. the plan's database id. Same seed + same day + same order = same UID. */
  uidSeed: string;
  /** Shown in the calendar name: `Ana Silva — Spring marathon`. */
  athleteName?: string;
  /**
   * DTSTAMP of the events (when the calendar was generated): pass the export time. Without it the plan's
   * start date at 00:00 UTC is used, which keeps the output a pure function of the plan.
   */
  generatedAt?: Date;
}

export const KIND_LABELS: Readonly<Record<SessionKind, string>> = {
  rest: 'Rest day',
  easy: 'Easy run',
  recovery: 'Recovery run',
  long: 'Long run',
  tempo: 'Tempo run',
  threshold: 'Threshold run',
  intervals: 'Intervals',
  hills: 'Hill repeats',
  race_pace: 'Race-pace run',
  race: 'Race',
  strength: 'Strength',
  cross: 'Cross-training',
};

/** `Long run 16 mi`, `Strength 45 min`, `Rest day`. */
export function sessionTitle(s: PlannedSession, units: PlanUnits): string {
  const label = KIND_LABELS[s.kind];
  if (s.distanceM !== null) return `${label} ${displayDistance(s.distanceM, units)}`;
  if (s.durationS !== null) return `${label} ${displayDuration(s.durationS)}`;
  return label;
}

function sessionDescription(s: PlannedSession, plan: TrainingPlan): string {
  const lines: string[] = [];
  if (s.notes) lines.push(s.notes);
  if (s.target) lines.push(`Target: ${displayTarget(s.target, plan.units)}`);
  const amount: string[] = [];
  if (s.distanceM !== null) amount.push(displayDistance(s.distanceM, plan.units));
  if (s.durationS !== null) amount.push(displayDuration(s.durationS));
  if (amount.length > 0) lines.push(`Planned: ${amount.join(', ')}`);
  if (s.order > 1) lines.push(`Session ${s.order} of the day${s.order === 2 ? ' (PM)' : ''}`);
  if (s.kind === 'race' && plan.race?.date === s.date && plan.race.goalTimeS !== null) {
    lines.push(`Goal: ${displayDuration(plan.race.goalTimeS)}`);
  }
  lines.push(`Plan: ${plan.name}`);
  return lines.join('\n');
}

function dateArray(date: string): DateArray {
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

/** The UID of a session's event: stable for (seed, date, order). */
export function sessionUid(uidSeed: string, session: Pick<PlannedSession, 'date' | 'order'>): string {
  const seed = createHash('sha256').update(uidSeed).digest('hex').slice(0, 16);
  return `${session.date.replaceAll('-', '')}-${session.order}-${seed}@kinetic`;
}

function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,');
}

/**
 * Writes the plan as an iCalendar file (RFC 5545) with one all-day VEVENT per session. `null` (an
 * athlete without a plan yet) is a calendar without events, so a subscription made early keeps working.
 */
export function planToIcs(plan: TrainingPlan | null, options: PlanToIcsOptions): string {
  const stamp = options.generatedAt?.getTime() ?? (plan === null ? 0 : Date.parse(`${plan.startDate}T00:00:00Z`));
  const events = plan === null ? [] : plan.sessions.map((s): EventAttributes & { timestamp: number } => ({
    uid: sessionUid(options.uidSeed, s),
    // The ics typings omit DTSTAMP's `timestamp`; without it the library would read the clock.
    timestamp: stamp,
    title: sessionTitle(s, plan.units),
    description: sessionDescription(s, plan),
    start: dateArray(s.date),
    end: dateArray(addDays(s.date, 1)),
    transp: 'TRANSPARENT',
    categories: ['Training', KIND_LABELS[s.kind]],
  }));
  const planName = plan?.name ?? 'Training plan';
  const calName = options.athleteName ? `${options.athleteName} — ${planName}` : planName;
  const { error, value } = createEvents(events, {
    productId: '-//Kinetic//Training plan//EN',
    method: 'PUBLISH',
    calName: escapeText(calName),
  });
  if (error || value === null) {
    throw new Error(`could not write the calendar: ${error?.message ?? 'no output'}`);
  }
  return value;
}
