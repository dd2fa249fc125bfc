/**
 * Recomputes the analysis of athlete-weeks: reads the inputs through repositories, runs the pure
 * analysis core, and stores metrics, the daily load series and one document per week — all in one
 * transaction. Idempotent: the same inputs give the same stored results.
 *
 * Load is incremental: the series is continued from the stored state of the day before the earliest
 * week asked for, not recomputed from the athlete's first day.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { weekCompliance } from '../analysis/compliance.ts';
import { BASELINE_DAYS, fillDays, dailyLoads, distanceRamp, loadSeries, rollingAcwr, SEED_DAYS, seededStart, weekMonotonyStrain } from '../analysis/load.ts';
import { activityMetrics, markLongRuns } from '../analysis/metrics.ts';
import { resolvePhysiology } from '../analysis/physiology.ts';
import type { ActivityMetrics, AthleteProfile, LoadState, Physiology, PlannedSessionRef, WeekCompliance } from '../analysis/types.ts';
import type { WeekDocument, WeekReportData } from '../domain/week-document.ts';
import {
  activePlanRaceDate,
  activePlanSessions,
  getWeek,
  analysisActivities,
  cachedPhysiology,
  dailyLoadInputs,
  latestActivityDate,
  loadStatesBetween,
  replaceLoadStates,
  runDistanceBetween,
  saveActivityMetrics,
  savePhysiology,
  runsFingerprint,
  saveWeeks,
  lapsOf,
  storedMetrics,
  streamsOf,
  storedWeeksFrom,
  type AnalysisActivityRow,
} from '../db/repositories/analysis.ts';
import { findAthlete } from '../db/repositories/athletes.ts';
import { unavailablePeriodsBetween } from '../db/repositories/unavailable.ts';
import { unavailableDays, type UnavailableDay } from '../domain/athlete-input.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { lockAthlete, relaxDurability } from '../db/transactions.ts';
import { localDateOf } from '../domain/time.ts';
import { recommend } from '../recommend/recommend.ts';
import { parseThresholdOverrides } from '../recommend/types.ts';
import { addDays, addWeeks, daysBetween, isoWeekOf, mondayOf } from '../domain/iso-week.ts';
import { Yielder } from '../util/event-loop.ts';

/** Days of runs that feed the physiology estimates (max HR, threshold pace). */
const PHYSIOLOGY_HISTORY_DAYS = 90;
const PHYSIOLOGY_MAX_RUNS = 40;

export class AthleteGoneError extends Error {
  override name = 'AthleteGoneError';
}

export function profileOf(a: Athlete): AthleteProfile {
  return { sex: a.sex, maxHr: a.max_hr, restingHr: a.resting_hr, lthr: a.lthr, thresholdSpeedMps: a.threshold_speed_mps };
}

/**
 * Physiology from the profile and the runs of the 90 days up to the athlete's latest activity.
 * Estimating reads those runs' samples, so the result is kept with a fingerprint of its inputs and
 * reused until the profile or those runs change.
 */
export async function athletePhysiology(db: Kysely<Database>, athlete: Athlete, now: Date): Promise<{ physiology: Physiology; basis: string }> {
  const last = await latestActivityDate(db, athlete.id);
  const range = last === undefined ? null : { from: addDays(last, -PHYSIOLOGY_HISTORY_DAYS), to: last };
  const basis = JSON.stringify([profileOf(athlete), range, range === null ? '' : await runsFingerprint(db, athlete.id, range), PHYSIOLOGY_MAX_RUNS]);
  const cached = await cachedPhysiology(db, athlete.id, basis);
  if (cached !== undefined) return { physiology: cached, basis };
  const runs = range === null ? [] : await analysisActivities(db, athlete.id, range, { runsOnly: true, limit: PHYSIOLOGY_MAX_RUNS });
  const physiology = resolvePhysiology(profileOf(athlete), { activities: runs });
  await savePhysiology(db, athlete.id, basis, physiology, now);
  return { physiology, basis };
}

/**
 * Metrics computed from samples are read and analysed this many activities at a time, so a cold pass
 * over a year holds a few activities' samples in memory, not the year's.
 */
const STREAM_BATCH = 24;

