/**
 * What the athlete tells us (issue #18, points 15–16): the session RPE and a note of an activity, a
 * session logged by hand (a strength session done without a watch), and the days they could not
 * train. Each changes past weeks' analysis, so each queues the analysis of the weeks it touches (the
 * jobs of one week coalesce; the analysis of a week refreshes the later stored weeks' load and advice).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { deleteManualActivity, insertActivity, setActivityInput } from '../db/repositories/activities.ts';
import { deleteUnavailablePeriod, insertUnavailablePeriod } from '../db/repositories/unavailable.ts';
import type { ActivityRow, Athlete, Database, UnavailablePeriodRow } from '../db/schema.ts';
import { categorize, type NormalizedActivity, type StrengthSet } from '../domain/activity.ts';
import { manualSportOf, type LoggedExercise, type ManualSport, type UnavailableReason } from '../domain/athlete-input.ts';
import { addWeeks, isoWeekOf, mondayOf } from '../domain/iso-week.ts';
import { zonedInstant } from '../domain/report-schedule.ts';
import { localDateOf } from '../domain/time.ts';
import type { JobQueue } from '../jobs/queues.ts';
import { queueAnalysis } from './strava-queue.ts';

/** Sets an activity's RPE and/or note (null clears one) and queues its week's analysis; undefined when there is no such activity. */
export async function annotateActivity(
  db: Kysely<Database>,
  queue: JobQueue,
  activityId: string,
  input: { rpe?: number | null; note?: string | null },
): Promise<ActivityRow | undefined> {
  const row = await setActivityInput(db, activityId, input);
  if (row !== undefined) await queueAnalysis(queue, row.athlete_id, [row.local_date]);
  return row;
}

export interface ManualActivityInput {
  /** Local date in the athlete's zone, YYYY-MM-DD. */
  date: string;
  /** Local time of day it started, `HH:MM`. */
  startTime: string;
  durationS: number;
  /** Session RPE, 1–10. */
  rpe: number;
  sport: ManualSport;
  name: string | null;
  note: string | null;
  distanceM: number | null;
  exercises: readonly LoggedExercise[];
}

/** The exercises as strength sets: `sets` active sets of each, in order (no timing is known). */
export function exerciseSets(exercises: readonly LoggedExercise[]): StrengthSet[] {
  const out: StrengthSet[] = [];
  for (const e of exercises) {
    const category = e.name.trim().toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_|_$/g, '') || 'unknown';
    for (let i = 0; i < e.sets; i++) {
      out.push({ index: out.length, setType: 'active', startTime: null, durationS: null, category, exerciseName: e.name.trim(), reps: e.reps, weightKg: e.weightKg });
    }
  }
  return out;
}

/** A session logged by hand for a day that has not come yet in the athlete's zone. */
export class FutureSessionError extends Error {
  override name = 'FutureSessionError';
}

/**
 * Stores a session logged by hand (source `manual`) with its RPE, note and exercises, and queues its
 * week's analysis. Throws `FutureSessionError` for a date after the athlete's today (a session is
 * logged once done; the plan holds what is to come).
 */
export async function logManualActivity(db: Kysely<Database>, queue: JobQueue, athlete: Athlete, input: ManualActivityInput, now: Date): Promise<ActivityRow> {
  const today = localDateOf(now, athlete.timezone);
  if (input.date > today) throw new FutureSessionError(`${input.date} is after today (${today}): log a session once it is done`);
  const [h, m] = input.startTime.split(':').map(Number);
  const startTime = zonedInstant(input.date, (h ?? 0) * 60 + (m ?? 0), athlete.timezone);
  const { sport, subSport } = manualSportOf(input.sport);
  const activity: NormalizedActivity = {
    source: 'manual',
    sourceId: randomUUID(),
    sport,
    subSport,
    category: categorize(sport, subSport),
    name: input.name,
    startTime,
    elapsedS: input.durationS,
    movingS: input.durationS,
    distanceM: input.distanceM,
    ascentM: null,
    avgHr: null,
    maxHr: null,
    calories: null,
    device: null,
    laps: [],
    sets: exerciseSets(input.exercises),
    streams: null,
  };
  // A time in a spring-forward gap moves forward; the local date is the instant's, as for recordings.
  const localDate = localDateOf(startTime, athlete.timezone);
  const row = await db.transaction().execute(async (trx) => {
    const { id } = await insertActivity(trx, { athleteId: athlete.id, activity, localDate, timezone: athlete.timezone });
    return (await setActivityInput(trx, id, { rpe: input.rpe, note: input.note }))!;
  });
  await queueAnalysis(queue, athlete.id, [row.local_date]);
  return row;
}

/** A recorded activity cannot be deleted here: it came from a file or from Strava, and would come back with it. */
export class NotManualActivityError extends Error {
  override name = 'NotManualActivityError';
}

/**
 * Deletes a session logged by hand (a mistake in the log) and queues its week's analysis. Throws
 * `NotManualActivityError` for a recorded activity.
 */
export async function deleteLoggedActivity(db: Kysely<Database>, queue: JobQueue, activity: ActivityRow): Promise<void> {
  if (activity.source !== 'manual') throw new NotManualActivityError(`activity ${activity.id} was recorded (${activity.source}), not logged by hand: only a logged session can be deleted`);
  const row = await deleteManualActivity(db, activity.id);
  if (row !== undefined) await queueAnalysis(queue, row.athlete_id, [row.local_date]);
}

/**
 * The weeks an unavailable period changes, up to this week (a later week is analysed when its time
 * comes, and reads the period then): the Mondays of its weeks.
 */
function periodWeeks(period: { from: string; to: string }, today: string): string[] {
  const last = period.to < today ? period.to : today;
  const out: string[] = [];
  for (let w = isoWeekOf(period.from); w <= isoWeekOf(last); w = addWeeks(w, 1)) out.push(mondayOf(w));
  return out;
}

/** Records days the athlete could not train (both dates included) and queues the analysis of their weeks. */
export async function addUnavailablePeriod(
  db: Kysely<Database>,
  queue: JobQueue,
  athlete: Athlete,
  input: { from: string; to: string; reason: UnavailableReason; note: string | null },
  now: Date,
): Promise<{ period: UnavailablePeriodRow; weeksQueued: number }> {
  const period = await insertUnavailablePeriod(db, { athleteId: athlete.id, ...input });
  const weeks = periodWeeks(input, localDateOf(now, athlete.timezone));
  await queueAnalysis(queue, athlete.id, weeks);
  return { period, weeksQueued: weeks.length };
}

/** Deletes one of the athlete's unavailable periods and queues the analysis of its weeks; undefined when there is none. */
export async function removeUnavailablePeriod(
  db: Kysely<Database>,
  queue: JobQueue,
  athlete: Athlete,
  id: string,
  now: Date,
): Promise<{ period: UnavailablePeriodRow; weeksQueued: number } | undefined> {
  const period = await deleteUnavailablePeriod(db, athlete.id, id);
  if (period === undefined) return undefined;
  const weeks = periodWeeks({ from: period.from_date, to: period.to_date }, localDateOf(now, athlete.timezone));
  await queueAnalysis(queue, athlete.id, weeks);
  return { period, weeksQueued: weeks.length };
}
