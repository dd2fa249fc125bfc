/** Reads analysis inputs and writes analysis results. */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ActivityMetrics, LoadState, Physiology } from '../../domain/analysis.ts';
import type { WeekDocument } from '../../domain/week-document.ts';
import type { ActivitySource, AnalysisActivity, AnalysisStreams, Lap } from '../../domain/activity.ts';
import type { PlannedSessionRef } from '../../domain/plan.ts';
import { decodeAnalysisStreams, decodeAnalysisStreamsInTurns } from '../../domain/streams-codec.ts';
import { PIECE_BYTES } from '../pieces.ts';
import { isoWeekOf } from '../../domain/iso-week.ts';
import { toLap, withWholeBlobs } from './activities.ts';
import { nextTurn } from '../../util/event-loop.ts';
import { toPlannedSession } from './plans.ts';
import type { DailyLoadTable, Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface AnalysisActivityRow extends AnalysisActivity {
  source: ActivitySource;
  sport: string;
  subSport: string | null;
  /** The athlete's note on the activity. */
  note: string | null;
  /** Changes whenever the stored activity changes (the athlete's RPE and note included). */
  updatedAt: Date;
}

/**
 * Activities of local dates [from, to] with laps and streams (or only runs, or at most `limit`
 * newest; `withLaps`/`withStreams: false` leave laps empty and streams null).
 */
export async function analysisActivities(
  db: Db,
  athleteId: string,
  range: { from: string; to: string },
  opts: { runsOnly?: boolean; limit?: number; withStreams?: boolean; withLaps?: boolean } = {},
): Promise<AnalysisActivityRow[]> {
  let q = db
    .selectFrom('activities')
    .selectAll()
    .where('athlete_id', '=', athleteId)
    .where('local_date', '>=', range.from)
    .where('local_date', '<=', range.to);
  if (opts.runsOnly === true) q = q.where('category', '=', 'run');
  q = q.orderBy('start_time', 'desc').orderBy('id');
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  const rows = await q.execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [lapsBy, streamsBy] = await Promise.all([
    opts.withLaps === false ? Promise.resolve(new Map<string, Lap[]>()) : lapsOf(db, ids),
    opts.withStreams === false ? Promise.resolve(new Map<string, AnalysisStreams>()) : streamsOf(db, ids),
  ]);
  return rows.map((r) => ({
    id: r.id,
    category: r.category,
    source: r.source,
    sport: r.sport,
    subSport: r.sub_sport,
    localDate: r.local_date,
    startTime: r.start_time,
    elapsedS: r.elapsed_s,
    movingS: r.moving_s,
    distanceM: r.distance_m,
    avgHr: r.avg_hr,
    maxHr: r.max_hr,
    laps: lapsBy.get(r.id) ?? [],
    updatedAt: r.updated_at,
    streams: streamsBy.get(r.id) ?? null,
    rpe: r.rpe,
    note: r.note,
  }));
}

/** Laps of the given activities, in order. */
export async function lapsOf(db: Db, ids: readonly string[]): Promise<Map<string, Lap[]>> {
  const lapsBy = new Map<string, Lap[]>();
  if (ids.length === 0) return lapsBy;
  const laps = await db.selectFrom('laps').selectAll().where('activity_id', 'in', ids).orderBy('activity_id').orderBy('lap_index').execute();
  for (const l of laps) {
    const list = lapsBy.get(l.activity_id) ?? [];
    list.push(toLap(l));
    lapsBy.set(l.activity_id, list);
  }
  return lapsBy;
}

/** The athlete's latest activity date, or undefined without activities. */
export async function latestActivityDate(db: Db, athleteId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('activities')
    .select((eb) => eb.fn.max('local_date').as('last'))
    .where('athlete_id', '=', athleteId)
    .executeTakeFirst();
  return row?.last ?? undefined;
}

/** The active plan's sessions on local dates [from, to]. */
export async function activePlanSessions(db: Db, athleteId: string, range: { from: string; to: string }): Promise<PlannedSessionRef[]> {
  const rows = await db
    .selectFrom('planned_sessions as s')
    .innerJoin('plans as p', 'p.id', 's.plan_id')
    .selectAll('s')
    .where('p.athlete_id', '=', athleteId)
    .where('p.active', '=', true)
    .where('s.date', '>=', range.from)
    .where('s.date', '<=', range.to)
    .orderBy('s.date')
    .orderBy('s.day_order')
    .orderBy('s.id')
    .execute();
  return rows.map(toPlannedSession);
}

export async function runDistanceBetween(db: Db, athleteId: string, range: { from: string; to: string }): Promise<number> {
  const row = await db
    .selectFrom('activities')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('distance_m'), sql<number>`0`).as('m'))
    .where('athlete_id', '=', athleteId)
    .where('category', '=', 'run')
    .where('local_date', '>=', range.from)
    .where('local_date', '<=', range.to)
    .executeTakeFirst();
  return Number(row?.m ?? 0);
}

