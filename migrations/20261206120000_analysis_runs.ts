import type { Kysely } from 'kysely';

/**
 * The re-analysis a settings change asks for, and how far it got (docs/jobs.md, "Re-analysis after a
 * settings change"): one row per athlete, replaced by each request. `generation` tells a running job
 * that a newer request came in; `done_through` is the last week analysed for this generation, so the
 * settings page and `GET /athletes/:id/analysis-status` can say "120 of 630 weeks". Deleting the
 * athlete deletes it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('analysis_runs')
    .addColumn('athlete_id', 'uuid', (c) => c.primaryKey().references('athletes.id').onDelete('cascade'))
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull())
    .addColumn('first_week', 'text', (c) => c.notNull())
    .addColumn('last_week', 'text', (c) => c.notNull())
    .addColumn('weeks_total', 'integer', (c) => c.notNull())
    .addColumn('weeks_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('done_through', 'text')
    .addColumn('finished_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('analysis_runs').ifExists().execute();
}