export interface AnalyseOptions {
  /**
   * Stored weeks after the first one asked for, up to this week, are left as they are instead of
   * having their load block and advice refreshed: the caller analyses them next (the re-analysis of a
   * history, a slice of weeks at a time).
   */
  skipLaterThrough?: string;
}

/**
 * Analyses the weeks and stores them (see the top of this file). Long loops hand the event loop back
 * every few milliseconds (`Yielder`): with the embedded database every query runs in this thread, and
 * `kinetic serve` must go on answering requests while a job analyses years of weeks.
 */
export async function analyseWeeks(db: Kysely<Database>, athleteId: string, isoWeeks: string[], now: Date, opts: AnalyseOptions = {}): Promise<WeekDocument[]> {
  const pause = new Yielder();
  const athlete = await findAthlete(db, athleteId);
  if (athlete === undefined) throw new AthleteGoneError(`athlete ${athleteId} not found`);
  const weeks = [...new Set(isoWeeks)].sort();
  if (weeks.length === 0) return [];
  const { physiology } = await athletePhysiology(db, athlete, now);
  const physiologyKey = physiologyKeyOf(physiology);

  // One read of each input for the whole run (from the Monday before the first week, for its
  // previous-week distance, to the Sunday after the last, for next week's plan), not one per week.
  const first = mondayOf(weeks[0]!);
  const last = addDays(mondayOf(weeks.at(-1)!), 6);
  // (And the week after the last, for strength moved across Monday.)
  const span = await analysisActivities(db, athleteId, { from: addDays(first, -7), to: addDays(last, 7) }, { withStreams: false, withLaps: false });
  const asked = new Set(weeks);
  const activities = span.filter((a) => asked.has(isoWeekOf(a.localDate)));
  const stored = await storedMetrics(db, activities.map((a) => a.id));
  const inputKeys = new Map(activities.map((a) => [a.id, metricsInputKey(physiologyKey, a)]));
  const computed = new Map<string, ActivityMetrics>();
  for (const a of activities) {
    const s = stored.get(a.id);
    if (s !== undefined && s.inputKey === inputKeys.get(a.id)) computed.set(a.id, s.metrics);
  }
  // Samples and laps are read only for activities whose stored metrics no longer match their inputs.
  const stale = activities.filter((a) => !computed.has(a.id));
  for (let i = 0; i < stale.length; i += STREAM_BATCH) {
    const batch = stale.slice(i, i + STREAM_BATCH);
    const ids = batch.map((a) => a.id);
    const [streams, laps] = await Promise.all([streamsOf(db, ids), lapsOf(db, ids)]);
    for (const a of batch) {
      computed.set(a.id, activityMetrics({ ...a, laps: laps.get(a.id) ?? [], streams: streams.get(a.id) ?? null }, physiology));
      await pause.pause();
    }
  }
  const metricsById = new Map(markLongRuns(activities, activities.map((a) => computed.get(a.id)!)).map((m) => [m.activityId, m]));
  const changedMetrics = activities.filter((a) => {
    const s = stored.get(a.id);
    return s === undefined || s.inputKey !== inputKeys.get(a.id) || s.metrics.long !== metricsById.get(a.id)!.long;
  });

  const plannedRange = { from: addDays(first, -7), to: addDays(last, 7) };
  const plannedSpan = await activePlanSessions(db, athleteId, plannedRange);
  const unavailableSpan = unavailableDays(await unavailablePeriodsBetween(db, athleteId, plannedRange), plannedRange.from, plannedRange.to);
  const plannedIn = (from: string, to: string): PlannedSessionRef[] => plannedSpan.filter((p) => p.date >= from && p.date <= to);
  const runDistance = (from: string, to: string): number =>
    span.reduce((m, a) => (a.category === 'run' && a.localDate >= from && a.localDate <= to ? m + (a.distanceM ?? 0) : m), 0);

  const asOf = localDateOf(now, athlete.timezone);
  const perWeek: WeekWork[] = [];
  for (const isoWeek of weeks) {
    const from = mondayOf(isoWeek);
    const to = addDays(from, 6);
    const own = activities.filter((a) => a.localDate >= from && a.localDate <= to);
    const metrics = own.map((a) => metricsById.get(a.id)!);
    const planned = plannedIn(from, to);
    const unavailable = unavailableSpan.filter((d) => d.date >= from && d.date <= to);
    // The week either side, for strength moved across Monday (weekCompliance uses only that from them).
    const around = { from: addDays(from, -7), to: addDays(to, 7) };
    const compliance = weekCompliance({
      athleteId,
      isoWeek,
      planned: plannedIn(around.from, around.to),
      activities: span.filter((a) => a.localDate >= around.from && a.localDate <= around.to),
      metrics: new Map(metrics.map((m) => [m.activityId, m])),
      asOf,
      unavailable: unavailable.map((d) => d.date),
    });
    const lastWeek = sameDaysLastWeek(from, asOf);
    perWeek.push({ isoWeek, from, to, activities: own, metrics, planned, compliance, previousWeekDistanceM: runDistance(lastWeek.from, lastWeek.to), comparedDays: lastWeek.days, unavailable });
    await pause.pause();
  }

  return db.transaction().execute(async (trx) => {
    // Everything written here is derived from stored activities and plans: recomputed on demand.
    await relaxDurability(trx);
    // The load series and later weeks are read and rewritten below: one writer per athlete at a time.
    await lockAthlete(trx, athleteId);
    await saveActivityMetrics(
      trx,
      athleteId,
      changedMetrics.map((a) => ({ localDate: a.localDate, inputKey: inputKeys.get(a.id)!, metrics: metricsById.get(a.id)! })),
      now,
    );
    // (Inside the transaction too: with the embedded database, a request's query waits for the
    // commit, but the event loop answers what needs no database, and the socket reads go on.)
    await pause.pause();
    // Continue the load series from the day before the first week, through every stored day; write
    // it from the first day that differs from what is stored (a plan change rewrites nothing here).
    let start = perWeek[0]!.from;
    let [before, ...storedStates] = await loadStatesBetween(trx, athleteId, { from: addDays(start, -1), to: null });
    if (before?.date === addDays(start, -1) && before.day < SEED_DAYS) {
      // The series' seed (the mean load of its first days) may change with these weeks: from its first day.
      start = addDays(before.date, 1 - before.day);
      [before, ...storedStates] = await loadStatesBetween(trx, athleteId, { from: addDays(start, -1), to: null });
    }
    const prev = before?.date === addDays(start, -1) ? before : null;
    if (before !== undefined && prev === null) storedStates.unshift(before);
    await pause.pause();
    const loads = dailyLoads(await dailyLoadInputs(trx, athleteId, start));
    await pause.pause();
    const end = [perWeek.at(-1)!.to, storedStates.at(-1)?.date ?? start, ...loads.keys()].sort().at(-1)!;
    const days = fillDays(start, end, loads);
    // A new series starts from the mean load of its first weeks, not from 0 (docs/analysis.md, "Baseline").
    const states = loadSeries(prev ?? seededStart(days), days, { minDaysForAcwr: BASELINE_DAYS });
    const firstChange = states.findIndex((s, i) => !sameLoadState(s, storedStates[i]));
    await pause.pause();
    if (firstChange >= 0 || storedStates.length > states.length) {
      const from = firstChange >= 0 ? firstChange : states.length;
      await replaceLoadStates(trx, athleteId, states[from]?.date ?? addDays(end, 1), states.slice(from), () => pause.pause());
    }

    const byDate = new Map(states.map((s) => [s.date, s]));
    // The week's rolling ACWR reads the 27 days before each week's end: stored days before the series run.
    const earlier = prev === null ? [] : await loadStatesBetween(trx, athleteId, { from: addDays(start, -27), to: addDays(start, -1) });
    const view: LoadView = { byDate, loads: new Map([...earlier, ...states].map((s) => [s.date, s.load])), asOf };
    const advise = await adviser(trx, athlete, now, { ...plannedRange, sessions: plannedSpan });
    const docs: WeekDocument[] = [];
    let previous: WeekDocument | null = null;
    for (const w of perWeek) {
      const base: WeekReportData = {
        version: 1,
        athleteId,
        isoWeek: w.isoWeek,
        from: w.from,
        to: w.to,
        timezone: athlete.timezone,
        physiology,
        compliance: w.compliance,
        activities: weekActivities(w.activities, w.metrics),
        load: weekLoad(view, w.from, w.compliance.actual.distanceM, w.previousWeekDistanceM, w.comparedDays),
        unavailable: w.unavailable,
      };
      const before = previous?.isoWeek === addWeeks(w.isoWeek, -1) ? previous : ((await getWeek(trx, athleteId, addWeeks(w.isoWeek, -1))) ?? null);
      const doc = await advise(base, before, w.planned);
      docs.push(doc);
      previous = doc;
      await pause.pause();
    }
    await saveWeeks(trx, docs, now);
    await pause.pause();
    // Later weeks already stored may now contradict the series (or, for the week right after a
    // recomputed one, its previous week): refresh their load block and advice where they changed.
    const done = new Map(docs.map((d) => [d.isoWeek, d]));
    const skip = opts.skipLaterThrough;
    // (A series recomputed from its first day for its seed also changed the stored weeks before these.)
    const laterFrom = skip !== undefined && skip >= perWeek[0]!.isoWeek ? addWeeks(skip, 1) : [perWeek[0]!.isoWeek, isoWeekOf(start)].sort()[0]!;
    for (const later of await storedWeeksFrom(trx, athleteId, laterFrom, [...done.keys()])) {
      await pause.pause();
      const before = done.get(addWeeks(later.isoWeek, -1));
      const lastWeek = sameDaysLastWeek(later.from, asOf);
      const previousWeekDistanceM =
        before === undefined ? later.load.previousWeekDistanceM : await runDistanceBetween(trx, athleteId, { from: lastWeek.from, to: lastWeek.to });
      const load = weekLoad(view, later.from, later.compliance.actual.distanceM, previousWeekDistanceM, lastWeek.days);
      const { flags: _flags, nextWeek: _nextWeek, ...laterBase } = later;
      const refreshed =
        before === undefined ? { ...later, load } : await advise({ ...laterBase, load }, before, await activePlanSessions(trx, athleteId, { from: later.from, to: later.to }));
      if (JSON.stringify(refreshed) !== JSON.stringify(later)) await saveWeeks(trx, [refreshed], now);
    }
    return docs;
  });
}

