import { sql, type Kysely } from 'kysely';

/**
 * What the athlete tells us (issue #18, points 15–16):
 * - `activities.rpe` (session RPE, 1–10 on Foster's CR-10 scale) and `activities.note`, per activity;
 * - `activities.source` may be `manual`: a session logged by hand (a strength session done without a
 *   watch), with its exercises as `strength_sets`;
 * - `unavailable_periods`: days the athlete could not train (illness, injury, travel, other), whose
 *   planned sessions are excused. Deleting the athlete deletes them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('activities')
    .addColumn('rpe', 'integer', (c) => c.check(sql`rpe between 1 and 10`))
    .addColumn('note', 'text')
    .execute();
  await sql`alter table activities drop constraint if exists activities_source_check`.execute(db);
  await sql`alter table activities add constraint activities_source_check check (source in ('fit', 'strava', 'manual'))`.execute(db);

  await db.schema
    .createTable('unavailable_periods')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('from_date', 'date', (c) => c.notNull())
    .addColumn('to_date', 'date', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('illness', 'injury', 'travel', 'other')`))
    .addColumn('note', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('unavailable_periods_dates_check', sql`from_date <= to_date`)
    .execute();
  await db.schema.createIndex('unavailable_periods_athlete_idx').on('unavailable_periods').columns(['athlete_id', 'from_date']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('unavailable_periods').ifExists().execute();
  await sql`delete from activities where source = 'manual'`.execute(db);
  await sql`alter table activities drop constraint if exists activities_source_check`.execute(db);
  await sql`alter table activities add constraint activities_source_check check (source in ('fit', 'strava'))`.execute(db);
  await db.schema.alterTable('activities').dropColumn('note').dropColumn('rpe').execute();
}
