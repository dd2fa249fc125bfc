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
import { fillDays, dailyLoads, distanceRamp, loadSeries, weekMonotonyStrain } from '../analysis/load.ts';
import { activityMetrics, markLongRuns } from '../analysis/metrics.ts';
import { resolvePhysiology } from '../analysis/physiology.ts';
import type { ActivityMetrics, AthleteProfile, LoadState, Physiology, PlannedSessionRef, WeekCompliance } from '../analysis/types.ts';
import type { WeekReportData } from '../analysis/week-data.ts';
import {
  activePlanRaceDate,
  activePlanSessions,
  getWeek,
  analysisActivities,
  cachedPhysiology,
  dailyLoadInputs,
  lastLoadDate,
  latestActivityDate,
  loadStateOn,
  replaceLoadStates,
  runDistanceBetween,
  saveActivityMetrics,
  savePhysiology,
  runsFingerprint,
  saveWeek,
  storedMetrics,
  streamsOf,
  storedWeeksFrom,
  type AnalysisActivityRow,
} from '../db/repositories/analysis.ts';
import { findAthlete } from '../db/repositories/athletes.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { lockAthlete, relaxDurability } from '../db/transactions.ts';
import { localDateOf } from '../domain/time.ts';
import { recommend } from '../recommend/recommend.ts';
import { parseThresholdOverrides } from '../recommend/types.ts';
import type { WeekDocument } from '../report/week-document.ts';
import { addDays, addWeeks, mondayOf } from '../plan/iso-week.ts';

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

