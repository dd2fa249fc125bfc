/**
 * Weekly compliance: what the athlete planned for one ISO week (Monday first, athlete's time zone)
 * against what they did — volume, sessions, key sessions, strength, hard days, intensity distribution
 * and an overall score. Pure: the caller passes the week's planned sessions, activities and metrics.
 * docs/analysis-matching.md documents every number.
 */
import { isHardKind, isQualityKind, isRunKind } from '../domain/plan.ts';
import { runVolumeM, typicalPaceSPerKm } from '../plan/rules.ts';
import { datesBetween, isoWeekOf, mondayOf, addDays } from '../domain/iso-week.ts';
import { crossTrainingOf } from './cross-training.ts';
import {
  activityDurationS,
  knownIntensity,
  MAX_DAY_SHIFT,
  matchWeek,
  pairAcrossWeeks,
  pairedMatch,
  sortActivities,
  sortPlanned,
} from './matching.ts';
import type {
  ActivityMetrics,
  ComplianceBand,
  MatchActivity,
  PlannedSessionRef,
  SessionMatch,
  WeekCompliance,
} from './types.ts';

export interface WeekComplianceInput {
  athleteId: string;
  /** ISO week, `YYYY-Www`. */
  isoWeek: string;
  /**
   * The week's planned sessions. Sessions dated outside the week are ignored, except strength sessions
   * of the week before and after, which pair with strength moved across Monday (pass the 7 days either
   * side for that).
   */
  planned: readonly PlannedSessionRef[];
  /** The week's activities (local dates); outside the week, as `planned`: only strength, across Monday. */
  activities: readonly (MatchActivity & { sport?: string })[];
  /** Per-activity metrics by activity id; an activity without an entry has unknown intensity. */
  metrics: ReadonlyMap<string, ActivityMetrics>;
  /**
   * The athlete's local date today. A session on or after it that nothing carried out is `upcoming`
   * (its day is not over): never missed, out of the score. Absent or null: every day is over.
   */
  asOf?: string | null;
  /**
   * Local dates the athlete could not train (illness, injury, travel). A session on one of them that
   * nothing carried out is `excused`: never missed, out of the score.
   */
  unavailable?: readonly string[];
}

/** Seiler's polarized ("80/20") target: the share of run time spent at low intensity (zones 1–2). */
export const TARGET_LOW_FRACTION = 0.8;

/** Points a planned session earns by its band (a matched session with no comparable volume earns 1). */
export const BAND_SCORE: Readonly<Record<ComplianceBand, number>> = { green: 1, yellow: 0.5, orange: 0.25, red: 0 };

/** Weight of a planned session in the score: key (hard-kind) and strength sessions count double. */
export const SCORE_WEIGHT = { key: 2, strength: 2, other: 1 } as const;

/** Factor on a session's points when it was done at the wrong intensity (easy too hard, quality too easy). */
export const WRONG_INTENSITY_FACTOR = 0.5;

/**
 * True when a planned session counts as done: it was matched (same day or moved) and at least half its
 * planned volume was done (ratio ≥ 0.5 on the whole percentage, or no comparable volume).
 */
export function isSessionDone(match: SessionMatch): boolean {
  if (match.plannedId === null || match.activityId === null) return false;
  return match.ratio === null || Math.round(match.ratio * 100) >= 50;
}

function sum(xs: readonly number[]): number {
  let total = 0;
  for (const x of xs) total += x;
  return total;
}

function sortedUnique(dates: readonly string[]): string[] {
  return [...new Set(dates)].sort();
}

/**
 * The compliance report of one ISO week. A week with no plan still reports its actuals (every activity
 * `unplanned`, planned totals zero, score null). Only sessions and activities dated inside the week are
 * considered, so a session is never matched across the week boundary (a Monday session done on the
 * Sunday before is that Sunday's unplanned run and this Monday's missed session).
 *
 * Throws RangeError when `isoWeek` is not an ISO week or ids repeat.
 */
