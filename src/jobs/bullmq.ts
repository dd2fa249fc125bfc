/**
 * The production job runner: one BullMQ queue per `QueueName` on Redis (or, opted in, in Postgres
 * through BullMQ's PostgreSQL backend), and `registerWorker`, the one place where a BullMQ worker is
 * set up (STYLE.md rules 10–12, 16). The caller gives each worker its handler, the same plain
 * function the in-process runner calls (`src/workers/handlers.ts: HANDLERS`), and the deps it gets.
 * `BullQueues` are also the job schedulers (`JobSchedulers`) of the weekly reports and the Strava
 * reconcile.
 *
 * Idempotent enqueueing (docs/jobs.md, "Production runner"):
 * - `fit-ingest` uses the deterministic job id `fit-ingest-<uploadId>`: BullMQ ignores an add whose id
 *   exists in any state, so one upload is one job. Completed jobs are removed at once (the result is
 *   the upload's row in Postgres), so the upload can be queued again later, e.g. after a decoder fix;
 *   failed jobs are kept, with their payload and error, until `kinetic queues retry-failed`.
 * - `analysis` coalesces on `analysis-<athleteId>-<isoWeek>` through BullMQ deduplication with
 *   `keepLastIfActive`: a second add while the week's job waits is dropped, and an add while it runs
 *   queues exactly one more run after it. A plain job id would drop that add, and the week would miss
 *   the activity committed after the running job read its data. The BullMQ job id is generated.
 */
import { hostname } from 'node:os';
import { createPostgresBackend, DEFAULT_SCHEMA, Queue, runMigrations, UnrecoverableError, Worker, type Job, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import pg from 'pg';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { redactUrl } from '../util/redact.ts';
import { withTimeout } from '../util/timeout.ts';
import { DEFAULT_LOCK_DURATION_MS } from './lock-duration.ts';
import {
  isPermanentJobError,
  jobIdFor,
  RedisUnavailableError,
  RetryLaterError,
  PAYLOADS,
  QUEUE_NAMES,
  RETRY,
  type FailedJob,
  type Handler,
  type JobContext,
  type JobInspector,
  type JobRunner,
  type JobStatus,
  type JobSchedulers,
  type Payload,
  type QueueName,
  type Repeat,
  type ScheduledJob,
  type StalledOut,
} from './queues.ts';

export { RedisUnavailableError };

/** The states `kinetic queues` counts. */
export const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused'] as const;
export type JobState = (typeof JOB_STATES)[number];
export type QueueCounts = Record<QueueName, Record<JobState, number>>;

/** Completed analysis jobs kept for `kinetic queues` (their ids are never reused, so keeping them blocks nothing). */
const KEEP_COMPLETED_ANALYSIS = { age: 24 * 3600, count: 1000 };
/**
 * Completed weekly-report jobs are kept 5 weeks, longer than catch-up looks back (4 weeks): while a
 * job is kept, asking for its athlete-week again is ignored, so a week is reported once.
 */
const KEEP_COMPLETED_WEEKLY_REPORT = { age: 35 * 24 * 3600 };
/** Jitter of the exponential backoff: a retry waits 50–100 % of `backoffMs · 2^(attempt-1)`, like the inline runner. */
const BACKOFF_JITTER = 0.5;

interface CommonQueuesOptions {
  log: Logger;
  /** Multiplies every retry delay (tests shrink it); default 1. */
  backoffScale?: number;
  /** How long an enqueue waits for Redis (or Postgres) to answer before failing; default 5 s. */
  connectTimeoutMs?: number;
}

/** Queues on Redis (the default production backend). */
export interface RedisQueuesOptions extends CommonQueuesOptions {
  redisUrl: string;
  /** Prefix of every Redis key (`<prefix>:<queue>:…`); one per deployment, one per test. */
  prefix: string;
}

/**
 * Queues in Postgres, through BullMQ's PostgreSQL backend (`KINETIC_QUEUE_BACKEND=postgres`): its
 * tables live in the `bullmq` schema of this database, created on first use.
 */
export interface PostgresQueuesOptions extends CommonQueuesOptions {
  postgresUrl: string;
}

export type BullQueuesOptions = RedisQueuesOptions | PostgresQueuesOptions;
export type QueueBackend = 'redis' | 'postgres';

/** The schema of BullMQ's tables with the PostgreSQL backend (BullMQ's default). */
export const POSTGRES_QUEUE_SCHEMA = DEFAULT_SCHEMA;
/**
 * Connections of the one pool all queues and workers of a process share with the PostgreSQL backend:
 * a worker holds one for LISTEN (one per queue at most), eight more serve the short job-state queries.
 */
const POSTGRES_QUEUE_POOL_SIZE = QUEUE_NAMES.length + 8;

/** BullMQ options for one job: attempts and backoff from `RETRY`, idempotency and retention per queue. */
export function jobOptions<Q extends QueueName>(queue: Q, payload: Payload<Q>, backoffScale = 1): JobsOptions {
  const policy = RETRY[queue];
  const base: JobsOptions = {
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: Math.round(policy.backoffMs * backoffScale), jitter: BACKOFF_JITTER },
    // Nothing is lost: a job that failed for good stays with its payload and error.
    removeOnFail: false,
  };
  switch (queue) {
    case 'fit-ingest':
      return { ...base, jobId: jobIdFor(queue, payload), removeOnComplete: true };
    case 'analysis':
      return { ...base, deduplication: { id: jobIdFor(queue, payload), keepLastIfActive: true }, removeOnComplete: KEEP_COMPLETED_ANALYSIS };
    case 'report-tick':
      // Ticks come from job schedulers (their ids are `repeat:<scheduler>:<time>`); this id is for a tick queued by hand.
      return { ...base, jobId: jobIdFor(queue, payload), removeOnComplete: KEEP_COMPLETED_ANALYSIS };
    case 'weekly-report':
      return { ...base, jobId: jobIdFor(queue, payload), removeOnComplete: KEEP_COMPLETED_WEEKLY_REPORT };
    case 'report-delivery':
      // The delivery row records the outcome; a later add of the same report finds it sent and does nothing.
      return { ...base, jobId: jobIdFor(queue, payload), removeOnComplete: true };
    case 'strava-sync':
    case 'strava-event':
      // A sync already waiting or running covers a second request; an event is applied once.
      return { ...base, jobId: jobIdFor(queue, payload), removeOnComplete: queue === 'strava-event' ? KEEP_COMPLETED_ANALYSIS : true };
    case 'strava-activity': {
      // Priority: recent activities before old backfill (webhook events, on their own queue, have none).
      const priority = (payload as Payload<'strava-activity'>).priority;
      return { ...base, jobId: jobIdFor(queue, payload), removeOnComplete: true, ...(priority !== undefined && { priority }) };
    }
    case 'reconcile':
      // A pass leaves nothing to keep (what it found is logged); a failed one is kept a while, as a sign.
      return { ...base, jobId: jobIdFor(queue, payload), removeOnComplete: true, removeOnFail: { count: 100 } };
    default:
      throw new Error(`no job options for queue ${String(queue)}`);
  }
}

