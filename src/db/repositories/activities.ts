import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ActivityToStore, Lap, NormalizedActivity, SampleStreams, StrengthSet } from '../../domain/activity.ts';
import { decodeStreams, packedOf, STREAMS_CODEC } from '../../domain/streams-codec.ts';
import type { ActivityRow, Database, LapsTable } from '../schema.ts';
import { absorbStravaTwin } from './activity-twins.ts';
import { insertBatches } from '../batch.ts';
import { noTurn, PIECE_BYTES, writeRestInPieces } from '../pieces.ts';
import { nextTurn } from '../../util/event-loop.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface InsertedActivity {
  id: string;
  /** False when the athlete already had this activity (same source and source id). */
  created: boolean;
}

/**
 * Inserts an activity with its laps, sets and streams, idempotently on (athlete, source, source id).
 * Call inside a transaction so an activity never exists without its children.
 */
export async function insertActivity(
  trx: Transaction<Database>,
  input: { athleteId: string; activity: ActivityToStore; localDate: string; timezone: string },
  between: () => Promise<void> = noTurn,
): Promise<InsertedActivity> {
  const a = input.activity;
  const row = await trx
    .insertInto('activities')
    .values({
      athlete_id: input.athleteId,
      source: a.source,
      source_id: a.sourceId,
      ...summaryColumns(a, input.localDate, input.timezone),
      calories: a.calories === null ? null : Math.round(a.calories),
      device: a.device,
    })
    .onConflict((oc) => oc.columns(['athlete_id', 'source', 'source_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (row === undefined) {
    const existing = await trx
      .selectFrom('activities')
      .select('id')
      .where('athlete_id', '=', input.athleteId)
      .where('source', '=', a.source)
      .where('source_id', '=', a.sourceId)
      .executeTakeFirstOrThrow();
    return { id: existing.id, created: false };
  }
  await insertChildren(trx, row.id, a, between);
  // A Strava copy of this workout stored earlier gives way to the FIT file (activity-twins.ts).
  if (a.source === 'fit') await absorbStravaTwin(trx, input.athleteId, row.id, a.startTime, a.distanceM);
  return { id: row.id, created: true };
}

/** The columns of an activity's summary, as FIT and Strava ingest write them (HR rounded to whole beats). */
export function summaryColumns(a: ActivityToStore, localDate: string, timezone: string) {
  return {
    sport: a.sport,
    sub_sport: a.subSport,
    category: a.category,
    name: a.name,
    start_time: a.startTime,
    local_date: localDate,
    timezone,
    elapsed_s: a.elapsedS,
    moving_s: a.movingS,
    distance_m: a.distanceM,
    ascent_m: a.ascentM,
    avg_hr: a.avgHr === null ? null : Math.round(a.avgHr),
    max_hr: a.maxHr === null ? null : Math.round(a.maxHr),
  };
}

async function insertChildren(trx: Transaction<Database>, activityId: string, a: ActivityToStore, between: () => Promise<void>): Promise<void> {
  await insertLaps(trx, activityId, a.laps);
  const sets = a.sets.map((s) => ({
    activity_id: activityId,
    set_index: s.index,
    set_type: s.setType,
    start_time: s.startTime,
    duration_s: s.durationS,
    category: s.category,
    exercise_name: s.exerciseName,
    reps: s.reps,
    weight_kg: s.weightKg,
  }));
  for (const batch of insertBatches(sets, 9)) await trx.insertInto('strength_sets').values(batch).execute();
  await insertStreams(trx, activityId, a.streams, between);
}

/** Writes an activity's laps (the activity has none stored yet). */
export async function insertLaps(trx: Transaction<Database>, activityId: string, laps: NormalizedActivity['laps']): Promise<void> {
  const rows = laps.map((l) => ({
    activity_id: activityId,
    lap_index: l.index,
    start_time: l.startTime,
    elapsed_s: l.elapsedS,
    moving_s: l.movingS,
    distance_m: l.distanceM,
    avg_hr: l.avgHr === null ? null : Math.round(l.avgHr),
    max_hr: l.maxHr === null ? null : Math.round(l.maxHr),
    avg_speed_mps: l.avgSpeedMps,
    intensity: l.intensity,
  }));
  for (const batch of insertBatches(rows, 10)) await trx.insertInto('laps').values(batch).execute();
}

/**
 * Writes an activity's samples as one packed blob, when it has any (docs/storage.md): packed here
 * unless the decode thread packed them already. A blob larger than PIECE_BYTES is written a piece a
 * statement (`activity_streams.data` the first, `activity_stream_chunks` the rest), `between` running
 * before each piece after the first (the caller hands the event loop back); call in a transaction.
 */
export async function insertStreams(
  trx: Transaction<Database>,
  activityId: string,
  streams: ActivityToStore['streams'],
  between: () => Promise<void> = noTurn,
): Promise<void> {
  if (streams === null) return;
  const { packed, sampleCount } = packedOf(streams);
  if (sampleCount === 0) return;
  await trx
    .insertInto('activity_streams')
    .values({ activity_id: activityId, codec: STREAMS_CODEC, sample_count: sampleCount, data: packed.subarray(0, PIECE_BYTES) })
    .execute();
  await writeRestInPieces(packed, between, async (seq, data) => {
    await trx.insertInto('activity_stream_chunks').values({ activity_id: activityId, seq, data }).execute();
  });
}

/**
 * Stored stream rows with each blob whole: a blob stored in pieces gets the rest of its pieces
 * appended, read a piece a statement (as base64 text: the drivers' bytea text is hex, twice the size),
 * `between` running before each. Rows without pieces (all but the largest recordings) cost one query
 * of the chunk table's keys.
 */
export async function withWholeBlobs<R extends { activity_id: string; data: Uint8Array }>(
  db: Db,
  rows: R[],
  between: () => Promise<void> = noTurn,
): Promise<R[]> {
  if (rows.length === 0) return rows;
  const chunks = await db
    .selectFrom('activity_stream_chunks')
    .select(['activity_id', 'seq'])
    .where('activity_id', 'in', rows.map((r) => r.activity_id))
    .orderBy('activity_id')
    .orderBy('seq')
    .execute();
  if (chunks.length === 0) return rows;
  const rest = new Map<string, Uint8Array[]>();
  for (const c of chunks) {
    await between();
    const row = await db
      .selectFrom('activity_stream_chunks')
      .select(sql<string>`encode(data, 'base64')`.as('piece'))
      .where('activity_id', '=', c.activity_id)
      .where('seq', '=', c.seq)
      .executeTakeFirstOrThrow();
    const pieces = rest.get(c.activity_id) ?? [];
    pieces.push(Buffer.from(row.piece, 'base64'));
    rest.set(c.activity_id, pieces);
  }
  return rows.map((r) => {
    const pieces = rest.get(r.activity_id);
    return pieces === undefined ? r : { ...r, data: Buffer.concat([r.data, ...pieces]) };
  });
}

export interface ActivityListOptions {
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
}

export async function listActivities(db: Db, athleteId: string, opts: ActivityListOptions = {}): Promise<ActivityRow[]> {
  let q = db.selectFrom('activities').selectAll().where('athlete_id', '=', athleteId);
  if (opts.from !== undefined) q = q.where('local_date', '>=', opts.from);
  if (opts.to !== undefined) q = q.where('local_date', '<=', opts.to);
  q = q.orderBy('start_time', 'desc').orderBy('id');
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  return q.execute();
}

/** The activities a FIT upload produced (or found already stored), oldest first. */
export async function listUploadActivities(db: Db, uploadId: string): Promise<ActivityRow[]> {
  return db
    .selectFrom('upload_activities')
    .innerJoin('activities', 'activities.id', 'upload_activities.activity_id')
    .selectAll('activities')
    .where('upload_activities.upload_id', '=', uploadId)
    .orderBy('activities.start_time')
    .execute();
}

export function toLap(l: Selectable<LapsTable>): Lap {
  return {
    index: l.lap_index,
    startTime: l.start_time,
    elapsedS: l.elapsed_s,
    movingS: l.moving_s,
    distanceM: l.distance_m,
    avgHr: l.avg_hr,
    maxHr: l.max_hr,
    avgSpeedMps: l.avg_speed_mps,
    intensity: l.intensity,
  };
}

export interface ActivityDetail {
  activity: ActivityRow;
  laps: Lap[];
  sets: StrengthSet[];
  streams: SampleStreams | null;
}

export async function getActivityDetail(db: Db, id: string): Promise<ActivityDetail | undefined> {
  const activity = await db.selectFrom('activities').selectAll().where('id', '=', id).executeTakeFirst();
  if (activity === undefined) return undefined;
  const [laps, sets, streams] = await Promise.all([
    db.selectFrom('laps').selectAll().where('activity_id', '=', id).orderBy('lap_index').execute(),
    db.selectFrom('strength_sets').selectAll().where('activity_id', '=', id).orderBy('set_index').execute(),
    db
      .selectFrom('activity_streams')
      .selectAll()
      .where('activity_id', '=', id)
      .execute()
      .then((rows) => withWholeBlobs(db, rows, nextTurn))
      .then((rows) => rows[0]),
  ]);
  return {
    activity,
    laps: laps.map(toLap),
    sets: sets.map((s) => ({
      index: s.set_index,
      setType: s.set_type,
      startTime: s.start_time,
      durationS: s.duration_s,
      category: s.category,
      exerciseName: s.exercise_name,
      reps: s.reps,
      weightKg: s.weight_kg,
    })),
    streams: streams === undefined ? null : decodeStreams(streams.data),
  };
}

/**
 * Sets what the athlete tells about an activity (session RPE, note; an absent field is left as it
 * is, null clears it) and marks the activity changed, so its metrics are recomputed. Undefined when
 * there is no such activity.
 */
export async function setActivityInput(
  db: Db,
  activityId: string,
  input: { rpe?: number | null; note?: string | null },
): Promise<ActivityRow | undefined> {
  return db
    .updateTable('activities')
    .set({
      ...(input.rpe !== undefined && { rpe: input.rpe }),
      ...(input.note !== undefined && { note: input.note }),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', activityId)
    .returningAll()
    .executeTakeFirst();
}

export async function getActivity(db: Db, id: string): Promise<ActivityRow | undefined> {
  return db.selectFrom('activities').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Deletes an activity logged by hand (source `manual`) with its sets; undefined when there is no such activity. */
export async function deleteManualActivity(db: Db, activityId: string): Promise<ActivityRow | undefined> {
  return db.deleteFrom('activities').where('id', '=', activityId).where('source', '=', 'manual').returningAll().executeTakeFirst();
}

/** An activity by its id or the first characters of it (at least 4): undefined when none, `ambiguous` when several. */
export async function findActivityByRef(db: Db, ref: string): Promise<ActivityRow | 'ambiguous' | undefined> {
  const r = ref.trim().toLowerCase();
  if (!/^[0-9a-f-]{4,36}$/.test(r)) return undefined;
  const rows = await db
    .selectFrom('activities')
    .selectAll()
    .where((eb) => eb(eb.cast('id', 'text'), 'like', `${r}%`))
    .limit(2)
    .execute();
  return rows.length > 1 ? 'ambiguous' : rows[0];
}