export async function analyseWeeks(db: Kysely<Database>, athleteId: string, isoWeeks: string[], now: Date): Promise<WeekDocument[]> {
  const athlete = await findAthlete(db, athleteId);
  if (athlete === undefined) throw new AthleteGoneError(`athlete ${athleteId} not found`);
  const weeks = [...new Set(isoWeeks)].sort();
  if (weeks.length === 0) return [];
  const { physiology, basis: physiologyBasis } = await athletePhysiology(db, athlete, now);

  const perWeek: WeekWork[] = [];
  for (const isoWeek of weeks) {
    const from = mondayOf(isoWeek);
    const to = addDays(from, 6);
    // Samples are read only for activities whose stored metrics no longer match their inputs.
    const activities = await analysisActivities(db, athleteId, { from, to }, { withStreams: false });
    const stored = await storedMetrics(db, activities.map((a) => a.id));
    const inputKeys = new Map(activities.map((a) => [a.id, metricsInputKey(physiologyBasis, a)]));
    const reusable = (id: string): ActivityMetrics | undefined => {
      const s = stored.get(id);
      return s?.inputKey === inputKeys.get(id) ? s?.metrics : undefined;
    };
    const streams = await streamsOf(db, activities.filter((a) => reusable(a.id) === undefined).map((a) => a.id));
    const metrics = markLongRuns(
      activities,
      activities.map((a) => reusable(a.id) ?? activityMetrics({ ...a, streams: streams.get(a.id) ?? null }, physiology)),
    );
    const planned = await activePlanSessions(db, athleteId, { from, to });
    const compliance = weekCompliance({
      athleteId,
      isoWeek,
      planned,
      activities,
      metrics: new Map(metrics.map((m) => [m.activityId, m])),
    });
    const previousWeekDistanceM = await runDistanceBetween(db, athleteId, { from: addDays(from, -7), to: addDays(from, -1) });
    perWeek.push({ isoWeek, from, to, activities, metrics, inputKeys, planned, compliance, previousWeekDistanceM });
  }

  return db.transaction().execute(async (trx) => {
    // Everything written here is derived from stored activities and plans: recomputed on demand.
    await relaxDurability(trx);
    // The load series and later weeks are read and rewritten below: one writer per athlete at a time.
    await lockAthlete(trx, athleteId);
    for (const w of perWeek) {
      await saveActivityMetrics(
        trx,
        athleteId,
        w.activities.map((a, i) => ({ localDate: a.localDate, inputKey: w.inputKeys.get(a.id)!, metrics: w.metrics[i]! })),
        now,
      );
    }
    // Continue the load series from the day before the first week, through every stored day.
    const start = perWeek[0]!.from;
    const prev = await loadStateOn(trx, athleteId, addDays(start, -1));
    const loads = dailyLoads(await dailyLoadInputs(trx, athleteId, start));
    const lastStored = await lastLoadDate(trx, athleteId);
    const end = [perWeek.at(-1)!.to, lastStored ?? start, ...loads.keys()].sort().at(-1)!;
    const states = loadSeries(prev, fillDays(start, end, loads));
    await replaceLoadStates(trx, athleteId, start, states);

    const byDate = new Map(states.map((s) => [s.date, s]));
    const advise = await adviser(trx, athlete, now);
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
        load: weekLoad(byDate, w.from, w.compliance.actual.distanceM, w.previousWeekDistanceM),
      };
      const before = previous?.isoWeek === addWeeks(w.isoWeek, -1) ? previous : ((await getWeek(trx, athleteId, addWeeks(w.isoWeek, -1))) ?? null);
      const doc = await advise(base, before, w.planned);
      await saveWeek(trx, doc, now);
      docs.push(doc);
      previous = doc;
    }
    // Later weeks already stored may now contradict the series (or, for the week right after a
    // recomputed one, its previous week): refresh their load block and advice where they changed.
    const done = new Map(docs.map((d) => [d.isoWeek, d]));
    for (const later of await storedWeeksFrom(trx, athleteId, perWeek[0]!.isoWeek)) {
      if (done.has(later.isoWeek)) continue;
      const before = done.get(addWeeks(later.isoWeek, -1));
      const previousWeekDistanceM =
        before === undefined
          ? later.load.previousWeekDistanceM
          : await runDistanceBetween(trx, athleteId, { from: addDays(later.from, -7), to: addDays(later.from, -1) });
      const load = weekLoad(byDate, later.from, later.compliance.actual.distanceM, previousWeekDistanceM);
      const { flags: _flags, nextWeek: _nextWeek, ...laterBase } = later;
      const refreshed =
        before === undefined ? { ...later, load } : await advise({ ...laterBase, load }, before, await activePlanSessions(trx, athleteId, { from: later.from, to: later.to }));
      if (JSON.stringify(refreshed) !== JSON.stringify(later)) await saveWeek(trx, refreshed, now);
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
): Promise<(base: WeekReportData, previous: WeekDocument | null, planned: PlannedSessionRef[]) => Promise<WeekDocument>> {
  const thresholds = parseThresholdOverrides(athlete.recommend_thresholds ?? {});
  const raceDate = (await activePlanRaceDate(db, athlete.id)) ?? null;
  const asOf = localDateOf(now, athlete.timezone);
  return async (base, previous, planned) => {
    const nextMonday = addDays(base.from, 7);
    const plannedNextWeek = await activePlanSessions(db, athlete.id, { from: nextMonday, to: addDays(nextMonday, 6) });
    const { flags, nextWeek } = recommend(
      { week: base, previousWeek: previous, plannedThisWeek: planned, plannedNextWeek, raceDate, taperStart: null, asOf, units: athlete.units },
      thresholds,
    );
    return { ...base, flags, nextWeek };
  };
}

function weekLoad(
  byDate: ReadonlyMap<string, LoadState>,
  monday: string,
  distanceM: number,
  previousWeekDistanceM: number,
): WeekReportData['load'] {
  const days = Array.from({ length: 7 }, (_, i) => byDate.get(addDays(monday, i))!);
  const ms = weekMonotonyStrain(days.map((d) => d.load));
  return {
    days,
    weeklyLoad: ms.weeklyLoad,
    monotony: ms.monotony,
    strain: ms.strain,
    distanceRamp: distanceRamp(distanceM, previousWeekDistanceM),
    previousWeekDistanceM,
  };
}

/** Bump when activity metrics are computed differently, so stored ones are recomputed. */
const METRICS_VERSION = 1;

/** What an activity's metrics depend on: the activity's version, the physiology's inputs, the code. */
function metricsInputKey(physiologyBasis: string, a: AnalysisActivityRow): string {
  return createHash('sha1').update(`${METRICS_VERSION}|${physiologyBasis}|${a.id}|${a.updatedAt.toISOString()}`).digest('hex');
}

interface WeekWork {
  isoWeek: string;
  from: string;
  to: string;
  activities: AnalysisActivityRow[];
  metrics: ActivityMetrics[];
  inputKeys: Map<string, string>;
  planned: PlannedSessionRef[];
  compliance: WeekCompliance;
  previousWeekDistanceM: number;
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
    }))
    .sort((x, y) => x.startTime.localeCompare(y.startTime) || x.id.localeCompare(y.id));
}
