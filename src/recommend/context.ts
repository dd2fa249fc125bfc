/**
 * Everything the flag rules read, computed once from the input: the week's dates, which days are over,
 * the plan of this and next week, the classified days and the next-week advice.
 */
import type { PlannedSessionRef, SessionMatch } from '../analysis/types.ts';
import type { WeekActivity, WeekReportData } from '../domain/week-document.ts';
import type { PlanUnits } from '../domain/units.ts';
import { addDays, addWeeks } from '../domain/iso-week.ts';
import { indexDays, type DayMap } from '../plan/rules.ts';
import {
  actualItems,
  compareIds,
  matchesByPlanned,
  plannedHardItems,
  raceRefs,
  taperState,
  weekDates,
  type ActualItem,
  type PlannedItem,
  type RaceRef,
  type TaperState,
} from './days.ts';
import { planNextWeek, type NextWeekOutcome } from './next-week.ts';
import { returnNeed, withReturn } from './return-week.ts';
import type { DayView } from './placement.ts';
import type { RecommendInput, RecommendThresholds } from './types.ts';

export interface Context {
  t: RecommendThresholds;
  units: PlanUnits;
  week: WeekReportData;
  previousWeek: WeekReportData | null;
  isoWeek: string;
  /** Monday … Sunday. */
  dates: string[];
  monday: string;
  sunday: string;
  raceDate: string | null;
  /** A day is over when it lies before `asOf` (every day, without `asOf`). */
  isOver: (date: string) => boolean;
  /** Every day of the week is over. */
  weekOver: boolean;
  /** This week's planned sessions inside the week, in canonical order. */
  plannedThis: PlannedSessionRef[];
  /** Next week's planned sessions inside next week, in canonical order. */
  plannedNext: PlannedSessionRef[];
  /** Last week's planned sessions inside last week, in canonical order (empty when not given). */
  plannedPrevious: PlannedSessionRef[];
  /** Races of last, this and next week (goal race, planned races, runs done as a race), by date. */
  races: RaceRef[];
  /** Last week held a race that calls for a recovery week (see `callsForRecovery`): this is it. */
  recoveryWeek: boolean;
  /** True when this week has a planned session other than rest. */
  hasPlan: boolean;
  /** This week's match of each of `plannedThis` (missing for rest and for ids compliance does not know). */
  matchOf: Map<string, SessionMatch>;
  /** This week's activities as day items, in date and start order. */
  items: ActualItem[];
  /** Last week's activities as day items. */
  previousItems: ActualItem[];
  /** Last week and this week as done. */
  actualDays: DayMap;
  /** Planned hard sessions of this and next week (and the race) that still count on their date. */
  plannedHard: PlannedItem[];
  /** What was done, plus the next day's planned hard sessions: the map a strength day is judged on. */
  view: DayView;
  activityById: Map<string, WeekActivity>;
  taper: TaperState;
  next: NextWeekOutcome;
}

function canonical(planned: readonly PlannedSessionRef[], from: string, to: string): PlannedSessionRef[] {
  return planned
    .filter((p) => p.date >= from && p.date <= to)
    .sort((a, b) => compareIds(a.date, b.date) || a.order - b.order || compareIds(a.id, b.id));
}

