/**
 * Sign-in for the web app (docs/web.md), what is stored of it: one-time sign-in links (`login_links`)
 * and browser sessions (`web_sessions`), each kept only as the SHA-256 of its random secret. The
 * cookies and CSRF tokens around them are src/http/session.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { insertLoginLink, insertWebSession } from '../db/repositories/web-sessions.ts';
import type { Database } from '../db/schema.ts';

/** Sessions last this many days from the last visit. */
export const SESSION_DAYS = 30;
const DAY_MS = 86_400_000;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A new random secret (session id, sign-in token). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** How long an emailed (or printed) sign-in link works. */
export const SIGN_IN_LINK_MINUTES = 15;

/**
 * A one-time sign-in link for `email` (stored only as its SHA-256, expiring after
 * `SIGN_IN_LINK_MINUTES`): the address to open, `<base>/signin/verify?token=…`. Using it signs in
 * the athlete with that email, or creates one in `timezone`.
 */
export async function issueSignInLink(db: Kysely<Database>, o: { base: string; email: string; timezone: string | null; now: Date }): Promise<string> {
  const token = newSecret();
  await insertLoginLink(db, { email: o.email, tokenHash: sha256Hex(token), timezone: o.timezone, now: o.now, expiresAt: new Date(o.now.getTime() + SIGN_IN_LINK_MINUTES * 60_000) });
  return `${o.base.replace(/\/+$/, '')}/signin/verify?token=${encodeURIComponent(token)}`;
}

export function sessionExpiry(now: Date): Date {
  return new Date(now.getTime() + SESSION_DAYS * DAY_MS);
}

/** A new browser session for `athleteId`, stored as its hash: the session id (the cookie's value) is returned only. */
export async function createWebSession(db: Kysely<Database>, athleteId: string, now: Date): Promise<string> {
  const token = newSecret();
  await insertWebSession(db, { athleteId, tokenHash: sha256Hex(token), now, expiresAt: sessionExpiry(now) });
  return token;
}
