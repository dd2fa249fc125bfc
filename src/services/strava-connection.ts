/**
 * An athlete's Strava connection: connecting with an authorization code (creating or linking the
 * athlete), and an access token that is valid now.
 *
 * Tokens are sealed (crypto.ts) before they reach the database and opened only to make a request.
 * A token that expires within `REFRESH_MARGIN_MS` is refreshed first, under a row lock on the
 * connection, and the new access token, its expiry and the rotated refresh token are written in one
 * statement: two workers never refresh with the same refresh token (Strava invalidates the old one
 * once it has issued a new one). A refused refresh or a 401 marks the connection `needs_reauth`
 * (tokens dropped): that athlete's sync stops, everyone else's goes on.
 */
import type { Kysely, Transaction } from 'kysely';
import { createAthlete, findAthlete } from '../db/repositories/athletes.ts';
import {
  findConnection,
  findConnectionByStravaAthlete,
  lockConnection,
  markNeedsReauth,
  saveConnection,
  updateTokens,
  type SealedTokens,
  type StravaConnection,
} from '../db/repositories/strava.ts';
import type { Athlete, Database } from '../db/schema.ts';
import type { SecretBox } from '../ingest/strava/crypto.ts';
import { StravaOAuthError } from '../ingest/strava/errors.ts';
import type { RefreshedToken } from '../ingest/strava/schemas.ts';
import type { StravaServices } from '../ingest/strava/services.ts';

/** Refresh this long before the access token expires. */
export const REFRESH_MARGIN_MS = 10 * 60_000;

/** The scopes Kinetic asks for: the profile, and every activity including private ones. */
export const REQUESTED_SCOPES = 'read,activity:read_all';

/** The athlete has no usable connection: never connected, or it needs re-authorisation. */
export class StravaConnectionInactiveError extends Error {
  override name = 'StravaConnectionInactiveError';
}

/** The Strava account is already connected to another Kinetic athlete. */
export class StravaAccountInUseError extends Error {
  override name = 'StravaAccountInUseError';
}

/** What the granted scopes allow: `activity:read_all` (everything), `activity:read` (no private activities), or nothing. */
export function activityAccess(scopes: string): 'all' | 'public' | 'none' {
  const set = new Set(scopes.split(/[,\s]+/).filter((s) => s !== ''));
  if (set.has('activity:read_all')) return 'all';
  if (set.has('activity:read')) return 'public';
  return 'none';
}

function sealTokens(box: SecretBox, athleteId: string, t: RefreshedToken): SealedTokens {
  return {
    accessToken: box.seal(t.access_token, `${athleteId}:access`),
    refreshToken: box.seal(t.refresh_token, `${athleteId}:refresh`),
    expiresAt: new Date(t.expires_at * 1000),
  };
}

export interface ConnectInput {
  code: string;
  /** The scopes Strava said were granted (the callback's `scope`). */
  scopes: string;
  /** Link to this athlete (it must exist); a Strava account linked to someone else is a conflict. */
  athleteId?: string;
  /** Without `athleteId` and without an existing link: link to this athlete instead of creating one. */
  fallbackAthleteId?: string;
  /** IANA time zone of an athlete created here (the browser's, from the sign-in page); default UTC. */
  timezone?: string;
  now: Date;
}

export interface ConnectResult {
  athlete: Athlete;
  /** A new athlete was created from the Strava profile. */
  created: boolean;
  connection: StravaConnection;
  stravaName: string;
}

/**
 * Exchanges the code and stores the connection: with the athlete who already has this Strava
 * account, else the one asked for, else a new athlete named after the Strava profile.
 */
