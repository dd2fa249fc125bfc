/**
 * Authentication and the athlete boundary of the HTTP API (api routes; the web app's session cookie
 * makes a browser the same kind of principal, see session.ts).
 *
 * - `Authorization: Bearer <token>`. The admin token is `KINETIC_ADMIN_TOKEN` (compared in constant
 *   time); when it is unset, admin routes answer 401 `admin_disabled`. Athlete tokens are looked up by
 *   their SHA-256 hash (`api_tokens`); the token itself is never stored.
 * - `Authorization: Basic …` with the token as the password is accepted too, so a browser can open the
 *   queue dashboard (/admin/queues) with its own password prompt.
 * - An athlete sees only their own data: every route that takes an athlete id goes through
 *   `athleteScope`, and every route that loads a resource by its own id (upload, activity) checks
 *   its owner with `assertVisible`. Another athlete's resource is a 404, exactly like one that does not
 *   exist, so ids never leak.
 *
 * Use: `{ onRequest: requireAuth }` (any valid token) or `{ onRequest: requireAdmin }` on a route (so
 * a stranger is refused before the body is read or validated), then
 * `await athleteScope(request, request.params.id)` in the handler.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findApiToken, touchApiToken } from '../db/repositories/api-tokens.ts';
import { findAthlete } from '../db/repositories/athletes.ts';
import type { Athlete } from '../db/schema.ts';
import { hashToken } from '../services/api-tokens.ts';
import { ApiError, notFound } from './errors.ts';

export type Principal = { kind: 'admin' } | { kind: 'athlete'; athleteId: string; tokenId: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; null without a (valid) token. */
    principal: Principal | null;
    /** Set when an Authorization header was sent but not accepted. */
    authProblem: string | null;
  }
}

/** `last_used_at` is written at most this often per token (not on every request). */
const TOUCH_EVERY_MS = 60_000;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The secret of an Authorization header: a Bearer token, or the password of Basic credentials. */
function secretOf(header: string): string | undefined {
  const m = /^(\w+)\s+(\S+)\s*$/.exec(header);
  if (m === null) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'bearer') return m[2];
  if (scheme === 'basic') {
    const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/** Decorates requests with `principal`, resolved from the Authorization header before routing. */
export function registerAuth(app: FastifyInstance): void {
  const { db, config, now } = app.deps;
  const adminHash = config.adminToken === undefined ? undefined : sha256(config.adminToken);
  app.decorateRequest('principal', null);
  app.decorateRequest('authProblem', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') return;
    const secret = secretOf(header);
    if (secret === undefined || secret === '') {
      request.authProblem = 'the Authorization header must be "Bearer <token>"';
      return;
    }
    // Hash first: the comparison then takes the same time whatever the token is.
    if (adminHash !== undefined && timingSafeEqual(sha256(secret), adminHash)) {
      request.principal = { kind: 'admin' };
      return;
    }
    const token = await findApiToken(db, hashToken(secret));
    if (token === undefined) {
      request.authProblem = 'the token is not valid (revoked, or its athlete was deleted)';
      return;
    }
    request.principal = { kind: 'athlete', athleteId: token.athleteId, tokenId: token.id };
    const at = now();
    if (token.lastUsedAt === null || at.getTime() - token.lastUsedAt.getTime() > TOUCH_EVERY_MS) await touchApiToken(db, token.id, at);
  });
}

function unauthorized(request: FastifyRequest): ApiError {
  const isAdminUi = request.url.startsWith('/admin/');
  const headers = { 'www-authenticate': isAdminUi ? 'Basic realm="kinetic admin", charset="UTF-8"' : 'Bearer realm="kinetic"' };
  return new ApiError(401, 'unauthorized', request.authProblem ?? 'missing Authorization header: send "Authorization: Bearer <token>"', undefined, headers);
}

/** Route hook (onRequest): any valid token (the admin's or an athlete's). */
export async function requireAuth(request: FastifyRequest): Promise<void> {
  if (request.principal === null) throw unauthorized(request);
  return Promise.resolve();
}

/** Route hook (onRequest): the admin token. 401 when it is unset in the configuration (admin routes disabled). */
export async function requireAdmin(request: FastifyRequest): Promise<void> {
  if (request.server.deps.config.adminToken === undefined) {
    throw new ApiError(401, 'admin_disabled', 'admin routes are disabled: KINETIC_ADMIN_TOKEN is not set on the server');
  }
  if (request.principal === null) throw unauthorized(request);
  if (request.principal.kind !== 'admin') throw new ApiError(403, 'forbidden', 'this route needs the admin token');
  return Promise.resolve();
}

/** True when the caller may see data of `athleteId` (the admin sees everyone's). */
export function canSee(request: FastifyRequest, athleteId: string): boolean {
  const p = request.principal;
  return p !== null && (p.kind === 'admin' || p.athleteId === athleteId);
}

/** Throws 404 `<what> not found` unless the caller may see data of `ownerAthleteId`. */
export function assertVisible(request: FastifyRequest, ownerAthleteId: string, what: string): void {
  if (!canSee(request, ownerAthleteId)) throw notFound(what);
}

/**
 * The athlete `athleteId`, when the caller may see them: the admin, or the athlete's own token.
 * Anyone else gets 404 `athlete not found`, the same answer as for an id that does not exist.
 */
export async function athleteScope(request: FastifyRequest, athleteId: string): Promise<Athlete> {
  if (request.principal === null) throw unauthorized(request);
  if (!canSee(request, athleteId)) throw notFound('athlete');
  const athlete = await findAthlete(request.server.deps.db, athleteId);
  if (athlete === undefined) throw notFound('athlete');
  return athlete;
}
