/**
 * Connecting a Strava account: the web OAuth flow (state, cookie, scopes, create or link the athlete,
 * backfill queued), tokens sealed at rest and refreshed before expiry (once, however many workers ask),
 * a refused refresh marking the connection, and the CLI path (`kinetic strava connect`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { findConnection } from '../../src/db/repositories/strava.ts';
import { accessTokenFor, StravaConnectionInactiveError } from '../../src/services/strava-connection.ts';
import { admin, createAthleteViaApi, json } from '../support/api.ts';
import { runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { FakeClock, FakeStrava, type FakeAthlete } from '../support/fake-strava.ts';
import { createStravaApi, stravaEnv, type StravaApi } from '../support/strava.ts';

const NOW = new Date();

/** Follows the browser through Kinetic → Strava's authorize page → Kinetic's callback. */
async function oauthDance(
  api: StravaApi,
  fake: FakeStrava,
  opts: { headers?: Record<string, string>; query?: string; cookie?: boolean; tamper?: (url: URL) => void } = {},
): Promise<{ status: number; body: string; location: URL }> {
  const start = await api.app.inject({ method: 'GET', url: `/auth/strava${opts.query ?? ''}`, headers: opts.headers ?? {} });
  expect(start.statusCode, start.body).toBe(302);
  const location = new URL(start.headers.location as string);
  const cookie = String(start.headers['set-cookie']).split(';')[0]!;
  const atStrava = await fetch(location, { redirect: 'manual' });
  const back = new URL(atStrava.headers.get('location')!);
  opts.tamper?.(back);
  const callback = await api.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: opts.cookie === false ? {} : { cookie } });
  return { status: callback.statusCode, body: callback.body, location };
}

