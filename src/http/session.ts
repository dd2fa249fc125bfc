/**
 * Browser sessions of the web app (docs/web.md), on the one Fastify app of api and web.
 *
 * - The session cookie (`kinetic_session`) holds a random 256-bit id, signed with KINETIC_SECRET
 *   (@fastify/cookie); the database keeps only its SHA-256 (`web_sessions`). HttpOnly, SameSite=Lax,
 *   Secure when Kinetic is served over https. Sessions last 30 days from the last visit.
 * - CSRF: every form carries a token that is an HMAC of the session id (or, before sign-in, of a
 *   random `kinetic_csrf` cookie): a synchroniser token that needs no state of its own. Pages check
 *   it on every POST (`requireCsrf`).
 * - A signed-in browser is an athlete principal for the API's own routes (auth.ts) on GET and HEAD
 *   (report pages, upload status, export); on other methods only with a valid CSRF token in the
 *   `x-csrf-token` header or `_csrf` query parameter, so no other site can make the browser change data.
 *   A request with an Authorization header is the API's alone: the cookie is ignored.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findWebSession, touchWebSession, type WebSession } from '../db/repositories/web-sessions.ts';
import { createWebSession, newSecret, SESSION_DAYS, sessionExpiry, sha256Hex } from '../services/web-sessions.ts';

export const SESSION_COOKIE = 'kinetic_session';
export const ANON_CSRF_COOKIE = 'kinetic_csrf';
/** `last_seen_at`/`expires_at` are written at most this often per session. */
const TOUCH_EVERY_MS = 3_600_000;

export interface WebSessionState extends WebSession {
  /** The raw session id (from the cookie): what CSRF tokens are bound to. */
  token: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The browser's signed-in session; null when signed out (or when the request uses a bearer token). */
    webSession: WebSessionState | null;
  }
  interface FastifyInstance {
    webKeys: WebKeys;
  }
}

export interface WebKeys {
  /** HMAC key of the CSRF tokens (derived from the cookie secret). */
  csrf: Buffer;
  /** True when cookies must carry `Secure` (KINETIC_PUBLIC_URL is https). */
  secureCookies: boolean;
}

function csrfTokenFor(keys: WebKeys, binding: string): string {
  return createHmac('sha256', keys.csrf).update(`csrf:${binding}`, 'utf8').digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieOptions(request: FastifyRequest, keys: WebKeys, maxAgeS: number): cookie.CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: keys.secureCookies || request.protocol === 'https', signed: true, maxAge: maxAgeS };
}

/** The value of a cookie signed with KINETIC_SECRET; undefined when absent or tampered with. */
export function signedCookie(request: FastifyRequest, name: string): string | undefined {
  const raw = request.cookies[name];
  if (raw === undefined || raw === '') return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value !== null ? unsigned.value : undefined;
}

/**
 * The CSRF token for this browser's forms. Before sign-in it is bound to a random cookie, set here
 * when missing (so call it while building the page, before the reply is sent).
 */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  const keys = request.server.webKeys;
  if (request.webSession !== null) return csrfTokenFor(keys, `s:${request.webSession.token}`);
  let anon = signedCookie(request, ANON_CSRF_COOKIE);
  if (anon === undefined) {
    anon = newSecret();
    reply.setCookie(ANON_CSRF_COOKIE, anon, cookieOptions(request, keys, SESSION_DAYS * 86_400));
  }
  return csrfTokenFor(keys, `a:${anon}`);
}

/** True when `token` is this browser's CSRF token. */
export function validCsrf(request: FastifyRequest, token: unknown): boolean {
  if (typeof token !== 'string' || token === '') return false;
  const keys = request.server.webKeys;
  if (request.webSession !== null) return sameToken(token, csrfTokenFor(keys, `s:${request.webSession.token}`));
  const anon = signedCookie(request, ANON_CSRF_COOKIE);
  return anon !== undefined && sameToken(token, csrfTokenFor(keys, `a:${anon}`));
}

/** The CSRF token a request carries: form field `_csrf`, header `x-csrf-token` or query `_csrf`. */
export function csrfOf(request: FastifyRequest): unknown {
  const body = request.body as { _csrf?: unknown } | undefined;
  const query = request.query as { _csrf?: unknown } | undefined;
  return (typeof body === 'object' && body !== null ? body._csrf : undefined) ?? request.headers['x-csrf-token'] ?? query?._csrf;
}

/**
 * Signs this browser in as `athleteId`: a new server-side session and its cookie. Every sign-in flow
 * ends here (email link; the Strava callback can call it too); the caller then redirects to `/app`.
 */
export async function startWebSession(request: FastifyRequest, reply: FastifyReply, athleteId: string): Promise<void> {
  const { db, now } = request.server.deps;
  const token = await createWebSession(db, athleteId, now());
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(request, request.server.webKeys, SESSION_DAYS * 86_400));
  request.log.info({ athleteId }, 'web session started');
}

/**
 * Cookies, the session lookup and the browser principal, on the root app (one line in src/server/server.ts).
 * Without KINETIC_SECRET a random key is used: sessions then end when the process does.
 */
export async function registerWebSessions(app: FastifyInstance): Promise<void> {
  const { db, config, now, log } = app.deps;
  const secret = config.secret ?? randomBytes(32).toString('hex');
  if (config.secret === undefined) log.warn('KINETIC_SECRET is not set: web sessions use a random key and end when this process stops');
  await app.register(cookie, { secret });
  app.decorate('webKeys', {
    csrf: createHmac('sha256', secret).update('kinetic web csrf', 'utf8').digest(),
    secureCookies: config.publicUrl?.startsWith('https:') ?? false,
  } satisfies WebKeys);
  app.decorateRequest('webSession', null);
  app.addHook('onRequest', async (request) => {
    if (request.headers.authorization !== undefined && request.headers.authorization !== '') return;
    const token = signedCookie(request, SESSION_COOKIE);
    if (token === undefined) return;
    const at = now();
    const session = await findWebSession(db, sha256Hex(token), at);
    if (session === undefined) return;
    request.webSession = { ...session, token };
    if (at.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await touchWebSession(db, session.id, at, sessionExpiry(at));
    const safe = request.method === 'GET' || request.method === 'HEAD';
    if (safe || validCsrf(request, request.headers['x-csrf-token'] ?? (request.query as { _csrf?: unknown } | undefined)?._csrf)) {
      request.principal = { kind: 'athlete', athleteId: session.athleteId, tokenId: session.id };
    }
  });
}
