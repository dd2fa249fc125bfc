import type { Kysely } from 'kysely';

/** Per-athlete overrides of the recommender's thresholds (JSON, every field optional; docs/flags.md). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('athletes').addColumn('recommend_thresholds', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('athletes').dropColumn('recommend_thresholds').execute();
}
