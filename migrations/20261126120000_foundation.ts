import { sql, type Kysely } from 'kysely';

/**
 * Foundation schema: athletes, raw uploads, activities with laps, strength sets and packed sample
 * streams. Frozen in time: later changes go into new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('athletes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('sex', 'text', (c) => c.check(sql`sex in ('f', 'm')`))
    .addColumn('max_hr', 'integer', (c) => c.check(sql`max_hr between 100 and 250`))
    .addColumn('resting_hr', 'integer', (c) => c.check(sql`resting_hr between 25 and 120`))
    .addColumn('lthr', 'integer', (c) => c.check(sql`lthr between 80 and 240`))
    .addColumn('threshold_speed_mps', 'double precision', (c) => c.check(sql`threshold_speed_mps > 0`))
    .addColumn('units', 'text', (c) => c.notNull().defaultTo('km').check(sql`units in ('km', 'mi')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('uploads')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('queued')
        .check(sql`status in ('queued', 'processing', 'imported', 'duplicate', 'failed')`),
    )
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addUniqueConstraint('uploads_athlete_sha256_key', ['athlete_id', 'sha256'])
    .execute();
  await db.schema.createIndex('uploads_status_idx').on('uploads').columns(['status']).execute();

  await db.schema
    .createTable('activities')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('fit', 'strava')`))
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('sport', 'text', (c) => c.notNull())
    .addColumn('sub_sport', 'text')
    .addColumn('category', 'text', (c) => c.notNull().check(sql`category in ('run', 'strength', 'other')`))
    .addColumn('name', 'text')
    .addColumn('start_time', 'timestamptz', (c) => c.notNull())
    .addColumn('local_date', 'date', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('elapsed_s', 'double precision', (c) => c.notNull())
    .addColumn('moving_s', 'double precision')
    .addColumn('distance_m', 'double precision')
    .addColumn('ascent_m', 'double precision')
    .addColumn('avg_hr', 'integer')
    .addColumn('max_hr', 'integer')
    .addColumn('calories', 'integer')
    .addColumn('device', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('activities_athlete_source_key', ['athlete_id', 'source', 'source_id'])
    .execute();
  await db.schema
    .createIndex('activities_athlete_date_idx')
    .on('activities')
    .columns(['athlete_id', 'local_date'])
    .execute();

  await db.schema
    .createTable('upload_activities')
    .addColumn('upload_id', 'uuid', (c) => c.notNull().references('uploads.id').onDelete('cascade'))
    .addColumn('activity_id', 'uuid', (c) => c.notNull().references('activities.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('upload_activities_pkey', ['upload_id', 'activity_id'])
    .execute();

  await db.schema
    .createTable('laps')
    .addColumn('activity_id', 'uuid', (c) => c.notNull().references('activities.id').onDelete('cascade'))
    .addColumn('lap_index', 'integer', (c) => c.notNull())
    .addColumn('start_time', 'timestamptz', (c) => c.notNull())
    .addColumn('elapsed_s', 'double precision', (c) => c.notNull())
    .addColumn('moving_s', 'double precision')
    .addColumn('distance_m', 'double precision')
    .addColumn('avg_hr', 'integer')
    .addColumn('max_hr', 'integer')
    .addColumn('avg_speed_mps', 'double precision')
    .addColumn('intensity', 'text')
    .addPrimaryKeyConstraint('laps_pkey', ['activity_id', 'lap_index'])
    .execute();

  await db.schema
    .createTable('strength_sets')
    .addColumn('activity_id', 'uuid', (c) => c.notNull().references('activities.id').onDelete('cascade'))
    .addColumn('set_index', 'integer', (c) => c.notNull())
    .addColumn('set_type', 'text', (c) => c.notNull().check(sql`set_type in ('active', 'rest')`))
    .addColumn('start_time', 'timestamptz')
    .addColumn('duration_s', 'double precision')
    .addColumn('category', 'text')
    .addColumn('exercise_name', 'text')
    .addColumn('reps', 'integer')
    .addColumn('weight_kg', 'double precision')
    .addPrimaryKeyConstraint('strength_sets_pkey', ['activity_id', 'set_index'])
    .execute();

  // One row per activity: every channel packed into one compact binary blob (see docs/storage.md).
  await db.schema
    .createTable('activity_streams')
    .addColumn('activity_id', 'uuid', (c) => c.primaryKey().references('activities.id').onDelete('cascade'))
    .addColumn('codec', 'smallint', (c) => c.notNull())
    .addColumn('sample_count', 'integer', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['activity_streams', 'strength_sets', 'laps', 'upload_activities', 'activities', 'uploads', 'athletes']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
