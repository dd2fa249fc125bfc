import { sql, type Kysely } from 'kysely';

/**
 * Strava (docs/strava.md): an athlete's connection (tokens encrypted at rest), the link between
 * Strava activity ids and Kinetic activities (a Strava-sourced activity, or a FIT activity the Strava
 * one duplicates), webhook events as received, and the push subscription.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('strava_connections')
    .addColumn('athlete_id', 'uuid', (c) => c.primaryKey().references('athletes.id').onDelete('cascade'))
    .addColumn('strava_athlete_id', 'bigint', (c) => c.notNull().unique())
    // Scopes the athlete granted, comma-separated as Strava reports them.
    .addColumn('scopes', 'text', (c) => c.notNull())
    // AES-256-GCM, `v1.<iv>.<ciphertext>.<tag>` (base64url); null once access is gone.
    .addColumn('access_token', 'text')
    .addColumn('refresh_token', 'text')
    .addColumn('expires_at', 'timestamptz')
    // Bumped on every token change: a refresh that lost a race sees it moved.
    .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'needs_reauth')`))
    .addColumn('status_reason', 'text')
    .addColumn('status_at', 'timestamptz')
    // The backfill walks the history before this instant, a page of 200 at a time, newest first.
    .addColumn('backfill_before', 'timestamptz')
    .addColumn('backfill_next_page', 'integer')
    .addColumn('backfill_done_at', 'timestamptz')
    .addColumn('last_sync_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('strava_activities')
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('strava_id', 'bigint', (c) => c.notNull())
    // The Kinetic activity: source 'strava' with this id, or the FIT activity it duplicates. Null once deleted.
    .addColumn('activity_id', 'uuid', (c) => c.references('activities.id').onDelete('cascade'))
    .addColumn('start_time', 'timestamptz', (c) => c.notNull())
    // Laps and streams still to fetch (runs).
    .addColumn('details_pending', 'boolean', (c) => c.notNull().defaultTo(false))
    // Deleted on Strava: never stored again (Strava ids are not reused).
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('strava_activities_pkey', ['athlete_id', 'strava_id'])
    .execute();
  await db.schema.createIndex('strava_activities_activity_idx').on('strava_activities').column('activity_id').unique().execute();
  await db.schema.createIndex('strava_activities_start_idx').on('strava_activities').columns(['athlete_id', 'start_time']).execute();

  await db.schema
    .createTable('strava_events')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // sha256 of the event's fields: a re-delivered event is stored once.
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('subscription_id', 'bigint', (c) => c.notNull())
    .addColumn('owner_id', 'bigint', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'bigint', (c) => c.notNull())
    .addColumn('aspect_type', 'text', (c) => c.notNull())
    .addColumn('updates', 'jsonb', (c) => c.notNull())
    .addColumn('event_time', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addColumn('outcome', 'text')
    .execute();
  await db.schema.createIndex('strava_events_owner_idx').on('strava_events').columns(['owner_id']).execute();

  await db.schema
    .createTable('strava_subscriptions')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('callback_url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['strava_subscriptions', 'strava_events', 'strava_activities', 'strava_connections']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
