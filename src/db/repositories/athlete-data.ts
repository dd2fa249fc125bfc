/**
 * Queries over all of one athlete's data, for the HTTP API: pages of activities and uploads, the
 * rows of a portable export, and deleting everything of an athlete in one transaction.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ActivityMetrics } from '../../domain/analysis.ts';
import type { WeekDocument } from '../../domain/week-document.ts';
import { lockAthlete } from '../transactions.ts';
import type { ActivityRow, Database, PlanRow, PlannedSessionRow } from '../schema.ts';
import type { UploadSummary } from './uploads.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** activity ids per upload id (every given upload has an entry, maybe empty). */
export async function uploadActivityIds(db: Db, uploadIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(uploadIds.map((id) => [id, []]));
  if (uploadIds.length === 0) return out;
  const rows = await db
    .selectFrom('upload_activities')
    .innerJoin('activities', 'activities.id', 'upload_activities.activity_id')
    .select(['upload_activities.upload_id', 'upload_activities.activity_id'])
    .where('upload_activities.upload_id', 'in', uploadIds)
    .orderBy('activities.start_time')
    .execute();
  for (const r of rows) out.get(r.upload_id)?.push(r.activity_id);
  return out;
}

export interface PageOptions {
  limit: number;
  offset: number;
}

/** One page of the athlete's activities (local dates [from, to]), newest first. */
export async function activitiesPage(
  db: Db,
  athleteId: string,
  opts: PageOptions & { from?: string | undefined; to?: string | undefined },
): Promise<ActivityRow[]> {
  let q = db.selectFrom('activities').selectAll().where('athlete_id', '=', athleteId);
  if (opts.from !== undefined) q = q.where('local_date', '>=', opts.from);
  if (opts.to !== undefined) q = q.where('local_date', '<=', opts.to);
  return q.orderBy('start_time', 'desc').orderBy('id').limit(opts.limit).offset(opts.offset).execute();
}

const UPLOAD_SUMMARY = ['id', 'athlete_id', 'sha256', 'filename', 'size_bytes', 'status', 'error', 'created_at', 'processed_at'] as const;

/** One page of the athlete's uploads, newest first. */
export async function uploadsPage(
  db: Db,
  athleteId: string,
  opts: PageOptions & { status?: UploadSummary['status'] | undefined },
): Promise<UploadSummary[]> {
  let q = db.selectFrom('uploads').select(UPLOAD_SUMMARY).where('athlete_id', '=', athleteId);
  if (opts.status !== undefined) q = q.where('status', '=', opts.status);
  return q.orderBy('created_at', 'desc').orderBy('id').limit(opts.limit).offset(opts.offset).execute();
}

/** The bytes of one upload, with its owner (for the download route). */
export async function uploadBytes(db: Db, id: string): Promise<{ athleteId: string; filename: string; bytes: Uint8Array } | undefined> {
  const row = await db.selectFrom('uploads').select(['athlete_id', 'filename', 'bytes']).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : { athleteId: row.athlete_id, filename: row.filename, bytes: row.bytes };
}

export async function activityMetricsOf(db: Db, activityId: string): Promise<ActivityMetrics | undefined> {
  const row = await db.selectFrom('activity_metrics').select('data').where('activity_id', '=', activityId).executeTakeFirst();
  return row?.data;
}

/** Who owns an activity (undefined: no such activity). */
export async function activityOwner(db: Db, activityId: string): Promise<string | undefined> {
  const row = await db.selectFrom('activities').select('athlete_id').where('id', '=', activityId).executeTakeFirst();
  return row?.athlete_id;
}

/**
 * Deletes the athlete and, through the foreign keys (every table that refers to an athlete, an
 * activity, an upload or a plan does so `on delete cascade`), every row of theirs: uploads with
 * their bytes, activities with laps, sets and streams, plans and sessions, metrics, weeks, load,
 * tokens. The caller's transaction makes it all-or-nothing; the athlete's advisory lock waits for an
 * analysis that is writing their derived data. False when there was no such athlete.
 */
