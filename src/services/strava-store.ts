/**
 * Writing what Strava says into Kinetic, idempotently: the same activity from a page of the backfill,
 * a webhook event delivered twice, or a detail job retried is one activity. Every write of one Strava
 * activity holds a lock on (athlete, Strava id), so racing jobs take turns.
 *
 * - A Strava activity whose workout is already stored from a FIT file (activity-twins.ts) is linked to
 *   it and not stored again; the FIT data wins.
 * - A deleted activity leaves a tombstone: a page listed before the deletion, or a late retry, cannot
 *   bring it back.
 */
import type { Kysely } from 'kysely';
import { findFitTwin } from '../db/repositories/activity-twins.ts';
import {
  activitySource,
  deleteLink,
  deleteStravaSourcedActivity,
  lockStravaActivity,
  upsertLink,
  upsertStravaActivity,
} from '../db/repositories/strava.ts';
import type { Database } from '../db/schema.ts';
import { localDateOf } from '../domain/time.ts';
import { toNormalizedActivity, wantsDetails, type StravaActivityParts } from '../ingest/strava/map.ts';

export interface AthleteRef {
  id: string;
  timezone: string;
}

export type StoreOutcome =
  | { status: 'stored'; activityId: string; created: boolean; detailsPending: boolean; localDates: string[] }
  | { status: 'linked-to-fit'; activityId: string; localDates: string[] }
  | { status: 'deleted-earlier'; localDates: string[] };

export interface StoreOptions {
  /**
   * `summary`: a summary from a list page (laps and streams untouched; a run still needs them);
   * `complete`: laps and streams were fetched (`parts.streams` null = none recorded);
   * `awaiting-streams`: the detail is here but Strava has not processed the streams yet.
   */
  details: 'summary' | 'complete' | 'awaiting-streams';
  now: Date;
}

export async function storeStravaActivity(db: Kysely<Database>, athlete: AthleteRef, parts: StravaActivityParts, opts: StoreOptions): Promise<StoreOutcome> {
  const summary = parts.summary;
  const activity = toNormalizedActivity(parts);
  return db.transaction().execute(async (trx): Promise<StoreOutcome> => {
    const link = await lockStravaActivity(trx, athlete.id, summary.id);
    if (link?.deleted_at !== null && link?.deleted_at !== undefined) return { status: 'deleted-earlier', localDates: [] };
    const linkValues = { athleteId: athlete.id, stravaId: summary.id, startTime: activity.startTime, deletedAt: null, now: opts.now };

    const existing = link?.activity_id === null || link?.activity_id === undefined ? undefined : await activitySource(trx, link.activity_id);
    if (existing?.source === 'fit') {
      await upsertLink(trx, { ...linkValues, activityId: link!.activity_id, detailsPending: false });
      return { status: 'linked-to-fit', activityId: link!.activity_id!, localDates: [] };
    }
    if (existing === undefined) {
      const twin = await findFitTwin(trx, athlete.id, activity.startTime, activity.distanceM);
      if (twin !== undefined) {
        await upsertLink(trx, { ...linkValues, activityId: twin, detailsPending: false });
        return { status: 'linked-to-fit', activityId: twin, localDates: [] };
      }
    }

    const localDate = localDateOf(activity.startTime, athlete.timezone);
    const complete = opts.details === 'complete';
    const stored = await upsertStravaActivity(trx, {
      athleteId: athlete.id,
      activity,
      localDate,
      timezone: athlete.timezone,
      replaceLaps: complete || (opts.details === 'awaiting-streams' && activity.laps.length > 0),
      replaceStreams: complete,
      now: opts.now,
    });
    const detailsPending = complete ? false : opts.details === 'awaiting-streams' ? true : link !== undefined ? link.details_pending : wantsDetails(summary);
    await upsertLink(trx, { ...linkValues, activityId: stored.id, detailsPending });
    return {
      status: 'stored',
      activityId: stored.id,
      created: stored.created,
      detailsPending,
      localDates: stored.previousLocalDate === null ? [localDate] : [localDate, stored.previousLocalDate],
    };
  });
}

/**
 * The activity is gone from Strava (deleted, or no longer visible). Its Strava copy is deleted (a
 * FIT twin stays). `tombstone`: remember it so nothing brings it back (a delete event, a 404);
 * without, it may come back (reconcile saw it missing from a list).
 */
export async function removeStravaActivity(db: Kysely<Database>, athleteId: string, stravaId: string, opts: { tombstone: boolean; now: Date }): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const link = await lockStravaActivity(trx, athleteId, stravaId);
    const dates: string[] = [];
    if (link?.activity_id !== null && link?.activity_id !== undefined) {
      const date = await deleteStravaSourcedActivity(trx, link.activity_id);
      if (date !== null) dates.push(date);
    }
    if (opts.tombstone) {
      await upsertLink(trx, { athleteId, stravaId, activityId: null, startTime: link?.start_time ?? new Date(0), detailsPending: false, deletedAt: opts.now, now: opts.now });
    } else {
      await deleteLink(trx, athleteId, stravaId);
    }
    return dates;
  });
}
