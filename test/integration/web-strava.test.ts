/**
 * Strava from the web app's settings (docs/web.md): a signed-in browser that follows "Connect with
 * Strava" links Strava to *its* athlete (the session is the athlete on GET /auth/strava), the page
 * shows the connection, and "Disconnect" removes it (with the CSRF token) through the API's route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnection } from '../../src/db/repositories/strava.ts';
import { FakeClock, FakeStrava, type FakeAthlete } from '../support/fake-strava.ts';
import { cookieHeader, createWebTestApp, mergeCookies, signInByEmail, type WebTestApp } from '../support/web.ts';

const NOW = new Date('2026-11-29T20:00:00Z');

describe('Strava in the settings page', () => {
  let w: WebTestApp;
  let fake: FakeStrava;
  let paula: FakeAthlete;

  beforeAll(async () => {
    fake = await new FakeStrava({ clock: new FakeClock(NOW) }).start();
    paula = fake.addAthlete({ firstname: 'Paula', lastname: 'Radcliffe', sex: 'F' });
    w = await createWebTestApp({ at: NOW, env: fake.env() });
  });
  afterAll(async () => {
    await w?.close();
    await fake?.stop();
  });

  it('connects the signed-in athlete, shows the status, and disconnects', async () => {
    const b = await signInByEmail(w.app, w.smtp, 'paula@example.com');
    const id = (await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'paula@example.com').executeTakeFirstOrThrow()).id;
    const before = await b.get('/app/settings');
    expect(before.body).toContain('data-testid="strava-status">Not connected.</p>');
    expect(before.body).toContain('href="/auth/strava">Connect with Strava</a>');

    fake.authorizeAs = { athleteId: paula.id };
    const start = await w.app.inject({ method: 'GET', url: '/auth/strava', headers: { cookie: cookieHeader(b.jar) } });
    expect(start.statusCode, start.body).toBe(302);
    const jar = mergeCookies(b.jar, start.headers['set-cookie']);
    const atStrava = await fetch(start.headers.location as string, { redirect: 'manual' });
    const back = new URL(atStrava.headers.get('location')!);
    const callback = await w.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie: cookieHeader(jar) } });
    expect(callback.statusCode, callback.body).toBe(200);
    expect(callback.body).not.toContain('new Kinetic athlete');
    expect((await findConnection(w.t.db, id))?.strava_athlete_id).toBe(paula.id);
    await w.app.background.idle();

    const after = await b.get('/app/settings');
    expect(after.body).toContain(`data-testid="strava-status">Connected (Strava athlete ${paula.id})`);
    const forged = await b.post('/app/settings/strava/disconnect', { _csrf: 'forged' });
    expect(forged.status).toBe(403);
    const res = await b.post('/app/settings/strava/disconnect', { _csrf: b.csrf });
    expect(res.status, res.body).toBe(303);
    expect(await findConnection(w.t.db, id)).toBeUndefined();
    expect((await b.get('/app/settings?strava=disconnected')).body).toContain('Strava disconnected.');
  });

  it('signs a browser in with Strava: the callback starts a session for the athlete it connected', async () => {
    const signIn = await w.app.inject({ method: 'GET', url: '/signin' });
    expect(signIn.body).toContain('href="/auth/strava" data-browser-timezone-link>Sign in with Strava</a>');
    const kip = fake.addAthlete({ firstname: 'Kip', lastname: 'Keino', sex: 'M' });
    fake.authorizeAs = { athleteId: kip.id };
    // The page's script adds the browser's time zone to the link; a bad one is ignored (UTC).
    const start = await w.app.inject({ method: 'GET', url: '/auth/strava?timezone=America%2FDenver' });
    expect(start.statusCode, start.body).toBe(302);
    let jar = mergeCookies({}, start.headers['set-cookie']);
    const atStrava = await fetch(start.headers.location as string, { redirect: 'manual' });
    const back = new URL(atStrava.headers.get('location')!);
    const callback = await w.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie: cookieHeader(jar) } });
    expect(callback.statusCode, callback.body).toBe(200);
    expect(callback.body).toContain('new Kinetic athlete');
    expect(callback.body).toContain('href="/app"');
    jar = mergeCookies(jar, callback.headers['set-cookie']);
    await w.app.background.idle();
    const home = await w.app.inject({ method: 'GET', url: '/app', headers: { cookie: cookieHeader(jar) } });
    expect(home.statusCode, home.body).toBe(200);
    const connection = await w.t.db.selectFrom('strava_connections').select('athlete_id').where('strava_athlete_id', '=', kip.id).executeTakeFirstOrThrow();
    const athlete = await w.t.db.selectFrom('athletes').select(['name', 'timezone', 'sex']).where('id', '=', connection.athlete_id).executeTakeFirstOrThrow();
    expect(athlete).toEqual({ name: 'Kip Keino', timezone: 'America/Denver', sex: 'm' });
    expect(home.body).toContain(athlete.name);

    // A forged time zone is not stored: the new athlete starts in UTC.
    const ron = fake.addAthlete({ firstname: 'Ron', lastname: 'Hill', sex: 'M' });
    fake.authorizeAs = { athleteId: ron.id };
    const start2 = await w.app.inject({ method: 'GET', url: '/auth/strava?timezone=Mars%2FOlympus' });
    const atStrava2 = await fetch(start2.headers.location as string, { redirect: 'manual' });
    const back2 = new URL(atStrava2.headers.get('location')!);
    const jar2 = mergeCookies({}, start2.headers['set-cookie']);
    expect((await w.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}`, headers: { cookie: cookieHeader(jar2) } })).statusCode).toBe(200);
    const ronRow = await w.t.db
      .selectFrom('strava_connections')
      .innerJoin('athletes', 'athletes.id', 'strava_connections.athlete_id')
      .select('athletes.timezone')
      .where('strava_athlete_id', '=', ron.id)
      .executeTakeFirstOrThrow();
    expect(ronRow.timezone).toBe('UTC');
  });
});
