/**
 * The web app through app.inject (docs/web.md): email sign-in, session cookies, CSRF on every form,
 * sign out, pages, uploads through the page, settings, delete — and that a signed-in athlete can
 * never reach another athlete's pages or files.
 */
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { postUploads } from '../support/api.ts';
import { runCli } from '../support/cli.ts';
import { fixture } from '../support/fixtures.ts';
import { multipart } from '../support/api.ts';
import { browser, cookieHeader, createWebTestApp, mergeCookies, signInByEmail, type Browser, type WebTestApp } from '../support/web.ts';

let w: WebTestApp;

beforeAll(async () => {
  w = await createWebTestApp({ at: new Date('2026-11-29T20:00:00Z') });
});
afterAll(async () => {
  await w?.close();
});

async function waitForUploads(b: Browser, n: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const page = await b.get('/app/uploads');
    const done = (page.body.match(/data-status="(imported|duplicate|failed)"/g) ?? []).length;
    if (done >= n) return page.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('uploads did not finish');
}

describe('email sign-in', () => {
  it('signs a new address in as a new athlete, in the browser time zone, with a Lax HttpOnly signed cookie', async () => {
    const b = browser(w.app);
    await b.get('/signin');
    const sent = await b.post('/signin', { _csrf: b.csrf, email: 'New.Runner@example.com', timezone: 'America/New_York' });
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('sign-in link is on its way');
    const link = new URL(await w.smtp.linkFor('new.runner@example.com'));
    // The link is stored only hashed.
    const stored = await w.t.db.selectFrom('web_login_links').select(['token_hash', 'email']).execute();
    expect(stored.some((r) => r.token_hash === link.searchParams.get('token'))).toBe(false);
    expect(stored.map((r) => r.email)).toContain('new.runner@example.com');

    // Opening the link alone signs nobody in (mail scanners fetch links).
    const confirm = await b.get(link.pathname + link.search);
    expect(confirm.status).toBe(200);
    expect(b.jar.kinetic_session).toBeUndefined();

    const res = await w.app.inject({
      method: 'POST',
      url: '/signin/verify',
      headers: { cookie: cookieHeader(b.jar), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: b.csrf, token: link.searchParams.get('token')! }).toString(),
    });
    expect(res.statusCode).toBe(303);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('kinetic_session='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    const athletes = await w.t.db.selectFrom('athletes').selectAll().where('email', '=', 'new.runner@example.com').execute();
    expect(athletes).toHaveLength(1);
    expect(athletes[0]!.timezone).toBe('America/New_York');
    const sessions = await w.t.db.selectFrom('web_sessions').selectAll().where('athlete_id', '=', athletes[0]!.id).execute();
    expect(sessions).toHaveLength(1);

    // The link works once.
    const again = await b.post('/signin/verify', { _csrf: b.csrf, token: link.searchParams.get('token')! });
    expect(again.status).toBe(400);
    expect(again.body).toContain('expired or was already used');

    // The request log shows the link's address, never its token.
    const logged = JSON.stringify(w.logs);
    expect(logged).toContain('/signin/verify?token=[redacted]');
    expect(logged).not.toContain(link.searchParams.get('token')!);
  });

  it('refuses an expired link, and a form without its CSRF token', async () => {
    const b = browser(w.app);
    await b.get('/signin');
    const noToken = await b.post('/signin', { email: 'x@example.com' });
    expect(noToken.status).toBe(403);
    await b.post('/signin', { _csrf: b.csrf, email: 'late@example.com' });
    const link = new URL(await w.smtp.linkFor('late@example.com'));
    await w.t.db.updateTable('web_login_links').set({ expires_at: new Date('2000-01-01T00:00:00Z') }).where('email', '=', 'late@example.com').execute();
    const res = await b.post('/signin/verify', { _csrf: b.csrf, token: link.searchParams.get('token')! });
    expect(res.status).toBe(400);
    expect(await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'late@example.com').execute()).toHaveLength(0);
  });

  it('sends at most five live links to one address, answering the same', async () => {
    const b = browser(w.app);
    await b.get('/signin');
    const before = w.smtp.mails.length;
    for (let i = 0; i < 7; i++) {
      const res = await b.post('/signin', { _csrf: b.csrf, email: 'flood@example.com' });
      expect(res.status).toBe(200);
      expect(res.body).toContain('sign-in link is on its way');
    }
    await w.smtp.linkFor('flood@example.com');
    await new Promise((r) => setTimeout(r, 200));
    expect(w.smtp.mails.length - before).toBe(5);
  });

  it('finds the existing athlete by email (any case), ignores tampered cookies, and signs out', async () => {
    const first = await signInByEmail(w.app, w.smtp, 'same@example.com');
    const second = await signInByEmail(w.app, w.smtp, 'SAME@example.com');
    expect(await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'same@example.com').execute()).toHaveLength(1);
    expect((await second.get('/app')).status).toBe(200);

    const tampered = browser(w.app);
    tampered.jar = { kinetic_session: first.jar.kinetic_session!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) };
    expect((await tampered.get('/app')).headers.location).toBe('/signin');

    const bad = await first.post('/signout', { _csrf: 'nope' });
    expect(bad.headers.location).toBe('/app');
    expect((await first.get('/app')).status).toBe(200);
    const out = await first.post('/signout', { _csrf: first.csrf });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/signin');
    expect(first.jar.kinetic_session).toBeUndefined();
    // The other browser's session lives on.
    expect((await second.get('/app')).status).toBe(200);
  });
});

