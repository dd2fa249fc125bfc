/**
 * Planned ↔ actual matching for one week: which activity carried out which planned session.
 *
 * Every planned session matches at most one activity and every activity at most one planned session,
 * by kind (run kinds ↔ runs, `strength` ↔ strength sessions, `cross` ↔ other sports; a `rest` session
 * never matches), on the same local date or one day either side (two for strength). The pairing is an
 * exact minimum-cost assignment (Hungarian algorithm on lexicographic cost tuples), not a greedy pass,
 * so it is optimal and does not depend on the order the inputs arrive in. docs/analysis-matching.md
 * explains the cost, the statuses and the compliance bands.
 */
import type { ActivityCategory } from '../domain/activity.ts';
import { isRunKind, type SessionKind } from '../domain/plan.ts';
import { daysBetween } from '../domain/iso-week.ts';
import type {
  ActivityMetrics,
  ComplianceBand,
  IntensityClass,
  MatchActivity,
  MatchStatus,
  PlannedSessionRef,
  SessionMatch,
} from './types.ts';

// ---------------------------------------------------------------------------------------------
// Kinds, volume and bands

/** The activity category a planned kind is carried out as; null for `rest`, which never matches. */
export function matchCategory(kind: SessionKind): ActivityCategory | null {
  if (isRunKind(kind)) return 'run';
  if (kind === 'strength') return 'strength';
  if (kind === 'cross') return 'other';
  return null;
}

function positive(x: number | null): number | null {
  return x !== null && Number.isFinite(x) && x > 0 ? x : null;
}

/** Duration of an activity in seconds: moving (timer) time, else elapsed time; null when neither is positive. */
export function activityDurationS(activity: Pick<MatchActivity, 'movingS' | 'elapsedS'>): number | null {
  return positive(activity.movingS) ?? positive(activity.elapsedS);
}

/**
 * Actual ÷ planned volume. Distance when both the plan and the activity have one, else duration when the
 * plan has one (activity duration = moving time, else elapsed time); null when nothing is comparable.
 * Zero or missing values count as unknown (a treadmill run without a foot pod records no distance).
 */
export function volumeRatio(planned: PlannedSessionRef, activity: MatchActivity): number | null {
  const plannedDistance = positive(planned.distanceM);
  const actualDistance = positive(activity.distanceM);
  if (plannedDistance !== null && actualDistance !== null) return actualDistance / plannedDistance;
  const plannedDuration = positive(planned.durationS);
  const actualDuration = activityDurationS(activity);
  if (plannedDuration !== null && actualDuration !== null) return actualDuration / plannedDuration;
  return null;
}

/** True when the planned session states a distance or a duration to compare against. */
export function hasPlannedVolume(planned: PlannedSessionRef): boolean {
  return positive(planned.distanceM) !== null || positive(planned.durationS) !== null;
}

/**
 * TrainingPeaks-style compliance band of an actual ÷ planned ratio, judged on the whole percentage
 * (`Math.round(ratio × 100)`): 80–120 % green, 50–79 % or 121–150 % yellow, anything else orange.
 * Red is reserved for a missed session, which has no ratio to band.
 */
export function complianceBand(ratio: number): Exclude<ComplianceBand, 'red'> {
  if (!Number.isFinite(ratio) || ratio < 0) throw new RangeError(`compliance ratio must be finite and ≥ 0, got ${ratio}`);
  const pct = Math.round(ratio * 100);
  if (pct >= 80 && pct <= 120) return 'green';
  if (pct >= 50 && pct <= 150) return 'yellow';
  return 'orange';
}

/** Status of a same-day match from its ratio: `partial` under 80 %, `exceeded` over 120 %, else `completed`. */
export function volumeStatus(ratio: number | null): MatchStatus {
  if (ratio === null) return 'completed';
  const pct = Math.round(ratio * 100);
  if (pct < 80) return 'partial';
  if (pct > 120) return 'exceeded';
  return 'completed';
}

// ---------------------------------------------------------------------------------------------
// The cost of one pairing