/**
 * The BullMQ queues of one prefix: enqueueing (a `JobRunner`), job schedulers (`JobSchedulers`) and
 * the administration `kinetic queues` needs.
 */
export class BullQueues implements JobRunner, JobSchedulers, JobInspector {
  private readonly queues = new Map<QueueName, Queue<unknown>>();
  /** PostgreSQL backend: the pool every queue and worker of this process shares, and its schema migration. */
  private pool: pg.Pool | undefined;
  private migrated: Promise<void> | undefined;
  private prepared: boolean;

  constructor(private readonly opts: BullQueuesOptions) {
    this.prepared = 'redisUrl' in opts;
  }

  get backend(): QueueBackend {
    return 'redisUrl' in this.opts ? 'redis' : 'postgres';
  }

  /** The Redis key prefix, or with the PostgreSQL backend the schema of the queue tables. */
  get prefix(): string {
    return 'redisUrl' in this.opts ? this.opts.prefix : POSTGRES_QUEUE_SCHEMA;
  }

  /** The BullMQ queue (connects on first use). */
  queue(name: QueueName): Queue<unknown> {
    let q = this.queues.get(name);
    if (q === undefined) {
      q =
        'redisUrl' in this.opts
          ? // A producer connection keeps ioredis' default retries per command: an enqueue during a long
            // outage fails (the caller retries or reports it) instead of hanging; workers use `null`.
            new Queue<unknown>(name, { connection: { url: this.opts.redisUrl }, prefix: this.opts.prefix })
          : // The Queue API is the same on every backend; only its type parameter names the backend.
            (new Queue(name, { connection: this.postgresPool() }, createPostgresBackend) as unknown as Queue<unknown>);
      // ioredis reconnects every second while Redis is away: log each distinct error once.
      let last: string | undefined;
      q.on('error', (err) => {
        if (err.message !== last) this.opts.log.error({ err, queue: name }, 'queue connection error');
        last = err.message;
      });
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<Q extends QueueName>(queue: Q, payload: Payload<Q>, opts: { again?: boolean } = {}): Promise<void> {
    // Never put on Redis what no worker can parse (a programming error; throws ZodError).
    const data = PAYLOADS[queue].parse(payload) as Payload<Q>;
    const q = await this.ready(queue);
    const add = q.add(queue, data, jobOptions(queue, data, this.opts.backoffScale));
    // While Redis is away, a connection that was ready once retries a command for minutes: then the add
    // is bounded too (a job added after the timeout, Redis back, is no harm: its id makes it the same
    // job). A ready connection is waited for, however loaded the machine.
    const connected = 'redisUrl' in this.opts && (await q.getBackend().client).status === 'ready';
    const job = connected ? await add : await withTimeout(add, this.timeoutMs, () => this.unavailable());
    // BullMQ ignores an add whose id is kept failed: asked to, run that job again with all its attempts.
    if (opts.again === true && job.id !== undefined && (await q.getJobState(job.id)) === 'failed') {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
  }

  /** These queues can tell where a job stands (the reconciliation asks). */
  get inspector(): JobInspector {
    return this;
  }

  async jobStatus<Q extends QueueName>(queue: Q, payload: Payload<Q>): Promise<JobStatus | undefined> {
    const q = await this.ready(queue);
    const job = await q.getJob(jobIdFor(queue, payload));
    if (job === undefined) return undefined;
    const state = await job.getState();
    return state === 'failed' ? { state, error: job.failedReason, attempts: job.attemptsMade } : { state, attempts: job.attemptsMade };
  }

  /** Nothing to run here: `kinetic worker` processes run the jobs. */
  settle(): Promise<FailedJob[]> {
    return Promise.resolve([]);
  }

  /** These queues have job schedulers (embedded mode has none). */
  get schedulers(): JobSchedulers {
    return this;
  }

  async listSchedulers(name: QueueName): Promise<ScheduledJob[]> {
    return (await (await this.ready(name)).getJobSchedulers(0, -1)).map(scheduledJob);
  }

  async getScheduler(name: QueueName, id: string): Promise<ScheduledJob | undefined> {
    const s = await (await this.ready(name)).getJobScheduler(id);
    return s === undefined ? undefined : scheduledJob(s);
  }

  /** The scheduler's jobs get the queue's attempts, backoff and retention (`jobOptions`). */
  async upsertScheduler<Q extends QueueName>(name: Q, id: string, repeat: Repeat, payload: Payload<Q>): Promise<void> {
    const data = PAYLOADS[name].parse(payload) as Payload<Q>;
    // The scheduler names its jobs `repeat:<scheduler id>:<time>`: a fixed job id has no place in the template.
    const { jobId: _jobId, ...opts } = jobOptions(name, data, this.opts.backoffScale);
    await (await this.ready(name)).upsertJobScheduler(id, repeat, { name, data, opts });
  }

  async removeScheduler(name: QueueName, id: string): Promise<boolean> {
    return (await this.ready(name)).removeJobScheduler(id);
  }

  /**
   * Jobs per queue and state. BullMQ 6 has no `paused` job state (pausing is a flag of the queue, its
   * jobs stay in the wait list): `paused` counts the waiting jobs of a paused queue, `waiting` is then 0.
   * `delayed` leaves out the job schedulers' next runs (not yet due): the schedule is not a backlog.
   */
  async counts(names: readonly QueueName[] = QUEUE_NAMES): Promise<QueueCounts> {
    const out: Partial<QueueCounts> = {};
    for (const name of names) {
      const q = await this.ready(name);
      const raw = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
      const ready = (raw.waiting ?? 0) + (raw.prioritized ?? 0);
      const paused = await q.isPaused();
      out[name] = {
        waiting: paused ? 0 : ready,
        active: raw.active ?? 0,
        delayed: Math.max(0, (raw.delayed ?? 0) - (await scheduledNextJobs(q))),
        completed: raw.completed ?? 0,
        failed: raw.failed ?? 0,
        paused: paused ? ready : 0,
      };
    }
    return out as QueueCounts;
  }

  /** The jobs that failed for good, with payload and error. */
  async failed(name: QueueName): Promise<FailedJob[]> {
    const jobs = await (await this.ready(name)).getFailed(0, -1);
    return jobs.map((job) => failedJob(name, job));
  }

  /** Moves failed jobs back to waiting, payload unchanged, with all their attempts again; returns them. */
  async retryFailed(names: readonly QueueName[] = QUEUE_NAMES): Promise<FailedJob[]> {
    const retried: FailedJob[] = [];
    for (const name of names) {
      for (const job of await (await this.ready(name)).getFailed(0, -1)) {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried.push(failedJob(name, job));
      }
    }
    return retried;
  }

  /** Deletes every job and key of these queues. For tests and tear-down, never in normal operation. */
  async obliterate(): Promise<void> {
    for (const name of QUEUE_NAMES) await (await this.ready(name)).obliterate({ force: true });
  }

  /** Closes the queues (and, with the PostgreSQL backend, the shared pool: close the workers first). */
  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map((q) => q.close()));
    const pool = this.pool;
    this.pool = undefined;
    this.migrated = undefined;
    await pool?.end();
  }

  /** The BullMQ queue once Redis (or Postgres) answers; `RedisUnavailableError` after `connectTimeoutMs`. */
  async ready(name: QueueName): Promise<Queue<unknown>> {
    const q = this.queue(name);
    await withTimeout(this.migrate().then(() => q.waitUntilReady()), this.timeoutMs, () => this.unavailable());
    return q;
  }

  private get timeoutMs(): number {
    return this.opts.connectTimeoutMs ?? 5000;
  }

  private unavailable(): RedisUnavailableError {
    const s = this.timeoutMs / 1000;
    return 'redisUrl' in this.opts
      ? new RedisUnavailableError(`cannot reach Redis at ${redactUrl(this.opts.redisUrl)} (REDIS_URL) within ${s} s`)
      : new RedisUnavailableError(`cannot reach the Postgres job queues at ${redactUrl(this.opts.postgresUrl)} (DATABASE_URL) within ${s} s`);
  }

  /** A BullMQ worker on these queues' Redis or Postgres, with worker connection settings. */
  createWorker(name: QueueName, processor: Processor<unknown>, options: Omit<WorkerOptions, 'connection' | 'prefix'>): Worker<unknown> {
    if ('redisUrl' in this.opts) {
      return new Worker<unknown>(name, processor, { ...options, connection: { url: this.opts.redisUrl, maxRetriesPerRequest: null }, prefix: this.opts.prefix });
    }
    // A Postgres worker checks the schema once, when it starts, and keeps a failed check for good.
    if (!this.prepared) throw new Error(`BullQueues: await prepare() before starting a ${name} worker on the Postgres queue backend (it creates BullMQ's tables)`);
    const worker = new Worker(name, processor, { ...options, connection: this.postgresPool() }, createPostgresBackend);
    return worker as unknown as Worker<unknown>;
  }

  /**
   * Makes the queues' store ready for workers: with the PostgreSQL backend, creates or upgrades
   * BullMQ's schema (idempotent, safe from many processes at once); nothing to do on Redis.
   */
  async prepare(): Promise<void> {
    await this.migrate();
    this.prepared = true;
  }

  private postgresPool(): pg.Pool {
    if ('redisUrl' in this.opts) throw new Error('not a Postgres queue backend');
    if (this.pool === undefined) {
      // BullMQ's SQL names its tables unqualified: every connection searches its schema.
      this.pool = new pg.Pool({ connectionString: this.opts.postgresUrl, max: POSTGRES_QUEUE_POOL_SIZE, options: `-c search_path=${POSTGRES_QUEUE_SCHEMA}` });
      // Every BullMQ queue and worker on the pool listens for its errors: one queue and one worker per
      // queue name, more in tests; Node's default limit (10) warns of a leak with five queues.
      this.pool.setMaxListeners(4 * QUEUE_NAMES.length);
      let last: string | undefined;
      const onError = (err: Error): void => {
        if (err.message !== last) this.opts.log.error({ err }, 'queue connection error');
        last = err.message;
      };
      // Every connection gets a listener of its own for its whole life: a checked-out `pg` Client (a
      // worker's LISTEN, a running query) emits 'error' when the server goes away, and one without a
      // listener ends the process (issue 21). The pool re-emits an idle one's, already reported.
      this.pool.on('connect', (client) => {
        client.on('error', onError);
      });
      this.pool.on('error', () => undefined);
    }
    return this.pool;
  }

  /** PostgreSQL backend: creates or upgrades BullMQ's schema once (idempotent, safe from many processes at once). */
  private migrate(): Promise<void> {
    if ('redisUrl' in this.opts) return Promise.resolve();
    if (this.migrated === undefined) {
      const pool = this.postgresPool();
      const done = (async () => {
        const client = await pool.connect();
        try {
          await runMigrations(client, POSTGRES_QUEUE_SCHEMA);
        } finally {
          client.release();
        }
      })();
      this.migrated = done;
      done.catch(() => {
        if (this.migrated === done) this.migrated = undefined;
      });
    }
    return this.migrated;
  }
}

/**
 * Delayed jobs that are a job scheduler's next run (the weekly report ticks, one per athlete): they
 * are the schedule, not work held back, so `counts()` leaves them out of `delayed`.
 */
async function scheduledNextJobs(q: Queue<unknown>): Promise<number> {
  if ((await q.getJobSchedulersCount()) === 0) return 0;
  const now = Date.now();
  return (await q.getJobSchedulers(0, -1, true)).filter((s) => s.next !== undefined && s.next > now).length;
}

function scheduledJob(s: { key: string; pattern?: string | null; tz?: string | null; every?: number | string | null; next?: number | null }): ScheduledJob {
  return { id: s.key, pattern: s.pattern ?? undefined, tz: s.tz ?? undefined, ...(s.every != null && { every: Number(s.every) }), next: s.next ?? undefined };
}

function failedJob(queue: QueueName, job: Job<unknown>): FailedJob {
  return { queue, jobId: job.id ?? '?', payload: job.data, error: job.failedReason, attempts: job.attemptsMade };
}


export interface RegisterWorkerOptions<Q extends QueueName, D extends JobContext> {
  /** Where the jobs are: the Redis and prefix of these queues. */
  queues: BullQueues;
  /** What runs each job: Kinetic's is `HANDLERS[queue]` (src/workers/handlers.ts); tests pass their own. */
  handler: Handler<Q, D>;
  /** Run when a job fails for good because its workers died running it (`StalledOut`); none by default. */
  onStalledOut?: StalledOut<Q, D> | undefined;
  /** Jobs of this queue run at once in this process; default 4. */
  concurrency?: number;
  /** Signals that start a graceful close (a second one gets Node's default: exit); default SIGTERM and SIGINT, `[]` for none. */
  closeOn?: NodeJS.Signals[];
  /**
   * How long a job's lock lasts without renewal (renewed every half of it while the job runs), and the
   * interval of the stalled-job check: a job whose worker died goes back to waiting within 1–2 × this.
   * Default 30 s; tests shrink it.
   */
  lockDurationMs?: number;
}

export { DEFAULT_LOCK_DURATION_MS };
/**
 * Times a job may be handed on after its worker died (SIGKILL, out of memory, a lost machine) before
 * it is failed instead: a job that keeps killing its worker ends in the failed set (kept, re-queueable)
 * rather than taking down every worker in turn. BullMQ's default of 1 fails a job whose worker is
 * killed twice while running it, e.g. by two deploys in a row.
 */
export const MAX_STALLED_COUNT = 3;

export interface RegisteredWorker {
  readonly queue: QueueName;
  readonly worker: Worker<unknown>;
  /** Stops taking jobs, lets the active ones finish, closes the connections. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the worker has closed (after `close()` or a signal). */
  readonly closed: Promise<void>;
}

/**
 * Starts a BullMQ worker for `queue`: it parses each payload with the queue's schema, runs
 * `opts.handler` with `deps` and a child logger `{ queue, jobId, athleteId? }`, and turns permanent
 * failures (`PermanentJobError`, an invalid payload) into BullMQ's `UnrecoverableError`, so they fail
 * at once; any other error is rethrown and retried with the job's backoff. Logs completed (with
 * duration), failed, error, stalled.
 */
export function registerWorker<Q extends QueueName, D extends JobContext>(queue: Q, deps: D, opts: RegisterWorkerOptions<Q, D>): RegisteredWorker {
  const handler = opts.handler;
  const log = deps.log.child({ queue });

  const processor = async (job: Job<unknown>): Promise<unknown> => {
    const parsed = PAYLOADS[queue].safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid ${queue} payload: ${z.prettifyError(parsed.error)}`);
    const payload = parsed.data as Payload<Q>;
    const jobLog = deps.log.child({ queue, jobId: job.id, ...('athleteId' in payload ? { athleteId: payload.athleteId } : {}) });
    jobLog.debug({ attempt: job.attemptsMade + 1 }, 'job started');
    try {
      return await handler(payload, { ...deps, log: jobLog, lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
    } catch (err) {
      if (err instanceof RetryLaterError) {
        // Not a failure (Strava's rate budget is spent): pause the queue for every worker until then;
        // the job goes back to waiting with its attempts untouched.
        jobLog.info({ delayMs: Math.round(err.delayMs) }, 'rate limited: queue paused');
        await (await opts.queues.ready(queue)).rateLimit(Math.max(1, Math.round(err.delayMs)));
        throw Worker.RateLimitError();
      }
      if (isPermanentJobError(err)) {
        const e = err as Error;
        throw new UnrecoverableError(`${e.name}: ${e.message}`);
      }
      throw err instanceof Error ? err : new Error(String(err));
    }
  };

  const worker = opts.queues.createWorker(queue, processor, {
    concurrency: opts.concurrency ?? 4,
    name: `${hostname()}-${process.pid}`,
    lockDuration: opts.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledInterval: opts.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    maxStalledCount: MAX_STALLED_COUNT,
  });

  worker.on('completed', (job, result) => {
    const ms = job.finishedOn !== undefined && job.processedOn !== undefined ? job.finishedOn - job.processedOn : undefined;
    log.info({ jobId: job.id, ms, attempts: job.attemptsMade, result }, 'job completed');
  });
  worker.on('failed', (job, err) => {
    if (job === undefined) {
      log.error({ err: err.message }, 'job failed');
      return;
    }
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) log.error({ jobId: job.id, err: err.message, attempts: job.attemptsMade, payload: job.data }, 'job failed');
    else log.warn({ jobId: job.id, err: err.message, attempt: job.attemptsMade, retryInMs: job.delay }, 'job failed, retrying');
    // Handed on more than MAX_STALLED_COUNT times (BullMQ's deferred failure): failed without running
    // the handler, whose failure path never ran; the queue's `onStalledOut` does that part.
    if (job.deferredFailure && opts.onStalledOut !== undefined) {
      const parsed = PAYLOADS[queue].safeParse(job.data);
      if (!parsed.success) return;
      const payload = parsed.data as Payload<Q>;
      const jobLog = deps.log.child({ queue, jobId: job.id, ...('athleteId' in payload ? { athleteId: payload.athleteId } : {}) });
      const why = new Error(`its worker stopped while running it (killed or out of memory) more than ${MAX_STALLED_COUNT} times`);
      opts.onStalledOut(payload, why, { ...deps, log: jobLog, lastAttempt: true }).catch((e: unknown) => jobLog.error({ err: e }, 'the failure path of a job that stalled out failed'));
    }
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled (its worker stopped renewing the lock): back to waiting'));

  const closed = new Promise<void>((resolve) => worker.once('closed', resolve));
  const signals = opts.closeOn ?? ['SIGTERM', 'SIGINT'];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    for (const s of signals) process.off(s, onSignal);
    closing ??= worker.close();
    return closing;
  };
  function onSignal(signal: NodeJS.Signals): void {
    log.info({ signal }, 'closing: no new jobs, waiting for the active ones');
    close().catch((err: unknown) => log.error({ err }, 'worker close failed'));
  }
  for (const s of signals) process.once(s, onSignal);

  return { queue, worker, close, closed };
}

type QueueConfig = Pick<Config, 'queueBackend' | 'redisUrl' | 'databaseUrl' | 'queuePrefix'>;

/** The BullMQ queues the configuration names, or undefined in embedded mode (jobs run in-process). */
export function bullQueuesFor(config: QueueConfig, log: Logger): BullQueues | undefined {
  switch (config.queueBackend) {
    case 'inline':
      return undefined;
    case 'redis':
      return new BullQueues({ redisUrl: required(config.redisUrl, 'REDIS_URL'), prefix: config.queuePrefix, log });
    case 'postgres':
      return new BullQueues({ postgresUrl: required(config.databaseUrl, 'DATABASE_URL'), log });
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`${name} is not set (loadConfig checks this)`);
  return value;
}
