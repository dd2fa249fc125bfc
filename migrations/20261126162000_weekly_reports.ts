import { sql, type Kysely } from 'kysely';

/**
 * One weekly report per athlete-week: the report model as JSON (`document`), its version, a hash of
 * the document's canonical JSON (regenerating an unchanged week is recognised by it) and when it
 * was generated. Regenerating a week replaces its row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('weekly_reports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('iso_week', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('document', 'jsonb', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('generated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('weekly_reports_athlete_week_key', ['athlete_id', 'iso_week'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('weekly_reports').ifExists().execute();
}
