/** Stored weekly reports, and the few reads the report needs beyond the stored analysis. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { ReportModel } from '../../domain/report-model.ts';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredReport {
  id: string;
  athleteId: string;
  isoWeek: string;
  version: number;
  document: ReportModel;
  contentHash: string;
  generatedAt: Date;
}

export interface ReportIndexEntry {
  id: string;
  isoWeek: string;
  version: number;
  contentHash: string;
  generatedAt: Date;
}

/**
 * Inserts the week's report, or replaces the stored one when its content (hash) or version differs.
 * An unchanged report is left as it is, `generated_at` included. The id of an athlete-week's report
 * never changes. `written` is false when nothing was written.
 */
export async function upsertReport(
  db: Db,
  input: { athleteId: string; isoWeek: string; version: number; document: ReportModel; contentHash: string; generatedAt: Date },
): Promise<{ id: string; written: boolean }> {
  const row = await db
    .insertInto('weekly_reports')
    .values({
      athlete_id: input.athleteId,
      iso_week: input.isoWeek,
      version: input.version,
      document: JSON.stringify(input.document),
      content_hash: input.contentHash,
      generated_at: input.generatedAt,
    })
    .onConflict((oc) =>
      oc
        .columns(['athlete_id', 'iso_week'])
        .doUpdateSet((eb) => ({
          version: eb.ref('excluded.version'),
          document: eb.ref('excluded.document'),
          content_hash: eb.ref('excluded.content_hash'),
          generated_at: eb.ref('excluded.generated_at'),
        }))
        .where((eb) =>
          eb.or([
            eb('weekly_reports.content_hash', '<>', eb.ref('excluded.content_hash')),
            eb('weekly_reports.version', '<>', eb.ref('excluded.version')),
          ]),
        ),
    )
    .returning('id')
    .executeTakeFirst();
  if (row !== undefined) return { id: row.id, written: true };
  const existing = await db
    .selectFrom('weekly_reports')
    .select('id')
    .where('athlete_id', '=', input.athleteId)
    .where('iso_week', '=', input.isoWeek)
    .executeTakeFirstOrThrow();
  return { id: existing.id, written: false };
}

export async function getReport(db: Db, athleteId: string, isoWeek: string): Promise<StoredReport | undefined> {
  const row = await db
    .selectFrom('weekly_reports')
    .selectAll()
    .where('athlete_id', '=', athleteId)
    .where('iso_week', '=', isoWeek)
    .executeTakeFirst();
  return row === undefined ? undefined : toStored(row);
}

export async function getReportById(db: Db, id: string): Promise<StoredReport | undefined> {
  const row = await db.selectFrom('weekly_reports').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toStored(row);
}

/** The athlete's stored reports, newest week first (without the documents). */
export async function listReports(db: Db, athleteId: string): Promise<ReportIndexEntry[]> {
  const rows = await db
    .selectFrom('weekly_reports')
    .select(['id', 'iso_week', 'version', 'content_hash', 'generated_at'])
    .where('athlete_id', '=', athleteId)
    .orderBy('iso_week', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, isoWeek: r.iso_week, version: r.version, contentHash: r.content_hash, generatedAt: r.generated_at }));
}

function toStored(r: {
  id: string;
  athlete_id: string;
  iso_week: string;
  version: number;
  document: ReportModel;
  content_hash: string;
  generated_at: Date;
}): StoredReport {
  return {
    id: r.id,
    athleteId: r.athlete_id,
    isoWeek: r.iso_week,
    version: r.version,
    document: r.document,
    contentHash: r.content_hash,
    generatedAt: r.generated_at,
  };
}

/** Failed uploads of the athlete stored between two instants (inclusive), oldest first. */
export async function failedUploadsBetween(
  db: Db,
  athleteId: string,
  range: { from: Date; to: Date },
): Promise<{ id: string; filename: string; error: string | null; createdAt: Date }[]> {
  const rows = await db
    .selectFrom('uploads')
    .select(['id', 'filename', 'error', 'created_at'])
    .where('athlete_id', '=', athleteId)
    .where('status', '=', 'failed')
    .where('created_at', '>=', range.from)
    .where('created_at', '<=', range.to)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, filename: r.filename, error: r.error, createdAt: r.created_at }));
}

/** The active plan's name, dates and last session date, without its sessions. */
export async function activePlanInfo(
  db: Db,
  athleteId: string,
): Promise<{ name: string; startDate: string; raceDate: string | null; endDate: string } | undefined> {
  const row = await db
    .selectFrom('plans as p')
    .leftJoin('planned_sessions as s', 's.plan_id', 'p.id')
    .select((eb) => ['p.name', 'p.start_date', 'p.race_date', eb.fn.max('s.date').as('last_date')])
    .where('p.athlete_id', '=', athleteId)
    .where('p.active', '=', true)
    .groupBy(['p.id', 'p.name', 'p.start_date', 'p.race_date'])
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const end = [row.start_date, row.race_date, row.last_date].filter((d): d is string => d !== null).sort().at(-1)!;
  return { name: row.name, startDate: row.start_date, raceDate: row.race_date, endDate: end };
}

/** Run distance per local date over [from, to] (dates without runs are absent). */
export async function runDistanceByDate(db: Db, athleteId: string, range: { from: string; to: string }): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('activities')
    .select((eb) => ['local_date', eb.fn.coalesce(eb.fn.sum<number>('distance_m'), sql<number>`0`).as('m')])
    .where('athlete_id', '=', athleteId)
    .where('category', '=', 'run')
    .where('local_date', '>=', range.from)
    .where('local_date', '<=', range.to)
    .groupBy('local_date')
    .execute();
  return new Map(rows.map((r) => [r.local_date, Number(r.m)]));
}