/** The numbers behind the fit cost; docs/analysis-matching.md shows the reasoning. */
export const MATCH_COST = {
  /**
   * Cost of leaving a planned session, or an activity, unpaired. Both sides unpaired cost 3.5, more than
   * the worst same-day pair (3.25), so a same-day candidate nobody else claims is always paired; a moved
   * pair is made only when its fit is under 2.5, and a long chain of moves (each costing ≥ 1) never
   * ripples through a week just to absorb one extra run.
   */
  unpaired: 1.75,
  /** Per day between the planned date and the activity's: same local date first. */
  dayShift: 1,
  /** |ln(actual ÷ planned)| is capped here (ratio ≤ 0.135 or ≥ 7.4 all cost the same). */
  volumeCap: 2,
  /** Volume cost when nothing is comparable: a mediocre fit, so a known good fit is preferred. */
  volumeUnknown: 0.5,
  /** Per step (easy → moderate → hard) the run's intensity class lies outside what the kind expects. */
  intensityStep: 0.5,
  /** Intensity cost of a run without an intensity class. */
  intensityUnknown: 0.25,
  /** A planned long run paired with a run not flagged long, or a non-long kind with the long run. */
  longMismatch: 0.25,
  /** Long cost of a run without metrics. */
  longUnknown: 0.125,
} as const;

/**
 * The most days a session may be done away from its planned date. Strength moves by up to two days
 * (a gym session shifted Thursday → Saturday is still the planned session: it needs no particular
 * day's legs, only its place against the hard days, which the recommender judges on the day done);
 * runs and cross-training by one.
 */
export const MAX_DAY_SHIFT: Readonly<Record<ActivityCategory, number>> = { run: 1, strength: 2, other: 1 };

const INTENSITY_RANK: Readonly<Record<IntensityClass, number>> = { easy: 0, moderate: 1, hard: 2 };

/**
 * A run's intensity class when there is evidence for it, else null. Metrics class a run without heart
 * rate or pace (`intensityBasis: 'none'`) as `easy` by default; unless its laps show interval structure
 * that is no evidence, so matching and the compliance flags treat it as unknown.
 */
export function knownIntensity(metrics: ActivityMetrics | undefined): IntensityClass | null {
  if (metrics === undefined) return null;
  if (metrics.intensityBasis === 'none' && !metrics.intervals) return null;
  return metrics.intensity;
}

/** Intensity classes (as ranks, lowest..highest) a planned run kind expects; null for non-run kinds. */
export function expectedIntensity(kind: SessionKind): readonly [number, number] | null {
  switch (kind) {
    case 'easy':
    case 'recovery':
      return [0, 0];
    case 'long':
      return [0, 1];
    case 'tempo':
    case 'threshold':
    case 'race_pace':
    case 'intervals':
    case 'hills':
    case 'race':
      return [1, 2];
    case 'rest':
    case 'strength':
    case 'cross':
      return null;
  }
}

export interface MatchCost {
  /** Activity date − planned date in days: −1, 0 or +1; −2 to +2 for strength (anything else is not a candidate). */
  dayShift: number;
  /** min(|ln ratio|, 2); 0.5 when no volume is comparable. */
  volume: number;
  /** 0.5 per intensity step outside the kind's expected range; 0.25 when unknown; 0 for non-runs. */
  intensity: number;
  /** 0.25 when long-run intent and the activity's long flag disagree; 0.125 unknown; 0 for non-runs. */
  long: number;
  /** volume + intensity + long, rounded to 0.001. */
  fit: number;
  /** |dayShift| × 1 + fit, rounded to 0.001 (the unit the assignment compares exactly). */
  total: number;
}

/**
 * Cost of carrying out `planned` with `activity`, or null when they cannot be paired (kinds do not
 * correspond, the session is `rest`, or the dates are further apart than `MAX_DAY_SHIFT` allows:
 * one day, two for strength).
 *
 * `total = |dayShift| + volume + intensity + long`. The day-shift term makes the same local date win
 * unless the same-day candidate fits worse by more than 1.0 (e.g. under a third of the planned distance
 * while the other day's run fits) — then the session counts as moved.
 *
 * The assignment minimises, over the whole week and in this order (lexicographically):
 * 1. Σ `total` over the pairs + 1.75 × (unpaired planned sessions + unpaired activities),
 * 2. the summed gap between a session's place in its day (by `order`) and the activity's (by start time),
 * and remaining ties go to the canonical order (date, order / start time, id).
 */
