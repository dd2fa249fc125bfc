/**
 * `kinetic doctor` (docs/operations.md): checks a deployment the way an operator would — the database
 * reachable and migrated, Redis kept as BullMQ needs it, the queues' backlog and failed jobs, uploads
 * left waiting, workers connected, mail and Strava configured — and says in words what to fix.
 */
import { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../config.ts';
import { pendingMigrations } from '../db/migrate.ts';
import type { Database } from '../db/schema.ts';
import { missingStravaConfig } from '../ingest/strava/services.ts';
import type { BullQueues } from '../jobs/bullmq.ts';
import { QUEUE_NAMES } from '../jobs/queues.ts';
import { redactUrl } from '../util/redact.ts';
import { withTimeout } from '../util/timeout.ts';

/** `fail`: something is wrong (the command exits 1); `warn`: works, but not as production should; `ok`; `info`: not in use. */
export type CheckLevel = 'ok' | 'info' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  level: CheckLevel;
  /** What was found. */
  message: string;
  /** What to do about it (warn and fail). */
  fix?: string;
}

/** How long one check may wait for a server. */
const CHECK_TIMEOUT_MS = 5000;
/** Jobs waiting beyond this are a backlog worth a word (an import of a year of files is a few hundred). */
const BACKLOG_WARN = 1000;
/** An upload still waiting after this long (or two reconcile intervals, if longer) is stuck. */
const STUCK_AFTER_MS = 10 * 60_000;

