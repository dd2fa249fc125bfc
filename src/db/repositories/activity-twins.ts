/**
 * One workout, two sources: a run recorded by the watch arrives as a FIT file and again from Strava.
 * They are the same activity when they start within `TWIN_START_S` of each other and their distances
 * agree within `TWIN_DISTANCE_SHARE` (or `TWIN_DISTANCE_MIN_M`, whichever is larger), or neither has
 * a distance (strength). The FIT activity (richer: every sample, strength sets) is kept, and the
 * Strava id is linked to it in `strava_activities`; a Strava-sourced copy stored earlier is removed.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';

export const TWIN_START_S = 120;
export const TWIN_DISTANCE_SHARE = 0.03;
export const TWIN_DISTANCE_MIN_M = 50;

/** Whether two distances (metres, null or 0 for none) are the same workout's. */
export function distancesAgree(a: number | null, b: number | null): boolean {
  const da = a ?? 0;
  const db = b ?? 0;
  if (da <= 0 && db <= 0) return true;
  if (da <= 0 || db <= 0) return false;
  return Math.abs(da - db) <= Math.max(TWIN_DISTANCE_SHARE * Math.max(da, db), TWIN_DISTANCE_MIN_M);
}

interface Candidate {
  id: string;
  start_time: Date;
  distance_m: number | null;
}

function closest<C extends Candidate>(rows: C[], start: Date, distanceM: number | null): C | undefined {
  return rows
    .filter((r) => distancesAgree(r.distance_m, distanceM))
    .sort((x, y) => Math.abs(x.start_time.getTime() - start.getTime()) - Math.abs(y.start_time.getTime() - start.getTime()))[0];
}

/** A FIT activity of the athlete that a Strava activity duplicates, and that no Strava id claims yet. */
export async function findFitTwin(trx: Transaction<Database>, athleteId: string, start: Date, distanceM: number | null): Promise<string | undefined> {
  const rows = await trx
    .selectFrom('activities')
    .select(['id', 'start_time', 'distance_m'])
    .where('athlete_id', '=', athleteId)
    .where('source', '=', 'fit')
    .where('start_time', '>=', new Date(start.getTime() - TWIN_START_S * 1000))
    .where('start_time', '<=', new Date(start.getTime() + TWIN_START_S * 1000))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('strava_activities').select(sql`1`.as('one')).whereRef('strava_activities.activity_id', '=', 'activities.id'))))
    .execute();
  return closest(rows, start, distanceM)?.id;
}

/**
 * After a FIT activity is stored: if a Strava-sourced activity of the same workout is there, point its
 * Strava id at the FIT activity (no laps or streams to fetch any more), keep what the athlete told
 * about it (RPE, note) unless the FIT activity has its own, and delete the Strava copy. Returns the
 * local date of the removed copy, or null.
 */
export async function absorbStravaTwin(trx: Transaction<Database>, athleteId: string, fitActivityId: string, start: Date, distanceM: number | null): Promise<string | null> {
  const rows = await trx
    .selectFrom('activities')
    .select(['id', 'start_time', 'distance_m', 'rpe', 'note'])
    .where('athlete_id', '=', athleteId)
    .where('source', '=', 'strava')
    .where('start_time', '>=', new Date(start.getTime() - TWIN_START_S * 1000))
    .where('start_time', '<=', new Date(start.getTime() + TWIN_START_S * 1000))
    .execute();
  const twin = closest(rows, start, distanceM);
  if (twin === undefined) return null;
  // Re-point first: the link row cascades with the activity it names.
  await trx.updateTable('strava_activities').set({ activity_id: fitActivityId, details_pending: false }).where('activity_id', '=', twin.id).execute();
  if (twin.rpe !== null || twin.note !== null) {
    await trx
      .updateTable('activities')
      .set({ rpe: sql<number | null>`coalesce(rpe, ${twin.rpe}::integer)`, note: sql<string | null>`coalesce(note, ${twin.note}::text)` })
      .where('id', '=', fitActivityId)
      .execute();
  }
  const removed = await trx.deleteFrom('activities').where('id', '=', twin.id).returning('local_date').executeTakeFirst();
  return removed?.local_date ?? null;
}