/**
 * The recommender for one athlete, as of `now`: adds flags and next week's strength days to a
 * week's analysis, from this and next week's plan, the goal race and the athlete's thresholds.
 */
async function adviser(
  db: Transaction<Database>,
  athlete: Athlete,
  now: Date,
  known: { from: string; to: string; sessions: PlannedSessionRef[] },
): Promise<(base: WeekReportData, previous: WeekDocument | null, planned: PlannedSessionRef[]) => Promise<WeekDocument>> {
  const thresholds = parseThresholdOverrides(athlete.recommend_thresholds ?? {});
  const raceDate = (await activePlanRaceDate(db, athlete.id)) ?? null;
  const asOf = localDateOf(now, athlete.timezone);
  return async (base, previous, planned) => {
    const nextMonday = addDays(base.from, 7);
    const nextSunday = addDays(nextMonday, 6);
    // The caller's planned sessions cover a range of dates; a week outside it is read here.
    const plannedNextWeek =
      nextMonday >= known.from && nextSunday <= known.to
        ? known.sessions.filter((p) => p.date >= nextMonday && p.date <= nextSunday)
        : await activePlanSessions(db, athlete.id, { from: nextMonday, to: nextSunday });
    // Last week's plan: a planned cut-back is this week's plan against it.
    const lastMonday = addDays(base.from, -7);
    const lastSunday = addDays(base.from, -1);
    const plannedPreviousWeek =
      lastMonday >= known.from && lastSunday <= known.to
        ? known.sessions.filter((p) => p.date >= lastMonday && p.date <= lastSunday)
        : await activePlanSessions(db, athlete.id, { from: lastMonday, to: lastSunday });
    const { flags, nextWeek } = recommend(
      { week: base, previousWeek: previous, plannedThisWeek: planned, plannedNextWeek, plannedPreviousWeek, raceDate, taperStart: null, asOf, units: athlete.units },
      thresholds,
    );
    return { ...base, flags, nextWeek };
  };
}

