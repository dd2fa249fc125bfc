/**
 * Rate limits (docs/security.md, "Limits"), with @fastify/rate-limit: counters in Redis when
 * REDIS_URL is set (shared by every `kinetic serve` process), in this process's memory otherwise.
 *
 * - Every route but /healthz and /readyz: KINETIC_API_RATE_LIMIT requests a minute per API token or
 *   browser session (the admin token counts as one), or per client address for requests without a
 *   valid one. Over it: 429 `rate_limited` with `Retry-After`.
 * - Routes add their own limits with `requestLimit` (the sign-in form: per address and per client
 *   address), checked where the route chooses, answered as the route chooses.
 *
 * The client address is `request.ip`: the socket's peer, unless KINETIC_TRUST_PROXY names the proxy
 * whose X-Forwarded-For to believe (Fastify's `trustProxy`, set in src/server/server.ts). IPv6
 * clients are counted per /64, as one host usually holds a whole /64.
 *
 * When Redis does not answer (2 s), requests are let through rather than refused (`skipOnError`).
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { ApiError } from './errors.ts';

export const API_WINDOW_MS = 60_000;

/** Counts one request; the seconds to wait when it is over the limit, else null. */
export type RequestLimit = (request: FastifyRequest) => Promise<number | null>;

/** The client address as rate limits count it (IPv6 per /64). */
export function clientKey(request: FastifyRequest): string {
  return normalizeIP(request.ip);
}

/**
 * The key of an email address for rate limits: lower-cased, and `+tag` removed from the local part
 * (`Dave+1@Example.com` and `dave+2@example.com` are one inbox: `dave@example.com`).
 */
export function addressKey(email: string): string {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0) return lower;
  const local = lower.slice(0, at);
  const plus = local.indexOf('+');
  return `${plus < 0 ? local : local.slice(0, plus)}${lower.slice(at)}`;
}

/**
 * A limit of `max` requests per `windowMs` per `key(request)`, on the store of the app's rate-limit
 * plugin; `max` 0 is no limit. Keys share one namespace: start them with the limit's name.
 */
export function requestLimit(app: FastifyInstance, o: { max: number; windowMs: number; key: (request: FastifyRequest) => string }): RequestLimit {
  if (o.max === 0) return () => Promise.resolve(null);
  const check = app.createRateLimit({ max: o.max, timeWindow: o.windowMs, keyGenerator: o.key });
  return async (request) => {
    const r = await check(request);
    return !r.isAllowed && r.isExceeded ? Math.max(1, r.ttlInSeconds) : null;
  };
}

/** "3 minutes", "40 seconds". */
export function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * The plugin and the API limit, on the root app after authentication and sessions (so a token or a
 * session counts on its own) and before the routes: one line in src/server/server.ts. A root hook,
 * so it also counts requests refused later (401, 404).
 */
export async function registerRateLimits(app: FastifyInstance): Promise<void> {
  const { config, log } = app.deps;
  let redis: Redis | undefined;
  if (config.redisUrl !== undefined) {
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000 });
    let last: string | undefined;
    redis.on('error', (err: Error) => {
      if (err.message !== last) log.warn({ err: err.message }, 'rate-limit Redis connection error: requests are not limited until it answers');
      last = err.message;
    });
    redis.on('ready', () => {
      last = undefined;
    });
    const client = redis;
    app.addHook('onClose', () => {
      client.disconnect();
    });
  }
  await app.register(rateLimit, {
    global: false,
    cache: 10_000,
    skipOnError: true,
    ...(redis !== undefined && { redis, nameSpace: `${config.queuePrefix}:ratelimit:` }),
  });

  const max = config.rateLimits.apiPerMinute;
  if (max === 0) return;
  const check = app.createRateLimit({
    max,
    timeWindow: API_WINDOW_MS,
    keyGenerator: (request) => {
      const p = request.principal;
      if (p === null) return `api:ip:${clientKey(request)}`;
      return p.kind === 'admin' ? 'api:admin' : `api:token:${p.tokenId}`;
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    // Probes from load balancers and orchestrators are not limited.
    const url = request.routeOptions.url;
    if (url === '/healthz' || url === '/readyz') return;
    const r = await check(request);
    if (r.isAllowed) return;
    void reply.header('x-ratelimit-limit', r.max).header('x-ratelimit-remaining', r.remaining).header('x-ratelimit-reset', r.ttlInSeconds);
    if (!r.isExceeded) return;
    const wait = Math.max(1, r.ttlInSeconds);
    void reply.header('retry-after', wait);
    const who = request.principal === null ? 'from one address without a token' : 'for one token or session';
    request.log.warn({ key: request.principal === null ? 'ip' : request.principal.kind }, 'rate limited');
    throw new ApiError(429, 'rate_limited', `Too many requests: at most ${max} a minute ${who}. Try again in ${waitText(wait)}.`);
  });
}
