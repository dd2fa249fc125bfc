import { sql, type Kysely } from 'kysely';

/** Training plans and their planned sessions. One active plan per athlete; replaced plans are kept. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('plans')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('race_date', 'date')
    .addColumn('race_distance_m', 'double precision', (c) => c.check(sql`race_distance_m > 0`))
    .addColumn('race_goal_s', 'double precision', (c) => c.check(sql`race_goal_s > 0`))
    .addColumn('units', 'text', (c) => c.notNull().defaultTo('km').check(sql`units in ('km', 'mi')`))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('replaced_at', 'timestamptz')
    .addCheckConstraint('plans_race_after_start', sql`race_date is null or race_date >= start_date`)
    .execute();
  await sql`create unique index plans_one_active_per_athlete on plans (athlete_id) where active`.execute(db);

  await db.schema
    .createTable('planned_sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('plan_id', 'uuid', (c) => c.notNull().references('plans.id').onDelete('cascade'))
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('day_order', 'integer', (c) => c.notNull().defaultTo(1).check(sql`day_order >= 1`))
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`kind in ('rest', 'easy', 'recovery', 'long', 'tempo', 'threshold', 'intervals', 'hills', 'race_pace', 'race', 'strength', 'cross')`,
        ),
    )
    .addColumn('distance_m', 'double precision', (c) => c.check(sql`distance_m >= 0`))
    .addColumn('duration_s', 'double precision', (c) => c.check(sql`duration_s >= 0`))
    .addColumn('target', 'jsonb')
    .addColumn('notes', 'text')
    .execute();
  await db.schema.createIndex('planned_sessions_plan_date_idx').on('planned_sessions').columns(['plan_id', 'date']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('planned_sessions').ifExists().execute();
  await db.schema.dropTable('plans').ifExists().execute();
}
