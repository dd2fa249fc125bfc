import { sql, type Kysely } from 'kysely';

/**
 * Calendar subscriptions (docs/web.md, "Calendar subscription"): calendar apps fetch the plan's ICS
 * without cookies, so each athlete gets a secret feed address. The token is stored as issued (the
 * plan page shows the address again), is unguessable (256 random bits) and grants read access to
 * the plan's calendar only; resetting it replaces the row. Deleting the athlete deletes it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calendar_feeds')
    .addColumn('athlete_id', 'uuid', (c) => c.primaryKey().references('athletes.id').onDelete('cascade'))
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('calendar_feeds').ifExists().execute();
}