/**
 * The days of last week a week's distance is compared with: all seven once the week is over; while it
 * is in progress, the same days as this week so far (Monday to the weekday of `asOf`), so Thursday is
 * compared with last Monday to Thursday, not with last week's whole volume.
 */
function sameDaysLastWeek(monday: string, asOf: string): { from: string; to: string; days: number } {
  const days = Math.max(0, Math.min(7, daysBetween(monday, asOf) + 1));
  return { from: addDays(monday, -7), to: addDays(monday, days - 8), days };
}

/** The load series as the week blocks read it: the states by date, daily loads (27 days before the first state too), today. */
interface LoadView {
  byDate: ReadonlyMap<string, LoadState>;
  loads: ReadonlyMap<string, number>;
  asOf: string;
}

function weekLoad(view: LoadView, monday: string, distanceM: number, previousWeekDistanceM: number, comparedDays: number): WeekReportData['load'] {
  const days = Array.from({ length: 7 }, (_, i) => view.byDate.get(addDays(monday, i))!);
  const ms = weekMonotonyStrain(days.map((d) => d.load));
  // The week's ACWR at its end: Sunday, or today while the week is in progress.
  const end = days.find((d) => d.date === view.asOf) ?? days[6]!;
  return {
    days,
    weeklyLoad: ms.weeklyLoad,
    monotony: ms.monotony,
    strain: ms.strain,
    distanceRamp: comparedDays > 0 ? distanceRamp(distanceM, previousWeekDistanceM) : null,
    previousWeekDistanceM,
    comparedDays,
    acwr: rollingAcwr(view.loads, end.date, end.day),
  };
}

