/**
 * The coaching placement and ramp rules (DESIGN.md), as pure functions over plain `{ date, kind }`
 * items. The plan check applies them to planned sessions; the recommender applies the same functions
 * to actual training, so a plan that passes the check and training that follows it agree.
 *
 * - A day is *hard* when it holds a hard kind (`isHardKind`: intervals, tempo, threshold, hills,
 *   race_pace, race, long). Strength and cross-training never make a day hard.
 * - Strength belongs after the run on a hard day. A strength session the day before a hard day breaks
 *   the rule; when that day is also an easy day right after a hard day, it is the more specific
 *   "strength between two hard days" case (one finding, not two).
 * - Two hard days in a row break the rule.
 * - Weekly running volume may rise at most 10% week on week; after a cut-back week (≥ 10% below the
 *   week before) the reference is the week before the cut-back.
 */
import { isHardKind, isQualityKind, isRunKind, type SessionKind } from '../domain/plan.ts';
import { addDays, isoWeekOf } from '../domain/iso-week.ts';

/** What the rules need to know about a session or an activity. */
export interface DayItem {
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  kind: SessionKind;
}

/** A session or activity with the amounts the volume rules need. */
export interface VolumeItem extends DayItem {
  distanceM: number | null;
  durationS: number | null;
}

export interface DayInfo {
  date: string;
  kinds: SessionKind[];
  hard: boolean;
  strength: boolean;
  run: boolean;
}

/** Days that hold at least one item, keyed by date. */
export type DayMap = ReadonlyMap<string, DayInfo>;

export function indexDays(items: readonly DayItem[]): DayMap {
  const days = new Map<string, DayInfo>();
  for (const item of items) {
    const day = days.get(item.date) ?? { date: item.date, kinds: [], hard: false, strength: false, run: false };
    day.kinds.push(item.kind);
    day.hard ||= isHardKind(item.kind);
    day.strength ||= item.kind === 'strength';
    day.run ||= isRunKind(item.kind) && item.kind !== 'rest';
    days.set(item.date, day);
  }
  return days;
}

/** Dates that hold a hard session. */
export function hardDaysOf(items: readonly DayItem[]): Set<string> {
  return new Set(items.filter((i) => isHardKind(i.kind)).map((i) => i.date));
}

export function isHardDay(days: DayMap, date: string): boolean {
  return days.get(date)?.hard ?? false;
}

export function hasStrength(days: DayMap, date: string): boolean {
  return days.get(date)?.strength ?? false;
}

/** The hard kind that names a day in messages: race, then long, then the first quality kind. */
export function mainHardKind(days: DayMap, date: string): SessionKind | null {
  const kinds = days.get(date)?.kinds.filter(isHardKind) ?? [];
  if (kinds.includes('race')) return 'race';
  if (kinds.includes('long')) return 'long';
  return kinds[0] ?? null;
}

/** A quality day: a hard day without a long run or race (where strength should go). */
export function isQualityDay(days: DayMap, date: string): boolean {
  const kinds = days.get(date)?.kinds ?? [];
  return kinds.some(isQualityKind) && !kinds.includes('long') && !kinds.includes('race');
}

/** Would a strength session on `date` keep the rules? (The next day must not be hard.) */
export function strengthAllowedOn(days: DayMap, date: string): boolean {
  return !isHardDay(days, addDays(date, 1));
}

/** Strength on an easy day that sits between two hard days: it becomes a third hard day. */
export function isStrengthBetweenHardDays(days: DayMap, date: string): boolean {
  return (
    hasStrength(days, date) &&
    !isHardDay(days, date) &&
    isHardDay(days, addDays(date, -1)) &&
    isHardDay(days, addDays(date, 1))
  );
}

/** Strength the day before a hard day (long run, quality session, race), other than the between case. */
export function isStrengthBeforeHardDay(days: DayMap, date: string): boolean {
  return hasStrength(days, date) && isHardDay(days, addDays(date, 1)) && !isStrengthBetweenHardDays(days, date);
}

/** `date` is hard and so was the day before. */
export function isBackToBackHard(days: DayMap, date: string): boolean {
  return isHardDay(days, date) && isHardDay(days, addDays(date, -1));
}

