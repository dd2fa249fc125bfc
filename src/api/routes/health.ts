/** `/healthz` (the process answers) and `/readyz` (Postgres reachable, migrations applied, Redis answers). */
import { sql } from 'kysely';
import { z } from 'zod';
import { pendingMigrations } from '../../db/migrate.ts';
import { Redis } from 'ioredis';
import { redactUrl } from '../../util/redact.ts';
import { withTimeout } from '../../util/timeout.ts';
import type { ApiApp } from '../../http/app.ts';

const CHECK_TIMEOUT_MS = 3000;

const Check = z.object({ ok: z.boolean(), ms: z.number().optional(), error: z.string().optional() });
const Ready = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    database: Check,
    migrations: Check.extend({ pending: z.array(z.string()).optional() }),
    redis: Check.optional().meta({ description: 'only when REDIS_URL is set' }),
  }),
});
type Check = z.infer<typeof Check>;

/** `promise`, or an error naming `what` when it has not answered within CHECK_TIMEOUT_MS. */
function checked<T>(promise: Promise<T>, what: string): Promise<T> {
  return withTimeout(promise, CHECK_TIMEOUT_MS, () => new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`));
}

async function timed(fn: () => Promise<unknown>): Promise<Check> {
  const t0 = performance.now();
  try {
    await fn();
    return { ok: true, ms: Math.round(performance.now() - t0) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - t0), error: err instanceof Error ? err.message : String(err) };
  }
}

export function healthRoutes(app: ApiApp): void {
  const { db, config, log } = app.deps;
  const started = Date.now();
  // A connection of its own for the readiness ping (the queues' connections retry for ever, by design).
  const redisClient = config.redisUrl === undefined ? undefined : new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: CHECK_TIMEOUT_MS });
  if (redisClient !== undefined) {
    let last: string | undefined;
    redisClient.on('error', (err: Error) => {
      if (err.message !== last) log.warn({ err: err.message }, 'readiness Redis connection error');
      last = err.message;
    });
    app.addHook('onClose', () => {
      redisClient.disconnect();
    });
  }

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'the process is up (no dependency is checked)',
        security: [],
        response: { 200: z.object({ status: z.literal('ok'), uptimeS: z.number() }) },
      },
    },
    () => ({ status: 'ok' as const, uptimeS: Math.round((Date.now() - started) / 1000) }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'ready for traffic: Postgres reachable, every migration applied, Redis answers (when REDIS_URL is set); 503 otherwise',
        security: [],
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const database = await timed(() => checked(sql`select 1`.execute(db), 'the database'));
      let migrations: Check & { pending?: string[] };
      if (!database.ok) migrations = { ok: false, error: 'not checked: the database is unreachable' };
      else {
        let pending: string[] = [];
        const check = await timed(async () => {
          pending = await checked(pendingMigrations(db), 'the database');
        });
        migrations = check.ok && pending.length > 0 ? { ...check, ok: false, pending, error: `${pending.length} migration(s) not applied` } : { ...check, pending };
      }
      const redisCheck = redisClient === undefined ? undefined : await timed(() => checked(redisClient.ping(), `Redis at ${redactUrl(config.redisUrl!)}`));
      const ok = database.ok && migrations.ok && (redisCheck?.ok ?? true);
      return reply.status(ok ? 200 : 503).send({
        status: ok ? 'ready' : 'not_ready',
        checks: { database, migrations, ...(redisCheck !== undefined && { redis: redisCheck }) },
      });
    },
  );
}
