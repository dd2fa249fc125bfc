import type { Kysely } from 'kysely';

/**
 * Stored analysis results: per-activity metrics, one compliance document per athlete-week, and the
 * daily training-load state (enough to continue the series from any day).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('activity_metrics')
    .addColumn('activity_id', 'uuid', (c) => c.primaryKey().references('activities.id').onDelete('cascade'))
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('local_date', 'date', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('load', 'double precision', (c) => c.notNull())
    .addColumn('trimp', 'double precision')
    .addColumn('intensity', 'text')
    .addColumn('long', 'boolean', (c) => c.notNull())
    // What the metrics were computed from (activity version, physiology, code): reused while it matches.
    .addColumn('input_key', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('activity_metrics_athlete_date_idx')
    .on('activity_metrics')
    .columns(['athlete_id', 'local_date'])
    .execute();

  await db.schema
    .createTable('week_compliance')
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('iso_week', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision')
    .addColumn('planned_distance_m', 'double precision', (c) => c.notNull())
    .addColumn('actual_distance_m', 'double precision', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('week_compliance_pkey', ['athlete_id', 'iso_week'])
    .execute();

  await db.schema
    .createTable('daily_load')
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('load', 'double precision', (c) => c.notNull())
    .addColumn('acute', 'double precision', (c) => c.notNull())
    .addColumn('chronic', 'double precision', (c) => c.notNull())
    .addColumn('form', 'double precision', (c) => c.notNull())
    .addColumn('acwr_acute', 'double precision', (c) => c.notNull())
    .addColumn('acwr_chronic', 'double precision', (c) => c.notNull())
    .addColumn('acwr', 'double precision')
    .addColumn('day', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_load_pkey', ['athlete_id', 'date'])
    .execute();

  // The resolved physiology with a fingerprint of its inputs: re-estimated only when they change.
  await db.schema
    .createTable('athlete_physiology')
    .addColumn('athlete_id', 'uuid', (c) => c.primaryKey().references('athletes.id').onDelete('cascade'))
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['athlete_physiology', 'daily_load', 'week_compliance', 'activity_metrics']) await db.schema.dropTable(t).ifExists().execute();
}
