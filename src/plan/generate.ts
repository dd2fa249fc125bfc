/**
 * Marathon plan generator: from a race date and a few options to a plan a coach would sign.
 *
 * Method (docs/plan-format.md has the long form):
 * - Weeks are ISO weeks; the last one holds the race. Taper = the last 3 weeks (≥ 16-week plans) or 2.
 * - The weeks before the taper are split into blocks of 3–4 weeks, each ending in a cut-back week
 *   (volume −20%), and a final 2–4 week peak block; the first block(s) are base, the rest build.
 * - Weekly volume starts at 60–70% of the peak and rises ≤ 10% a week (whole plan units) to the peak;
 *   after a cut-back it returns to at most 10% above the week before the cut-back. Taper weeks hold
 *   80/60% (3 weeks) or 70% (2 weeks) of the peak; the race week is its own light template.
 * - Each week repeats one pattern anchored on the long-run day: long run (offset 0), quality at +2
 *   and, in build and peak with 5+ runs, at +4; easy runs fill the other run days. Hard days are never
 *   adjacent, including across weeks.
 * - The 7 days up to the race follow a race-week template: easy, short race-pace session 5 days out,
 *   easy, rest, shakeout, race.
 * - Strength is placed last, with the rules of `rules.ts`: after the run on a quality day; when a week
 *   has fewer quality days than strength sessions, on an easy-run day whose next day is easy (so never
 *   the day before, or between, hard days), not the day after the long run, not next to another
 *   strength day. Weeks that touch race week get one light session, as early as possible.
 */
import type { IntensityTarget, PlannedSession, SessionKind, TrainingPlan } from '../domain/plan.ts';
import { longRunPaceSPerKm, pacesForMarathonGoal, type PaceRange } from './paces.ts';
import { metresPerUnit, parseDistance, parseDuration, type PlanUnits } from '../domain/units.ts';
import { addDays, daysBetween, isValidDate, parseWeekday, weekdayOf, weekStart, WEEKDAYS, type Weekday } from '../domain/iso-week.ts';
import {
  indexDays,
  LAST_BIG_LONG_RUN_DAYS,
  longRunBounds,
  longRunMaxShare,
  MARATHON_M,
  maxLongRunNearRace,
  rankStrengthDays,
  RACE_WEEK_STRENGTH_MAX_MINUTES,
  STRENGTH_MIN_DAYS_BEFORE_RACE,
} from './rules.ts';

export { MARATHON_M };
export const MIN_WEEKS = 12;
export const MAX_WEEKS = 20;
export const MIN_RUNS = 3;
export const MAX_RUNS = 7;

export interface GeneratePlanOptions {
  /** Race day, YYYY-MM-DD. The plan's last week is the ISO week of this day. */
  raceDate: string;
  /** Plan length in weeks, race week included: 12–20, default 16. */
  weeks?: number;
  /** Runs per week: 3–7, default 5. */
  runsPerWeek?: number;
  /** Peak weekly running volume in metres; default depends on runs per week (`defaultPeakDistanceM`). */
  peakWeeklyDistanceM?: number;
  /** Day of the long run, default `sun`. */
  longRunDay?: Weekday;
  /** Strength sessions per week: 1 or 2, default 2. Race week has one. */
  strengthSessions?: number;
  /** Units of the plan (distances, notes), default `km`. */
  units?: PlanUnits;
  /** Plan name; default `Marathon <race date> (<weeks> weeks)`. */
  name?: string;
  /** Goal time for the race, seconds. */
  goalTimeS?: number | null;
  /**
   * The athlete's today (YYYY-MM-DD): a plan that would start before it is refused, naming the
   * longest plan that fits. Unset: no such check (a plan drafted for any date).
   */
  today?: string;
}

export interface GenerateOptionProblem {
  /** The option, as named in `GeneratePlanOptions`. */
  option: keyof GeneratePlanOptions;
  message: string;
}