describe('connecting Strava', () => {
  let t: TestDb;
  let fake: FakeStrava;
  let api: StravaApi;
  let paula: FakeAthlete;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    fake = await new FakeStrava({ clock: new FakeClock(NOW) }).start();
    paula = fake.addAthlete({ firstname: 'Paula', lastname: 'Radcliffe', sex: 'F' });
    fake.addHistory(paula.id, { count: 12, end: NOW, runShare: 0.6 });
    api = await createStravaApi(t, fake, { KINETIC_PUBLIC_URL: 'http://kinetic.test' });
  });
  afterAll(async () => {
    await api?.close();
    await fake?.stop();
    await t?.drop();
  });

  it('redirects to Strava with the scopes, a signed state and a state cookie', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/auth/strava' });
    expect(res.statusCode).toBe(302);
    const to = new URL(res.headers.location as string);
    expect(`${to.origin}${to.pathname}`).toBe(`${fake.oauthUrl}/authorize`);
    expect(to.searchParams.get('scope')).toBe('read,activity:read_all');
    expect(to.searchParams.get('client_id')).toBe(fake.clientId);
    expect(to.searchParams.get('redirect_uri')).toBe('http://kinetic.test/auth/strava/callback');
    expect(to.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(to.toString()).not.toContain(fake.clientSecret);
    expect(String(res.headers['set-cookie'])).toMatch(/^kinetic_strava_oauth=[\w-]+; Path=\/auth\/strava; HttpOnly; SameSite=Lax; Max-Age=900$/);
  });

  it('a new Strava user: creates the athlete, stores sealed tokens, imports the history', async () => {
    fake.authorizeAs = { athleteId: paula.id };
    const r = await oauthDance(api, fake);
    expect(r.status, r.body).toBe(200);
    expect(r.body).toContain('Connected to Strava as <strong>Paula Radcliffe</strong> (a new Kinetic athlete was created for you)');
    const athlete = await t.db.selectFrom('athletes').selectAll().where('name', '=', 'Paula Radcliffe').executeTakeFirstOrThrow();
    expect(athlete.sex).toBe('f');
    const conn = (await findConnection(t.db, athlete.id))!;
    expect(conn.strava_athlete_id).toBe(paula.id);
    expect(conn.scopes).toBe('read,activity:read_all');
    expect(conn.access_token).toMatch(/^v1\./);
    for (const token of fake.issuedTokens()) {
      expect(conn.access_token).not.toContain(token);
      expect(conn.refresh_token).not.toContain(token);
    }
    await api.app.background.idle();
    expect(api.app.background.failedCount).toBe(0);
    const stored = await t.db.selectFrom('activities').select(['source', 'source_id']).where('athlete_id', '=', athlete.id).execute();
    expect(stored.map((a) => a.source_id).sort()).toEqual(fake.activityIds(paula.id).sort());
    expect(new Set(stored.map((a) => a.source))).toEqual(new Set(['strava']));
    const status = json<{ connected: boolean; status: string; backfill: string }>(await api.app.inject({ method: 'GET', url: `/athletes/${athlete.id}/strava`, headers: admin }));
    expect(status).toMatchObject({ connected: true, status: 'active', backfill: 'done', stravaAthleteId: paula.id });
  });

  it('connecting again finds the same athlete (no second one)', async () => {
    const r = await oauthDance(api, fake);
    expect(r.status).toBe(200);
    expect(r.body).not.toContain('new Kinetic athlete');
    expect(Number((await t.db.selectFrom('athletes').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(1);
    await api.app.background.idle();
  });

  it('with an athlete token, links that athlete; a Strava account linked elsewhere is refused', async () => {
    const kim = await createAthleteViaApi(api.app, { name: 'Kim' });
    const kimStrava = fake.addAthlete({ firstname: 'Kim', lastname: 'Smith' });
    fake.authorizeAs = { athleteId: kimStrava.id };
    const r = await oauthDance(api, fake, { headers: kim.headers });
    expect(r.status, r.body).toBe(200);
    expect((await findConnection(t.db, kim.id))?.strava_athlete_id).toBe(kimStrava.id);
    await api.app.background.idle();

    fake.authorizeAs = { athleteId: paula.id };
    const conflict = await oauthDance(api, fake, { headers: kim.headers });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toContain('already connected to another Kinetic athlete');
    expect((await findConnection(t.db, kim.id))?.strava_athlete_id).toBe(kimStrava.id);
  });

  it('refuses a callback without the state cookie, with a forged state, or an expired one', async () => {
    fake.authorizeAs = { athleteId: paula.id };
    expect((await oauthDance(api, fake, { cookie: false })).status).toBe(400);
    const forged = await oauthDance(api, fake, { tamper: (u) => u.searchParams.set('state', `${u.searchParams.get('state')!.split('.')[0]}.AAAA`) });
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('This link is not valid');
  });

  it('a user who declined, or unticked activity access, gets a page saying so', async () => {
    fake.authorizeAs = { athleteId: paula.id, deny: true };
    const denied = await oauthDance(api, fake);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('you chose not to authorize Kinetic');
    fake.authorizeAs = { athleteId: paula.id, scope: 'read' };
    const noActivities = await oauthDance(api, fake);
    expect(noActivities.status).toBe(403);
    expect(noActivities.body).toContain('View data about your activities');
    expect(noActivities.body).toContain('activity:read_all');
    expect(noActivities.body).toContain('You granted: <code>read</code>');
  });

  it('refreshes a token before it expires, once for many callers, storing the rotated refresh token', async () => {
    const athlete = await t.db.selectFrom('athletes').select('id').where('name', '=', 'Paula Radcliffe').executeTakeFirstOrThrow();
    const before = (await findConnection(t.db, athlete.id))!;
    const first = await accessTokenFor(t.db, api.strava, athlete.id);
    expect(fake.count('token')).toBeGreaterThan(0);
    const tokenCalls = fake.count('token');
    // 5 h 55 min later: within the 10-minute margin.
    fake.clock.advance((5 * 60 + 55) * 60_000);
    const tokens = await Promise.all(Array.from({ length: 6 }, () => accessTokenFor(t.db, api.strava, athlete.id)));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first);
    expect(fake.count('token')).toBe(tokenCalls + 1);
    const after = (await findConnection(t.db, athlete.id))!;
    expect(after.token_version).toBe(before.token_version + 1);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.expires_at!.getTime()).toBeGreaterThan(before.expires_at!.getTime());
    // The new token works; the old refresh token does not (rotation).
    await expect(api.strava.client.getAthlete(tokens[0]!)).resolves.toMatchObject({ id: paula.id });
  });

  it('a refused refresh (access revoked on Strava) marks the connection, and only that one', async () => {
    const paulaId = (await t.db.selectFrom('athletes').select('id').where('name', '=', 'Paula Radcliffe').executeTakeFirstOrThrow()).id;
    const kimId = (await t.db.selectFrom('athletes').select('id').where('name', '=', 'Kim').executeTakeFirstOrThrow()).id;
    fake.revoke(paula.id);
    fake.clock.advance(6 * 3600_000);
    const err = await accessTokenFor(t.db, api.strava, paulaId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StravaConnectionInactiveError);
    const conn = (await findConnection(t.db, paulaId))!;
    expect(conn).toMatchObject({ status: 'needs_reauth', access_token: null, refresh_token: null });
    expect(conn.status_reason).toContain('connect again');
    const status = json<{ status: string; statusReason: string }>(await api.app.inject({ method: 'GET', url: `/athletes/${paulaId}/strava`, headers: admin }));
    expect(status.status).toBe('needs_reauth');
    // Kim's connection is untouched and still refreshes.
    await expect(accessTokenFor(t.db, api.strava, kimId)).resolves.toMatch(/^[0-9a-f]{40}$/);
    expect((await findConnection(t.db, kimId))!.status).toBe('active');
    // Connecting again clears it.
    fake.authorizeAs = { athleteId: paula.id };
    expect((await oauthDance(api, fake)).status).toBe(200);
    expect((await findConnection(t.db, paulaId))!.status).toBe('active');
    await api.app.background.idle();
  });

  it('deleting an athlete revokes access on Strava first, refreshing an expired token to do so', async () => {
    const kimId = (await t.db.selectFrom('athletes').select('id').where('name', '=', 'Kim').executeTakeFirstOrThrow()).id;
    fake.clock.advance(7 * 3600_000); // Kim's access token has expired
    const tokenCalls = fake.count('token');
    const revoked = fake.count('deauthorize', 200);
    const res = await api.app.inject({ method: 'DELETE', url: `/athletes/${kimId}`, headers: admin });
    expect(res.statusCode, res.body).toBe(204);
    expect(fake.count('token')).toBe(tokenCalls + 1);
    expect(fake.count('deauthorize', 200)).toBe(revoked + 1);
    expect(await findConnection(t.db, kimId)).toBeUndefined();
    expect(await t.db.selectFrom('athletes').select('id').where('id', '=', kimId).execute()).toEqual([]);
  });

  it('no token, code or verify token in the API logs', () => {
    const logs = api.lines.map((l) => JSON.stringify(l)).join('\n');
    expect(logs).toContain('Strava connected');
    for (const token of fake.tokenHistory) expect(logs).not.toContain(token);
    expect(logs).not.toMatch(/code=[0-9a-f]{40}/);
    expect(logs).not.toContain(fake.clientSecret);
  });

  it('no token in plain text anywhere in the database', async () => {
    const dump = await sql<{ t: string }>`select string_agg(row_to_json(c)::text, ' ') as t from strava_connections c`.execute(t.db);
    const text = dump.rows[0]!.t;
    for (const token of fake.issuedTokens()) expect(text).not.toContain(token);
  });
});