export function matchCost(
  planned: PlannedSessionRef,
  activity: MatchActivity,
  metrics: ActivityMetrics | undefined,
): MatchCost | null {
  const category = matchCategory(planned.kind);
  if (category === null || category !== activity.category) return null;
  const dayShift = daysBetween(planned.date, activity.localDate);
  if (Math.abs(dayShift) > MAX_DAY_SHIFT[category]) return null;

  const ratio = volumeRatio(planned, activity);
  const volume =
    ratio === null ? MATCH_COST.volumeUnknown : ratio <= 0 ? MATCH_COST.volumeCap : Math.min(Math.abs(Math.log(ratio)), MATCH_COST.volumeCap);

  let intensity = 0;
  let long = 0;
  const expected = expectedIntensity(planned.kind);
  if (expected !== null) {
    const cls = knownIntensity(metrics);
    if (cls === null) {
      intensity = MATCH_COST.intensityUnknown;
    } else {
      const rank = INTENSITY_RANK[cls];
      const steps = rank < expected[0] ? expected[0] - rank : rank > expected[1] ? rank - expected[1] : 0;
      intensity = steps * MATCH_COST.intensityStep;
    }
    if (metrics === undefined) long = MATCH_COST.longUnknown;
    else if ((planned.kind === 'long') !== metrics.long) long = MATCH_COST.longMismatch;
  }

  const fit = Math.round((volume + intensity + long) * 1000) / 1000;
  const total = Math.round((Math.abs(dayShift) * MATCH_COST.dayShift + fit) * 1000) / 1000;
  return { dayShift, volume, intensity, long, fit, total };
}

// ---------------------------------------------------------------------------------------------
// Exact assignment on lexicographic cost tuples

/**
 * A cost tuple [cost in thousandths, order gap], compared lexicographically. All parts
 * are integers, so sums and differences are exact; tuples under component-wise addition and
 * lexicographic order form an ordered group, which is all the Hungarian algorithm needs.
 */
type Cost = readonly number[];
const LAYERS = 2;
const ZERO: Cost = [0, 0];
const milli = (x: number): number => Math.round(x * 1000);

function add(a: Cost, b: Cost): Cost {
  return a.map((x, i) => x + (b[i] ?? 0));
}

function sub(a: Cost, b: Cost): Cost {
  return a.map((x, i) => x - (b[i] ?? 0));
}

function less(a: Cost, b: Cost): boolean {
  for (let i = 0; i < LAYERS; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`internal: index ${i} out of range`);
  return x;
}

/**
 * Minimum-cost perfect assignment of a square matrix (Hungarian algorithm with potentials, O(n³)).
 * Returns, for each row, its column.
 */
function hungarian(cost: readonly (readonly Cost[])[]): number[] {
  const n = cost.length;
  const u: Cost[] = Array.from({ length: n + 1 }, () => ZERO);
  const v: Cost[] = Array.from({ length: n + 1 }, () => ZERO);
  const rowOfCol = new Array<number>(n + 1).fill(0); // 1-based rows; 0 = free
  const way = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    rowOfCol[0] = i;
    let j0 = 0;
    const minv: (Cost | null)[] = new Array<Cost | null>(n + 1).fill(null); // null = +∞
    const used = new Array<boolean>(n + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = at(rowOfCol, j0);
      const row = at(cost, i0 - 1);
      let delta: Cost | null = null;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (at(used, j)) continue;
        const cur = sub(sub(at(row, j - 1), at(u, i0)), at(v, j));
        const best = at(minv, j);
        if (best === null || less(cur, best)) {
          minv[j] = cur;
          way[j] = j0;
        }
        const m = at(minv, j) ?? cur;
        if (delta === null || less(m, delta)) {
          delta = m;
          j1 = j;
        }
      }
      if (delta === null) throw new Error('internal: no free column');
      for (let j = 0; j <= n; j++) {
        if (at(used, j)) {
          const r = at(rowOfCol, j);
          u[r] = add(at(u, r), delta);
          v[j] = sub(at(v, j), delta);
        } else {
          const m = at(minv, j);
          if (m !== null) minv[j] = sub(m, delta);
        }
      }
      j0 = j1;
    } while (at(rowOfCol, j0) !== 0);
    do {
      const j1 = at(way, j0);
      rowOfCol[j0] = at(rowOfCol, j1);
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) colOfRow[at(rowOfCol, j) - 1] = j - 1;
  return colOfRow;
}

/**
 * Pairs rows with columns (or leaves them unpaired) at minimum total cost. `pair(r, c)` gives the cost
 * of a pairing or null when forbidden; leaving a row or a column unpaired costs `unpaired`.
 * Returns the column of each row, or null.
 */
