import type { Kysely } from 'kysely';

/**
 * A re-analysis whose job failed for good (docs/jobs.md, "Re-analysis after a settings change"): when,
 * and the error, so that the settings page and `GET /athletes/:id/analysis-status` say `failed` and
 * why instead of `reanalysing` for ever. Both null while it runs or once it is done.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analysis_runs').addColumn('failed_at', 'timestamptz').addColumn('error', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analysis_runs').dropColumn('failed_at').dropColumn('error').execute();
}
