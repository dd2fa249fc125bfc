/** Secret calendar feed addresses (docs/web.md, "Calendar subscription"): one per athlete. */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Athlete, Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

function newFeedToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The athlete's feed token, created on first use (concurrent first uses agree on one). */
export async function calendarFeedToken(db: Db, athleteId: string, now: Date): Promise<string> {
  await db
    .insertInto('calendar_feeds')
    .values({ athlete_id: athleteId, token: newFeedToken(), created_at: now })
    .onConflict((oc) => oc.column('athlete_id').doNothing())
    .execute();
  const row = await db.selectFrom('calendar_feeds').select('token').where('athlete_id', '=', athleteId).executeTakeFirstOrThrow();
  return row.token;
}

/** A new token for the athlete: the old address stops working at once. */
export async function resetCalendarFeedToken(db: Db, athleteId: string, now: Date): Promise<string> {
  const token = newFeedToken();
  await db
    .insertInto('calendar_feeds')
    .values({ athlete_id: athleteId, token, created_at: now })
    .onConflict((oc) => oc.column('athlete_id').doUpdateSet({ token, created_at: now }))
    .execute();
  return token;
}

/** The athlete whose feed this token opens, if any. */
export async function athleteByFeedToken(db: Db, token: string): Promise<Athlete | undefined> {
  return db.selectFrom('calendar_feeds').innerJoin('athletes', 'athletes.id', 'calendar_feeds.athlete_id').selectAll('athletes').where('calendar_feeds.token', '=', token).executeTakeFirst();
}
