/**
 * Queries over all of one athlete's data, for the HTTP API: pages of activities and uploads, the
 * rows of a portable export, and deleting everything of an athlete in one transaction.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ActivityMetrics } from '../../domain/analysis.ts';
import type { WeekDocument } from '../../domain/week-document.ts';
import { lockAthlete } from '../transactions.ts';
import type { ActivityRow, Database, PlanRow, PlannedSessionRow } from '../schema.ts';
import { getUploadWithBytes, uploadPieces, type UploadSummary } from './uploads.ts';
import { withWholeBlobs } from './activities.ts';
import { nextTurn } from '../../util/event-loop.ts';

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

/** The bytes of one upload, with its owner (for the download route); a large file is read a piece at a time, with `between` before each. */
export async function uploadBytes(
  db: Db,
  id: string,
  between: () => Promise<void> = () => Promise.resolve(),
): Promise<{ athleteId: string; filename: string; bytes: Uint8Array } | undefined> {
  const row = await getUploadWithBytes(db, id, between);
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

/**
 * The rows of a portable export, read in batches so that its memory stays bounded whatever the
 * athlete's history: each reader pages with a key (never OFFSET), so a batch is one indexed query.
 * Instants used as keys travel as Postgres text, which keeps their microseconds (a JS Date would not).
 */

/** The athlete's plans, oldest first, one at a time with its sessions. */
export async function* exportPlans(db: Db, athleteId: string): AsyncGenerator<{ plan: PlanRow; sessions: PlannedSessionRow[] }> {
  const plans = await db.selectFrom('plans').selectAll().where('athlete_id', '=', athleteId).orderBy('created_at').orderBy('id').execute();
  for (const plan of plans) {
    const sessions = await db.selectFrom('planned_sessions').selectAll().where('plan_id', '=', plan.id).orderBy('date').orderBy('day_order').orderBy('id').execute();
    yield { plan, sessions };
  }
}

export interface ActivityExportBatch {
  activities: ActivityRow[];
  laps: Selectable<Database['laps']>[];
  sets: Selectable<Database['strength_sets']>[];
  /** Empty unless asked for. */
  streams: Selectable<Database['activity_streams']>[];
  metrics: { activity_id: string; data: ActivityMetrics }[];
}

/** The athlete's activities by start time, `size` at a time, with their laps, sets, metrics and (`withStreams`) streams. */
export async function* exportActivities(db: Db, athleteId: string, opts: { withStreams: boolean; size: number }): AsyncGenerator<ActivityExportBatch> {
  let after: { at: string; id: string } | undefined;
  for (;;) {
    const key = after;
    const rows = await db
      .selectFrom('activities')
      .selectAll()
      .select(sql<string>`start_time::text`.as('key_at'))
      .where('athlete_id', '=', athleteId)
      .$if(key !== undefined, (q) => q.where(sql<boolean>`(start_time, id) > (${key!.at}::timestamptz, ${key!.id})`))
      .orderBy('start_time')
      .orderBy('id')
      .limit(opts.size)
      .execute();
    if (rows.length === 0) return;
    const ids = rows.map((a) => a.id);
    const [laps, sets, streams, metrics] = await Promise.all([
      db.selectFrom('laps').selectAll().where('activity_id', 'in', ids).orderBy('activity_id').orderBy('lap_index').execute(),
      db.selectFrom('strength_sets').selectAll().where('activity_id', 'in', ids).orderBy('activity_id').orderBy('set_index').execute(),
      opts.withStreams
        ? db
            .selectFrom('activity_streams')
            .selectAll()
            .where('activity_id', 'in', ids)
            .execute()
            .then((rows) => withWholeBlobs(db, rows, nextTurn))
        : Promise.resolve([]),
      db.selectFrom('activity_metrics').select(['activity_id', 'data']).where('activity_id', 'in', ids).execute(),
    ]);
    const last = rows.at(-1)!;
    yield { activities: rows.map(({ key_at: _k, ...a }) => a), laps, sets, streams, metrics };
    if (rows.length < opts.size) return;
    after = { at: last.key_at, id: last.id };
  }
}

/** Where the uploads of an export are up to: the key of the last upload read. */
export interface UploadKey {
  at: string;
  id: string;
}

/**
 * The athlete's uploads (without their bytes) by creation, `size` at a time, with the activity ids
 * of each; `upTo` stops after that upload (the files of a zip export are the uploads its data.json
 * listed, even if more arrived meanwhile).
 */
export async function* exportUploads(
  db: Db,
  athleteId: string,
  opts: { size: number; upTo?: UploadKey | undefined },
): AsyncGenerator<{ uploads: UploadSummary[]; activityIds: Map<string, string[]>; last: UploadKey }> {
  let after: UploadKey | undefined;
  const { upTo } = opts;
  for (;;) {
    const key = after;
    const rows = await db
      .selectFrom('uploads')
      .select(UPLOAD_SUMMARY)
      .select(sql<string>`created_at::text`.as('key_at'))
      .where('athlete_id', '=', athleteId)
      .$if(key !== undefined, (q) => q.where(sql<boolean>`(created_at, id) > (${key!.at}::timestamptz, ${key!.id})`))
      .$if(upTo !== undefined, (q) => q.where(sql<boolean>`(created_at, id) <= (${upTo!.at}::timestamptz, ${upTo!.id})`))
      .orderBy('created_at')
      .orderBy('id')
      .limit(opts.size)
      .execute();
    if (rows.length === 0) return;
    const uploads = rows.map(({ key_at: _k, ...u }) => u);
    const last = { at: rows.at(-1)!.key_at, id: rows.at(-1)!.id };
    yield { uploads, activityIds: await uploadActivityIds(db, uploads.map((u) => u.id)), last };
    if (rows.length < opts.size) return;
    after = last;
  }
}

/**
 * The stored bytes of one upload, at most `chunkBytes` at a time (`uploadPieces`): never the whole
 * file in one string. Ends early if the upload is deleted meanwhile.
 */
export function uploadByteChunks(db: Db, uploadId: string, chunkBytes: number): AsyncGenerator<Buffer> {
  return uploadPieces(db, uploadId, undefined, chunkBytes);
}

/** The athlete's stored week documents, by ISO week, `size` at a time. */
export async function* exportWeeks(db: Db, athleteId: string, size: number): AsyncGenerator<WeekDocument[]> {
  let after: string | undefined;
  for (;;) {
    const key = after;
    const rows = await db
      .selectFrom('week_compliance')
      .select(['iso_week', 'data'])
      .where('athlete_id', '=', athleteId)
      .$if(key !== undefined, (q) => q.where('iso_week', '>', key!))
      .orderBy('iso_week')
      .limit(size)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((w) => w.data);
    if (rows.length < size) return;
    after = rows.at(-1)!.iso_week;
  }
}

/** The athlete's daily load rows, by date, `size` at a time. */
export async function* exportDailyLoad(db: Db, athleteId: string, size: number): AsyncGenerator<Selectable<Database['daily_load']>[]> {
  let after: string | undefined;
  for (;;) {
    const key = after;
    const rows = await db
      .selectFrom('daily_load')
      .selectAll()
      .where('athlete_id', '=', athleteId)
      .$if(key !== undefined, (q) => q.where('date', '>', key!))
      .orderBy('date')
      .limit(size)
      .execute();
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < size) return;
    after = rows.at(-1)!.date;
  }
}