describe('pages', () => {
  it('uploads through the page (no script), shows each final status, and settings move the week', async () => {
    const b = await signInByEmail(w.app, w.smtp, 'pages@example.com', 'Europe/London');
    const dash = await b.get('/app');
    expect(dash.body).toContain('data-testid="iso-week">2026-W48<');
    for (const path of ['/app/uploads', '/app/plan', '/app/reports', '/app/settings']) expect((await b.get(path)).status, path).toBe(200);

    const form = multipart([
      { filename: 'run.fit', bytes: fixture('run-garmin-fr110-hr.fit') },
      { filename: 'broken.fit', bytes: fixture('corrupt-truncated-eof.fit') },
    ]);
    const up = await w.app.inject({ method: 'POST', url: `/app/uploads?_csrf=${encodeURIComponent(b.csrf)}`, headers: { ...form.headers, cookie: cookieHeader(b.jar) }, payload: form.payload });
    expect(up.statusCode, up.body).toBe(303);
    expect(up.headers.location).toBe('/app/uploads?received=2');
    const list = await waitForUploads(b, 2);
    expect(list).toMatch(/run\.fit<\/span> <span class="status imported"/);
    expect(list).toMatch(/broken\.fit<\/span> <span class="status failed"/);

    // A form without files: the API's message on the next page (from a one-minute signed cookie,
    // never from the URL), shown once.
    const empty = multipart([], { note: 'no file' });
    const refused = await w.app.inject({ method: 'POST', url: `/app/uploads?_csrf=${encodeURIComponent(b.csrf)}`, headers: { ...empty.headers, cookie: cookieHeader(b.jar) }, payload: empty.payload });
    expect(refused.statusCode).toBe(303);
    expect(refused.headers.location).toBe('/app/uploads');
    b.jar = mergeCookies(b.jar, refused.headers['set-cookie']);
    const shown = await b.get('/app/uploads');
    expect(shown.body).toMatch(/role="alert"[^>]*>Upload problem: the request has no file parts/);
    expect((await b.get('/app/uploads')).body).not.toContain('Upload problem');
    expect((await b.get('/app/uploads?problem=Kinetic+was+hacked&received=%3Cb%3E')).body).not.toMatch(/hacked|&lt;b&gt;/);

    // An address under /app that is no page: a page saying so, not JSON.
    const missing = await b.get('/app/no-such-page');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^text\/html/);
    expect(missing.body).toContain('There is no such page');

    // Without the CSRF token nothing is stored.
    const before = await w.t.db.selectFrom('uploads').select('id').execute();
    const forged = await w.app.inject({ method: 'POST', url: '/app/uploads', headers: { ...form.headers, cookie: cookieHeader(b.jar) }, payload: form.payload });
    expect(forged.statusCode).toBe(403);
    expect(await w.t.db.selectFrom('uploads').select('id').execute()).toHaveLength(before.length);

    // Sunday 20:00 in London is Monday in Auckland: the week moves.
    const saved = await b.post('/app/settings', { _csrf: b.csrf, name: 'Pat', email: 'pages@example.com', timezone: 'Pacific/Auckland', units: 'km', reportDay: 'mon', reportTime: '07:00' });
    expect(saved.status, saved.body).toBe(303);
    expect((await b.get('/app')).body).toContain('data-testid="iso-week">2026-W49<');
    const invalid = await b.post('/app/settings', { _csrf: b.csrf, name: 'Pat', timezone: 'Mars/Olympus', units: 'km' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toContain('unknown time zone');
  });

  it('imports a plan from the page and shows its weeks and checks', async () => {
    const b = await signInByEmail(w.app, w.smtp, 'plan@example.com');
    const yaml = [
      'name: Test plan',
      'start: 2026-11-23',
      'units: km',
      'sessions:',
      '  - { week: 1, day: tue, kind: easy, distance: 8 km }',
      '  - { week: 1, day: wed, kind: strength, duration: 40 min }',
      '  - { week: 1, day: thu, kind: tempo, distance: 10 km }',
      '  - { week: 1, day: sat, kind: long, distance: 20 km }',
      '  - { week: 2, day: tue, kind: easy, distance: 8 km }',
      '',
    ].join('\n');
    const form = multipart([{ filename: 'plan.yaml', bytes: Buffer.from(yaml), field: 'plan' }]);
    const res = await w.app.inject({ method: 'POST', url: `/app/plan/import?_csrf=${encodeURIComponent(b.csrf)}`, headers: { ...form.headers, cookie: cookieHeader(b.jar) }, payload: form.payload });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('Imported plan.yaml');
    expect(res.body).toContain('data-testid="plan-name"><strong>Test plan');
    expect(res.body).toContain('2026-W48 (this week)');
    expect(res.body).toContain('/plan?format=ics');
    const bad = multipart([{ filename: 'plan.yaml', bytes: Buffer.from('name: [unclosed'), field: 'plan' }]);
    const refused = await w.app.inject({ method: 'POST', url: `/app/plan/import?_csrf=${encodeURIComponent(b.csrf)}`, headers: { ...bad.headers, cookie: cookieHeader(b.jar) }, payload: bad.payload });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('The plan was not imported');
  });

  it('gives a secret calendar address that works without a cookie, follows the plan, and can be reset', async () => {
    const b = await signInByEmail(w.app, w.smtp, 'calendar@example.com');
    const page = await b.get('/app/plan');
    const address = /data-testid="calendar-url" value="([^"]+)"|value="([^"]+)" data-testid="calendar-url"/.exec(page.body);
    const raw = (address?.[1] ?? address?.[2])!;
    const url = new URL(raw);
    expect(url.pathname).toMatch(/^\/calendar\/[\w-]{43}\.ics$/);
    expect(page.body).toContain(`href="${raw.replace(/^http:/, 'webcal:')}"`);
    // The same address on every visit.
    expect((await b.get('/app/plan')).body).toContain(url.pathname);

    // No plan yet: an empty calendar, so a subscription made early keeps working.
    const empty = await w.app.inject({ method: 'GET', url: url.pathname });
    expect(empty.statusCode).toBe(200);
    expect(empty.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(new ICAL.Component(ICAL.parse(empty.body) as unknown[]).getAllSubcomponents('vevent')).toHaveLength(0);

    const yaml = 'name: Feed plan\nstart: 2026-11-23\nsessions:\n  - { week: 1, day: tue, kind: easy, distance: 8 km }\n  - { week: 1, day: wed, kind: strength, duration: 40 min }\n';
    const form = multipart([{ filename: 'plan.yaml', bytes: Buffer.from(yaml), field: 'plan' }]);
    const imported = await w.app.inject({ method: 'POST', url: `/app/plan/import?_csrf=${encodeURIComponent(b.csrf)}`, headers: { ...form.headers, cookie: cookieHeader(b.jar) }, payload: form.payload });
    expect(imported.statusCode, imported.body).toBe(200);
    const feed = await w.app.inject({ method: 'GET', url: url.pathname });
    const events = new ICAL.Component(ICAL.parse(feed.body) as unknown[]).getAllSubcomponents('vevent');
    expect(events.map((e) => e.getFirstPropertyValue('summary'))).toEqual(['Easy run 8 km', 'Strength 40 min']);

    // Wrong addresses: 404, nothing about any athlete.
    for (const wrong of [url.pathname.replace(/.{6}\.ics$/, 'AAAAAA.ics'), url.pathname.replace(/\.ics$/, ''), '/calendar/.ics']) {
      const res = await w.app.inject({ method: 'GET', url: wrong });
      expect(res.statusCode, wrong).toBe(404);
      expect(res.body).not.toContain('Feed plan');
    }

    // Reset needs the CSRF token; afterwards the old address is gone and the new one works.
    expect((await b.post('/app/plan/calendar/reset', { _csrf: 'forged' })).status).toBe(403);
    const reset = await b.post('/app/plan/calendar/reset', { _csrf: b.csrf });
    expect(reset.status, reset.body).toBe(200);
    expect(reset.body).toContain('New calendar address');
    expect(reset.body).not.toContain(url.pathname);
    expect((await w.app.inject({ method: 'GET', url: url.pathname })).statusCode).toBe(404);
    const fresh = /\/calendar\/[\w-]{43}\.ics/.exec(reset.body)![0];
    expect((await w.app.inject({ method: 'GET', url: fresh })).body).toContain('Feed plan');
  });

  it('deletes the account after confirmation and signs out', async () => {
    const b = await signInByEmail(w.app, w.smtp, 'gone@example.com');
    const id = (await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'gone@example.com').executeTakeFirstOrThrow()).id;
    const unconfirmed = await b.post('/app/settings/delete', { _csrf: b.csrf, confirm: 'yes' });
    expect(unconfirmed.status).toBe(400);
    const res = await b.post('/app/settings/delete', { _csrf: b.csrf, confirm: 'DELETE' });
    expect(res.status, res.body).toBe(303);
    expect(res.headers.location).toBe('/signin?deleted=1');
    expect(await w.t.db.selectFrom('athletes').select('id').where('id', '=', id).execute()).toHaveLength(0);
    expect(await w.t.db.selectFrom('web_sessions').select('id').where('athlete_id', '=', id).execute()).toHaveLength(0);
    expect((await b.get('/app')).headers.location).toBe('/signin');
  });
});

describe('kinetic athlete signin-link', () => {
  it('prints a one-time link that signs a browser in as that athlete, and says why when it cannot', async () => {
    const env = { DATABASE_URL: w.t.url!, KINETIC_PUBLIC_URL: 'http://kinetic.test' };
    // The command runs on the real clock: so does the app for this test.
    const testTime = w.clock.now();
    w.clock.set(new Date());
    onTestFinished(() => w.clock.set(testTime));
    await createAthlete(w.t.db, { name: 'Older', email: 'shared@example.com', timezone: 'UTC' });
    const linky = await createAthlete(w.t.db, { name: 'Linky', timezone: 'UTC' });

    const noEmail = await runCli(['athlete', 'signin-link', '--athlete', linky.id], env);
    expect(noEmail.code, noEmail.stderr).toBe(2);
    expect(noEmail.stderr).toContain('has no email address');
    // One athlete per address, in any letter case: the link can only be for one athlete.
    await expect(w.t.db.updateTable('athletes').set({ email: 'Shared@example.com' }).where('id', '=', linky.id).execute()).rejects.toThrow(/athletes_email_lower_key/);

    await w.t.db.updateTable('athletes').set({ email: 'linky@example.com' }).where('id', '=', linky.id).execute();
    const ok = await runCli(['athlete', 'signin-link', '--athlete', linky.id], env);
    expect(ok.code, ok.stderr).toBe(0);
    const link = new URL(ok.stdout.trim());
    expect(`${link.origin}${link.pathname}`).toBe('http://kinetic.test/signin/verify');
    const b = browser(w.app);
    expect((await b.get(link.pathname + link.search)).status).toBe(200);
    const signedIn = await b.post('/signin/verify', { _csrf: b.csrf, token: link.searchParams.get('token')! });
    expect(signedIn.status, signedIn.body).toBe(303);
    expect((await b.get('/app')).body).toContain('Signed in as Linky');
    // Once only.
    const again = await browser(w.app).post('/signin/verify', { _csrf: b.csrf, token: link.searchParams.get('token')! });
    expect(again.status).not.toBe(303);
  });
});

describe('OpenAPI', () => {
  it('leaves the pages out of the API document', async () => {
    const doc = (await w.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toContain('/uploads/{id}');
    expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/app') || p.startsWith('/signin') || p.startsWith('/signout') || p.startsWith('/static'))).toEqual([]);
  });
});

describe('isolation', () => {
  it("a signed-in athlete gets 404 for every one of another athlete's pages and files", async () => {
    const a = await signInByEmail(w.app, w.smtp, 'alice@example.com');
    const bob = await signInByEmail(w.app, w.smtp, 'bob@example.com');
    const bobId = (await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'bob@example.com').executeTakeFirstOrThrow()).id;
    const form = multipart([{ filename: 'bob.fit', bytes: fixture('run-garmin-fenix2-hr.fit') }]);
    const up = await w.app.inject({ method: 'POST', url: `/app/uploads`, headers: { ...form.headers, cookie: cookieHeader(bob.jar), 'x-csrf-token': bob.csrf, accept: 'application/json' }, payload: form.payload });
    expect(up.statusCode, up.body).toBe(202);
    const uploadId = up.json<{ uploads: { id: string }[] }>().uploads[0]!.id;
    await waitForUploads(bob, 1);

    // Bob sees his own.
    expect((await bob.get(`/uploads/${uploadId}`)).status).toBe(200);
    for (const url of [
      `/uploads/${uploadId}`,
      `/uploads/${uploadId}/file`,
      `/athletes/${bobId}`,
      `/athletes/${bobId}/uploads`,
      `/athletes/${bobId}/activities`,
      `/athletes/${bobId}/plan`,
      `/athletes/${bobId}/plan?format=ics`,
      `/athletes/${bobId}/weeks/2026-W48`,
      `/athletes/${bobId}/reports`,
      `/athletes/${bobId}/reports/2026-W48`,
      `/athletes/${bobId}/season`,
      `/athletes/${bobId}/export`,
    ]) {
      expect((await a.get(url)).status, url).toBe(404);
    }
    // Alice's own pages never show Bob's files.
    expect((await a.get('/app/uploads')).body).not.toContain('bob.fit');
    // Changing Bob's data with Alice's session and her valid CSRF token: 404, and nothing changes.
    const del = await w.app.inject({ method: 'DELETE', url: `/athletes/${bobId}`, headers: { cookie: cookieHeader(a.jar), 'x-csrf-token': a.csrf } });
    expect(del.statusCode).toBe(404);
    const post = await postUploads(w.app, bobId, { cookie: cookieHeader(a.jar), 'x-csrf-token': a.csrf }, [{ filename: 'x.fit', bytes: fixture('run-garmin-fr110-hr.fit') }]);
    expect(post.statusCode).toBe(404);
    expect(await w.t.db.selectFrom('athletes').select('id').where('id', '=', bobId).execute()).toHaveLength(1);
  });

  it('the session cookie alone cannot change data through the API (CSRF token needed)', async () => {
    const a = await signInByEmail(w.app, w.smtp, 'carol@example.com');
    const id = (await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'carol@example.com').executeTakeFirstOrThrow()).id;
    const res = await w.app.inject({ method: 'DELETE', url: `/athletes/${id}`, headers: { cookie: cookieHeader(a.jar) } });
    expect(res.statusCode).toBe(401);
    const patch = await w.app.inject({ method: 'PATCH', url: `/athletes/${id}`, headers: { cookie: cookieHeader(a.jar), 'x-csrf-token': 'forged' }, payload: { name: 'x' } });
    expect(patch.statusCode).toBe(401);
    expect(await w.t.db.selectFrom('athletes').select('id').where('id', '=', id).execute()).toHaveLength(1);
  });
});
