import { sql, type Kysely } from 'kysely';

/**
 * Email delivery of weekly reports (docs/report.md, "Email"):
 *
 * - `report_deliveries`: one row per athlete-week — the unique constraint is what makes "never sent
 *   twice for the same week" a property of the schema. A regenerated report keeps its id and is not
 *   sent again. Status: queued → sent, or failed (temporary SMTP or connection error) / bounced (the
 *   server refused the message or the recipient, 5xx) while retries go on, or skipped (no email
 *   address, unsubscribed). Every attempt is counted, the last error kept.
 * - `email_preferences`: whether the athlete gets report emails, and the random token of the
 *   unsubscribe link (it grants nothing but changing this one setting).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('report_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('report_id', 'uuid', (c) => c.notNull().references('weekly_reports.id').onDelete('cascade'))
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('iso_week', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'sent', 'failed', 'bounced', 'skipped')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('recipient', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addUniqueConstraint('report_deliveries_athlete_week_key', ['athlete_id', 'iso_week'])
    .execute();
  await db.schema.createIndex('report_deliveries_report_idx').on('report_deliveries').columns(['report_id']).execute();

  await db.schema
    .createTable('email_preferences')
    .addColumn('athlete_id', 'uuid', (c) => c.primaryKey().references('athletes.id').onDelete('cascade'))
    .addColumn('unsubscribe_token', 'text', (c) => c.notNull().unique())
    .addColumn('reports_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_preferences').ifExists().execute();
  await db.schema.dropTable('report_deliveries').ifExists().execute();
}