/** The sample channels analysis reads, of the given activities (those that have samples). */
export async function streamsOf(db: Db, ids: readonly string[]): Promise<Map<string, AnalysisStreams>> {
  if (ids.length === 0) return new Map();
  const stored = await db.selectFrom('activity_streams').select(['activity_id', 'data']).where('activity_id', 'in', ids).execute();
  // A large blob is read a piece a statement with a turn of the event loop between (activities.ts).
  const rows = await withWholeBlobs(db, stored, nextTurn);
  const streams = new Map<string, AnalysisStreams>();
  for (const r of rows) {
    // A blob of more than a piece (a million samples and more) is decoded a channel a turn.
    streams.set(r.activity_id, r.data.length > PIECE_BYTES ? await decodeAnalysisStreamsInTurns(r.data, nextTurn) : decodeAnalysisStreams(r.data));
  }
  return streams;
}

/** Stored metrics of the given activities with the fingerprint of what they were computed from. */
export async function storedMetrics(db: Db, ids: readonly string[]): Promise<Map<string, { inputKey: string; metrics: ActivityMetrics }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('activity_metrics').select(['activity_id', 'input_key', 'data']).where('activity_id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.activity_id, { inputKey: r.input_key, metrics: r.data }]));
}

export async function saveActivityMetrics(
  trx: Transaction<Database>,
  athleteId: string,
  items: { localDate: string; inputKey: string; metrics: ActivityMetrics }[],
  now: Date,
): Promise<void> {
  if (items.length === 0) return;
  await trx
    .insertInto('activity_metrics')
    .values(
      items.map(({ localDate, inputKey, metrics: m }) => ({
        activity_id: m.activityId,
        input_key: inputKey,
        athlete_id: athleteId,
        local_date: localDate,
        basis: m.basis,
        load: m.load,
        trimp: m.trimp,
        intensity: m.intensity,
        long: m.long,
        data: JSON.stringify(m),
        computed_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.column('activity_id').doUpdateSet((eb) => ({
        local_date: eb.ref('excluded.local_date'),
        basis: eb.ref('excluded.basis'),
        load: eb.ref('excluded.load'),
        trimp: eb.ref('excluded.trimp'),
        intensity: eb.ref('excluded.intensity'),
        long: eb.ref('excluded.long'),
        input_key: eb.ref('excluded.input_key'),
        data: eb.ref('excluded.data'),
        computed_at: eb.ref('excluded.computed_at'),
      })),
    )
    .execute();
}

/** Daily loads (sum of activity loads per local date) from `from` on. */
export async function dailyLoadInputs(db: Db, athleteId: string, from: string): Promise<{ date: string; load: number }[]> {
  const rows = await db
    .selectFrom('activity_metrics')
    .select(['local_date', 'load'])
    .where('athlete_id', '=', athleteId)
    .where('local_date', '>=', from)
    .orderBy('local_date')
    .orderBy('activity_id')
    .execute();
  return rows.map((r) => ({ date: r.local_date, load: r.load }));
}

/** Stored load states of dates [from, to] (`to` null: every later day), in date order. */
export async function loadStatesBetween(db: Db, athleteId: string, range: { from: string; to: string | null }): Promise<LoadState[]> {
  let q = db.selectFrom('daily_load').selectAll().where('athlete_id', '=', athleteId).where('date', '>=', range.from);
  if (range.to !== null) q = q.where('date', '<=', range.to);
  const rows = await q.orderBy('date').execute();
  return rows.map(toLoadState);
}

function toLoadState(r: Selectable<DailyLoadTable>): LoadState {
  return {
    date: r.date,
    load: r.load,
    acute: r.acute,
    chronic: r.chronic,
    form: r.form,
    acwrAcute: r.acwr_acute,
    acwrChronic: r.acwr_chronic,
    acwr: r.acwr,
    day: r.day,
  };
}

/**
 * Replaces the stored load states from `states[0].date` on (later stale days are removed too), 1,000
 * days a statement; `between` runs between two statements (the caller hands the event loop back).
 */
export async function replaceLoadStates(
  trx: Transaction<Database>,
  athleteId: string,
  from: string,
  states: LoadState[],
  between: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  await trx.deleteFrom('daily_load').where('athlete_id', '=', athleteId).where('date', '>=', from).execute();
  for (let i = 0; i < states.length; i += 1000) {
    await between();
    await trx
      .insertInto('daily_load')
      .values(
        states.slice(i, i + 1000).map((s) => ({
          athlete_id: athleteId,
          date: s.date,
          load: s.load,
          acute: s.acute,
          chronic: s.chronic,
          form: s.form,
          acwr_acute: s.acwrAcute,
          acwr_chronic: s.acwrChronic,
          acwr: s.acwr,
          day: s.day,
        })),
      )
      .execute();
  }
}

/** Stores week documents (insert or replace), in one statement per 100 weeks. */
export async function saveWeeks(trx: Transaction<Database>, docs: readonly WeekDocument[], now: Date): Promise<void> {
  for (let i = 0; i < docs.length; i += 100) {
    await trx
      .insertInto('week_compliance')
      .values(
        docs.slice(i, i + 100).map((doc) => ({
          athlete_id: doc.athleteId,
          iso_week: doc.isoWeek,
          score: doc.compliance.score,
          planned_distance_m: doc.compliance.planned.distanceM,
          actual_distance_m: doc.compliance.actual.distanceM,
          data: JSON.stringify(doc),
          computed_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['athlete_id', 'iso_week']).doUpdateSet((eb) => ({
          score: eb.ref('excluded.score'),
          planned_distance_m: eb.ref('excluded.planned_distance_m'),
          actual_distance_m: eb.ref('excluded.actual_distance_m'),
          data: eb.ref('excluded.data'),
          computed_at: eb.ref('excluded.computed_at'),
        })),
      )
      .execute();
  }
}

export async function getWeek(db: Db, athleteId: string, isoWeek: string): Promise<WeekDocument | undefined> {
  const row = await db
    .selectFrom('week_compliance')
    .select('data')
    .where('athlete_id', '=', athleteId)
    .where('iso_week', '=', isoWeek)
    .executeTakeFirst();
  return row?.data;
}

/** Stored week documents of the athlete from `isoWeek` on (ISO week strings sort in time order), but not those `except`. */
export async function storedWeeksFrom(db: Db, athleteId: string, isoWeek: string, except: readonly string[] = []): Promise<WeekDocument[]> {
  let q = db.selectFrom('week_compliance').select('data').where('athlete_id', '=', athleteId).where('iso_week', '>=', isoWeek);
  if (except.length > 0) q = q.where('iso_week', 'not in', except);
  const rows = await q.orderBy('iso_week').execute();
  return rows.map((r) => r.data);
}

/** A fingerprint of the runs physiology would be estimated from: changes when any of them changes. */
export async function runsFingerprint(db: Db, athleteId: string, range: { from: string; to: string }): Promise<string> {
  const row = await db
    .selectFrom('activities')
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.max('created_at').as('latest'), eb.fn.max(sql<string>`id::text`).as('maxId')])
    .where('athlete_id', '=', athleteId)
    .where('category', '=', 'run')
    .where('local_date', '>=', range.from)
    .where('local_date', '<=', range.to)
    .executeTakeFirst();
  const latest = row?.latest;
  return `${row?.n ?? 0}|${latest instanceof Date ? latest.toISOString() : String(latest ?? '')}|${row?.maxId ?? ''}`;
}

export async function cachedPhysiology(db: Db, athleteId: string, basis: string): Promise<Physiology | undefined> {
  const row = await db
    .selectFrom('athlete_physiology')
    .select(['basis', 'data'])
    .where('athlete_id', '=', athleteId)
    .executeTakeFirst();
  return row !== undefined && row.basis === basis ? row.data : undefined;
}

export async function savePhysiology(db: Db, athleteId: string, basis: string, physiology: Physiology, now: Date): Promise<void> {
  const values = { athlete_id: athleteId, basis, data: JSON.stringify(physiology), computed_at: now };
  await db
    .insertInto('athlete_physiology')
    .values(values)
    .onConflict((oc) => oc.column('athlete_id').doUpdateSet({ basis, data: values.data, computed_at: now }))
    .execute();
}

/** The goal race date of the athlete's active plan: the plan's race, else its last `race` session. */
export async function activePlanRaceDate(db: Db, athleteId: string): Promise<string | undefined> {
  const plan = await db
    .selectFrom('plans')
    .select(['id', 'race_date'])
    .where('athlete_id', '=', athleteId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (plan === undefined) return undefined;
  if (plan.race_date !== null) return plan.race_date;
  const race = await db
    .selectFrom('planned_sessions')
    .select((eb) => eb.fn.max('date').as('date'))
    .where('plan_id', '=', plan.id)
    .where('kind', '=', 'race')
    .executeTakeFirst();
  return race?.date ?? undefined;
}

/** Re-dates every activity of the athlete in a new time zone (local date = the start instant there). */
export async function redateActivities(trx: Transaction<Database>, athleteId: string, timezone: string): Promise<void> {
  await trx
    .updateTable('activities')
    .set({
      local_date: sql<string>`(start_time at time zone ${timezone})::date`,
      timezone,
      updated_at: sql<Date>`now()`,
    })
    .where('athlete_id', '=', athleteId)
    .execute();
}

/** ISO weeks of the athlete's first and last activity or planned session of the active plan. */
export async function weekSpan(db: Db, athleteId: string): Promise<{ first: string; last: string } | undefined> {
  const acts = await db
    .selectFrom('activities')
    .select((eb) => [eb.fn.min('local_date').as('first'), eb.fn.max('local_date').as('last')])
    .where('athlete_id', '=', athleteId)
    .executeTakeFirst();
  const plan = await db
    .selectFrom('planned_sessions as s')
    .innerJoin('plans as p', 'p.id', 's.plan_id')
    .select((eb) => [eb.fn.min('s.date').as('first'), eb.fn.max('s.date').as('last')])
    .where('p.athlete_id', '=', athleteId)
    .where('p.active', '=', true)
    .executeTakeFirst();
  const dates = [acts?.first, acts?.last, plan?.first, plan?.last].filter((d): d is string => typeof d === 'string').sort();
  if (dates.length === 0) return undefined;
  return { first: isoWeekOf(dates[0]!), last: isoWeekOf(dates.at(-1)!) };
}

/**
 * Athlete-weeks with an activity written since `since` whose week document is missing or older than
 * that activity: their analysis job was lost (Redis lost it, or it was never queued), or is still
 * waiting. For the reconciliation (src/services/upload-recovery.ts), which queues them again.
 */
export async function weeksBehindTheirActivities(db: Kysely<Database>, since: Date): Promise<{ athleteId: string; isoWeek: string }[]> {
  const rows = await sql<{ athlete_id: string; iso_week: string }>`
    select distinct a.athlete_id, to_char(a.local_date, 'IYYY-"W"IW') as iso_week
    from activities a
    where a.updated_at >= ${since}
      and not exists (
        select 1 from week_compliance w
        where w.athlete_id = a.athlete_id and w.iso_week = to_char(a.local_date, 'IYYY-"W"IW') and w.computed_at >= a.updated_at
      )
    order by 1, 2`.execute(db);
  return rows.rows.map((r) => ({ athleteId: r.athlete_id, isoWeek: r.iso_week }));
}