export function weekCompliance(input: WeekComplianceInput): WeekCompliance {
  const monday = mondayOf(input.isoWeek);
  const sunday = addDays(monday, 6);
  const inWeek = (date: string): boolean => date >= monday && date <= sunday;
  // Canonical order everywhere, so floating-point sums do not depend on the input order.
  const allPlanned = sortPlanned(input.planned.filter((p) => inWeek(p.date)));
  const planned = allPlanned.filter((p) => p.kind !== 'rest');
  const activities = sortActivities(input.activities.filter((a) => inWeek(a.localDate)));
  const { metrics } = input;
  const asOf = input.asOf ?? null;

  const across = strengthAcrossMonday(input, monday);
  const matches = excuseUnavailable(withUpcoming(
    matchWeek(allPlanned, activities, metrics).map((m) => across.get(`p:${m.plannedId ?? ''}`) ?? across.get(`a:${m.activityId ?? ''}`) ?? m),
    asOf,
  ), input.unavailable ?? []);
  const matchOf = new Map<string, SessionMatch>();
  for (const m of matches) if (m.plannedId !== null) matchOf.set(m.plannedId, m);
  const due = planned.filter((p) => !NOT_DUE.has(matchOf.get(p.id)?.status ?? 'missed'));
  const intensityOf = (activityId: string | null) => (activityId === null ? null : knownIntensity(metrics.get(activityId)));

  // Intent checks on matched runs.
  const easyRunsTooHard: string[] = [];
  const hardSessionsTooEasy: string[] = [];
  for (const p of planned) {
    const cls = intensityOf(matchOf.get(p.id)?.activityId ?? null);
    if ((p.kind === 'easy' || p.kind === 'recovery') && (cls === 'moderate' || cls === 'hard')) easyRunsTooHard.push(p.id);
    if (isQualityKind(p.kind) && cls === 'easy') hardSessionsTooEasy.push(p.id);
  }
  const tooHard = new Set(easyRunsTooHard);
  const tooEasy = new Set(hardSessionsTooEasy);

  // Planned side.
  const plannedRuns = planned.filter((p) => isRunKind(p.kind));
  const plannedStrength = planned.filter((p) => p.kind === 'strength');
  const plannedKey = planned.filter((p) => isHardKind(p.kind));

  // Actual side.
  const runs = activities.filter((a) => a.category === 'run');
  const strength = activities.filter((a) => a.category === 'strength');
  // Strength credited to this week: its own sessions, less those that carried out another week's
  // session, plus another week's activities that carried out one of this week's sessions.
  const activityById = new Map(input.activities.map((a) => [a.id, a]));
  const credited = sortActivities([
    ...strength.filter((a) => !isOtherWeek(across.get(`a:${a.id}`)?.plannedDate ?? null, inWeek)),
    ...planned.flatMap((p) => {
      const id = across.get(`p:${p.id}`)?.activityId ?? null;
      const a = id === null ? undefined : activityById.get(id);
      return a !== undefined && !inWeek(a.localDate) ? [a] : [];
    }),
  ]);
  const doneOf = (p: PlannedSessionRef): boolean => {
    const m = matchOf.get(p.id);
    return m !== undefined && isSessionDone(m);
  };
  const actualHardDays = runs.filter((a) => {
    const m = metrics.get(a.id);
    return m !== undefined && (knownIntensity(m) === 'hard' || m.long);
  });

  // Rest days: in a week with a plan, days with nothing but rest (or nothing) planned.
  let restDaysWithActivity: string[] = [];
  if (allPlanned.length > 0) {
    const trainingDays = new Set(planned.map((p) => p.date));
    const activeDays = new Set(activities.map((a) => a.localDate));
    restDaysWithActivity = datesBetween(monday, sunday).filter((d) => !trainingDays.has(d) && activeDays.has(d));
  }

  // Intensity distribution over run time with heart rate.
  const zones = [0, 0, 0, 0, 0];
  for (const a of runs) {
    const tiz = metrics.get(a.id)?.timeInZonesS ?? null;
    if (tiz === null) continue;
    tiz.forEach((s, i) => {
      zones[i] = (zones[i] ?? 0) + s;
    });
  }
  const [z1 = 0, z2 = 0, z3 = 0, z4 = 0, z5 = 0] = zones;
  const secondsWithHr = z1 + z2 + z3 + z4 + z5;
  const share = (s: number): number => (secondsWithHr > 0 ? s / secondsWithHr : 0);

  const dueRuns = due.filter((p) => isRunKind(p.kind));
  // Running volume as the plan check and the recommender count it: distance, else duration at the
  // typical pace (of the plan's sessions, of the week's runs); a race counts zero on both sides.
  const planPace = typicalPaceSPerKm(planned);
  const raceRuns = new Set(matches.flatMap((m) => (m.plannedKind === 'race' && m.activityId !== null ? [m.activityId] : [])));
  const runItems = runs.map((a) => ({
    date: a.localDate,
    kind: raceRuns.has(a.id) ? ('race' as const) : ('easy' as const),
    distanceM: a.distanceM !== null && a.distanceM > 0 ? a.distanceM : null,
    durationS: activityDurationS(a),
  }));
  const runPace = typicalPaceSPerKm(runItems);
  const dueStrength = due.filter((p) => p.kind === 'strength');
  return {
    athleteId: input.athleteId,
    isoWeek: input.isoWeek,
    asOf,
    complete: asOf === null || asOf > sunday,
    plannedToDate: {
      volumeM: sum(dueRuns.map((p) => runVolumeM(p, planPace))),
      distanceM: sum(dueRuns.map((p) => p.distanceM ?? 0)),
      durationS: sum(dueRuns.map((p) => p.durationS ?? 0)),
      sessions: due.length,
      keySessions: due.filter((p) => isHardKind(p.kind)).length,
      strengthSessions: dueStrength.length,
      strengthMinutes: sum(dueStrength.map((p) => p.durationS ?? 0)) / 60,
    },
    planned: {
      distanceM: sum(plannedRuns.map((p) => p.distanceM ?? 0)),
      durationS: sum(plannedRuns.map((p) => p.durationS ?? 0)),
      sessions: planned.length,
      keySessions: plannedKey.length,
      strengthSessions: plannedStrength.length,
      strengthMinutes: sum(plannedStrength.map((p) => p.durationS ?? 0)) / 60,
      hardDays: sortedUnique(plannedKey.map((p) => p.date)),
      strengthDays: sortedUnique(plannedStrength.map((p) => p.date)),
    },
    actual: {
      distanceM: sum(runs.map((a) => a.distanceM ?? 0)),
      durationS: sum(runs.map((a) => activityDurationS(a) ?? 0)),
      volumeM: sum(runItems.map((i) => runVolumeM(i, runPace))),
      sessionsCompleted: planned.filter(doneOf).length,
      keySessionsCompleted: plannedKey.filter((p) => doneOf(p) && !tooEasy.has(p.id)).length,
      strengthSessions: credited.length,
      strengthMinutes: sum(credited.map((a) => activityDurationS(a) ?? 0)) / 60,
      hardDays: sortedUnique(actualHardDays.map((a) => a.localDate)),
      strengthDays: sortedUnique(strength.map((a) => a.localDate)),
      restDaysWithActivity,
      crossTraining: crossTrainingOf(activities, metrics),
    },
    matches,
    intensity: {
      low: share(z1 + z2),
      moderate: share(z3),
      high: share(z4 + z5),
      targetLow: TARGET_LOW_FRACTION,
      secondsWithHr,
    },
    easyRunsTooHard,
    hardSessionsTooEasy,
    score: complianceScore(due, matchOf, (id) => tooHard.has(id) || tooEasy.has(id)),
  };
}