/** True when both states are the same day with the same numbers (the stored ones round-trip exactly). */
function sameLoadState(a: LoadState, b: LoadState | undefined): boolean {
  return (
    b !== undefined &&
    a.date === b.date &&
    a.load === b.load &&
    a.acute === b.acute &&
    a.chronic === b.chronic &&
    a.form === b.form &&
    a.acwrAcute === b.acwrAcute &&
    a.acwrChronic === b.acwrChronic &&
    a.acwr === b.acwr &&
    a.day === b.day
  );
}

/** Bump when activity metrics are computed differently, so stored ones are recomputed. */
const METRICS_VERSION = 2;

/**
 * The physiology values activity metrics are computed from. Not the estimate's inputs: a new run
 * changes those every time, the rounded max HR, resting HR and LTHR rarely, and only a change of
 * these values makes stored metrics stale.
 */
function physiologyKeyOf(p: Physiology): string {
  return JSON.stringify([p.sex, p.maxHr.value, p.restingHr.value, p.lthr.value, p.thresholdSpeedMps?.value ?? null]);
}

/** What an activity's metrics depend on: the activity's version, the physiology values, the code. */
function metricsInputKey(physiologyKey: string, a: AnalysisActivityRow): string {
  return createHash('sha1').update(`${METRICS_VERSION}|${physiologyKey}|${a.id}|${a.updatedAt.toISOString()}`).digest('hex');
}

interface WeekWork {
  isoWeek: string;
  from: string;
  to: string;
  activities: AnalysisActivityRow[];
  metrics: ActivityMetrics[];
  planned: PlannedSessionRef[];
  compliance: WeekCompliance;
  previousWeekDistanceM: number;
  comparedDays: number;
  /** Days of the week the athlete could not train. */
  unavailable: UnavailableDay[];
}

function weekActivities(activities: AnalysisActivityRow[], metrics: ActivityMetrics[]): WeekReportData['activities'] {
  return activities
    .map((a, i) => ({
      id: a.id,
      localDate: a.localDate,
      startTime: a.startTime.toISOString(),
      category: a.category,
      sport: a.sport,
      subSport: a.subSport,
      distanceM: a.distanceM,
      movingS: a.movingS,
      metrics: metrics[i]!,
      source: a.source,
      rpe: a.rpe,
      note: a.note,
    }))
    .sort((x, y) => x.startTime.localeCompare(y.startTime) || x.id.localeCompare(y.id));
}
