/**
 * Account takeover and identity (issue #17 items 1–3; docs/security.md), through the real server over
 * HTTP on Postgres, with Redis (BullMQ queues and the rate-limit store) and an SMTP server that keeps
 * every message:
 *
 * 1. No address the server hands out comes from the request: with evil Host / X-Forwarded-* headers,
 *    the mailed sign-in link, the calendar address and the Strava redirect_uri start with
 *    KINETIC_PUBLIC_URL, or without it the address the server listens on (and it says so at start).
 * 2. A new email is pending until the new address confirms it from a mailed link (hashed, expiring,
 *    single use); the old address keeps working and is told; one athlete per address (any case),
 *    existing duplicates parked by the migration.
 * 3. Rate limits: sign-in per address (`+tag` variants are one inbox) and per client address
 *    (X-Forwarded-For believed only from KINETIC_TRUST_PROXY), the API per token; Redis as the store.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrations } from '../../migrations/index.ts';
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { buildServer } from '../../src/server/server.ts';
import { sha256Hex } from '../../src/services/web-sessions.ts';
import { ADMIN_TOKEN, createTestApi, type TestApi } from '../support/api.ts';
import { adminQuery, databaseUrl } from '../support/pg-admin.ts';
import { waitFor } from '../support/queues.ts';
import { cookieHeader, csrfOfPage, mergeCookies, startTestSmtp, type TestSmtp } from '../support/web.ts';

const SECRET = 'identity-test-secret-'.padEnd(48, 'x');

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to the listening server (node:http, so Host can be anything). */
function send(base: string, method: string, path: string, o: { headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A browser over HTTP: keeps cookies and the page's CSRF token, sends `extra` headers on every request. */
function browserAt(base: string, extra: Record<string, string> = {}) {
  const b = {
    jar: {} as Record<string, string>,
    csrf: '',
    async request(method: string, path: string, body?: string, type?: string): Promise<Res> {
      const res = await send(base, method, path, { headers: { ...extra, cookie: cookieHeader(b.jar), ...(type !== undefined && { 'content-type': type }) }, ...(body !== undefined && { body }) });
      b.jar = mergeCookies(b.jar, res.headers['set-cookie']);
      if ((res.headers['content-type'] ?? '').startsWith('text/html') && res.body.includes('csrf-token')) b.csrf = csrfOfPage(res.body);
      return res;
    },
    get: (path: string) => b.request('GET', path),
    post: (path: string, form: Record<string, string>) => b.request('POST', path, new URLSearchParams(form).toString(), 'application/x-www-form-urlencoded'),
  };
  return b;
}

function json(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Res> {
  return send(base, method, path, { headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const admin = bearer(ADMIN_TOKEN);

/** A message's text with quoted-printable soft breaks and `=3D` undone. */
const plain = (raw: string): string => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

function mailsTo(smtp: TestSmtp, to: string): string[] {
  return smtp.mails.filter((m) => m.to.some((t) => t.toLowerCase() === to.toLowerCase())).map((m) => plain(m.raw));
}

async function linkIn(smtp: TestSmtp, to: string, pattern: RegExp): Promise<string> {
  let found: string | undefined;
  await waitFor(`a mail to ${to} with ${pattern}`, () => {
    found = mailsTo(smtp, to)
      .map((m) => pattern.exec(m)?.[0])
      .findLast((l) => l !== undefined);
    return found !== undefined;
  });
  return found!;
}

const SIGNIN_LINK = /https?:\/\/\S+?\/signin\/verify\?token=[\w-]+/;
const CONFIRM_LINK = /https?:\/\/\S+?\/email\/confirm\?token=[\w%-]+/;

interface Served {
  api: TestApi;
  smtp: TestSmtp;
  /** Where the server listens: `http://127.0.0.1:PORT`. */
  base: string;
  close(): Promise<void>;
}

/** The whole app listening on 127.0.0.1, its own database, BullMQ on Redis, a test SMTP server. */
async function serve(env: Record<string, string> = {}): Promise<Served> {
  const smtp = await startTestSmtp();
  const api = await createTestApi({ bullmq: true, env: { SMTP_URL: smtp.url, KINETIC_SECRET: SECRET, STRAVA_CLIENT_ID: '4242', STRAVA_CLIENT_SECRET: 'strava-client-secret', ...env } });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  return {
    api,
    smtp,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      await api.close();
      await smtp.close();
    },
  };
}

async function signIn(s: Served, email: string, extra: Record<string, string> = {}) {
  const b = browserAt(s.base, extra);
  await b.get('/signin');
  const sent = await b.post('/signin', { _csrf: b.csrf, email });
  expect(sent.status, sent.body).toBe(200);
  const link = new URL(await linkIn(s.smtp, email.toLowerCase(), SIGNIN_LINK));
  await b.get(`${link.pathname}${link.search}`);
  const done = await b.post('/signin/verify', { _csrf: b.csrf, token: link.searchParams.get('token')! });
  expect(done.status, done.body).toBe(303);
  return { browser: b, link };
}

const EVIL = { host: 'evil.example:666', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.66', forwarded: 'host=evil.example;proto=https' };

describe('addresses the server hands out never come from the request', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('without KINETIC_PUBLIC_URL: sign-in link, calendar address and Strava redirect use the listen address, whatever Host says', async () => {
    // Said at start, with where links will point.
    expect(s.api.lines.find((l) => l.msg.includes('KINETIC_PUBLIC_URL is not set'))?.publicUrl).toBe(s.base);

    const { browser: b, link } = await signIn(s, 'host@example.com', EVIL);
    expect(`${link.origin}${link.pathname}`).toBe(`${s.base}/signin/verify`);
    expect(mailsTo(s.smtp, 'host@example.com').join('\n')).not.toContain('evil.example');

    const plan = await b.get('/app/plan');
    expect(plan.status).toBe(200);
    const calendar = /value="([^"]+)" data-testid="calendar-url"/.exec(plan.body)![1]!;
    expect(calendar).toMatch(new RegExp(`^${s.base.replace(/\./g, '\\.')}/calendar/[\\w-]{43}\\.ics$`));
    expect(plan.body).not.toContain('evil.example');

    const strava = await b.get('/auth/strava');
    expect(strava.status).toBe(302);
    expect(new URL(strava.headers.location!).searchParams.get('redirect_uri')).toBe(`${s.base}/auth/strava/callback`);
  });

  it('with KINETIC_PUBLIC_URL: every address starts with it', async () => {
    const p = await serve({ KINETIC_PUBLIC_URL: 'https://kinetic.example.org/' });
    try {
      expect(p.api.lines.some((l) => l.msg.includes('KINETIC_PUBLIC_URL is not set'))).toBe(false);
      const { browser: b, link } = await signIn(p, 'configured@example.com', EVIL);
      expect(`${link.origin}${link.pathname}`).toBe('https://kinetic.example.org/signin/verify');
      expect((await b.get('/app/plan')).body).toMatch(/value="https:\/\/kinetic\.example\.org\/calendar\/[\w-]{43}\.ics" data-testid="calendar-url"/);
      const strava = await b.get('/auth/strava');
      expect(new URL(strava.headers.location!).searchParams.get('redirect_uri')).toBe('https://kinetic.example.org/auth/strava/callback');
    } finally {
      await p.close();
    }
  });
});

describe('changing the email address', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(async () => {
    await s?.close();
  });

  async function createAthlete(name: string, email: string): Promise<{ id: string; token: string }> {
    const res = await json(s.base, 'POST', '/athletes', admin, { name, timezone: 'UTC', email });
    expect(res.status, res.body).toBe(201);
    return JSON.parse(res.body) as { id: string; token: string };
  }

  const emailOf = async (id: string): Promise<string | null> => (await s.api.t.db.selectFrom('athletes').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email;

  it('is pending until the new address confirms from a mailed link; the old one works meanwhile and is told', async () => {
    const ann = await createAthlete('Ann', 'ann@example.com');
    const res = await json(s.base, 'PATCH', `/athletes/${ann.id}`, { ...bearer(ann.token), host: 'evil.example' }, { email: 'Ann.New@example.com' });
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ email: 'ann@example.com', pendingEmail: 'Ann.New@example.com' });
    expect(await emailOf(ann.id)).toBe('ann@example.com');
    expect(JSON.parse((await json(s.base, 'GET', `/athletes/${ann.id}`, bearer(ann.token))).body)).toMatchObject({ email: 'ann@example.com', pendingEmail: 'Ann.New@example.com' });

    // The link goes to the new address, starts with the server's own address, and is stored hashed.
    const link = new URL(await linkIn(s.smtp, 'Ann.New@example.com', CONFIRM_LINK));
    expect(`${link.origin}${link.pathname}`).toBe(`${s.base}/email/confirm`);
    const token = link.searchParams.get('token')!;
    const row = await s.api.t.db.selectFrom('email_changes').selectAll().where('athlete_id', '=', ann.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(24 * 3_600_000);
    // The old address is told, without the link.
    await waitFor('the notice to the old address', () => mailsTo(s.smtp, 'ann@example.com').length === 1);
    const notice = mailsTo(s.smtp, 'ann@example.com')[0]!;
    expect(notice).toContain('Ann.New@example.com');
    expect(notice).not.toContain(token);

    // Meanwhile the old address still signs in as Ann; the new one is nobody's yet.
    const b = (await signIn(s, 'ann@example.com')).browser;
    expect((await b.get('/app')).body).toContain('Signed in as Ann');
    expect((await b.get('/app/settings')).body).toMatch(/data-testid="pending-email">Waiting for <strong>Ann\.New@example\.com<\/strong>/);

    // Opening the link changes nothing (mail scanners); its button does, once.
    const visitor = browserAt(s.base);
    expect((await visitor.get(`${link.pathname}${link.search}`)).status).toBe(200);
    expect(await emailOf(ann.id)).toBe('ann@example.com');
    const confirmed = await visitor.post('/email/confirm', { _csrf: visitor.csrf, token });
    expect(confirmed.status, confirmed.body).toBe(200);
    expect(confirmed.body).toContain('Your Kinetic email address is now Ann.New@example.com');
    expect(await emailOf(ann.id)).toBe('Ann.New@example.com');
    const again = await visitor.post('/email/confirm', { _csrf: visitor.csrf, token });
    expect(again.status).toBe(400);
    expect(JSON.parse((await json(s.base, 'GET', `/athletes/${ann.id}`, bearer(ann.token))).body)).toMatchObject({ email: 'Ann.New@example.com', pendingEmail: null });

    // Now the new address signs in as Ann, and the old one is nobody's.
    expect((await (await signIn(s, 'ann.new@example.com')).browser.get('/app')).body).toContain('Signed in as Ann');
    expect(await s.api.t.db.selectFrom('athletes').select('id').where(sql<boolean>`lower(email) = 'ann@example.com'`).execute()).toHaveLength(0);
  });

  it('refuses an expired link and a forged one; without the CSRF token nothing changes', async () => {
    const bo = await createAthlete('Bo', 'bo@example.com');
    expect((await json(s.base, 'PATCH', `/athletes/${bo.id}`, bearer(bo.token), { email: 'bo.late@example.com' })).status).toBe(200);
    const token = new URL(await linkIn(s.smtp, 'bo.late@example.com', CONFIRM_LINK)).searchParams.get('token')!;
    const v = browserAt(s.base);
    await v.get('/signin');
    expect((await v.post('/email/confirm', { token })).status).toBe(403);
    expect((await v.post('/email/confirm', { _csrf: v.csrf, token: `${token.slice(0, -2)}AA` })).status).toBe(400);
    await s.api.t.db.updateTable('email_changes').set({ expires_at: new Date('2000-01-01T00:00:00Z') }).where('athlete_id', '=', bo.id).execute();
    const late = await v.post('/email/confirm', { _csrf: v.csrf, token });
    expect(late.status).toBe(400);
    expect(late.body).toContain('expired or was already used');
    expect(await emailOf(bo.id)).toBe('bo@example.com');
  });

  it('one athlete per address in any case: 409 on create and on an admin change, a taken address cannot be confirmed', async () => {
    const cy = await createAthlete('Cy', 'cy@example.com');
    const dup = await json(s.base, 'POST', '/athletes', admin, { name: 'Copy', timezone: 'UTC', email: 'CY@Example.com' });
    expect(dup.status).toBe(409);
    expect(JSON.parse(dup.body)).toMatchObject({ error: { code: 'email_taken' } });
    expect((JSON.parse(dup.body) as { error: { message: string } }).error.message).toContain('another athlete already has the email address CY@Example.com');

    // The administrator's change is direct — and refused when the address is someone else's.
    const di = await createAthlete('Di', 'di@example.com');
    const direct = await json(s.base, 'PATCH', `/athletes/${di.id}`, admin, { email: 'di2@example.com' });
    expect(JSON.parse(direct.body)).toMatchObject({ email: 'di2@example.com', pendingEmail: null });
    expect((await json(s.base, 'PATCH', `/athletes/${di.id}`, admin, { email: 'Cy@example.com' })).status).toBe(409);

    // An athlete asking for a taken address: nothing tells them it is taken; confirming says so, to that inbox.
    const asked = await json(s.base, 'PATCH', `/athletes/${di.id}`, bearer(di.token), { email: 'cy@EXAMPLE.com' });
    expect(JSON.parse(asked.body)).toMatchObject({ email: 'di2@example.com', pendingEmail: 'cy@EXAMPLE.com' });
    const token = new URL(await linkIn(s.smtp, 'cy@EXAMPLE.com', CONFIRM_LINK)).searchParams.get('token')!;
    const v = browserAt(s.base);
    await v.get('/signin');
    const taken = await v.post('/email/confirm', { _csrf: v.csrf, token });
    expect(taken.status).toBe(409);
    expect(taken.body).toContain('already belongs to another Kinetic account');
    expect(await emailOf(di.id)).toBe('di2@example.com');
    expect(await emailOf(cy.id)).toBe('cy@example.com');
  });

  it('the settings page asks for confirmation too', async () => {
    const { browser: b } = await signIn(s, 'page@example.com');
    await b.get('/app/settings');
    const saved = await b.post('/app/settings', { _csrf: b.csrf, name: 'Page', email: 'page.new@example.com', timezone: 'UTC', units: 'km' });
    expect(saved.status, saved.body).toBe(303);
    const page = await b.get('/app/settings');
    expect(page.body).toContain('data-testid="pending-email"');
    expect(page.body).toContain('value="page@example.com"');
    await linkIn(s.smtp, 'page.new@example.com', CONFIRM_LINK);
    expect((await s.api.t.db.selectFrom('athletes').select('email').where('name', '=', 'Page').executeTakeFirstOrThrow()).email).toBe('page@example.com');
  });

  it('without SMTP an athlete cannot change the address (503), the administrator still can', async () => {
    const api = await createTestApi({ env: {} });
    try {
      const created = await api.app.inject({ method: 'POST', url: '/athletes', headers: admin, payload: { name: 'Ed', timezone: 'UTC', email: 'ed@example.com' } });
      const ed = created.json<{ id: string; token: string }>();
      const res = await api.app.inject({ method: 'PATCH', url: `/athletes/${ed.id}`, headers: bearer(ed.token), payload: { email: 'ed2@example.com', name: 'Edd' } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: { code: 'email_unavailable' } });
      expect((await api.t.db.selectFrom('athletes').select(['email', 'name']).where('id', '=', ed.id).executeTakeFirstOrThrow())).toEqual({ email: 'ed@example.com', name: 'Ed' });
      expect((await api.app.inject({ method: 'PATCH', url: `/athletes/${ed.id}`, headers: admin, payload: { email: 'ed2@example.com' } })).json()).toMatchObject({ email: 'ed2@example.com' });
    } finally {
      await api.close();
    }
  });
});

describe('the migration to unique addresses', () => {
  it('keeps the oldest athlete’s address and parks the others’ in previous_email', async () => {
    const server = inject('pgUrl');
    const name = `kt_mig_${Math.random().toString(16).slice(2, 10)}`;
    await adminQuery(server, `CREATE DATABASE ${name}`);
    const handle = connect({ databaseUrl: databaseUrl(server, name), poolSize: 2 });
    try {
      const migrator = new Migrator({ db: handle.db, provider: { getMigrations: () => Promise.resolve(migrations) } });
      const before = await migrator.migrateTo('20261126190000_calendar_feeds');
      expect(before.error).toBeUndefined();
      const insert = (n: string, email: string | null, at: string) => sql<{ id: string }>`insert into athletes (name, email, created_at) values (${n}, ${email}, ${at}::timestamptz) returning id`.execute(handle.db);
      const oldest = (await insert('Oldest', 'Same@Example.com', '2026-01-01T00:00:00Z')).rows[0]!.id;
      const younger = (await insert('Younger', 'same@example.com', '2026-02-01T00:00:00Z')).rows[0]!.id;
      const other = (await insert('Other', 'other@example.com', '2026-03-01T00:00:00Z')).rows[0]!.id;
      await insert('Nobody', null, '2026-03-02T00:00:00Z');
      await migrateToLatest(handle.db);
      const rows = await sql<{ id: string; email: string | null; previous_email: string | null }>`select id, email, previous_email from athletes`.execute(handle.db);
      const byId = new Map(rows.rows.map((r) => [r.id, r]));
      expect(byId.get(oldest)).toMatchObject({ email: 'Same@Example.com', previous_email: null });
      expect(byId.get(younger)).toMatchObject({ email: null, previous_email: 'same@example.com' });
      expect(byId.get(other)).toMatchObject({ email: 'other@example.com', previous_email: null });
      await expect(sql`update athletes set email = 'OTHER@example.com' where id = ${younger}`.execute(handle.db)).rejects.toThrow(/athletes_email_lower_key/);
    } finally {
      await handle.close();
      await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});

describe('sign-in rate limits', () => {
  it('has documented defaults: 600 API requests a minute, 5 sign-ins an hour per address, 20 per 15 minutes per client', () => {
    expect(loadConfig({}).rateLimits).toEqual({ apiPerMinute: 600, signinPerAddressPerHour: 5, signinPerIpPer15Min: 20 });
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ KINETIC_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(() => loadConfig({ KINETIC_TRUST_PROXY: '1' })).toThrow(/not by a hop count/);
  });

  it('the 6th request for dave+N@ variants is a 429 with Retry-After, and no 6th mail goes out', async () => {
    const s = await serve({ KINETIC_SIGNIN_RATE_LIMIT_ADDRESS: '5', KINETIC_SIGNIN_RATE_LIMIT_IP: '20' });
    try {
      const b = browserAt(s.base);
      await b.get('/signin');
      for (let i = 1; i <= 5; i++) {
        const res = await b.post('/signin', { _csrf: b.csrf, email: `Dave+${i}@Example.com` });
        expect(res.status, `request ${i}`).toBe(200);
      }
      const sixth = await b.post('/signin', { _csrf: b.csrf, email: 'dave+6@example.com' });
      expect(sixth.status).toBe(429);
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(3000);
      expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(3600);
      expect(sixth.headers['content-type']).toMatch(/^text\/html/);
      expect(sixth.body).toMatch(/role="alert">Too many sign-in emails were asked for this address\. Please wait \d+ minutes and try again\./);
      // The plain address is the same inbox; another address is not.
      expect((await b.post('/signin', { _csrf: b.csrf, email: 'dave@example.com' })).status).toBe(429);
      expect((await b.post('/signin', { _csrf: b.csrf, email: 'erin@example.com' })).status).toBe(200);

      await waitFor('five mails to dave', () => s.smtp.mails.filter((m) => m.to.some((t) => t.startsWith('dave'))).length >= 5);
      await new Promise((r) => setTimeout(r, 300));
      expect(s.smtp.mails.filter((m) => m.to.some((t) => t.startsWith('dave'))).map((m) => m.to[0]).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `dave+${i}@example.com`));
      // The counters are in Redis, under the deployment's prefix.
      const redis = new Redis(s.api.queues!.redisUrl);
      try {
        expect((await redis.keys(`${s.api.queues!.prefix}:ratelimit:*signin:address:dave@example.com`)).length).toBe(1);
      } finally {
        redis.disconnect();
      }
    } finally {
      await s.close();
    }
  });

  it('per client address: X-Forwarded-For is ignored unless KINETIC_TRUST_PROXY names the proxy', async () => {
    const direct = await serve({ KINETIC_SIGNIN_RATE_LIMIT_IP: '3', KINETIC_SIGNIN_RATE_LIMIT_ADDRESS: '100' });
    try {
      const statuses: number[] = [];
      for (let i = 1; i <= 4; i++) {
        const b = browserAt(direct.base, { 'x-forwarded-for': `198.51.100.${i}` });
        await b.get('/signin');
        const res = await b.post('/signin', { _csrf: b.csrf, email: `ip${i}@example.com` });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(res.body).toContain('Too many sign-in emails were asked for from your network');
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        }
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      await waitFor('three mails', () => direct.smtp.mails.length >= 3);
      await new Promise((r) => setTimeout(r, 300));
      expect(direct.smtp.mails.map((m) => m.to[0]).sort()).toEqual(['ip1@example.com', 'ip2@example.com', 'ip3@example.com']);
    } finally {
      await direct.close();
    }

    const proxied = await serve({ KINETIC_SIGNIN_RATE_LIMIT_IP: '3', KINETIC_SIGNIN_RATE_LIMIT_ADDRESS: '100', KINETIC_TRUST_PROXY: '127.0.0.1' });
    try {
      const from = (ip: string) => browserAt(proxied.base, { 'x-forwarded-for': ip });
      const one = from('198.51.100.7');
      await one.get('/signin');
      const statuses: number[] = [];
      for (let i = 1; i <= 4; i++) statuses.push((await one.post('/signin', { _csrf: one.csrf, email: `px${i}@example.com` })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const another = from('198.51.100.8');
      await another.get('/signin');
      expect((await another.post('/signin', { _csrf: another.csrf, email: 'px5@example.com' })).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });
});

describe('API rate limit', () => {
  it('per token (or per client address without one), in Redis shared by every server; health checks are never limited', async () => {
    const s = await serve({ KINETIC_API_RATE_LIMIT: '5' });
    try {
      const a = JSON.parse((await json(s.base, 'POST', '/athletes', admin, { name: 'A', timezone: 'UTC' })).body) as { id: string; token: string };
      const b = JSON.parse((await json(s.base, 'POST', '/athletes', admin, { name: 'B', timezone: 'UTC' })).body) as { id: string; token: string };
      for (let i = 0; i < 5; i++) expect((await json(s.base, 'GET', `/athletes/${a.id}`, bearer(a.token))).status).toBe(200);
      const over = await json(s.base, 'GET', `/athletes/${a.id}`, bearer(a.token));
      expect(over.status).toBe(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
      const error = (JSON.parse(over.body) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('rate_limited');
      expect(error.message).toMatch(/^Too many requests: at most 5 a minute for one token or session\. Try again in \d+ seconds?\.$/);
      // Another token has its own budget.
      expect((await json(s.base, 'GET', `/athletes/${b.id}`, bearer(b.token))).status).toBe(200);
      // Without a token: per client address, refused requests count too.
      const anonymous: number[] = [];
      for (let i = 0; i < 6; i++) anonymous.push((await json(s.base, 'GET', `/athletes/${a.id}`, { 'x-forwarded-for': `203.0.113.${i}` })).status);
      expect(anonymous).toEqual([401, 401, 401, 401, 401, 429]);
      for (let i = 0; i < 8; i++) expect((await send(s.base, 'GET', '/healthz')).status).toBe(200);

      // A second server on the same Redis shares the counters.
      const config = loadConfig({ DATABASE_URL: s.api.t.url!, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, REDIS_URL: s.api.queues!.redisUrl, KINETIC_QUEUE_PREFIX: s.api.queues!.prefix, KINETIC_API_RATE_LIMIT: '5' });
      const second = await buildServer({ db: s.api.t.db, log: s.api.log, jobs: s.api.jobs, config, now: () => new Date() });
      try {
        expect((await second.inject({ method: 'GET', url: `/athletes/${a.id}`, headers: bearer(a.token) })).statusCode).toBe(429);
      } finally {
        await second.close();
      }
    } finally {
      await s.close();
    }
  });
});