function isOtherWeek(date: string | null, inWeek: (date: string) => boolean): boolean {
  return date !== null && !inWeek(date);
}

/** Statuses of planned sessions that are not due (out of the score and of `plannedToDate`). */
const NOT_DUE: ReadonlySet<SessionMatch['status']> = new Set(['upcoming', 'excused']);

/** Sessions nothing carried out on a day the athlete could not train become `excused`. */
function excuseUnavailable(matches: SessionMatch[], unavailable: readonly string[]): SessionMatch[] {
  if (unavailable.length === 0) return matches;
  const days = new Set(unavailable);
  return matches.map((m) =>
    (m.status === 'missed' || m.status === 'upcoming') && m.plannedDate !== null && days.has(m.plannedDate) ? { ...m, status: 'excused', ratio: null, band: null } : m,
  );
}

/** Sessions nothing carried out whose day is not over yet (on or after `asOf`) become `upcoming`. */
function withUpcoming(matches: SessionMatch[], asOf: string | null): SessionMatch[] {
  if (asOf === null) return matches;
  return matches.map((m) =>
    m.status === 'missed' && m.plannedDate !== null && m.plannedDate >= asOf ? { ...m, status: 'upcoming', ratio: null, band: null } : m,
  );
}

/**
 * Strength moved across Monday: pairs of a strength session and a strength activity in adjacent weeks,
 * at most `MAX_DAY_SHIFT.strength` days apart, that their own weeks left unpaired. Each week is first
 * matched on its own (strength only: no other kind competes); the leftovers on either side of each of
 * this week's two boundaries are then paired at minimum cost. Both weeks of a boundary compute the same
 * pairs from the same inputs, so a session never counts in two weeks. Keyed `p:<planned id>` and
 * `a:<activity id>` for this week's side of each pair.
 */
