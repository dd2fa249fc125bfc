/** Pending changes of an athlete's email address (docs/web.md, "Changing the email address"): only the SHA-256 of the link's token is stored. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface PendingEmailChange {
  athleteId: string;
  email: string;
  expiresAt: Date;
}

/** Stores the athlete's pending change, replacing an earlier one (whose link stops working). */
export async function putEmailChange(db: Db, c: { athleteId: string; email: string; tokenHash: string; now: Date; expiresAt: Date }): Promise<void> {
  await db
    .insertInto('email_changes')
    .values({ athlete_id: c.athleteId, email: c.email, token_hash: c.tokenHash, created_at: c.now, expires_at: c.expiresAt })
    .onConflict((oc) => oc.column('athlete_id').doUpdateSet({ email: c.email, token_hash: c.tokenHash, created_at: c.now, expires_at: c.expiresAt }))
    .execute();
}

/** The athlete's pending change, unless it has expired. */
export async function pendingEmailChange(db: Db, athleteId: string, now: Date): Promise<PendingEmailChange | undefined> {
  const row = await db
    .selectFrom('email_changes')
    .select(['athlete_id', 'email', 'expires_at'])
    .where('athlete_id', '=', athleteId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row === undefined ? undefined : { athleteId: row.athlete_id, email: row.email, expiresAt: row.expires_at };
}

/**
 * Uses a confirmation link: deletes the change and returns it when it existed and had not expired.
 * One statement, so two uses cannot both succeed. Expired changes go too.
 */
export async function consumeEmailChange(db: Db, tokenHash: string, now: Date): Promise<PendingEmailChange | undefined> {
  const row = await db.deleteFrom('email_changes').where('token_hash', '=', tokenHash).returning(['athlete_id', 'email', 'expires_at']).executeTakeFirst();
  await db.deleteFrom('email_changes').where('expires_at', '<=', now).execute();
  if (row === undefined || row.expires_at.getTime() <= now.getTime()) return undefined;
  return { athleteId: row.athlete_id, email: row.email, expiresAt: row.expires_at };
}

export async function deleteEmailChange(db: Db, athleteId: string): Promise<void> {
  await db.deleteFrom('email_changes').where('athlete_id', '=', athleteId).execute();
}
