/**
 * Strava's tables (docs/strava.md): connections with encrypted tokens, the Strava-id → activity links
 * (with tombstones of deleted activities), webhook events, the push subscription, and the writes of
 * Strava-sourced activities. Tokens arrive here already sealed (src/ingest/strava/crypto.ts).
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ActivitySource, NormalizedActivity } from '../../domain/activity.ts';
import { insertLaps, insertStreams, summaryColumns } from './activities.ts';
import type { Database, StravaActivitiesTable, StravaConnectionsTable, StravaEventsTable } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type StravaConnection = Selectable<StravaConnectionsTable>;
export type StravaLink = Selectable<StravaActivitiesTable>;
export type StravaEventRow = Selectable<StravaEventsTable>;

// ————— connections —————

export async function findConnection(db: Db, athleteId: string): Promise<StravaConnection | undefined> {
  return db.selectFrom('strava_connections').selectAll().where('athlete_id', '=', athleteId).executeTakeFirst();
}

export async function findConnectionByStravaAthlete(db: Db, stravaAthleteId: string): Promise<StravaConnection | undefined> {
  return db.selectFrom('strava_connections').selectAll().where('strava_athlete_id', '=', stravaAthleteId).executeTakeFirst();
}

/** The connection, locked until the transaction ends (token refresh: one at a time per athlete). */
export async function lockConnection(trx: Transaction<Database>, athleteId: string): Promise<StravaConnection | undefined> {
  return trx.selectFrom('strava_connections').selectAll().where('athlete_id', '=', athleteId).forUpdate().executeTakeFirst();
}

export async function listConnections(db: Db): Promise<StravaConnection[]> {
  return db.selectFrom('strava_connections').selectAll().orderBy('created_at').execute();
}

export interface SealedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/**
 * Creates or replaces the athlete's connection with fresh tokens (a new authorization): status back
 * to active. The backfill cursor is kept when it is the same Strava athlete.
 */
