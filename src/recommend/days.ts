/**
 * How the recommender reads days: which actual days were hard, which planned sessions still count for
 * the day they were planned on, and which weeks are taper or race weeks. Everything here turns the
 * week documents and plans into the `{ date, kind }` items the rules of `src/plan/rules.ts` take, so
 * the recommender and the plan check apply the same rules.
 */
import { isSessionDone } from '../analysis/compliance.ts';
import { knownIntensity } from '../analysis/matching.ts';
import type { ActivityMetrics, PlannedSessionRef, SessionMatch } from '../analysis/types.ts';
import type { WeekActivity, WeekReportData } from '../domain/week-document.ts';
import { isHardKind, isQualityKind, type SessionKind } from '../domain/plan.ts';
import { addDays, addWeeks, daysBetween, isoWeekOf, mondayOf } from '../domain/iso-week.ts';
import { localTimeOf } from '../domain/time.ts';
import type { DayItem } from '../plan/rules.ts';
import { KIND_NAMES } from './text.ts';
import type { RecommendThresholds } from './types.ts';

/** An activity as a day item: its kind for the rules, and what messages call it. */
export interface ActualItem extends DayItem {
  activityId: string;
  category: WeekActivity['category'];
  /** A run that makes its day hard (isHardKind(kind) holds exactly for these). */
  hard: boolean;
  /** A planned easy or recovery run run too hard (`easy_run_too_hard`): its day stays easy for the rules. */
  tooHardEasy: TooHardEasy | null;
  label: string;
  startMs: number;
  /** The start as local wall-clock time read as UTC (ms): compares with a race's local start time. */
  wallMs: number;
  plannedId: string | null;
}