export interface DoctorDeps {
  config: Config;
  db: Kysely<Database>;
  /** The job queues; undefined in embedded mode. */
  queues: BullQueues | undefined;
  now: Date;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const timeout = (what: string) => (): Error => new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`);

export async function examineDeployment(deps: DoctorDeps): Promise<DoctorCheck[]> {
  const { config, db } = deps;
  const checks: DoctorCheck[] = [];
  const dbName = config.databaseUrl === undefined ? `the embedded database in ${config.dataDir}` : `Postgres at ${redactUrl(config.databaseUrl)} (DATABASE_URL)`;

  let databaseUp = false;
  try {
    await withTimeout(sql`select 1`.execute(db), CHECK_TIMEOUT_MS, timeout(dbName));
    databaseUp = true;
    checks.push({ name: 'database', level: 'ok', message: `${dbName} answers` });
  } catch (err) {
    checks.push({ name: 'database', level: 'fail', message: `cannot reach ${dbName}: ${message(err)}`, fix: 'start Postgres, or correct DATABASE_URL (and check the network and max_connections)' });
  }

  if (databaseUp) {
    const pending = await pendingMigrations(db);
    if (pending.length === 0) checks.push({ name: 'migrations', level: 'ok', message: 'every migration is applied' });
    else checks.push({ name: 'migrations', level: 'fail', message: `${pending.length} migration(s) not applied: ${pending.join(', ')}`, fix: 'run kinetic migrate (with the new version, before starting its serve and worker processes)' });

  }
  // The uploads table as this version knows it: only once migrated.
  if (databaseUp && checks.every((c) => c.name !== 'migrations' || c.level === 'ok')) {
    const stuckMs = Math.max(STUCK_AFTER_MS, 2 * config.reconcileIntervalMs);
    const stuck = await db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', 'in', ['queued', 'processing'])
      .where('created_at', '<', new Date(deps.now.getTime() - stuckMs))
      .executeTakeFirstOrThrow();
    const n = Number(stuck.n);
    if (n === 0) checks.push({ name: 'uploads', level: 'ok', message: `no upload has waited more than ${Math.round(stuckMs / 60_000)} min to be parsed` });
    else {
      checks.push({
        name: 'uploads',
        level: 'fail',
        message: `${n} upload(s) queued or processing for more than ${Math.round(stuckMs / 60_000)} min`,
        fix:
          deps.queues === undefined
            ? 'run kinetic import --retry-failed for their athletes (embedded mode parses them in the command)'
            : 'make sure kinetic worker processes run on the fit-ingest and reconcile queues (they queue such uploads again within KINETIC_RECONCILE_INTERVAL_MS)',
      });
    }
  }

  if (deps.queues === undefined) {
    checks.push({ name: 'queues', level: 'info', message: 'embedded mode: jobs run inside each command and kinetic serve (no REDIS_URL, no KINETIC_QUEUE_BACKEND)' });
  } else {
    checks.push(...(await examineQueues(deps.queues, config)));
  }

  if (config.smtpUrl === undefined) {
    checks.push({ name: 'mail', level: 'warn', message: 'SMTP_URL is not set: weekly reports are not emailed, and athletes cannot change their address', fix: 'set SMTP_URL (smtp://user:pass@host:587) and KINETIC_MAIL_FROM' });
  } else {
    checks.push({ name: 'mail', level: 'ok', message: `reports are emailed through ${redactUrl(config.smtpUrl)} from ${config.mailFrom}` });
  }

  const missing = missingStravaConfig(config);
  if (missing.length === 0) checks.push({ name: 'strava', level: 'ok', message: 'Strava is configured' });
  else if (config.strava.clientId === undefined && config.strava.clientSecret === undefined) {
    checks.push({ name: 'strava', level: 'info', message: 'Strava is not configured (optional: FIT uploads only)' });
  } else {
    checks.push({ name: 'strava', level: 'fail', message: `Strava is half configured: ${missing.join(', ')} missing`, fix: `set ${missing.join(', ')} (docs/strava.md)` });
  }
  return checks;
}

async function examineQueues(queues: BullQueues, config: Config): Promise<DoctorCheck[]> {
  const where = queues.backend === 'redis' ? `Redis at ${redactUrl(config.redisUrl ?? '')} (REDIS_URL), prefix ${queues.prefix}` : 'the Postgres job queues (KINETIC_QUEUE_BACKEND=postgres)';
  const checks: DoctorCheck[] = [];
  let q;
  try {
    q = await queues.ready('fit-ingest');
  } catch (err) {
    return [{ name: 'queues', level: 'fail', message: `cannot reach ${where}: ${message(err)}`, fix: queues.backend === 'redis' ? 'start Redis, or correct REDIS_URL' : 'start Postgres, or correct DATABASE_URL' }];
  }
  checks.push({ name: 'queues', level: 'ok', message: `${where} answers` });

  if (queues.backend === 'redis' && config.redisUrl !== undefined) {
    // A connection of its own: CONFIG is no command BullMQ's connection offers (nor one a script may run).
    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: CHECK_TIMEOUT_MS });
    redis.on('error', () => undefined);
    try {
      const [, policy] = (await withTimeout(redis.config('GET', 'maxmemory-policy'), CHECK_TIMEOUT_MS, timeout('Redis'))) as [string, string];
      if (policy === 'noeviction') checks.push({ name: 'redis memory', level: 'ok', message: 'maxmemory-policy is noeviction' });
      else {
        checks.push({
          name: 'redis memory',
          level: 'fail',
          message: `maxmemory-policy is ${policy}: when Redis is full it deletes keys, jobs among them`,
          fix: 'set maxmemory-policy noeviction in redis.conf (or CONFIG SET maxmemory-policy noeviction, then CONFIG REWRITE)',
        });
      }
      const [, aof] = (await withTimeout(redis.config('GET', 'appendonly'), CHECK_TIMEOUT_MS, timeout('Redis'))) as [string, string];
      if (aof === 'yes') checks.push({ name: 'redis persistence', level: 'ok', message: 'append-only file on' });
      else {
        checks.push({
          name: 'redis persistence',
          level: 'warn',
          message: 'no append-only file: a Redis restart forgets every job and schedule (the workers queue the uploads again and re-create the schedules, but failed jobs and their errors are gone)',
          fix: 'set appendonly yes and appendfsync everysec in redis.conf',
        });
      }
    } catch (err) {
      checks.push({ name: 'redis settings', level: 'warn', message: `could not read Redis's settings (CONFIG GET): ${message(err)}`, fix: 'check by hand that maxmemory-policy is noeviction and appendonly is yes' });
    } finally {
      redis.disconnect();
    }
  }

  const counts = await queues.counts();
  const waiting = QUEUE_NAMES.reduce((n, name) => n + counts[name].waiting + counts[name].paused, 0);
  const failed = QUEUE_NAMES.filter((name) => counts[name].failed > 0).map((name) => `${name} ${counts[name].failed}`);
  if (waiting > BACKLOG_WARN) {
    checks.push({ name: 'backlog', level: 'warn', message: `${waiting} jobs waiting`, fix: 'run more kinetic worker processes (about one per core), or wait: kinetic queues shows them per queue' });
  } else {
    checks.push({ name: 'backlog', level: 'ok', message: `${waiting} job(s) waiting` });
  }
  if (failed.length === 0) checks.push({ name: 'failed jobs', level: 'ok', message: 'no failed job' });
  else {
    checks.push({ name: 'failed jobs', level: 'fail', message: `failed jobs: ${failed.join(', ')}`, fix: 'read their errors with kinetic queues --json and the worker logs; once the cause is fixed, kinetic queues retry-failed runs them again' });
  }

  try {
    const workers = await withTimeout(q.getWorkersCount(), CHECK_TIMEOUT_MS, timeout('the queues'));
    if (workers > 0) checks.push({ name: 'workers', level: 'ok', message: `${workers} worker connection(s) on fit-ingest` });
    else checks.push({ name: 'workers', level: 'fail', message: 'no kinetic worker is connected to the fit-ingest queue: uploads are not parsed', fix: 'start kinetic worker (one per core or two), with the same REDIS_URL and KINETIC_QUEUE_PREFIX' });
  } catch (err) {
    checks.push({ name: 'workers', level: 'info', message: `could not count the workers: ${message(err)}` });
  }
  return checks;
}