function strengthAcrossMonday(input: WeekComplianceInput, monday: string): Map<string, SessionMatch> {
  const out = new Map<string, SessionMatch>();
  const reach = MAX_DAY_SHIFT.strength;
  const sessions = sortPlanned(input.planned.filter((p) => p.kind === 'strength'));
  const acts = sortActivities(input.activities.filter((a) => a.category === 'strength'));
  const leftovers = (weekMonday: string): { sessions: PlannedSessionRef[]; activities: MatchActivity[] } => {
    const last = addDays(weekMonday, 6);
    const within = (d: string): boolean => d >= weekMonday && d <= last;
    const ms = matchWeek(
      sessions.filter((p) => within(p.date)),
      acts.filter((a) => within(a.localDate)),
      input.metrics,
    );
    const missed = new Set(ms.flatMap((m) => (m.status === 'missed' && m.plannedId !== null ? [m.plannedId] : [])));
    const unplanned = new Set(ms.flatMap((m) => (m.status === 'unplanned' && m.activityId !== null ? [m.activityId] : [])));
    return { sessions: sessions.filter((p) => missed.has(p.id)), activities: acts.filter((a) => unplanned.has(a.id)) };
  };
  const weeks = new Map<string, ReturnType<typeof leftovers>>();
  const leftoversOf = (weekMonday: string): ReturnType<typeof leftovers> => {
    let l = weeks.get(weekMonday);
    if (l === undefined) {
      l = leftovers(weekMonday);
      weeks.set(weekMonday, l);
    }
    return l;
  };
  for (const boundary of [monday, addDays(monday, 7)]) {
    const before = leftoversOf(addDays(boundary, -7));
    const after = leftoversOf(boundary);
    const near = (d: string): boolean => d >= addDays(boundary, -reach) && d < addDays(boundary, reach);
    const s = [...before.sessions, ...after.sessions].filter((p) => near(p.date));
    const a = [...before.activities, ...after.activities].filter((x) => near(x.localDate));
    for (const [si, ai] of pairAcrossWeeks(s, a, input.metrics, isoWeekOf)) {
      const m = pairedMatch(s[si]!, a[ai]!);
      out.set(`p:${m.plannedId ?? ''}`, m);
      out.set(`a:${m.activityId ?? ''}`, m);
    }
  }
  return out;
}

/**
 * Overall compliance, 0..1: the weighted mean of per-session points over the planned sessions (rest
 * excluded); null when nothing but rest is planned.
 *
 *   score = Σ wᵢ·pᵢ / Σ wᵢ,   wᵢ = 2 for key (isHardKind) and strength sessions, else 1,
 *   pᵢ = 0 when missed; else BAND_SCORE[band] (1 when no volume is comparable), × 0.5 at the wrong intensity.
 */
function complianceScore(
  planned: readonly PlannedSessionRef[],
  matchOf: ReadonlyMap<string, SessionMatch>,
  wrongIntensity: (plannedId: string) => boolean,
): number | null {
  let weighted = 0;
  let weights = 0;
  for (const p of planned) {
    const w = isHardKind(p.kind) ? SCORE_WEIGHT.key : p.kind === 'strength' ? SCORE_WEIGHT.strength : SCORE_WEIGHT.other;
    const m = matchOf.get(p.id);
    let points = 0;
    if (m !== undefined && m.activityId !== null) {
      points = m.band === null ? 1 : BAND_SCORE[m.band];
      if (wrongIntensity(p.id)) points *= WRONG_INTENSITY_FACTOR;
    }
    weighted += w * points;
    weights += w;
  }
  return weights > 0 ? weighted / weights : null;
}