/** A planned session as a day item (the race from `raceDate` has no id). */
export interface PlannedItem extends DayItem {
  plannedId: string | null;
  label: string;
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted, without repeats. */
export function uniqueSorted(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort(compareIds);
}

/** Match of each activity id (matched or unplanned). */
export function matchesByActivity(doc: WeekReportData): Map<string, SessionMatch> {
  const out = new Map<string, SessionMatch>();
  for (const m of doc.compliance.matches) if (m.activityId !== null) out.set(m.activityId, m);
  return out;
}

/** Match of each planned id (matched or missed). */
export function matchesByPlanned(doc: WeekReportData): Map<string, SessionMatch> {
  const out = new Map<string, SessionMatch>();
  for (const m of doc.compliance.matches) if (m.plannedId !== null) out.set(m.plannedId, m);
  return out;
}

/**
 * Is this run a hard day's run? Hard by evidence (classed `hard`, or the week's long run), or by plan
 * when the evidence does not contradict it: carrying out a planned long run or race, or a planned
 * quality session not classed `easy` (moderate, or intensity unknown). This is compliance's reading:
 * a quality session counts as done unless it was run easy.
 */
export function isHardRun(metrics: ActivityMetrics, match: SessionMatch | undefined): boolean {
  if (metrics.long) return true;
  const cls = knownIntensity(metrics);
  if (cls === 'hard') return true;
  const kind = match?.plannedKind ?? null;
  if (match === undefined || kind === null || !isSessionDone(match)) return false;
  if (kind === 'long' || kind === 'race') return true;
  return isQualityKind(kind) && cls !== 'easy';
}

/** Why a planned easy/recovery run counts as run too hard. */
export type TooHardEasy =
  | { basis: 'hr'; secondsAboveZone2: number; secondsWithHr: number; fraction: number; rawHard: boolean }
  | { basis: 'pace'; intensity: 'moderate' | 'hard'; rawHard: boolean };

/**
 * Is this run a planned easy or recovery run run too hard? With heart rate: more than
 * `easyRunMaxFractionAboveZone2` of its heart-rate time in zones 3–5 (given enough heart-rate time).
 * Without: classed moderate or hard by pace (as compliance's `easyRunsTooHard`).
 */
export function tooHardEasyRun(
  activity: WeekActivity,
  match: SessionMatch | undefined,
  t: Pick<RecommendThresholds, 'easyRunMaxFractionAboveZone2' | 'easyRunMinSecondsWithHr'>,
): TooHardEasy | null {
  const kind = match?.plannedKind ?? null;
  if (activity.category !== 'run' || (kind !== 'easy' && kind !== 'recovery')) return null;
  const m = activity.metrics;
  const rawHard = isHardRun(m, match);
  if (m.timeInZonesS !== null) {
    const [z1, z2, z3, z4, z5] = m.timeInZonesS;
    const withHr = z1 + z2 + z3 + z4 + z5;
    const above = z3 + z4 + z5;
    if (withHr < t.easyRunMinSecondsWithHr || !(above > t.easyRunMaxFractionAboveZone2 * withHr)) return null;
    return { basis: 'hr', secondsAboveZone2: above, secondsWithHr: withHr, fraction: above / withHr, rawHard };
  }
  const cls = knownIntensity(m);
  if (m.intensityBasis === 'pace' && (cls === 'moderate' || cls === 'hard')) return { basis: 'pace', intensity: cls, rawHard };
  return null;
}

/**
 * The kind a done activity stands for. Hard runs: `race` on the race date or for a planned race,
 * `long` for the long run, the planned quality kind, `intervals` for interval laps, else `threshold`
 * (an unplanned hard run; messages call it "hard run"). Other runs are `easy` (or the planned
 * easy/recovery kind), strength is `strength`, everything else `cross`.
 */
export function actualItems(doc: WeekReportData, raceDate: string | null, t: RecommendThresholds): ActualItem[] {
  const matches = matchesByActivity(doc);
  const items: ActualItem[] = [];
  for (const a of doc.activities) {
    const match = matches.get(a.id);
    const plannedKind = match?.plannedKind ?? null;
    const base: Omit<ActualItem, 'kind' | 'hard' | 'label'> = {
      date: a.localDate,
      activityId: a.id,
      category: a.category,
      startMs: Date.parse(a.startTime),
      wallMs: wallClockMs(a.localDate, localTimeOf(new Date(a.startTime), doc.timezone)),
      plannedId: match?.plannedId ?? null,
      tooHardEasy: null,
    };
    if (a.category === 'strength') {
      items.push({ ...base, kind: 'strength', hard: false, label: KIND_NAMES.strength });
      continue;
    }
    if (a.category === 'other') {
      items.push({ ...base, kind: 'cross', hard: false, label: a.sport.replaceAll('_', ' ') });
      continue;
    }
    // An easy run run too hard is its own flag; for the placement rules its day stays easy.
    const tooHardEasy = tooHardEasyRun(a, match, t);
    base.tooHardEasy = tooHardEasy;
    const hard = tooHardEasy === null && isHardRun(a.metrics, match);
    let kind: SessionKind;
    let label: string;
    if (!hard) {
      kind = plannedKind === 'recovery' ? 'recovery' : 'easy';
      label = KIND_NAMES[kind];
    } else if (a.localDate === raceDate || plannedKind === 'race') {
      kind = 'race';
      label = KIND_NAMES.race;
    } else if (a.metrics.long || plannedKind === 'long') {
      kind = 'long';
      label = KIND_NAMES.long;
    } else if (plannedKind !== null && isQualityKind(plannedKind)) {
      kind = plannedKind;
      label = KIND_NAMES[kind];
    } else if (a.metrics.intervals) {
      kind = 'intervals';
      label = KIND_NAMES.intervals;
    } else {
      kind = 'threshold';
      label = 'hard run';
    }
    items.push({ ...base, kind, hard, label });
  }
  return items.sort((x, y) => compareIds(x.date, y.date) || x.startMs - y.startMs || compareIds(x.activityId, y.activityId));
}

/**
 * Planned hard sessions that still count on their planned date: not carried out on another day
 * (a session moved a day is where its activity is). Includes the race from `raceDate`.
 */
export function plannedHardItems(
  planned: readonly PlannedSessionRef[],
  matches: ReadonlyMap<string, SessionMatch>,
  raceDate: string | null,
): PlannedItem[] {
  const items: PlannedItem[] = [];
  for (const p of planned) {
    if (!isHardKind(p.kind)) continue;
    const m = matches.get(p.id);
    if (m !== undefined && m.activityId !== null && m.activityDate !== null && m.activityDate !== p.date) continue;
    // A session excused for a day the athlete could not train does not make that day hard.
    if (m?.status === 'excused') continue;
    items.push({ date: p.date, kind: p.kind, plannedId: p.id, label: KIND_NAMES[p.kind] });
  }
  if (raceDate !== null && !items.some((i) => i.date === raceDate && i.kind === 'race')) {
    items.push({ date: raceDate, kind: 'race', plannedId: null, label: KIND_NAMES.race });
  }
  return items.sort((a, b) => compareIds(a.date, b.date) || compareIds(a.plannedId ?? '', b.plannedId ?? ''));
}

/** The seven dates of an ISO week, Monday first. */
export function weekDates(isoWeek: string): string[] {
  const monday = mondayOf(isoWeek);
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

export interface TaperState {
  /** A taper week (race week included). */
  taper: boolean;
  /** The week holds the race. */
  raceWeek: boolean;
}

/**
 * Taper and race weeks. With `taperStart`: from its week up to race week (or, without a race date,
 * `taperWeeks` weeks from it). Without it: race week and the weeks before it, `taperWeeks` in all.
 * Weeks after the race are neither.
 */
export function taperState(isoWeek: string, raceDate: string | null, taperStart: string | null, taperWeeks: number): TaperState {
  const raceWeek = raceDate !== null && isoWeekOf(raceDate) === isoWeek;
  const monday = mondayOf(isoWeek);
  if (raceDate !== null && monday > raceDate) return { taper: false, raceWeek: false };
  let first: string | null = null;
  let last: string | null = null;
  if (taperStart !== null) {
    first = isoWeekOf(taperStart);
    last = raceDate !== null ? isoWeekOf(raceDate) : addWeeks(first, taperWeeks - 1);
  } else if (raceDate !== null) {
    last = isoWeekOf(raceDate);
    first = addWeeks(last, -(taperWeeks - 1));
  }
  const taper = first !== null && last !== null && isoWeek >= first && isoWeek <= last;
  return { taper: taper || raceWeek, raceWeek };
}

/**
 * The days of a week strength can go on: all of them, except in race week the days after the race
 * (recovery comes first; strength after the race does not stand in for the race-week session).
 */
export function strengthWindow(dates: readonly string[], raceDate: string | null): string[] {
  if (raceDate === null || !dates.includes(raceDate)) return [...dates];
  return dates.filter((d) => d <= raceDate);
}

/** A local date and wall-clock time (`HH:MM`) as milliseconds, read as UTC: differences are local hours. */
export function wallClockMs(date: string, time: string): number {
  return Date.parse(`${date}T${time}:00Z`);
}

/**
 * When a race starts when the plan gives only its date: 08:00 local, about when big-city marathons
 * start (07:00–10:00), so the hours counted before it are, if anything, too few.
 */
export const ASSUMED_RACE_START = '08:00';

/** A race: the goal race, a planned `race` session, or a run carried out as one. */
export interface RaceRef {
  date: string;
  /** Local start as `wallClockMs`: the recorded race's start, else `ASSUMED_RACE_START`. */
  startWallMs: number;
  plannedIds: string[];
  activityIds: string[];
}

/**
 * The races on or around these weeks, one per date: `raceDate`, planned `race` sessions, and runs
 * done as a race (their start time replaces the assumed one).
 */
export function raceRefs(raceDate: string | null, planned: readonly PlannedSessionRef[], items: readonly ActualItem[]): RaceRef[] {
  const byDate = new Map<string, RaceRef>();
  const at = (date: string): RaceRef => {
    let r = byDate.get(date);
    if (r === undefined) {
      r = { date, startWallMs: wallClockMs(date, ASSUMED_RACE_START), plannedIds: [], activityIds: [] };
      byDate.set(date, r);
    }
    return r;
  };
  if (raceDate !== null) at(raceDate);
  for (const p of planned) if (p.kind === 'race') at(p.date).plannedIds.push(p.id);
  for (const i of items) {
    if (i.kind !== 'race') continue;
    const r = at(i.date);
    if (r.activityIds.length === 0) r.startWallMs = i.wallMs;
    else r.startWallMs = Math.min(r.startWallMs, i.wallMs);
    r.activityIds.push(i.activityId);
  }
  return [...byDate.values()]
    .map((r) => ({ ...r, plannedIds: uniqueSorted(r.plannedIds), activityIds: uniqueSorted(r.activityIds) }))
    .sort((a, b) => compareIds(a.date, b.date));
}

/**
 * The race (date) a strength session on `date` would come too close to: strength must start
 * `minHours` before an 08:00 start and may be done as late as the evening, so a day more than the
 * hours say (72 h: at least four days before). Race day itself is the key-day rule's.
 */
export function raceTooNear(date: string, raceDates: readonly string[], minHours: number): string | null {
  const days = Math.ceil(minHours / 24) + 1;
  return [...raceDates].sort(compareIds).find((r) => r > date && daysBetween(date, r) < days) ?? null;
}