export type PlacementIssue =
  | { code: 'strength_before_hard_day'; date: string; hardDate: string; hardKind: SessionKind }
  | { code: 'strength_between_hard_days'; date: string; before: SessionKind; after: SessionKind }
  | { code: 'hard_days_back_to_back'; date: string; previousDate: string; previousKind: SessionKind; kind: SessionKind };

/** Every placement rule broken by `items`, in date order. */
export function placementIssues(items: readonly DayItem[]): PlacementIssue[] {
  const days = indexDays(items);
  const issues: PlacementIssue[] = [];
  for (const date of [...days.keys()].sort()) {
    const next = addDays(date, 1);
    const prev = addDays(date, -1);
    if (isStrengthBetweenHardDays(days, date)) {
      issues.push({
        code: 'strength_between_hard_days',
        date,
        before: mainHardKind(days, prev) ?? 'long',
        after: mainHardKind(days, next) ?? 'long',
      });
    } else if (isStrengthBeforeHardDay(days, date)) {
      issues.push({ code: 'strength_before_hard_day', date, hardDate: next, hardKind: mainHardKind(days, next) ?? 'long' });
    }
    if (isBackToBackHard(days, date)) {
      issues.push({
        code: 'hard_days_back_to_back',
        date,
        previousDate: prev,
        previousKind: mainHardKind(days, prev) ?? 'long',
        kind: mainHardKind(days, date) ?? 'long',
      });
    }
  }
  return issues;
}

/**
 * Where a strength session fits best among `candidates`, best first; days where it would break a rule,
 * and days with a long run, a race or strength already, are left out. Preference: after the run on a
 * quality day; then an easy-run day; then a rest day; the day after a long run or race comes last, and
 * days next to another strength day come after all others.
 */
export function rankStrengthDays(days: DayMap, candidates: readonly string[]): string[] {
  const scored: { date: string; score: number }[] = [];
  for (const date of candidates) {
    const day = days.get(date);
    if (day?.kinds.includes('long') || day?.kinds.includes('race') || day?.strength) continue;
    if (!strengthAllowedOn(days, date)) continue;
    const prevKinds = days.get(addDays(date, -1))?.kinds ?? [];
    let score: number;
    if (isQualityDay(days, date)) score = 0;
    else if (prevKinds.includes('long') || prevKinds.includes('race')) score = 3;
    else if (day?.run) score = 1;
    else score = 2;
    if (hasStrength(days, addDays(date, -1)) || hasStrength(days, addDays(date, 1))) score += 10;
    scored.push({ date, score });
  }
  return scored.sort((a, b) => a.score - b.score || (a.date < b.date ? -1 : 1)).map((s) => s.date);
}

// ---------------------------------------------------------------------------------------------------
// Volume

export const MAX_WEEKLY_RISE = 0.1;
/** Relative slack on the 10% limit, for whole-metre rounding of distances written in miles (0.1%). */
export const VOLUME_TOLERANCE = 0.001;
/** A week at or below this share of the week before is a cut-back (recovery) week. */
export const CUTBACK_MAX_RATIO = 0.9;
/** The last week before race week must be at or below this share of the peak week to count as a taper. */
export const TAPER_MAX_RATIO = 0.85;
/** Pace used to turn duration-only runs into distance when the plan gives no pace of its own (6:00/km). */
export const DEFAULT_PACE_S_PER_KM = 360;

/**
 * Median pace (s/km) of the runs that give both distance and duration, else the default. Used to count
 * duration-only runs in the weekly volume.
 */
export function typicalPaceSPerKm(items: readonly VolumeItem[]): number {
  const paces = items
    .filter((i) => isRunKind(i.kind) && i.distanceM !== null && i.distanceM > 0 && i.durationS !== null && i.durationS > 0)
    .map((i) => (i.durationS ?? 0) / ((i.distanceM ?? 1) / 1000))
    .sort((a, b) => a - b);
  if (paces.length === 0) return DEFAULT_PACE_S_PER_KM;
  const mid = Math.floor(paces.length / 2);
  return paces.length % 2 === 1 ? (paces[mid] ?? DEFAULT_PACE_S_PER_KM) : ((paces[mid - 1] ?? 0) + (paces[mid] ?? 0)) / 2;
}

