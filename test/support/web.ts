/**
 * Web app test helpers: an SMTP server on 127.0.0.1 that keeps every message (sign-in links are read
 * from it, as a person would from their inbox), and signing in through the pages with app.inject.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { loadConfig } from '../../src/config.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { ADMIN_TOKEN, NO_RATE_LIMITS } from './api.ts';
import { createTestDb, type TestDb } from './db.ts';
import { captureLogger, type LogLine } from './queues.ts';

export interface CapturedMail {
  to: string[];
  raw: string;
}

export interface TestSmtp {
  url: string;
  mails: CapturedMail[];
  /** The sign-in link of the newest mail to `to` (waits up to 5 s for it). */
  linkFor(to: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async linkFor(to) {
      for (let i = 0; i < 100; i++) {
        const mail = mails.filter((m) => m.to.includes(to)).at(-1);
        // quoted-printable soft line breaks and =3D are undone before looking for the link.
        const text = mail?.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
        const link = text === undefined ? null : /https?:\/\/\S+\/signin\/verify\?token=[\w-]+/.exec(text);
        if (link !== null) return link[0];
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no sign-in mail to ${to} (got ${mails.length} mail(s))`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The cookies a response sets, as one Cookie header value merged over `jar`. */
export function mergeCookies(jar: Record<string, string>, setCookie: string | string[] | undefined): Record<string, string> {
  const out = { ...jar };
  for (const line of Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie]) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
    if (expired || value === '') delete out[name];
    else out[name] = value;
  }
  return out;
}

export function cookieHeader(jar: Record<string, string>): string {
  return Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** The CSRF token of a page (its meta tag). */
export function csrfOfPage(body: string): string {
  const m = /<meta name="csrf-token" content="([^"]+)">/.exec(body);
  if (m === null) throw new Error('page has no csrf-token meta tag');
  return m[1]!;
}

export interface Browser {
  jar: Record<string, string>;
  get(url: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }>;
  post(url: string, form: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, unknown> }>;
  csrf: string;
}

/** A cookie-keeping client of the app (no redirects followed). */
export function browser(app: ApiApp): Browser {
  const b: Browser = {
    jar: {},
    csrf: '',
    async get(url) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie: cookieHeader(b.jar) } });
      b.jar = mergeCookies(b.jar, res.headers['set-cookie']);
      if ((res.headers['content-type'] ?? '').toString().startsWith('text/html') && res.body.includes('csrf-token')) b.csrf = csrfOfPage(res.body);
      return { status: res.statusCode, body: res.body, headers: res.headers };
    },
    async post(url, form) {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { cookie: cookieHeader(b.jar), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      });
      b.jar = mergeCookies(b.jar, res.headers['set-cookie']);
      if ((res.headers['content-type'] ?? '').toString().startsWith('text/html') && res.body.includes('csrf-token')) b.csrf = csrfOfPage(res.body);
      return { status: res.statusCode, body: res.body, headers: res.headers };
    },
  };
  return b;
}

/** Signs in through the pages with an emailed link; returns the signed-in browser. */
export async function signInByEmail(app: ApiApp, smtp: TestSmtp, email: string, timezone = 'Europe/London'): Promise<Browser> {
  const b = browser(app);
  await b.get('/signin');
  const sent = await b.post('/signin', { _csrf: b.csrf, email, timezone });
  expect(sent.status, sent.body).toBe(200);
  const link = new URL(await smtp.linkFor(email.toLowerCase()));
  const confirm = await b.get(link.pathname + link.search);
  expect(confirm.status).toBe(200);
  const done = await b.post('/signin/verify', { _csrf: b.csrf, token: link.searchParams.get('token')! });
  expect(done.status, done.body).toBe(303);
  expect(done.headers.location).toBe('/app');
  await b.get('/app');
  return b;
}

/** A clock the test moves: `now()` is `at` (real time passes from it when `ticking`). */
export interface TestClock {
  now: () => Date;
  set(at: Date): void;
}

export function testClock(at: Date): TestClock {
  let base = at.getTime();
  let started = Date.now();
  return {
    now: () => new Date(base + (Date.now() - started)),
    set(to) {
      base = to.getTime();
      started = Date.now();
    },
  };
}

export interface WebTestApp {
  app: ApiApp;
  t: TestDb;
  /** Every log line the app wrote, as JSON. */
  logs: LogLine[];
  smtp: TestSmtp;
  clock: TestClock;
  close(): Promise<void>;
}

/** The whole app (API and pages) on its own Postgres database, email through a test SMTP server, a movable clock. */
export async function createWebTestApp(opts: { at?: Date; env?: Record<string, string> } = {}): Promise<WebTestApp> {
  const t = await createTestDb('postgres');
  const smtp = await startTestSmtp();
  const { log, lines } = captureLogger();
  const clock = testClock(opts.at ?? new Date());
  const config = loadConfig({ DATABASE_URL: t.url!, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, SMTP_URL: smtp.url, KINETIC_SECRET: 'test-secret-'.padEnd(40, 'x'), ...NO_RATE_LIMITS, ...opts.env });
  const jobs = new InlineRunner({ db: t.db, log, now: clock.now }, { backoffScale: 0.001 });
  const app = await buildServer({ db: t.db, log, jobs, config, now: clock.now });
  await app.ready();
  return {
    app,
    t,
    logs: lines,
    smtp,
    clock,
    close: async () => {
      await app.close();
      await jobs.close();
      await smtp.close();
      await t.drop();
    },
  };
}