describe('kinetic strava connect (CLI)', () => {
  let t: { url: string; drop(): Promise<void> };
  let fake: FakeStrava;

  beforeAll(async () => {
    const { createPostgresDatabase } = await import('../support/db.ts');
    t = await createPostgresDatabase();
    fake = await new FakeStrava({ clock: new FakeClock(new Date()) }).start();
  });
  afterAll(async () => {
    await fake?.stop();
    await t?.drop();
  });

  it('prints the authorize address, then connects with the code and imports', async () => {
    const env = { DATABASE_URL: t.url, ...stravaEnv(fake) };
    const who = fake.addAthlete({ firstname: 'Eliud', lastname: 'Kipchoge', sex: 'M' });
    fake.addHistory(who.id, { count: 9, end: new Date(), runShare: 0.67 });

    const first = await runCli(['strava', 'connect'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`${fake.oauthUrl}/authorize?client_id=${fake.clientId}&redirect_uri=http%3A%2F%2Flocalhost%2Fexchange_token`);
    expect(first.stdout).toContain('scope=read%2Cactivity%3Aread_all');

    const redirect = `http://localhost/exchange_token?state=&code=${fake.issueCode(who.id)}&scope=read,activity:read_all`;
    const second = await runCli(['strava', 'connect', '--code', redirect], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/connected Strava account Eliud Kipchoge to athlete Eliud Kipchoge \([0-9a-f-]{36}\), a new athlete/);
    expect(second.stdout).toMatch(/synced: 9 activities listed \(\d pages?\), laps and streams of \d+ runs; \d+ requests to Strava/);
    for (const token of fake.issuedTokens()) {
      expect(second.stdout + second.stderr).not.toContain(token);
    }

    const reused = await runCli(['strava', 'connect', '--code', redirect], env);
    expect(reused.code).toBe(2);
    expect(reused.stderr).toContain('Strava did not accept the code');

    const unticked = await runCli(['strava', 'connect', '--code', `http://localhost/exchange_token?code=${fake.issueCode(who.id, 'read')}&scope=read`], env);
    expect(unticked.code).toBe(2);
    expect(unticked.stderr).toContain('without access to your activities');
  });

  it('says what is missing when Strava is not configured', async () => {
    const r = await runCli(['strava', 'connect'], { DATABASE_URL: t.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Strava is not configured: set STRAVA_CLIENT_ID, STRAVA_CLIENT_SECRET, KINETIC_SECRET');
  });
});
