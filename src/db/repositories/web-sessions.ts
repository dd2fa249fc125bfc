/** Web sessions and email sign-in links (docs/web.md): only SHA-256 hashes of their secrets are stored. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface WebSession {
  id: string;
  athleteId: string;
  lastSeenAt: Date;
  expiresAt: Date;
}

export async function insertWebSession(db: Db, s: { athleteId: string; tokenHash: string; now: Date; expiresAt: Date }): Promise<WebSession> {
  const row = await db
    .insertInto('web_sessions')
    .values({ athlete_id: s.athleteId, token_hash: s.tokenHash, created_at: s.now, last_seen_at: s.now, expires_at: s.expiresAt })
    .returning(['id', 'athlete_id', 'last_seen_at', 'expires_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, athleteId: row.athlete_id, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
}

/** The live (unexpired) session with this hash, if any. */
export async function findWebSession(db: Db, tokenHash: string, now: Date): Promise<WebSession | undefined> {
  const row = await db
    .selectFrom('web_sessions')
    .select(['id', 'athlete_id', 'last_seen_at', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, athleteId: row.athlete_id, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
}

/** Sliding expiry: the session lives on from `now`. */
export async function touchWebSession(db: Db, id: string, now: Date, expiresAt: Date): Promise<void> {
  await db.updateTable('web_sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id', '=', id).execute();
}

export async function deleteWebSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('id', '=', id).execute();
}

export async function insertLoginLink(db: Db, link: { email: string; tokenHash: string; timezone: string | null; now: Date; expiresAt: Date }): Promise<void> {
  await db
    .insertInto('web_login_links')
    .values({ email: link.email, token_hash: link.tokenHash, timezone: link.timezone, created_at: link.now, expires_at: link.expiresAt })
    .execute();
}

/** Unexpired sign-in links of an address (a cap on them stops mail floods to one inbox). */
export async function liveLoginLinks(db: Db, email: string, now: Date): Promise<number> {
  const row = await db
    .selectFrom('web_login_links')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('email', '=', email)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Uses a sign-in link: deletes it and returns its email and time zone when it existed and had not
 * expired. One statement, so two concurrent uses cannot both succeed. Expired links go too.
 */
export async function consumeLoginLink(db: Db, tokenHash: string, now: Date): Promise<{ email: string; timezone: string | null } | undefined> {
  const row = await db.deleteFrom('web_login_links').where('token_hash', '=', tokenHash).returning(['email', 'timezone', 'expires_at']).executeTakeFirst();
  await db.deleteFrom('web_login_links').where('expires_at', '<=', now).execute();
  if (row === undefined || row.expires_at.getTime() <= now.getTime()) return undefined;
  return { email: row.email, timezone: row.timezone };
}

/** Pending sign-in links of an address (deleting an account removes them too). */
export async function deleteLoginLinksOf(db: Db, email: string): Promise<void> {
  await db.deleteFrom('web_login_links').where('email', '=', email).execute();
}

/** The athlete who signs in with this email address (any letter case; addresses are unique, so at most one). */
export async function athleteIdByEmail(db: Db, email: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('athletes')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  return row?.id;
}
