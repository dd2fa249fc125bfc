/**
 * The Strava jobs (docs/strava.md, docs/jobs.md): thin handlers over src/services/strava-sync.ts.
 *
 * - `strava-sync`: backfill / incremental / reconcile of one athlete (or reconcile of every connected
 *   athlete); each stored page queues the details of its runs (`strava-activity`, priority by age:
 *   recent first) and the analysis of the weeks it touched.
 * - `strava-activity`: one run's laps and streams.
 * - `strava-event`: a stored webhook event.
 *
 * A spent rate budget is not a failure: the handler throws `RetryLaterError` and the BullMQ worker
 * pauses the queue until the window resets, then runs the job again without counting an attempt.
 * A connection that needs re-authorisation ends its athlete's jobs as skipped (others go on).
 */
import { createHash } from 'node:crypto';
import { loadConfig, type Config } from '../config.ts';
import { StravaConnectionInactiveError } from '../services/strava-connection.ts';
import { StravaApiError, StravaRateLimitedError } from '../ingest/strava/errors.ts';
import { MemoryRateBudget, RedisRateBudget, type EvalFn, type RateBudget } from '../ingest/strava/rate-limit.ts';
import { createStravaServices, missingStravaConfig, StravaNotConfiguredError, type StravaServices } from '../ingest/strava/services.ts';
import { applyEvent, runBackfill, runIncremental, runReconcile, syncActivity, type PageResult, type SyncResult } from '../services/strava-sync.ts';
import { budgetPriority, detailPriority, queueAnalysis } from '../services/strava-queue.ts';
import { listConnections, listPendingDetails } from '../db/repositories/strava.ts';
import type { Logger } from '../log.ts';
import { BullQueues } from '../jobs/bullmq.ts';
import type { JobDeps } from './deps.ts';
import { PermanentJobError, RetryLaterError, type JobQueue, type JobSchedulers, type Payload } from '../jobs/queues.ts';

const memoryBudgets = new Map<string, RateBudget>();
const built = new WeakMap<object, Promise<StravaServices>>();

/**
 * The Strava services of these job deps: injected (tests), or built once per queue from the
 * configuration. With BullMQ on Redis the rate budget lives in Redis (shared by every worker), read
 * through the queue's own connection, and a spent budget pauses the queue; otherwise it is this
 * process's, and calls wait for the reset.
 */
export function stravaServicesFor(deps: JobDeps): Promise<StravaServices> {
  if (deps.strava !== undefined) return Promise.resolve(deps.strava);
  let services = built.get(deps.queue);
  if (services === undefined) {
    services = buildServices(deps.queue);
    built.set(deps.queue, services);
    services.catch(() => built.delete(deps.queue));
  }
  return services;
}

async function buildServices(queue: JobQueue): Promise<StravaServices> {
  const config = loadConfig();
  const clientId = config.strava.clientId ?? 'unconfigured';
  if (queue instanceof BullQueues && queue.backend === 'redis') {
    // The queue's own Redis connection (closed with the queues): no connection of our own to leak.
    const redis = await (await queue.ready('strava-activity')).getBackend().client;
    const defined = new Set<string>();
    const evalScript: EvalFn = (script, keys, args) => {
      const name = `kineticStrava${createHash('sha1').update(script).digest('hex').slice(0, 12)}k${keys.length}`;
      if (!defined.has(name)) {
        redis.defineCommand(name, { numberOfKeys: keys.length, lua: script });
        defined.add(name);
      }
      return redis.runCommand(name, [...keys, ...args]) as Promise<unknown>;
    };
    const budget = new RedisRateBudget(evalScript, queue.prefix, clientId);
    return createStravaServices(config, { budget, maxWaitMs: 0 });
  }
  let budget = memoryBudgets.get(clientId);
  if (budget === undefined) {
    budget = new MemoryRateBudget();
    memoryBudgets.set(clientId, budget);
  }
  return createStravaServices(config, { budget, maxWaitMs: queue instanceof BullQueues ? 0 : Number.POSITIVE_INFINITY });
}

/** After a page: details of its runs, and the analysis of its weeks. */
function pageHooks(deps: JobDeps, s: StravaServices, athleteId: string): { onPage: (page: PageResult) => Promise<void> } {
  return {
    onPage: async (page) => {
      for (const p of page.pending) {
        await deps.queue.enqueue('strava-activity', { athleteId, stravaId: p.stravaId, priority: detailPriority(p.startTime, s.clock.now()) });
      }
      await queueAnalysis(deps.queue, athleteId, page.localDates);
    },
  };
}