/** Which API tokens the athlete has, and when they were used (never the hashes: they are credentials). */
export async function exportTokens(db: Db, athleteId: string): Promise<{ id: string; created_at: Date; last_used_at: Date | null }[]> {
  return db.selectFrom('api_tokens').select(['id', 'created_at', 'last_used_at']).where('athlete_id', '=', athleteId).orderBy('created_at').execute();
}

/** The primary key columns of a table, in key order, with their SQL types. */
async function primaryKeyOf(db: Db, table: string): Promise<{ name: string; type: string }[]> {
  const rows = await sql<{ name: string; type: string }>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
    from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = to_regclass(quote_ident(${table})) and i.indisprimary
    order by array_position(i.indkey::int2[], a.attnum)`.execute(db);
  return rows.rows;
}

/**
 * Every row of `table` that belongs to the athlete, as the driver returns it, `size` at a time in
 * primary-key order (a table without a primary key in one go).
 */
export async function* rowsOfAthlete(db: Db, table: string, athleteId: string, size: number): AsyncGenerator<Record<string, unknown>[]> {
  const key = await primaryKeyOf(db, table);
  if (key.length === 0) {
    yield (await sql<Record<string, unknown>>`select * from ${sql.table(table)} where athlete_id = ${athleteId}`.execute(db)).rows;
    return;
  }
  const columns = sql.join(key.map((k) => sql.ref(k.name)));
  const keyText = sql.join(key.map((k, i) => sql`${sql.ref(k.name)}::text as ${sql.ref(`kinetic_key_${i}`)}`));
  let after: string[] | undefined;
  for (;;) {
    const from = after;
    const where = from === undefined ? sql`true` : sql`(${columns}) > (${sql.join(key.map((k, i) => sql`${from[i]}::${sql.raw(k.type)}`))})`;
    const rows = (
      await sql<Record<string, unknown>>`select *, ${keyText} from ${sql.table(table)} where athlete_id = ${athleteId} and ${where} order by ${columns} limit ${size}`.execute(db)
    ).rows;
    if (rows.length === 0) return;
    const last = rows.at(-1)!;
    yield rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('kinetic_key_'))));
    if (rows.length < size) return;
    after = key.map((_k, i) => String(last[`kinetic_key_${i}`]));
  }
}