/**
 * Running volume of one item in metres: its distance, or its duration at `paceSPerKm`. Rest, strength
 * and cross-training count zero, and so does a race (the goal effort, not training load to ramp).
 */
export function runVolumeM(item: VolumeItem, paceSPerKm: number): number {
  if (!isRunKind(item.kind) || item.kind === 'race') return 0;
  if (item.distanceM !== null) return item.distanceM;
  if (item.durationS !== null) return (item.durationS / paceSPerKm) * 1000;
  return 0;
}

/** Running volume per ISO week (metres), for the weeks given (weeks without items count 0). */
export function weeklyVolumes(items: readonly VolumeItem[], weeks: readonly string[]): Map<string, number> {
  const pace = typicalPaceSPerKm(items);
  const volumes = new Map<string, number>(weeks.map((w) => [w, 0]));
  for (const item of items) {
    const week = isoWeekOf(item.date);
    if (volumes.has(week)) volumes.set(week, (volumes.get(week) ?? 0) + runVolumeM(item, pace));
  }
  return volumes;
}

export interface WeekVolume {
  week: string;
  volumeM: number;
  /** False for a week the plan covers only partly at its start: it is no reference for the next week. */
  comparable?: boolean;
}

export interface VolumeJump {
  week: string;
  volumeM: number;
  referenceWeek: string;
  referenceM: number;
  /** True when the reference is the week before a cut-back week (the return from recovery). */
  afterCutback: boolean;
  /** Most the week should hold: the reference + 10%. */
  allowedM: number;
}

/**
 * Weeks whose volume rises more than 10% above the reference: the week before, or — when the week
 * before was a cut-back — the week before that. Weeks after an empty or partial reference are skipped.
 */
export function volumeJumps(weeks: readonly WeekVolume[]): VolumeJump[] {
  const jumps: VolumeJump[] = [];
  for (let i = 1; i < weeks.length; i++) {
    const cur = weeks[i];
    const prev = weeks[i - 1];
    if (!cur || !prev || prev.comparable === false) continue;
    let ref = prev;
    let afterCutback = false;
    const before = weeks[i - 2];
    if (before && before.comparable !== false && prev.volumeM <= CUTBACK_MAX_RATIO * before.volumeM) {
      ref = before;
      afterCutback = true;
    }
    if (ref.volumeM <= 0) continue;
    const allowedM = ref.volumeM * (1 + MAX_WEEKLY_RISE);
    if (cur.volumeM > allowedM * (1 + VOLUME_TOLERANCE)) {
      jumps.push({ week: cur.week, volumeM: cur.volumeM, referenceWeek: ref.week, referenceM: ref.volumeM, afterCutback, allowedM });
    }
  }
  return jumps;
}

export interface MissingTaper {
  /** The last week before race week. */
  week: string;
  volumeM: number;
  peakWeek: string;
  peakM: number;
}

/**
 * Checks the taper before a race in `raceWeek`: the week before race week must hold at most 85% of the
 * biggest full week before it. Returns what is wrong, or null when there is a taper or too little history.
 */
export function missingTaper(weeks: readonly WeekVolume[], raceWeek: string): MissingTaper | null {
  const raceIndex = weeks.findIndex((w) => w.week === raceWeek);
  const last = weeks[raceIndex - 1];
  if (raceIndex < 2 || !last) return null;
  let peak: WeekVolume | null = null;
  for (const w of weeks.slice(0, raceIndex - 1)) {
    if (w.comparable !== false && (!peak || w.volumeM > peak.volumeM)) peak = w;
  }
  if (!peak || peak.volumeM <= 0) return null;
  if (last.volumeM <= TAPER_MAX_RATIO * peak.volumeM) return null;
  return { week: last.week, volumeM: last.volumeM, peakWeek: peak.week, peakM: peak.volumeM };
}

// ---------------------------------------------------------------------------------------------------
// Long runs (#19 points 1–3) and race-week strength (#19 point 6)