export async function deleteAthleteData(trx: Transaction<Database>, athleteId: string): Promise<boolean> {
  await lockAthlete(trx, athleteId);
  const result = await trx.deleteFrom('athletes').where('id', '=', athleteId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Tables of the current schema with an `athlete_id` column (every per-athlete table, including ones added later). */
export async function athleteTables(db: Db): Promise<string[]> {
  const rows = await sql<{ table_name: string }>`
    select c.table_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and c.column_name = 'athlete_id' and t.table_type = 'BASE TABLE'
    order by c.table_name`.execute(db);
  return rows.rows.map((r) => r.table_name);
}

/** Every row of `table` that belongs to the athlete, as the driver returns it. */
export async function rowsOfAthlete(db: Db, table: string, athleteId: string): Promise<Record<string, unknown>[]> {
  const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where athlete_id = ${athleteId}`.execute(db);
  return rows.rows;
}

export interface AthleteExportRows {
  plans: { plan: PlanRow; sessions: PlannedSessionRow[] }[];
  activities: ActivityRow[];
  laps: Selectable<Database['laps']>[];
  sets: Selectable<Database['strength_sets']>[];
  streams: Selectable<Database['activity_streams']>[];
  uploads: (UploadSummary & { bytes?: Uint8Array })[];
  uploadLinks: { upload_id: string; activity_id: string }[];
  metrics: { activity_id: string; data: ActivityMetrics }[];
  weeks: WeekDocument[];
  dailyLoad: Selectable<Database['daily_load']>[];
  tokens: { id: string; created_at: Date; last_used_at: Date | null }[];
}

/** The rows of an export; `withBytes` adds the uploads' bytes, `withStreams` the sample streams. */
export async function athleteExportRows(db: Db, athleteId: string, opts: { withBytes: boolean; withStreams: boolean }): Promise<AthleteExportRows> {
  const plans = await db.selectFrom('plans').selectAll().where('athlete_id', '=', athleteId).orderBy('created_at').execute();
  const sessions = plans.length === 0 ? [] : await db.selectFrom('planned_sessions').selectAll().where('plan_id', 'in', plans.map((p) => p.id)).orderBy('date').orderBy('day_order').execute();
  const activities = await db.selectFrom('activities').selectAll().where('athlete_id', '=', athleteId).orderBy('start_time').orderBy('id').execute();
  const ids = activities.map((a) => a.id);
  const byActivity = <T>(q: () => Promise<T[]>): Promise<T[]> => (ids.length === 0 ? Promise.resolve([]) : q());
  const [laps, sets, streams] = await Promise.all([
    byActivity(() => db.selectFrom('laps').selectAll().where('activity_id', 'in', ids).orderBy('activity_id').orderBy('lap_index').execute()),
    byActivity(() => db.selectFrom('strength_sets').selectAll().where('activity_id', 'in', ids).orderBy('activity_id').orderBy('set_index').execute()),
    opts.withStreams ? byActivity(() => db.selectFrom('activity_streams').selectAll().where('activity_id', 'in', ids).execute()) : Promise.resolve([]),
  ]);
  const uploads = await db
    .selectFrom('uploads')
    .select(UPLOAD_SUMMARY)
    .$if(opts.withBytes, (q) => q.select('bytes'))
    .where('athlete_id', '=', athleteId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const uploadLinks =
    uploads.length === 0
      ? []
      : await db.selectFrom('upload_activities').select(['upload_id', 'activity_id']).where('upload_id', 'in', uploads.map((u) => u.id)).execute();
  const metrics = await db.selectFrom('activity_metrics').select(['activity_id', 'data']).where('athlete_id', '=', athleteId).orderBy('local_date').execute();
  const weeks = await db.selectFrom('week_compliance').select('data').where('athlete_id', '=', athleteId).orderBy('iso_week').execute();
  const dailyLoad = await db.selectFrom('daily_load').selectAll().where('athlete_id', '=', athleteId).orderBy('date').execute();
  const tokens = await db.selectFrom('api_tokens').select(['id', 'created_at', 'last_used_at']).where('athlete_id', '=', athleteId).orderBy('created_at').execute();
  return {
    plans: plans.map((plan) => ({ plan, sessions: sessions.filter((s) => s.plan_id === plan.id) })),
    activities,
    laps,
    sets,
    streams,
    uploads,
    uploadLinks,
    metrics,
    weeks: weeks.map((w) => w.data),
    dailyLoad,
    tokens,
  };
}