export async function saveConnection(
  trx: Transaction<Database>,
  input: { athleteId: string; stravaAthleteId: string; scopes: string; tokens: SealedTokens; now: Date },
): Promise<StravaConnection> {
  const existing = await lockConnection(trx, input.athleteId);
  const sameAthlete = existing?.strava_athlete_id === input.stravaAthleteId;
  const values = {
    strava_athlete_id: input.stravaAthleteId,
    scopes: input.scopes,
    access_token: input.tokens.accessToken,
    refresh_token: input.tokens.refreshToken,
    expires_at: input.tokens.expiresAt,
    status: 'active' as const,
    status_reason: null,
    status_at: input.now,
    updated_at: input.now,
  };
  if (existing === undefined) {
    return trx.insertInto('strava_connections').values({ athlete_id: input.athleteId, ...values }).returningAll().executeTakeFirstOrThrow();
  }
  return trx
    .updateTable('strava_connections')
    .set({
      ...values,
      token_version: sql<number>`token_version + 1`,
      ...(sameAthlete ? {} : { backfill_before: null, backfill_next_page: null, backfill_done_at: null, last_sync_at: null }),
    })
    .where('athlete_id', '=', input.athleteId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Stores refreshed tokens (the rotated refresh token with them, in one statement). */
export async function updateTokens(trx: Transaction<Database>, athleteId: string, tokens: SealedTokens, now: Date): Promise<void> {
  await trx
    .updateTable('strava_connections')
    .set({
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      expires_at: tokens.expiresAt,
      token_version: sql<number>`token_version + 1`,
      updated_at: now,
    })
    .where('athlete_id', '=', athleteId)
    .execute();
}

/** The tokens no longer work (revoked, or a refresh was refused): drop them, stop this athlete's sync. */
export async function markNeedsReauth(db: Db, athleteId: string, reason: string, now: Date): Promise<void> {
  await db
    .updateTable('strava_connections')
    .set({ status: 'needs_reauth', status_reason: reason, status_at: now, access_token: null, refresh_token: null, expires_at: null, updated_at: now })
    .where('athlete_id', '=', athleteId)
    .execute();
}

export async function setBackfillCursor(db: Db, athleteId: string, cursor: { before: Date | null; nextPage: number | null; doneAt: Date | null }, now: Date): Promise<void> {
  await db
    .updateTable('strava_connections')
    .set({ backfill_before: cursor.before, backfill_next_page: cursor.nextPage, backfill_done_at: cursor.doneAt, updated_at: now })
    .where('athlete_id', '=', athleteId)
    .execute();
}

export async function setLastSync(db: Db, athleteId: string, at: Date): Promise<void> {
  await db.updateTable('strava_connections').set({ last_sync_at: at, updated_at: at }).where('athlete_id', '=', athleteId).execute();
}

// ————— activity links —————

/** Serialises writes of one Strava activity (webhook, backfill and detail jobs may race). */
export async function lockStravaActivity(trx: Transaction<Database>, athleteId: string, stravaId: string): Promise<StravaLink | undefined> {
  await sql`select pg_advisory_xact_lock(hashtext(${`strava:${athleteId}:${stravaId}`}))`.execute(trx);
  return trx.selectFrom('strava_activities').selectAll().where('athlete_id', '=', athleteId).where('strava_id', '=', stravaId).executeTakeFirst();
}

export async function findLink(db: Db, athleteId: string, stravaId: string): Promise<StravaLink | undefined> {
  return db.selectFrom('strava_activities').selectAll().where('athlete_id', '=', athleteId).where('strava_id', '=', stravaId).executeTakeFirst();
}

export async function upsertLink(
  db: Db,
  link: { athleteId: string; stravaId: string; activityId: string | null; startTime: Date; detailsPending: boolean; deletedAt: Date | null; now: Date },
): Promise<void> {
  const values = { activity_id: link.activityId, start_time: link.startTime, details_pending: link.detailsPending, deleted_at: link.deletedAt, updated_at: link.now };
  await db
    .insertInto('strava_activities')
    .values({ athlete_id: link.athleteId, strava_id: link.stravaId, ...values })
    .onConflict((oc) => oc.columns(['athlete_id', 'strava_id']).doUpdateSet(values))
    .execute();
}

export async function deleteLink(db: Db, athleteId: string, stravaId: string): Promise<void> {
  await db.deleteFrom('strava_activities').where('athlete_id', '=', athleteId).where('strava_id', '=', stravaId).execute();
}

/** Strava ids whose laps and streams are still to fetch, newest first. */
export async function listPendingDetails(db: Db, athleteId: string): Promise<{ stravaId: string; startTime: Date }[]> {
  const rows = await db
    .selectFrom('strava_activities')
    .select(['strava_id', 'start_time'])
    .where('athlete_id', '=', athleteId)
    .where('details_pending', '=', true)
    .where('deleted_at', 'is', null)
    .orderBy('start_time', 'desc')
    .execute();
  return rows.map((r) => ({ stravaId: r.strava_id, startTime: r.start_time }));
}

/** Start of the newest Strava activity known (incremental sync lists from there, minus an overlap). */
export async function latestStravaStart(db: Db, athleteId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('strava_activities')
    .select((eb) => eb.fn.max('start_time').as('latest'))
    .where('athlete_id', '=', athleteId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row?.latest === null || row?.latest === undefined ? null : new Date(row.latest);
}

/** Live links of activities that started in [from, to). */
export async function listLinksBetween(db: Db, athleteId: string, from: Date, to: Date): Promise<StravaLink[]> {
  return db
    .selectFrom('strava_activities')
    .selectAll()
    .where('athlete_id', '=', athleteId)
    .where('deleted_at', 'is', null)
    .where('start_time', '>=', from)
    .where('start_time', '<', to)
    .execute();
}

// ————— Strava-sourced activities —————

export interface StoredActivity {
  id: string;
  created: boolean;
  /** Local date before this write (when it existed and moved), for re-analysing the old week. */
  previousLocalDate: string | null;
}

/**
 * Inserts or updates the Strava-sourced activity (athlete, 'strava', Strava id) with its summary;
 * replaces its laps and streams when given (`null` for streams means "none recorded").
 */
export async function upsertStravaActivity(
  trx: Transaction<Database>,
  input: { athleteId: string; activity: NormalizedActivity; localDate: string; timezone: string; replaceLaps: boolean; replaceStreams: boolean; now: Date },
): Promise<StoredActivity> {
  const a = input.activity;
  const before = await trx
    .selectFrom('activities')
    .select(['id', 'local_date'])
    .where('athlete_id', '=', input.athleteId)
    .where('source', '=', 'strava')
    .where('source_id', '=', a.sourceId)
    .executeTakeFirst();
  const values = {
    ...summaryColumns(a, input.localDate, input.timezone),
    ...(a.calories !== null ? { calories: Math.round(a.calories) } : {}),
    ...(a.device !== null ? { device: a.device } : {}),
  };
  let id: string;
  if (before === undefined) {
    const row = await trx
      .insertInto('activities')
      .values({ athlete_id: input.athleteId, source: 'strava', source_id: a.sourceId, calories: null, device: null, ...values })
      .returning('id')
      .executeTakeFirstOrThrow();
    id = row.id;
  } else {
    id = before.id;
    await trx.updateTable('activities').set({ ...values, updated_at: input.now }).where('id', '=', id).execute();
  }
  if (input.replaceLaps) {
    await trx.deleteFrom('laps').where('activity_id', '=', id).execute();
    await insertLaps(trx, id, a.laps);
  }
  if (input.replaceStreams) {
    await trx.deleteFrom('activity_streams').where('activity_id', '=', id).execute();
    await insertStreams(trx, id, a.streams);
  }
  return { id, created: before === undefined, previousLocalDate: before !== undefined && before.local_date !== input.localDate ? before.local_date : null };
}

/** Deletes a Strava-sourced activity (FIT activities are never touched); returns its local date. */
export async function deleteStravaSourcedActivity(db: Db, activityId: string): Promise<string | null> {
  const row = await db.deleteFrom('activities').where('id', '=', activityId).where('source', '=', 'strava').returning('local_date').executeTakeFirst();
  return row?.local_date ?? null;
}

export async function activitySource(db: Db, activityId: string): Promise<{ source: ActivitySource; localDate: string } | undefined> {
  const row = await db.selectFrom('activities').select(['source', 'local_date']).where('id', '=', activityId).executeTakeFirst();
  return row === undefined ? undefined : { source: row.source, localDate: row.local_date };
}

/**
 * Deauthorization (Strava's terms): every activity obtained from Strava, every link and stored event
 * of the athlete, and the connection itself. FIT uploads and their activities stay. Returns the local
 * dates of the deleted activities.
 */
export async function deleteStravaData(trx: Transaction<Database>, athleteId: string, stravaAthleteId: string): Promise<string[]> {
  const deleted = await trx.deleteFrom('activities').where('athlete_id', '=', athleteId).where('source', '=', 'strava').returning('local_date').execute();
  await trx.deleteFrom('strava_activities').where('athlete_id', '=', athleteId).execute();
  await trx.deleteFrom('strava_events').where('owner_id', '=', stravaAthleteId).execute();
  await trx.deleteFrom('strava_connections').where('athlete_id', '=', athleteId).execute();
  return deleted.map((d) => d.local_date);
}

// ————— webhook events —————

export interface NewStravaEvent {
  dedupeKey: string;
  subscriptionId: string;
  ownerId: string;
  objectType: string;
  objectId: string;
  aspectType: string;
  updates: Record<string, string>;
  eventTime: Date;
  receivedAt: Date;
}

/** Stores an event once (a re-delivery finds the first); `created` false for a re-delivery. */
export async function insertEvent(db: Db, e: NewStravaEvent): Promise<{ id: string; created: boolean }> {
  const row = await db
    .insertInto('strava_events')
    .values({
      dedupe_key: e.dedupeKey,
      subscription_id: e.subscriptionId,
      owner_id: e.ownerId,
      object_type: e.objectType,
      object_id: e.objectId,
      aspect_type: e.aspectType,
      updates: JSON.stringify(e.updates),
      event_time: e.eventTime,
      received_at: e.receivedAt,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (row !== undefined) return { id: row.id, created: true };
  const existing = await db.selectFrom('strava_events').select('id').where('dedupe_key', '=', e.dedupeKey).executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

export async function getEvent(db: Db, id: string): Promise<StravaEventRow | undefined> {
  return db.selectFrom('strava_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markEventProcessed(db: Db, id: string, outcome: string, at: Date): Promise<void> {
  await db.updateTable('strava_events').set({ processed_at: at, outcome }).where('id', '=', id).execute();
}

// ————— push subscription —————

export async function saveSubscription(db: Db, id: string, callbackUrl: string): Promise<void> {
  await db
    .insertInto('strava_subscriptions')
    .values({ id, callback_url: callbackUrl })
    .onConflict((oc) => oc.column('id').doUpdateSet({ callback_url: callbackUrl }))
    .execute();
}

export async function listSubscriptionIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('strava_subscriptions').select('id').execute()).map((r) => r.id);
}

export async function deleteSubscription(db: Db, id: string): Promise<void> {
  await db.deleteFrom('strava_subscriptions').where('id', '=', id).execute();
}
