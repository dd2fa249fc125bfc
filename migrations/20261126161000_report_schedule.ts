import { sql, type Kysely } from 'kysely';

/**
 * When each athlete's weekly report is due: an ISO weekday (1 = Monday … 7 = Sunday) and a local time
 * of day `HH:MM`, both in the athlete's time zone. Default Monday 07:00 (docs/jobs.md, "Weekly schedule").
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('athletes')
    .addColumn('report_weekday', 'smallint', (c) => c.notNull().defaultTo(1).check(sql`report_weekday between 1 and 7`))
    .addColumn('report_time', 'text', (c) => c.notNull().defaultTo('07:00').check(sql`report_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('athletes').dropColumn('report_weekday').dropColumn('report_time').execute();
}
