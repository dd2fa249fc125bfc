/**
 * Generating and storing the weekly report of one athlete-week: bring the week's analysis up to date,
 * read what the report model needs through repositories, build the model (pure) and upsert it.
 * Regenerating an unchanged week writes nothing; a changed week replaces its report under the same id.
 */
import type { Kysely } from 'kysely';
import { activePlanSessions, loadStatesBetween } from '../db/repositories/analysis.ts';
import { findAthlete } from '../db/repositories/athletes.ts';
import { findConnection, type StravaConnection } from '../db/repositories/strava.ts';
import { activePlanInfo, failedUploadsBetween, runDistanceByDate, upsertReport } from '../db/repositories/reports.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { isRunKind } from '../domain/plan.ts';
import { localDateOf } from '../domain/time.ts';
import type { Logger } from '../log.ts';
import { addDays, addWeeks, isoWeekOf, isValidIsoWeek, mondayOf } from '../domain/iso-week.ts';
import { parseThresholdOverrides, resolveThresholds } from '../recommend/types.ts';
import { AthleteGoneError, analyseWeeks } from './analysis.ts';
import { buildReport, REPORT_VERSION, reportHash, TREND_WEEKS, type ReportInput, type ReportModel, type StravaConnectionNote } from '../report/model.ts';

export interface ReportDeps {
  db: Kysely<Database>;
  log: Logger;
  now: () => Date;
}

/** The week asked for is not an ISO week (`2026-W48`). */
export class ReportWeekError extends RangeError {
  override name = 'ReportWeekError';
}

/**
 * Generates the report of `isoWeek` (e.g. `2026-W48`) for the athlete and stores it. `created` is
 * true when a report was written (first time, or its content changed), false when the stored one
 * already had this content. Throws `AthleteGoneError` for an unknown athlete and `ReportWeekError`
 * for a malformed week; both are permanent.
 */
export async function generateWeeklyReport(deps: ReportDeps, athleteId: string, isoWeek: string): Promise<{ reportId: string; created: boolean }> {
  const { model, hash } = await buildWeeklyReport(deps, athleteId, isoWeek);
  const { id, written } = await upsertReport(deps.db, {
    athleteId,
    isoWeek,
    version: REPORT_VERSION,
    document: model,
    contentHash: hash,
    generatedAt: deps.now(),
  });
  deps.log.info({ athleteId, isoWeek, reportId: id, created: written, contentHash: hash }, written ? 'weekly report stored' : 'weekly report unchanged');
  return { reportId: id, created: written };
}

/** Brings the week's analysis up to date and builds its report model, without storing it. */
export async function buildWeeklyReport(deps: ReportDeps, athleteId: string, isoWeek: string): Promise<{ model: ReportModel; hash: string }> {
  if (!isValidIsoWeek(isoWeek)) throw new ReportWeekError(`"${isoWeek}" is not an ISO week (e.g. 2026-W48)`);
  const athlete = await findAthlete(deps.db, athleteId);
  if (athlete === undefined) throw new AthleteGoneError(`athlete ${athleteId} not found`);
  const now = deps.now();
  const [week] = await analyseWeeks(deps.db, athleteId, [isoWeek], now);
  const input = await reportInput(deps.db, athlete, week!, now);
  const model = buildReport(input);
  return { model, hash: reportHash(model) };
}

/** Reads what the model is built from besides the week document. */
async function reportInput(db: Kysely<Database>, athlete: Athlete, week: ReportInput['week'], now: Date): Promise<ReportInput> {
  const from = mondayOf(week.isoWeek);
  const to = addDays(from, 6);
  const trendFrom = mondayOf(addWeeks(week.isoWeek, -(TREND_WEEKS - 1)));
  const [planned, plan, loadDays, runByDate, trendPlanned, uploads] = await Promise.all([
    activePlanSessions(db, athlete.id, { from, to }),
    activePlanInfo(db, athlete.id),
    loadStatesBetween(db, athlete.id, { from: trendFrom, to }),
    runDistanceByDate(db, athlete.id, { from: trendFrom, to }),
    activePlanSessions(db, athlete.id, { from: trendFrom, to }),
    // A day either side covers every time zone; the exact local dates are checked below.
    failedUploadsBetween(db, athlete.id, { from: new Date(`${addDays(from, -1)}T00:00:00Z`), to: new Date(`${addDays(to, 2)}T00:00:00Z`) }),
  ]);
  const weekDistances = new Map<string, { doneM: number; plannedM: number }>();
  for (let w = 0; w < TREND_WEEKS; w++) weekDistances.set(addWeeks(week.isoWeek, -(TREND_WEEKS - 1) + w), { doneM: 0, plannedM: 0 });
  for (const [date, m] of runByDate) {
    const entry = weekDistances.get(isoWeekOf(date));
    if (entry !== undefined) entry.doneM += m;
  }
  for (const s of trendPlanned) {
    const entry = weekDistances.get(isoWeekOf(s.date));
    if (entry !== undefined && isRunKind(s.kind)) entry.plannedM += s.distanceM ?? 0;
  }
  const thresholds = resolveThresholds(parseThresholdOverrides(athlete.recommend_thresholds ?? {}));
  return {
    athlete: { id: athlete.id, name: athlete.name, units: athlete.units, timezone: athlete.timezone },
    week,
    planned,
    plan: plan ?? null,
    loadDays,
    weekDistances,
    failedUploads: uploads
      .map((u) => ({ id: u.id, filename: u.filename, error: u.error, date: localDateOf(u.createdAt, athlete.timezone) }))
      .filter((u) => u.date >= from && u.date <= to),
    strava: stravaConnectionNote(await findConnection(db, athlete.id)),
    asOf: localDateOf(now, athlete.timezone),
    thresholds: { minWeeklyStrengthMinutes: thresholds.minWeeklyStrengthMinutes, maxAcwr: thresholds.maxAcwr },
  };
}

/** The athlete's Strava connection problem, when there is one: Strava refused its tokens (docs/strava.md). */
function stravaConnectionNote(connection: StravaConnection | undefined): StravaConnectionNote | null {
  if (connection?.status !== 'needs_reauth') return null;
  return { status: 'needs_reauthorisation', since: connection.status_at?.toISOString() ?? null };
}