/** Turns Strava's conditions into the job runner's: pause, skip, fail for good, or retry. */
async function asJob<T>(s: StravaServices | undefined, fn: () => Promise<T>): Promise<T | { skipped: string }> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StravaRateLimitedError) throw new RetryLaterError(err.message, Math.min(err.delayMs, s?.maxPauseMs ?? err.delayMs));
    if (err instanceof StravaConnectionInactiveError) return { skipped: err.message };
    if (err instanceof StravaNotConfiguredError) throw new PermanentJobError(err.message, { cause: err });
    // Other 4xx (not 401/404/429, handled above or in sync.ts) will not change on a retry.
    if (err instanceof StravaApiError && err.status >= 400 && err.status < 500) throw new PermanentJobError(err.message, { cause: err });
    // Timeouts, 5xx, malformed replies, streams not processed yet: retried with backoff.
    throw err;
  }
}

export async function stravaSyncHandler(payload: Payload<'strava-sync'>, deps: JobDeps): Promise<unknown> {
  const s = await asJob(undefined, () => stravaServicesFor(deps));
  if ('skipped' in s) return s;
  if (payload.athleteId === undefined) {
    // Every connected athlete: one job each (deterministic ids: a reconcile already queued is not doubled).
    const connections = (await listConnections(deps.db)).filter((c) => c.status === 'active');
    for (const c of connections) await deps.queue.enqueue('strava-sync', { athleteId: c.athlete_id, mode: payload.mode });
    return { queued: connections.length };
  }
  const athleteId = payload.athleteId;
  const hooks = pageHooks(deps, s, athleteId);
  return asJob(s, async (): Promise<SyncResult> => {
    let result: SyncResult;
    switch (payload.mode) {
      case 'backfill':
        return runBackfill(deps.db, s, athleteId, hooks);
      case 'incremental':
        result = await runIncremental(deps.db, s, athleteId, hooks, payload.since === undefined ? undefined : new Date(payload.since));
        break;
      case 'reconcile':
        result = await runReconcile(deps.db, s, athleteId, hooks);
        break;
    }
    // Details whose jobs ended without them (skipped while the connection needed re-authorisation,
    // or lost) are queued again; a job already waiting is not doubled (deterministic ids).
    await hooks.onPage({ listed: 0, pending: await listPendingDetails(deps.db, athleteId), localDates: [] });
    return result;
  });
}

export async function stravaActivityHandler(payload: Payload<'strava-activity'>, deps: JobDeps): Promise<unknown> {
  const s = await asJob(undefined, () => stravaServicesFor(deps));
  if ('skipped' in s) return s;
  return asJob(s, async () => {
    const r = await syncActivity(deps.db, s, payload.athleteId, payload.stravaId, { priority: budgetPriority(payload.priority), onlyIfPending: true });
    await queueAnalysis(deps.queue, payload.athleteId, r.localDates);
    return { status: r.status };
  });
}

export async function stravaEventHandler(payload: Payload<'strava-event'>, deps: JobDeps): Promise<unknown> {
  const s = await asJob(undefined, () => stravaServicesFor(deps));
  if ('skipped' in s) return s;
  return asJob(s, async () => {
    const r = await applyEvent(deps.db, s, payload.eventId);
    if (r.athleteId !== null) await queueAnalysis(deps.queue, r.athleteId, r.localDates);
    return { outcome: r.outcome };
  });
}

/** The job scheduler of the daily reconcile (every connected athlete's last 30 days). */
export const STRAVA_RECONCILE_SCHEDULER = 'strava-reconcile';
/** 03:00 UTC: one list request per connected athlete a day, at low priority. */
export const STRAVA_RECONCILE_PATTERN = '0 3 * * *';

/**
 * What a worker on the `strava-sync` queue does at start: make sure the daily reconcile is scheduled
 * (a BullMQ job scheduler with a fixed id, so any number of workers and restarts keep exactly one).
 * Nothing when Strava is not configured.
 */
export async function startStravaSchedule(schedulers: JobSchedulers, config: Pick<Config, 'strava' | 'secret'>, log: Logger): Promise<boolean> {
  if (missingStravaConfig(config).length > 0) return false;
  await schedulers.upsertScheduler('strava-sync', STRAVA_RECONCILE_SCHEDULER, { pattern: STRAVA_RECONCILE_PATTERN, tz: 'UTC' }, { mode: 'reconcile' });
  log.info({ pattern: STRAVA_RECONCILE_PATTERN }, 'Strava reconcile scheduled');
  return true;
}
