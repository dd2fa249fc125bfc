/** Days the athlete could not train (illness, injury, travel): stored periods, both dates included. */
import type { Kysely, Transaction } from 'kysely';
import type { UnavailablePeriod, UnavailableReason } from '../../domain/athlete-input.ts';
import type { Database, UnavailablePeriodRow } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertUnavailablePeriod(
  db: Db,
  input: { athleteId: string; from: string; to: string; reason: UnavailableReason; note: string | null },
): Promise<UnavailablePeriodRow> {
  return db
    .insertInto('unavailable_periods')
    .values({ athlete_id: input.athleteId, from_date: input.from, to_date: input.to, reason: input.reason, note: input.note })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The athlete's periods, earliest first; with a range, those overlapping local dates [from, to]. */
export async function listUnavailablePeriods(db: Db, athleteId: string, range?: { from: string; to: string }): Promise<UnavailablePeriodRow[]> {
  let q = db.selectFrom('unavailable_periods').selectAll().where('athlete_id', '=', athleteId);
  if (range !== undefined) q = q.where('from_date', '<=', range.to).where('to_date', '>=', range.from);
  return q.orderBy('from_date').orderBy('to_date').orderBy('id').execute();
}

/** The periods overlapping local dates [from, to], as analysis reads them. */
export async function unavailablePeriodsBetween(db: Db, athleteId: string, range: { from: string; to: string }): Promise<UnavailablePeriod[]> {
  return (await listUnavailablePeriods(db, athleteId, range)).map((r) => ({ from: r.from_date, to: r.to_date, reason: r.reason }));
}

/** Deletes one of the athlete's periods; undefined when the athlete has no such period. */
export async function deleteUnavailablePeriod(db: Db, athleteId: string, id: string): Promise<UnavailablePeriodRow | undefined> {
  return db.deleteFrom('unavailable_periods').where('athlete_id', '=', athleteId).where('id', '=', id).returningAll().executeTakeFirst();
}