function assign(
  rows: number,
  cols: number,
  unpaired: Cost,
  pair: (r: number, c: number) => Cost | null,
): (number | null)[] {
  if (rows === 0 || cols === 0) return new Array<number | null>(rows).fill(null);
  // Square matrix: real rows + one dummy row per column; real columns + one dummy column per row.
  const n = rows + cols;
  // Worse than leaving everything unpaired (n × unpaired), so never part of an optimum.
  const forbidden: Cost = [2 * n * Math.max(1, unpaired[0] ?? 0) + 1, 0];
  const matrix: Cost[][] = [];
  for (let r = 0; r < n; r++) {
    const line: Cost[] = [];
    for (let c = 0; c < n; c++) {
      if (r < rows && c < cols) line.push(pair(r, c) ?? forbidden);
      else if (r < rows || c < cols) line.push(unpaired);
      else line.push(ZERO);
    }
    matrix.push(line);
  }
  const colOfRow = hungarian(matrix);
  const out: (number | null)[] = [];
  for (let r = 0; r < rows; r++) {
    const c = at(colOfRow, r);
    out.push(c < cols && pair(r, c) !== null ? c : null);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The week

function comparePlanned(a: PlannedSessionRef, b: PlannedSessionRef): number {
  return a.date < b.date ? -1 : a.date > b.date ? 1 : a.order - b.order || compareIds(a.id, b.id);
}

function compareActivities(a: MatchActivity, b: MatchActivity): number {
  if (a.localDate !== b.localDate) return a.localDate < b.localDate ? -1 : 1;
  return a.startTime.getTime() - b.startTime.getTime() || compareIds(a.id, b.id);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Planned sessions in canonical order: date, order within the day, id. */
export function sortPlanned(planned: readonly PlannedSessionRef[]): PlannedSessionRef[] {
  return [...planned].sort(comparePlanned);
}

/** Activities in canonical order: local date, start time, id. */
export function sortActivities<A extends MatchActivity>(activities: readonly A[]): A[] {
  return [...activities].sort(compareActivities);
}

function assertUniqueIds(items: readonly { id: string }[], what: string): void {
  const seen = new Set<string>();
  for (const { id } of items) {
    if (seen.has(id)) throw new RangeError(`duplicate ${what} id '${id}'`);
    seen.add(id);
  }
}

/** Place of each item within its (date, category) group, 0 = first; items come in canonical order. */
function ranksWithinDay<T>(items: readonly T[], key: (item: T) => string): number[] {
  const counts = new Map<string, number>();
  return items.map((item) => {
    const k = key(item);
    const n = counts.get(k) ?? 0;
    counts.set(k, n + 1);
    return n;
  });
}

const CATEGORIES: readonly ActivityCategory[] = ['run', 'strength', 'other'];

interface Keyed {
  match: SessionMatch;
  date: string;
  /** 0 for planned entries (matched or missed), 1 for unplanned activities. */
  group: number;
  /** Planned order, or the activity's start time in ms. */
  within: number;
  id: string;
}

function compareKeyed(a: Keyed, b: Keyed): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  return a.group - b.group || a.within - b.within || compareIds(a.id, b.id);
}

/**
 * Matches a week's planned sessions with its activities.
 *
 * Returns one entry per planned session other than `rest` (matched, or `missed`) and one per activity
 * left unpaired (`unplanned`), sorted by date (the planned date for planned entries), planned entries
 * before unplanned ones, then by order / start time and id. The result does not depend on input order.
 *
 * Status of a pair (`pairedMatch`): a run or cross session on another date is `moved` (its ratio and band
 * still tell under / over); strength on another date keeps its volume status with its `dayShift`;
 * otherwise `partial` under 80 %, `exceeded` over 120 %, else `completed` (also when nothing is
 * comparable, with ratio and band null). A missed session has band `red` and ratio 0 (null when the plan
 * states no volume). Ids must be unique within `planned` and within `activities` (RangeError otherwise).
 */
export function matchWeek(
  planned: readonly PlannedSessionRef[],
  activities: readonly MatchActivity[],
  metrics: ReadonlyMap<string, ActivityMetrics>,
): SessionMatch[] {
  assertUniqueIds(planned, 'planned session');
  assertUniqueIds(activities, 'activity');
  const sessions = sortPlanned(planned).filter((p) => p.kind !== 'rest');
  const acts = sortActivities(activities);
  const sessionRank = ranksWithinDay(sessions, (p) => `${p.date}|${matchCategory(p.kind) ?? ''}`);
  const activityRank = ranksWithinDay(acts, (a) => `${a.localDate}|${a.category}`);

  const activityOf = new Map<number, number>(); // session index → activity index
  for (const category of CATEGORIES) {
    const rows = sessions.flatMap((p, i) => (matchCategory(p.kind) === category ? [i] : []));
    const cols = acts.flatMap((a, i) => (a.category === category ? [i] : []));
    const chosen = assign(rows.length, cols.length, [milli(MATCH_COST.unpaired), 0], (r, c) => {
      const si = at(rows, r);
      const ai = at(cols, c);
      const activity = at(acts, ai);
      const cost = matchCost(at(sessions, si), activity, metrics.get(activity.id));
      if (cost === null) return null;
      const gap = Math.abs(at(sessionRank, si) - at(activityRank, ai));
      return [milli(cost.total), gap];
    });
    chosen.forEach((c, r) => {
      if (c !== null) activityOf.set(at(rows, r), at(cols, c));
    });
  }

  const keyed: Keyed[] = [];
  const pairedActivities = new Set<number>();
  sessions.forEach((p, si) => {
    const ai = activityOf.get(si);
    const base = { date: p.date, group: 0, within: p.order, id: p.id };
    if (ai === undefined) {
      keyed.push({ ...base, match: missedMatch(p) });
      return;
    }
    pairedActivities.add(ai);
    keyed.push({ ...base, match: pairedMatch(p, at(acts, ai)) });
  });
  acts.forEach((a, ai) => {
    if (pairedActivities.has(ai)) return;
    keyed.push({
      date: a.localDate,
      group: 1,
      within: a.startTime.getTime(),
      id: a.id,
      match: unplannedMatch(a),
    });
  });
  return keyed.sort(compareKeyed).map((k) => k.match);
}

/** The match of a planned session nothing carried out: `missed`, band red, ratio 0 (null without planned volume). */
export function missedMatch(p: PlannedSessionRef): SessionMatch {
  return {
    plannedId: p.id,
    activityId: null,
    status: 'missed',
    ratio: hasPlannedVolume(p) ? 0 : null,
    band: 'red',
    dayShift: 0,
    plannedKind: p.kind,
    plannedDate: p.date,
    activityDate: null,
  };
}

/** The match of an activity that carried out no planned session. */
export function unplannedMatch(a: MatchActivity): SessionMatch {
  return {
    plannedId: null,
    activityId: a.id,
    status: 'unplanned',
    ratio: null,
    band: null,
    dayShift: 0,
    plannedKind: null,
    plannedDate: null,
    activityDate: a.localDate,
  };
}

/**
 * The match of a planned session and the activity that carried it out. A run or cross session done on
 * another day is `moved` (its ratio and band still tell under / over); strength done on another day is
 * the planned session done on that day — `completed` (or `partial` / `exceeded` by volume) with its
 * `dayShift` — since a strength session has no day of its own in the plan's rhythm, only a placement the
 * recommender judges on the day it was done. Same day: `partial` under 80 %, `exceeded` over 120 %,
 * else `completed`.
 */
export function pairedMatch(p: PlannedSessionRef, a: MatchActivity): SessionMatch {
  const ratio = volumeRatio(p, a);
  const dayShift = daysBetween(p.date, a.localDate);
  return {
    plannedId: p.id,
    activityId: a.id,
    status: dayShift !== 0 && p.kind !== 'strength' ? 'moved' : volumeStatus(ratio),
    ratio,
    band: ratio === null ? null : complianceBand(ratio),
    dayShift,
    plannedKind: p.kind,
    plannedDate: p.date,
    activityDate: a.localDate,
  };
}

/**
 * Pairs sessions with activities of one category that their own weeks left unpaired, across a week
 * boundary: the same cost and assignment as `matchWeek`, but only pairs whose session and activity lie
 * in different ISO weeks (`weekOf` names the week of a date). Used for strength moved across Monday.
 * Returns [session index, activity index] pairs.
 */
export function pairAcrossWeeks(
  sessions: readonly PlannedSessionRef[],
  activities: readonly MatchActivity[],
  metrics: ReadonlyMap<string, ActivityMetrics>,
  weekOf: (date: string) => string,
): [number, number][] {
  const chosen = assign(sessions.length, activities.length, [milli(MATCH_COST.unpaired), 0], (r, c) => {
    const p = at(sessions, r);
    const a = at(activities, c);
    if (weekOf(p.date) === weekOf(a.localDate)) return null;
    const cost = matchCost(p, a, metrics.get(a.id));
    return cost === null ? null : [milli(cost.total), 0];
  });
  return chosen.flatMap((c, r) => (c === null ? [] : [[r, c] as [number, number]]));
}