export async function connectWithCode(db: Kysely<Database>, s: StravaServices, input: ConnectInput): Promise<ConnectResult> {
  const token = await s.client.exchangeCode(input.code);
  const profile = token.athlete;
  const stravaName = [profile.firstname, profile.lastname].filter((x) => x !== null && x !== undefined && x.trim() !== '').join(' ') || `Strava athlete ${profile.id}`;
  return db.transaction().execute(async (trx) => {
    const linked = await findConnectionByStravaAthlete(trx, profile.id);
    let athlete: Athlete | undefined;
    let created = false;
    if (input.athleteId !== undefined) {
      athlete = await findAthlete(trx, input.athleteId);
      if (athlete === undefined) throw new StravaConnectionInactiveError(`no athlete ${input.athleteId}`);
      if (linked !== undefined && linked.athlete_id !== athlete.id) {
        throw new StravaAccountInUseError(`the Strava account of ${stravaName} is already connected to another Kinetic athlete`);
      }
    } else if (linked !== undefined) {
      athlete = await findAthlete(trx, linked.athlete_id);
    } else if (input.fallbackAthleteId !== undefined) {
      athlete = await findAthlete(trx, input.fallbackAthleteId);
    }
    if (athlete === undefined) {
      const sex = profile.sex === 'M' ? 'm' : profile.sex === 'F' ? 'f' : null;
      athlete = await createAthlete(trx, { name: stravaName, sex, ...(input.timezone !== undefined && { timezone: input.timezone }) });
      created = true;
    }
    const connection = await saveConnection(trx, {
      athleteId: athlete.id,
      stravaAthleteId: profile.id,
      scopes: input.scopes,
      tokens: sealTokens(s.box, athlete.id, token),
      now: input.now,
    });
    return { athlete, created, connection, stravaName };
  });
}

/** A usable access token for the athlete, refreshed first when it is about to expire. */
export async function accessTokenFor(db: Kysely<Database>, s: StravaServices, athleteId: string): Promise<string> {
  const conn = await findConnection(db, athleteId);
  const usable = requireUsable(conn, athleteId);
  const now = s.clock.now();
  if (usable.expiresAt.getTime() - now.getTime() > REFRESH_MARGIN_MS) return s.box.open(usable.access, `${athleteId}:access`);
  const outcome = await db.transaction().execute(async (trx): Promise<{ token: string } | { refused: string }> => {
    const locked = requireUsable(await lockConnection(trx, athleteId), athleteId);
    // Another worker may have refreshed while this one waited for the lock.
    if (locked.expiresAt.getTime() - s.clock.now().getTime() > REFRESH_MARGIN_MS) return { token: s.box.open(locked.access, `${athleteId}:access`) };
    let refreshed: RefreshedToken;
    try {
      refreshed = await s.client.refreshToken(s.box.open(locked.refresh, `${athleteId}:refresh`));
    } catch (err) {
      if (!(err instanceof StravaOAuthError)) throw err;
      const reason = `Strava refused to refresh the access token (${err.message}); connect again`;
      await markNeedsReauth(trx, athleteId, reason, s.clock.now());
      return { refused: reason };
    }
    await updateTokens(trx, athleteId, sealTokens(s.box, athleteId, refreshed), s.clock.now());
    return { token: refreshed.access_token };
  });
  if ('refused' in outcome) throw new StravaConnectionInactiveError(outcome.refused);
  return outcome.token;
}

function requireUsable(conn: StravaConnection | undefined, athleteId: string): { access: string; refresh: string; expiresAt: Date } {
  if (conn === undefined) throw new StravaConnectionInactiveError(`athlete ${athleteId} has no Strava connection`);
  if (conn.status !== 'active' || conn.access_token === null || conn.refresh_token === null || conn.expires_at === null) {
    throw new StravaConnectionInactiveError(`the Strava connection of athlete ${athleteId} needs re-authorisation${conn.status_reason === null ? '' : `: ${conn.status_reason}`}`);
  }
  return { access: conn.access_token, refresh: conn.refresh_token, expiresAt: conn.expires_at };
}

/** Strava answered 401 to a request with this athlete's token: access was revoked (or the token is bad). */
export async function connectionRefused(db: Kysely<Database> | Transaction<Database>, athleteId: string, message: string, now: Date): Promise<void> {
  await markNeedsReauth(db, athleteId, `Strava refused the access token (${message}); connect again`, now);
}