export function buildContext(input: RecommendInput, t: RecommendThresholds): Context {
  const week = input.week;
  const isoWeek = week.isoWeek;
  const dates = weekDates(isoWeek);
  const monday = dates[0] ?? week.from;
  const sunday = dates[6] ?? week.to;
  const asOf = input.asOf ?? null;
  const isOver = (date: string): boolean => asOf === null || date < asOf;
  const nextDates = weekDates(addWeeks(isoWeek, 1));

  const plannedThis = canonical(input.plannedThisWeek, monday, sunday);
  const plannedNext = canonical(input.plannedNextWeek, nextDates[0] ?? '', nextDates[6] ?? '');
  const plannedPrevious = canonical(input.plannedPreviousWeek ?? [], addDays(monday, -7), addDays(monday, -1));
  const known = new Set(plannedThis.map((p) => p.id));
  const matchOf = new Map<string, SessionMatch>();
  for (const [id, m] of matchesByPlanned(week)) if (known.has(id)) matchOf.set(id, m);

  const inWeek = (d: string): boolean => d >= monday && d <= sunday;
  const items = actualItems(week, input.raceDate, t).filter((i) => inWeek(i.date));
  const previousMonday = addDays(monday, -7);
  const previousItems =
    input.previousWeek === null
      ? []
      : actualItems(input.previousWeek, input.raceDate, t).filter((i) => i.date >= previousMonday && i.date < monday);
  const actualDays = indexDays([...previousItems, ...items]);
  const plannedHard = [
    ...plannedHardItems(plannedThis, matchOf, null),
    ...plannedHardItems(plannedNext, new Map(), input.raceDate),
  ];

  const views = new Map<string, DayMap>();
  const view: DayView = (date) => {
    let v = views.get(date);
    if (v === undefined) {
      const next = addDays(date, 1);
      v = indexDays([...previousItems, ...items, ...plannedHard.filter((p) => p.date === next)]);
      views.set(date, v);
    }
    return v;
  };

  const activityById = new Map<string, WeekActivity>();
  for (const a of input.previousWeek?.activities ?? []) activityById.set(a.id, a);
  for (const a of week.activities) activityById.set(a.id, a);

  const races = raceRefs(input.raceDate, [...plannedPrevious, ...plannedThis, ...plannedNext], [...previousItems, ...items]);
  const plannedById = new Map([...plannedPrevious, ...plannedThis, ...plannedNext].map((p) => [p.id, p]));
  const recoveryRace = (from: string, to: string): RaceRef | null =>
    races.find((r) => r.date >= from && r.date <= to && callsForRecovery(r, input.raceDate, plannedById, activityById)) ?? null;

  return {
    t,
    units: input.units ?? 'km',
    week,
    previousWeek: input.previousWeek,
    isoWeek,
    dates,
    monday,
    sunday,
    raceDate: input.raceDate,
    isOver,
    weekOver: isOver(sunday),
    plannedThis,
    plannedNext,
    plannedPrevious,
    races,
    recoveryWeek: recoveryRace(addDays(monday, -7), addDays(monday, -1)) !== null,
    hasPlan: plannedThis.some((p) => p.kind !== 'rest'),
    matchOf,
    items,
    previousItems,
    actualDays,
    plannedHard,
    view,
    activityById,
    taper: taperState(isoWeek, input.raceDate, input.taperStart, t.taperWeeks),
    // After illness or injury, next week opens with easy days (return-week.ts).
    // (While the week is in progress, only the days over count as days back.)
    next: withReturn(returnNeed(week.unavailable, asOf === null || asOf > sunday ? sunday : addDays(asOf, -1)), planNextWeek({
      thisWeek: isoWeek,
      thisWeekItems: items,
      plannedNextWeek: plannedNext,
      raceDate: input.raceDate,
      taperStart: input.taperStart,
      thresholds: t,
      recoveryAfter: recoveryRace(monday, sunday)?.date ?? null,
    })),
  };
}

/**
 * Can a planned session on `date` still be judged missed? Only when the last day it could be done
 * on (the next day, within the week) is over.
 */
export function canJudgeMissed(ctx: Context, date: string): boolean {
  const lastChance = addDays(date, 1) > ctx.sunday ? date : addDays(date, 1);
  return ctx.isOver(lastChance);
}

/** Hard items of a date (this or last week), race first, then long, then by start. */
export function hardItemsOn(ctx: Context, date: string): ActualItem[] {
  const rank = (i: ActualItem): number => (i.kind === 'race' ? 0 : i.kind === 'long' ? 1 : 2);
  return [...ctx.previousItems, ...ctx.items]
    .filter((i) => i.date === date && i.hard)
    .sort((a, b) => rank(a) - rank(b) || a.startMs - b.startMs || compareIds(a.activityId, b.activityId));
}

/** Planned hard sessions still counting on `date`. */
export function plannedHardOn(ctx: Context, date: string): PlannedItem[] {
  return ctx.plannedHard.filter((p) => p.date === date);
}

/** What messages call a hard day: its main hard activity, else its planned hard session. */
export function hardLabel(ctx: Context, date: string): { label: string; planned: boolean } {
  const done = hardItemsOn(ctx, date)[0];
  if (done !== undefined) return { label: done.label, planned: false };
  const planned = plannedHardOn(ctx, date);
  const p = planned.find((x) => x.kind === 'race') ?? planned.find((x) => x.kind === 'long') ?? planned[0];
  return { label: p?.label ?? 'hard session', planned: true };
}

/** The first race of the days `from`…`to` (the week's race: what comes after it is recovery), or null. */
export function firstRaceBetween(ctx: Context, from: string, to: string): RaceRef | null {
  return ctx.races.find((r) => r.date >= from && r.date <= to) ?? null;
}

/** A half marathon: races at least this long are followed by a recovery week. */
export const RECOVERY_RACE_MIN_M = 21_000;

/**
 * Does this race call for a recovery week after it? The goal race always; another race when it is a
 * half marathon or longer, as planned or as run.
 */
export function callsForRecovery(
  race: RaceRef,
  goalDate: string | null,
  planned: ReadonlyMap<string, PlannedSessionRef>,
  activities: ReadonlyMap<string, WeekActivity>,
): boolean {
  if (race.date === goalDate) return true;
  const lengths = [
    ...race.plannedIds.map((id) => planned.get(id)?.distanceM ?? null),
    ...race.activityIds.map((id) => activities.get(id)?.distanceM ?? null),
  ];
  return lengths.some((m) => m !== null && m >= RECOVERY_RACE_MIN_M);
}