/** Options the generator cannot work with; lists every problem. */
export class GeneratePlanError extends Error {
  override readonly name = 'GeneratePlanError';
  readonly problems: readonly GenerateOptionProblem[];
  constructor(problems: readonly GenerateOptionProblem[]) {
    super(`cannot generate a plan:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

const DEFAULT_PEAK: Readonly<Record<PlanUnits, readonly number[]>> = {
  // Index = runs per week − 3.
  // Each at least the lowest peak that carries a marathon long run (`peakDistanceBoundsM`).
  km: [65, 75, 75, 80, 95],
  mi: [40, 46, 46, 50, 60],
};

/** Default peak weekly volume for `runsPerWeek`, in metres (e.g. 40 mi for 5 runs in a miles plan). */
export function defaultPeakDistanceM(runsPerWeek: number, units: PlanUnits): number {
  const i = Math.min(MAX_RUNS, Math.max(MIN_RUNS, Math.round(runsPerWeek))) - MIN_RUNS;
  return Math.round((DEFAULT_PEAK[units][i] ?? 65) * metresPerUnit(units));
}

/**
 * Allowed peak weekly volume for `runsPerWeek`, metres: enough to carry the marathon long run
 * (`LONG_RUN_BOUNDS.minPeak`) within its share of the week (`longRunMaxShare`) and for every run,
 * not more than ~25 km a run.
 */
export function peakDistanceBoundsM(runsPerWeek: number, units: PlanUnits = 'km', goalTimeS: number | null = null): { min: number; max: number } {
  const unit = metresPerUnit(units);
  const forLongRun = Math.ceil(longRunBounds(units, longRunPaceSPerKm(goalTimeS)).minPeak / longRunMaxShare(runsPerWeek) - 1e-9) * unit;
  return { min: Math.max(30_000, 9_000 * runsPerWeek, forLongRun), max: 25_000 * runsPerWeek };
}

interface Resolved {
  raceDate: string;
  weeks: number;
  runs: number;
  peakM: number;
  longRunDay: Weekday;
  strength: number;
  units: PlanUnits;
  name: string;
  goalTimeS: number | null;
  today: string | null;
}

function describeDistance(m: number, units: PlanUnits, round: (x: number) => number = Math.round): string {
  return `${round(m / metresPerUnit(units))} ${units}`;
}

/** A value from untyped input (JSON, a CLI) for an error message. */
function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

function resolve(options: GeneratePlanOptions): Resolved {
  const problems: GenerateOptionProblem[] = [];
  const o = options as Partial<GeneratePlanOptions>;
  const raceDate = typeof o.raceDate === 'string' ? o.raceDate.trim() : '';
  if (raceDate === '') problems.push({ option: 'raceDate', message: '--race-date is required (YYYY-MM-DD)' });
  else if (!isValidDate(raceDate)) {
    problems.push({ option: 'raceDate', message: `--race-date '${raceDate}' is not a calendar date (YYYY-MM-DD)` });
  }
  const int = (value: unknown, fallback: number, option: keyof GeneratePlanOptions, flag: string, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push({ option, message: `${flag} must be a whole number from ${min} to ${max} (got ${show(value)})` });
      return fallback;
    }
    return value;
  };
  const weeks = int(o.weeks, 16, 'weeks', '--weeks', MIN_WEEKS, MAX_WEEKS);
  const runs = int(o.runsPerWeek, 5, 'runsPerWeek', '--runs-per-week', MIN_RUNS, MAX_RUNS);
  const strength = int(o.strengthSessions, 2, 'strengthSessions', '--strength-sessions', 1, 2);
  let units: PlanUnits = 'km';
  if (o.units !== undefined) {
    if (o.units === 'km' || o.units === 'mi') units = o.units;
    else problems.push({ option: 'units', message: `--units must be km or mi (got ${show(o.units)})` });
  }
  let longRunDay: Weekday = 'sun';
  if (o.longRunDay !== undefined) {
    if ((WEEKDAYS as readonly string[]).includes(o.longRunDay)) longRunDay = o.longRunDay;
    else problems.push({ option: 'longRunDay', message: `--long-run-day must be one of ${WEEKDAYS.join(', ')} (got ${show(o.longRunDay)})` });
  }
  let peakM = defaultPeakDistanceM(runs, units);
  if (o.peakWeeklyDistanceM !== undefined) {
    const goal = typeof o.goalTimeS === 'number' && Number.isFinite(o.goalTimeS) && o.goalTimeS > 0 ? o.goalTimeS : null;
    const bounds = peakDistanceBoundsM(runs, units, goal);
    const p = o.peakWeeklyDistanceM;
    if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0) {
      problems.push({ option: 'peakWeeklyDistanceM', message: '--peak-distance must be a positive distance, e.g. 40mi or 65km' });
    } else if (p < bounds.min - 0.5) {
      const share = Math.round(longRunMaxShare(runs) * 100);
      problems.push({
        option: 'peakWeeklyDistanceM',
        message: `--peak-distance ${describeDistance(p, units)} is too low for ${runs} runs a week: a marathon long run of at least ${longRunBounds(units, longRunPaceSPerKm(goal)).minPeak} ${units} within ${share}% of the week needs a peak of at least ${describeDistance(bounds.min, units, (x) => Math.ceil(x - 1e-6))}`,
      });
    } else if (p > bounds.max) {
      problems.push({
        option: 'peakWeeklyDistanceM',
        message: `--peak-distance ${describeDistance(p, units)} is too high for ${runs} runs a week: use at most ${describeDistance(bounds.max, units, Math.floor)} or more runs`,
      });
    } else peakM = p;
  }
  let goalTimeS: number | null = null;
  if (o.goalTimeS !== undefined && o.goalTimeS !== null) {
    if (typeof o.goalTimeS !== 'number' || !Number.isFinite(o.goalTimeS) || o.goalTimeS <= 0) {
      problems.push({ option: 'goalTimeS', message: '--goal must be a positive duration, e.g. 3:30:00' });
    } else goalTimeS = Math.round(o.goalTimeS);
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.trim() === '')) {
    problems.push({ option: 'name', message: '--name must not be empty' });
  }
  if (problems.length > 0) throw new GeneratePlanError(problems);
  const today = typeof o.today === 'string' && isValidDate(o.today) ? o.today : null;
  if (today !== null) {
    const start = addDays(weekStart(raceDate), -(weeks - 1) * 7);
    if (start < today) {
      const fits = Math.floor(daysBetween(today, weekStart(raceDate)) / 7) + 1;
      const days = daysBetween(today, raceDate);
      problems.push({
        option: 'weeks',
        message:
          fits >= MIN_WEEKS
            ? `a ${weeks}-week plan for the race on ${raceDate} would start on ${start}, before today (${today}): use --weeks ${fits} (the longest plan that starts from today)`
            : `the race on ${raceDate} is ${days} days away: too close for a marathon plan of at least ${MIN_WEEKS} weeks (the longest that starts from today has ${Math.max(fits, 0)}); pick a later race`,
      });
      throw new GeneratePlanError(problems);
    }
  }
  const name = o.name?.trim() ?? `Marathon ${raceDate} (${weeks} weeks)`;
  return { raceDate, weeks, runs, peakM, longRunDay, strength, units, name, goalTimeS, today };
}

/** Raw option strings as a command line gives them (`--peak-distance 40mi`, `--long-run-day sun`). */
export interface GenerateArgs {
  raceDate?: string;
  weeks?: string;
  runsPerWeek?: string;
  peakDistance?: string;
  longRunDay?: string;
  strengthSessions?: string;
  units?: string;
  name?: string;
  goal?: string;
}

/**
 * Turns command-line strings into `GeneratePlanOptions`, with the same clear errors as the generator
 * (every problem at once). The result still goes through `generatePlan`'s own validation.
 */
export function parseGenerateArgs(args: GenerateArgs): GeneratePlanOptions {
  const problems: GenerateOptionProblem[] = [];
  const options: GeneratePlanOptions = { raceDate: args.raceDate ?? '' };
  const int = (text: string | undefined, option: 'weeks' | 'runsPerWeek' | 'strengthSessions', flag: string): void => {
    if (text === undefined) return;
    if (!/^\s*\d+\s*$/.test(text)) problems.push({ option, message: `${flag} must be a whole number (got '${text}')` });
    else options[option] = Number(text);
  };
  int(args.weeks, 'weeks', '--weeks');
  int(args.runsPerWeek, 'runsPerWeek', '--runs-per-week');
  int(args.strengthSessions, 'strengthSessions', '--strength-sessions');
  if (args.units !== undefined) {
    const u = args.units.trim().toLowerCase();
    if (u === 'km' || u === 'mi') options.units = u;
    else problems.push({ option: 'units', message: `--units must be km or mi (got '${args.units}')` });
  }
  if (args.longRunDay !== undefined) {
    const day = parseWeekday(args.longRunDay);
    if (day) options.longRunDay = day;
    else problems.push({ option: 'longRunDay', message: `--long-run-day must be one of ${WEEKDAYS.join(', ')} (got '${args.longRunDay}')` });
  }
  if (args.peakDistance !== undefined) {
    const d = parseDistance(args.peakDistance);
    if (d.ok) options.peakWeeklyDistanceM = d.value;
    else problems.push({ option: 'peakWeeklyDistanceM', message: `--peak-distance ${d.error}` });
  }
  if (args.goal !== undefined) {
    const g = parseDuration(args.goal);
    if (g.ok) options.goalTimeS = g.value;
    else problems.push({ option: 'goalTimeS', message: `--goal ${g.error}` });
  }
  if (args.name !== undefined) options.name = args.name;
  if (problems.length > 0) throw new GeneratePlanError(problems);
  return options;
}

// ---------------------------------------------------------------------------------------------------
// Outline: phases and weekly volumes

export type Phase = 'base' | 'build' | 'peak' | 'taper' | 'race';

export interface WeekOutline {
  /** Plan week, 1-based. */
  week: number;
  /** Monday of the week. */
  monday: string;
  phase: Phase;
  cutback: boolean;
  /** Target running volume in plan units (whole numbers); null for race week (its own template). */
  volume: number | null;
  /** Quality sessions in the week. */
  quality: number;
}

/** Splits the pre-taper weeks into closed blocks of 3–4 weeks (ending in a cut-back) and an open peak block. */
function blocksOf(n: number): { closed: number[]; open: number } {
  // Two closed blocks at least (a base and a build block) when the weeks allow it.
  for (const open of [3, 4, 2]) {
    const rest = n - open;
    for (let fours = Math.floor(rest / 4); fours >= 0; fours--) {
      const left = rest - 4 * fours;
      if (left % 3 === 0 && fours + left / 3 >= 2) return { closed: [...Array<number>(fours).fill(4), ...Array<number>(left / 3).fill(3)], open };
    }
  }
  for (const open of [3, 4, 2]) {
    const rest = n - open;
    for (let fours = Math.floor(rest / 4); fours >= 0; fours--) {
      const left = rest - 4 * fours;
      if (left % 3 === 0) return { closed: [...Array<number>(fours).fill(4), ...Array<number>(left / 3).fill(3)], open };
    }
  }
  return { closed: [], open: n };
}

/**
 * The day of the last big long run: the long-run day 21 ± 3 days before the race
 * (`LAST_BIG_LONG_RUN_DAYS`; exactly one weekday falls in that 7-day window).
 */
export function lastBigLongRunDate(raceDate: string, longRunDay: Weekday): string {
  for (let d = LAST_BIG_LONG_RUN_DAYS.max; d >= LAST_BIG_LONG_RUN_DAYS.min; d--) {
    const date = addDays(raceDate, -d);
    if (weekdayOf(date) === longRunDay) return date;
  }
  return addDays(raceDate, -LAST_BIG_LONG_RUN_DAYS.ideal);
}

/** Taper weeks, race week included: the weeks after the week of the last big long run (2–4). */
function taperWeeksFor(r: Resolved): number {
  return daysBetween(weekStart(lastBigLongRunDate(r.raceDate, r.longRunDay)), weekStart(r.raceDate)) / 7;
}

/** Share of the peak volume in the taper weeks before race week, by how many there are. */
const TAPER_SHARES: Readonly<Record<number, readonly number[]>> = { 1: [0.7], 2: [0.8, 0.6], 3: [0.85, 0.7, 0.55] };

function outline(r: Resolved): WeekOutline[] {
  const unit = metresPerUnit(r.units);
  const peak = Math.round(r.peakM / unit);
  const taper = taperWeeksFor(r);
  const n = r.weeks - taper;
  const { closed, open } = blocksOf(n);
  const baseBlocks = Math.max(1, Math.floor(closed.length / 2));
  const start = addDays(weekStart(r.raceDate), -(r.weeks - 1) * 7);

  // Phase and cut-back flags of the pre-taper weeks.
  const kinds: { phase: Phase; cutback: boolean }[] = [];
  closed.forEach((size, b) => {
    for (let i = 0; i < size; i++) kinds.push({ phase: b < baseBlocks ? 'base' : 'build', cutback: i === size - 1 });
  });
  for (let i = 0; i < open; i++) kinds.push({ phase: 'peak', cutback: false });

  // Growth: reach the peak at the first peak week, at most 8% per loading week, from at least 60%.
  const loadIndex: number[] = [];
  let loads = 0;
  for (const k of kinds) loadIndex.push(k.cutback ? loads : ++loads);
  const firstPeakLoad = loadIndex[kinds.findIndex((k) => k.phase === 'peak')] ?? loads;
  const steps = Math.max(0, firstPeakLoad - 1);
  const startVolume = Math.max(0.6 * peak, peak / Math.pow(1.08, steps));
  const growth = steps > 0 ? Math.pow(peak / startVolume, 1 / steps) : 1;

  const out: WeekOutline[] = [];
  let prev = 0;
  let beforeCut = 0;
  let prevWasCut = false;
  kinds.forEach((k, i) => {
    let volume: number;
    if (i === 0) volume = Math.round(startVolume);
    else if (k.cutback) volume = Math.floor(0.8 * prev);
    else {
      const level = Math.min(peak, startVolume * Math.pow(growth, (loadIndex[i] ?? 1) - 1));
      const ref = prevWasCut ? beforeCut : prev;
      volume = Math.min(Math.round(level), Math.floor(1.1 * ref + 1e-9));
    }
    if (k.cutback) beforeCut = prev;
    prevWasCut = k.cutback;
    prev = volume;
    const quality = k.cutback || k.phase === 'base' || r.runs < 5 ? 1 : 2;
    out.push({ week: i + 1, monday: addDays(start, i * 7), phase: k.phase, cutback: k.cutback, volume, quality });
  });
  const peakVolume = prev;
  const taperShares = TAPER_SHARES[taper - 1] ?? [0.7];
  taperShares.forEach((share, i) => {
    const week = n + i + 1;
    out.push({ week, monday: addDays(start, (week - 1) * 7), phase: 'taper', cutback: false, volume: Math.round(share * peakVolume), quality: 1 });
  });
  out.push({ week: r.weeks, monday: addDays(start, (r.weeks - 1) * 7), phase: 'race', cutback: false, volume: null, quality: 1 });
  return out;
}

/** The week-by-week outline `generatePlan` follows (phases, cut-backs, target volumes), for display. */
export function outlinePlan(options: GeneratePlanOptions): WeekOutline[] {
  return outline(resolve(options));
}

// ---------------------------------------------------------------------------------------------------
// Sessions

type Slot = 'long' | 'q1' | 'q2' | 'easy' | 'recovery';

/** Run days by runs per week, as offsets from the long-run day (0 = long run, 6 = the day before). */
const PATTERNS: Readonly<Record<number, readonly (readonly [number, Slot])[]>> = {
  3: [[0, 'long'], [2, 'q1'], [4, 'easy']],
  4: [[0, 'long'], [2, 'q1'], [4, 'easy'], [6, 'easy']],
  5: [[0, 'long'], [2, 'q1'], [3, 'easy'], [4, 'q2'], [6, 'easy']],
  6: [[0, 'long'], [2, 'q1'], [3, 'easy'], [4, 'q2'], [5, 'easy'], [6, 'easy']],
  7: [[0, 'long'], [1, 'recovery'], [2, 'q1'], [3, 'easy'], [4, 'q2'], [5, 'easy'], [6, 'easy']],
};

const SLOT_WEIGHT: Readonly<Record<Slot, number>> = { long: 0, q1: 1.25, q2: 1.25, easy: 1, recovery: 0.7 };

/** Splits `total` whole units over `weights` (largest remainder), every share at least 1. */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0 || sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left--;
  }
  for (let i = 0; i < shares.length; i++) {
    if ((shares[i] ?? 0) >= 1) continue;
    const donor = shares.indexOf(Math.max(...shares));
    if ((shares[donor] ?? 0) <= 1) break;
    shares[donor] = (shares[donor] ?? 0) - 1;
    shares[i] = 1;
  }
  return shares;
}

type QualityKind = Extract<SessionKind, 'hills' | 'intervals' | 'tempo' | 'threshold' | 'race_pace'>;

const INTERVALS = [
  '6×800 m at 5K pace, 400 m jog recoveries',
  '5×1000 m at 10K pace, 400 m jog recoveries',
  '6×1000 m at 10K pace, 400 m jog recoveries',
  '4×1200 m at 10K pace, 600 m jog recoveries',
  '5×1200 m at 10K pace, 600 m jog recoveries',
  '3×1600 m at 10K pace, 800 m jog recoveries',
];
const THRESHOLD = ['3×10 min at threshold, 2 min jog', '3×12 min at threshold, 2 min jog', '2×15 min at threshold, 3 min jog', '2×20 min at threshold, 3 min jog'];

const TARGETS: Readonly<Record<QualityKind | 'easy' | 'recovery' | 'long', IntensityTarget>> = {
  easy: { type: 'hr_zone', zone: 2 },
  recovery: { type: 'hr_zone', zone: 1 },
  long: { type: 'hr_zone', zone: 2 },
  hills: { type: 'rpe', rpe: 8 },
  intervals: { type: 'rpe', rpe: 8 },
  tempo: { type: 'rpe', rpe: 7 },
  threshold: { type: 'rpe', rpe: 7 },
  race_pace: { type: 'rpe', rpe: 6 },
};

type TargetKind = keyof typeof TARGETS;

/** A pace range target (s/km, whole seconds so the plan file gives it back exactly). */
function paceTarget(range: PaceRange): IntensityTarget {
  return { type: 'pace', minSPerKm: Math.round(range.fastSPerKm), maxSPerKm: Math.round(range.slowSPerKm) };
}

/**
 * Session targets: with a goal time, paces from it (docs/paces.md: easy, recovery and long runs at easy
 * pace, tempo and threshold at threshold pace, intervals at interval pace, race-pace at marathon pace;
 * hill repeats by effort); without one, heart-rate zones and effort.
 */
function targetsFor(goalTimeS: number | null): Readonly<Record<TargetKind, IntensityTarget>> {
  if (goalTimeS === null) return TARGETS;
  const p = pacesForMarathonGoal(goalTimeS);
  return {
    easy: paceTarget(p.easy),
    recovery: paceTarget({ fastSPerKm: p.easy.slowSPerKm, slowSPerKm: p.easy.slowSPerKm * 1.08 }),
    long: paceTarget(p.long),
    hills: TARGETS.hills,
    intervals: paceTarget(p.interval),
    tempo: paceTarget(p.threshold),
    threshold: paceTarget(p.threshold),
    race_pace: paceTarget(p.marathon),
  };
}

/** Counts how often each quality kind was used, to progress the workouts. */
class Workouts {
  private readonly used = new Map<QualityKind, number>();
  constructor(private readonly units: PlanUnits) {}

  private next(kind: QualityKind): number {
    const i = this.used.get(kind) ?? 0;
    this.used.set(kind, i + 1);
    return i;
  }

  notes(kind: QualityKind, distance: number, light: boolean): string {
    const u = this.units;
    const i = light ? 0 : this.next(kind);
    switch (kind) {
      case 'hills':
        return `Warm up, ${6 + 2 * Math.min(i, 3)}×60 s uphill at hard effort, jog back down; cool down`;
      case 'intervals':
        return `Warm up, ${INTERVALS[Math.min(i, INTERVALS.length - 1)] ?? ''}; cool down`;
      case 'tempo':
        return `Warm up, ${Math.min(20 + 5 * i, 40)} min at tempo effort (comfortably hard); cool down`;
      case 'threshold':
        return `Warm up, ${THRESHOLD[Math.min(i, THRESHOLD.length - 1)] ?? ''}; cool down`;
      case 'race_pace':
        return `Warm up, ${Math.max(u === 'mi' ? 2 : 3, Math.round(distance * 0.6))} ${u} at marathon pace; cool down`;
    }
  }
}

function qualityKinds(w: WeekOutline, weekOfPhase: number): QualityKind[] {
  switch (w.phase) {
    case 'base':
      return ['hills'];
    case 'build':
      if (w.cutback) return ['tempo'];
      return w.quality === 2 ? ['intervals', 'tempo'] : [weekOfPhase % 2 === 0 ? 'intervals' : 'tempo'];
    case 'peak':
      return w.quality === 2 ? ['threshold', 'race_pace'] : [weekOfPhase % 2 === 0 ? 'race_pace' : 'threshold'];
    case 'taper':
    case 'race':
      return ['race_pace'];
  }
}

function longNotes(w: WeekOutline, distance: number, units: PlanUnits, weekOfPhase: number): string {
  if (w.cutback) return 'Cut-back week: shorter long run at easy, conversational effort';
  switch (w.phase) {
    case 'base':
      return 'Long run at easy, conversational effort';
    case 'build':
      // Marathon-pace segments inside every other build long run (Pfitzinger/Hansons style).
      return weekOfPhase % 2 === 1
        ? `Long run at easy effort, with ${Math.max(2, Math.round(distance * 0.2))} ${units} at marathon pace in the second half`
        : 'Long run at easy effort; last 15 min steady';
    case 'peak':
      return `Long run at easy effort, the last ${Math.max(2, Math.round(distance * 0.25))} ${units} at marathon pace`;
    case 'taper':
    case 'race':
      return 'Shorter long run, easy and relaxed';
  }
}

interface StrengthStyle {
  minutes: number;
  rpe: number;
  notes: string;
}

function strengthStyle(phase: Phase, cutback: boolean, raceWeek: boolean): StrengthStyle {
  if (raceWeek) {
    return {
      minutes: RACE_WEEK_STRENGTH_MAX_MINUTES,
      rpe: 4,
      notes: 'Race-week strength, light and short: activation, bodyweight and band work, mobility; nothing to soreness',
    };
  }
  if (cutback) return { minutes: 40, rpe: 5, notes: 'Lighter strength: 2×8 at moderate load, mobility' };
  switch (phase) {
    case 'base':
      return { minutes: 45, rpe: 6, notes: 'Strength: squat, Romanian deadlift, split squat, calf raise, core — 3×8–10 at moderate load' };
    case 'build':
      return { minutes: 50, rpe: 7, notes: 'Strength, heavier: 4×5–6 squat and deadlift, single-leg work, calf raises, core' };
    case 'peak':
      return { minutes: 50, rpe: 7, notes: 'Strength, maintain: 3×5 at the same loads, light plyometrics, core' };
    case 'taper':
    case 'race':
      return { minutes: 40, rpe: 5, notes: 'Light strength: 2×6–8 at moderate load, no new exercises, nothing to failure' };
  }
}

function run(date: string, kind: SessionKind, units: number, unit: number, notes: string | null, target: IntensityTarget | null): PlannedSession {
  return { date, order: 1, kind, distanceM: Math.round(units * unit), durationS: null, target, notes };
}

/**
 * Generates a marathon plan (pure: the same options give the same plan). Throws `GeneratePlanError`
 * listing every invalid option.
 */
export function generatePlan(options: GeneratePlanOptions): TrainingPlan {
  const r = resolve(options);
  const T = targetsFor(r.goalTimeS);
  const weeks = outline(r);
  const unit = metresPerUnit(r.units);
  const peak = Math.round(r.peakM / unit);
  const bounds = longRunBounds(r.units, longRunPaceSPerKm(r.goalTimeS));
  const share = longRunMaxShare(r.runs);
  // The peak week's volume and the peak long run it carries (≥ bounds.minPeak: `peakDistanceBoundsM`).
  const peakVolume = Math.max(...weeks.map((w) => (w.phase === 'taper' ? 0 : (w.volume ?? 0))));
  const peakLong = Math.min(bounds.max, Math.floor(share * peakVolume + 1e-9));
  let prevLong = Infinity;
  const longDay = WEEKDAYS.indexOf(r.longRunDay);
  const workouts = new Workouts(r.units);
  const sessions: PlannedSession[] = [];
  const phaseWeek = new Map<Phase, number>();

  // 1. Runs of every week from its pattern.
  for (const w of weeks) {
    const weekOfPhase = phaseWeek.get(w.phase) ?? 0;
    phaseWeek.set(w.phase, weekOfPhase + 1);
    if (w.volume === null) continue;
    const pattern = (PATTERNS[r.runs] ?? []).map(([offset, slot]): [number, Slot] => [offset, slot === 'q2' && w.quality < 2 ? 'easy' : slot]);
    const dateOf = (offset: number): string => addDays(w.monday, (longDay + offset) % 7);
    // The long run grows with the week's volume to the peak long run, within its share of the week,
    // shorter in cut-back weeks than the week before, and short enough near the race.
    let long = Math.min(
      Math.floor(share * w.volume + 1e-9),
      Math.round((peakLong * w.volume) / Math.max(1, peakVolume)),
      maxLongRunNearRace(daysBetween(dateOf(0), r.raceDate), r.units, bounds),
    );
    if (w.cutback) long = Math.min(long, prevLong - 1);
    prevLong = long;
    const others = pattern.filter(([, slot]) => slot !== 'long');
    const shares = apportion(w.volume - long, others.map(([, slot]) => SLOT_WEIGHT[slot]));
    const kinds = qualityKinds(w, weekOfPhase);
    sessions.push(run(dateOf(0), 'long', long, unit, longNotes(w, long, r.units, weekOfPhase), T.long));
    others.forEach(([offset, slot], i) => {
      const distance = shares[i] ?? 1;
      const date = dateOf(offset);
      if (slot === 'q1' || slot === 'q2') {
        const kind = (slot === 'q1' ? kinds[0] : kinds[1]) ?? 'tempo';
        sessions.push(run(date, kind, distance, unit, workouts.notes(kind, distance, w.cutback), T[kind]));
      } else if (slot === 'recovery') {
        sessions.push(run(date, 'recovery', distance, unit, 'Very easy recovery run', T.recovery));
      } else {
        sessions.push(run(date, 'easy', distance, unit, 'Easy, conversational', T.easy));
      }
    });
  }

  // 2. The 7 days up to the race replace whatever the weekly pattern put there.
  const raceWindowStart = addDays(r.raceDate, -6);
  const planStart = weeks[0]?.monday ?? raceWindowStart;
  const kept = sessions.filter((s) => s.date < raceWindowStart && s.date >= planStart);
  const easy = Math.max(r.units === 'mi' ? 2 : 3, Math.round(0.08 * peak));
  const racePace = Math.max(r.units === 'mi' ? 3 : 5, Math.round(0.1 * peak));
  const shakeout = r.units === 'mi' ? 2 : 3;
  const day = (d: number): string => addDays(r.raceDate, -d);
  if (r.runs >= 5) kept.push(run(day(6), 'easy', easy, unit, 'Easy, conversational', T.easy));
  kept.push(run(day(5), 'race_pace', racePace, unit, `Warm up, ${r.units === 'mi' ? 2 : 3} ${r.units} at marathon pace, 4 strides; cool down`, T.race_pace));
  if (r.runs >= 6) kept.push(run(day(4), 'easy', easy, unit, 'Easy, conversational', T.easy));
  kept.push(run(day(3), 'easy', easy, unit, 'Easy; stay relaxed', T.easy));
  if (r.runs >= 7) kept.push(run(day(2), 'easy', shakeout, unit, 'Very easy 20 min', T.recovery));
  if (r.runs >= 4) kept.push(run(day(1), 'easy', shakeout, unit, 'Shakeout: 20 min very easy + 4 strides', T.recovery));
  const goal = r.goalTimeS !== null ? ` Goal ${formatClock(r.goalTimeS)}.` : '';
  kept.push({ date: r.raceDate, order: 1, kind: 'race', distanceM: MARATHON_M, durationS: null, target: null, notes: `Race day: marathon.${goal}` });

  // A taper week that the race-week template reaches into keeps its target volume: its own runs shrink
  // to make room for the race-week runs, or its runs other than the long run grow (up to 2.5×) when
  // the template took its long run.
  for (const w of weeks) {
    const sunday = addDays(w.monday, 6);
    if (w.volume === null || sunday < raceWindowStart) continue;
    const inWeek = kept.filter((s) => s.date >= w.monday && s.date <= sunday && s.kind !== 'race');
    const own = inWeek.filter((s) => s.date < raceWindowStart);
    const units = (s: PlannedSession): number => Math.round((s.distanceM ?? 0) / unit);
    const ownUnits = own.reduce((a, s) => a + units(s), 0);
    const budget = w.volume - inWeek.filter((s) => s.date >= raceWindowStart).reduce((a, s) => a + units(s), 0);
    if (ownUnits === 0 || ownUnits === budget) continue;
    if (ownUnits < budget) {
      // The long run keeps its length (taper long runs only fall); the other runs grow.
      const growing = own.filter((s) => s.kind !== 'long');
      const fixed = ownUnits - growing.reduce((a, s) => a + units(s), 0);
      const growUnits = ownUnits - fixed;
      if (growUnits === 0) continue;
      const grown = apportion(Math.min(budget - fixed, Math.floor(2.5 * growUnits)), growing.map(units));
      growing.forEach((s, i) => (s.distanceM = Math.round((grown[i] ?? units(s)) * unit)));
      continue;
    }
    for (const s of own) {
      const scaled = Math.floor((units(s) * Math.max(budget, 0)) / ownUnits);
      // A run too short to be worth it becomes a rest day.
      if (scaled < shakeout) kept.splice(kept.indexOf(s), 1);
      else s.distanceM = Math.round(scaled * unit);
    }
  }

  // Growing a taper week never takes its long run past what the race's nearness allows.
  for (const s of kept) {
    if (s.kind !== 'long') continue;
    const max = maxLongRunNearRace(daysBetween(s.date, r.raceDate), r.units, bounds);
    if ((s.distanceM ?? 0) > max * unit) s.distanceM = Math.round(max * unit);
  }

  // 3. Strength, week by week, with the placement rules.
  const strength: PlannedSession[] = [];
  for (const w of weeks) {
    const dates = Array.from({ length: 7 }, (_, i) => addDays(w.monday, i)).filter((d) => d <= r.raceDate);
    const touchesRaceWeek = dates.some((d) => d >= raceWindowStart);
    const count = touchesRaceWeek ? 1 : r.strength;
    const style = strengthStyle(w.phase, w.cutback, touchesRaceWeek);
    for (let i = 0; i < count; i++) {
      const days = indexDays([...kept, ...strength]);
      // At least `STRENGTH_MIN_HOURS_BEFORE_RACE` (3 days) before the race.
      const candidates = dates.filter((d) => daysBetween(d, r.raceDate) >= STRENGTH_MIN_DAYS_BEFORE_RACE);
      const best = rankStrengthDays(days, candidates)[0];
      if (!best) break;
      const order = [...kept, ...strength].filter((s) => s.date === best).length + 1;
      strength.push({
        date: best,
        order,
        kind: 'strength',
        distanceM: null,
        durationS: style.minutes * 60,
        target: { type: 'rpe', rpe: style.rpe },
        notes: style.notes,
      });
    }
  }

  const all = [...kept, ...strength].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.order - b.order));
  return {
    name: r.name,
    startDate: planStart,
    race: { date: r.raceDate, distanceM: MARATHON_M, goalTimeS: r.goalTimeS },
    units: r.units,
    sessions: all,
  };
}

function formatClock(seconds: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(seconds / 3600)}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}