/**
 * Long-run bounds of a marathon plan, in whole plan units. Published plans peak at a 16–20 mi long
 * run (Higdon Novice/Intermediate 20 mi, Pfitzinger 18/55 20 mi, Hansons 16 mi): the peak long run is
 * at least `minPeak` and never more than `max`; `big` is the "last long run" class (18 mi / 29 km),
 * which belongs about 3 weeks before the race.
 */
export const LONG_RUN_BOUNDS: Readonly<Record<'km' | 'mi', { minPeak: number; max: number; big: number }>> = {
  km: { minPeak: 26, max: 32, big: 29 },
  mi: { minPeak: 16, max: 20, big: 18 },
};

/** Time caps of the long run for slower runners: at most 3 h, and a peak of 2 h 45 min is enough. */
export const LONG_RUN_MAX_MINUTES = 180;
export const LONG_RUN_MIN_PEAK_MINUTES = 165;

export type LongRunBounds = { minPeak: number; max: number; big: number };

/**
 * The long-run bounds in whole plan units, for a runner whose long-run pace is `paceSPerKm` (null:
 * unknown, the distance bounds alone): the distance bounds, lowered to 3 h (max) and 2 h 45 min
 * (minPeak) at that pace when those are shorter (#19 point 1).
 */
export function longRunBounds(units: 'km' | 'mi', paceSPerKm: number | null): LongRunBounds {
  const b = LONG_RUN_BOUNDS[units];
  if (paceSPerKm === null || paceSPerKm <= 0) return b;
  const unitKm = units === 'mi' ? 1.609344 : 1;
  const inUnits = (minutes: number): number => Math.floor((minutes * 60) / paceSPerKm / unitKm);
  const max = Math.min(b.max, inUnits(LONG_RUN_MAX_MINUTES));
  return { minPeak: Math.min(b.minPeak, inUnits(LONG_RUN_MIN_PEAK_MINUTES)), max, big: Math.min(b.big, max) };
}

/** Largest share of a week's running volume one long run may take: 40% at 3 runs a week, else 35%. */
export function longRunMaxShare(runsPerWeek: number): number {
  return runsPerWeek <= 3 ? 0.4 : 0.35;
}

/** The last big long run (`LONG_RUN_BOUNDS.big`) falls 21 ± 3 days before the race. */
export const LAST_BIG_LONG_RUN_DAYS = { min: 18, ideal: 21, max: 24 } as const;

/**
 * Longest long run allowed `daysBefore` days before the race, in plan units (Infinity when no limit):
 * below the big class within 17 days (the last ≥ 18 mi run is 3 weeks out), at most 13 mi / 21 km
 * within 10 days (Pfitzinger and Higdon put 8–13 mi there).
 */
export function maxLongRunNearRace(daysBefore: number, units: 'km' | 'mi', bounds: LongRunBounds = LONG_RUN_BOUNDS[units]): number {
  if (daysBefore < 0) return Infinity;
  if (daysBefore <= 10) return Math.min(units === 'mi' ? 13 : 21, bounds.big - 1);
  if (daysBefore < LAST_BIG_LONG_RUN_DAYS.min) return bounds.big - 1;
  return Infinity;
}

/** The marathon, metres. */
export const MARATHON_M = 42_195;

/** Strength sessions outside race week: at least 20 min to be worth it, at most 75 min. */
export const STRENGTH_MIN_MINUTES = 20;
export const STRENGTH_MAX_MINUTES = 75;
/** Race-week strength: at most this long (minutes)… */
export const RACE_WEEK_STRENGTH_MAX_MINUTES = 30;
/** …and at least this many hours before the race start (whole days in a plan: 3). */
export const STRENGTH_MIN_HOURS_BEFORE_RACE = 72;
/** Days between a planned strength session and the race that keep `STRENGTH_MIN_HOURS_BEFORE_RACE`. */
export const STRENGTH_MIN_DAYS_BEFORE_RACE = Math.ceil(STRENGTH_MIN_HOURS_BEFORE_RACE / 24);
/** Race week: the 7 days up to the race. */
export const RACE_WEEK_DAYS = 7;
