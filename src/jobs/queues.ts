/**
 * The queue registry: every queue's name, payload schema and deterministic job id. Enqueueing is
 * type-checked against the schema, and handlers parse what they receive (STYLE.md rule 9).
 *
 * Also the contracts between the runners (here, in src/jobs) and the handlers (src/workers): a
 * handler is a plain async function of (payload, deps); a runner is given the handlers and the deps
 * by its caller and knows nothing of what they do.
 */
import { z } from 'zod';
import type { Logger } from '../log.ts';

const uuid = z.uuid();
const isoWeek = z.string().regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'ISO week like 2026-W48');
const stravaId = z.string().regex(/^\d{1,19}$/, 'a Strava id (decimal digits)');

export const PAYLOADS = {
  'fit-ingest': z.object({ uploadId: uuid }),
  /**
   * One athlete-week; or (`history`) every week a settings change asked to re-analyse, in order, with
   * its progress stored (docs/jobs.md, "Re-analysis after a settings change").
   */
  analysis: z.union([z.object({ athleteId: uuid, isoWeek }), z.object({ athleteId: uuid, history: z.literal(true) })]),
  /** Fired by the athlete's job scheduler when a weekly report falls due (docs/jobs.md, "Weekly schedule"). */
  'report-tick': z.object({ athleteId: uuid }),
  'weekly-report': z.object({ athleteId: uuid, isoWeek }),
  /** Lists an athlete's Strava activities (docs/strava.md); no athlete with `reconcile` = every connected athlete. */
  'strava-sync': z.object({ athleteId: uuid.optional(), mode: z.enum(['backfill', 'incremental', 'reconcile']), since: z.iso.datetime().optional() }),
  /** Fetches one Strava activity's details (laps, streams); BullMQ priority: recent before old. */
  'strava-activity': z.object({ athleteId: uuid, stravaId, priority: z.number().int().min(1).max(2_097_151).optional() }),
  /** Applies a stored Strava webhook event. */
  'strava-event': z.object({ eventId: uuid }),
  /** Emails a stored weekly report, once per athlete-week (docs/report.md, "Email"). */
  'report-delivery': z.object({ reportId: uuid }),
  /**
   * Finds work accepted but lost (uploads `queued`/`processing` with no live job) and queues it again;
   * fired by its job scheduler every KINETIC_RECONCILE_INTERVAL_MS (docs/jobs.md, "Reconciliation").
   */
  reconcile: z.object({}),
} as const;

export type QueueName = keyof typeof PAYLOADS;
export type Payload<Q extends QueueName> = z.infer<(typeof PAYLOADS)[Q]>;
export const QUEUE_NAMES = Object.keys(PAYLOADS) as QueueName[];

/**
 * Deterministic job ids make enqueueing idempotent: the same upload is parsed by one job, and a burst
 * of changes to one athlete-week coalesces into one analysis job. No `:` (BullMQ reserves it).
 */
export function jobIdFor<Q extends QueueName>(queue: Q, payload: Payload<Q>): string {
  switch (queue) {
    case 'fit-ingest':
      return `fit-ingest-${(payload as Payload<'fit-ingest'>).uploadId}`;
    case 'analysis': {
      // A week's jobs coalesce, and so do the re-analyses repeated saves of the settings ask for.
      const p = payload as Payload<'analysis'>;
      return 'isoWeek' in p ? `analysis-${p.athleteId}-${p.isoWeek}` : `analysis-${p.athleteId}-history`;
    }
    case 'report-tick':
      return `report-tick-${(payload as Payload<'report-tick'>).athleteId}`;
    case 'weekly-report': {
      // Once per athlete-week, however many ticks, workers or catch-ups ask for it.
      const p = payload as Payload<'weekly-report'>;
      return `weekly-report-${p.athleteId}-${p.isoWeek}`;
    }
    case 'report-delivery':
      return `report-delivery-${(payload as Payload<'report-delivery'>).reportId}`;
    case 'strava-sync': {
      const p = payload as Payload<'strava-sync'>;
      return `strava-sync-${p.athleteId ?? 'all'}-${p.mode}`;
    }
    case 'strava-activity': {
      const p = payload as Payload<'strava-activity'>;
      return `strava-activity-${p.athleteId}-${p.stravaId}`;
    }
    case 'strava-event':
      return `strava-event-${(payload as Payload<'strava-event'>).eventId}`;
    case 'reconcile':
      // One pass waiting at a time (the scheduler's own runs are `repeat:reconcile:<time>`).
      return 'reconcile';
    default:
      throw new Error(`no job id rule for queue ${String(queue)}`);
  }
}

export interface RetryPolicy {
  attempts: number;
  /** First backoff delay; doubles each attempt, with jitter. */
  backoffMs: number;
}

export const RETRY: Record<QueueName, RetryPolicy> = {
  'fit-ingest': { attempts: 5, backoffMs: 1000 },
  analysis: { attempts: 5, backoffMs: 2000 },
  'report-tick': { attempts: 5, backoffMs: 2000 },
  'weekly-report': { attempts: 5, backoffMs: 5000 },
  // Strava 5xx, timeouts, streams not processed yet: 10 s, 20 s, … about 20 minutes in all. A spent
  // rate budget is not an attempt (RetryLaterError).
  'strava-sync': { attempts: 8, backoffMs: 5000 },
  'strava-activity': { attempts: 8, backoffMs: 10_000 },
  'strava-event': { attempts: 8, backoffMs: 10_000 },
  // SMTP refusals are often greylisting or a busy server: retry over about half an hour (1, 2, 4, 8, 16 min).
  'report-delivery': { attempts: 6, backoffMs: 60_000 },
  // The next scheduled pass comes within minutes anyway.
  reconcile: { attempts: 3, backoffMs: 5000 },
};

/** Anything that can take jobs: the in-process runner (embedded mode) or BullMQ queues (production). */
export interface JobQueue {
  /**
   * Queues a job (idempotent: a job of the same id already kept is left alone). `again`: a job of that
   * id that failed for good is run again instead, with all its attempts (an upload sent again).
   */
  enqueue<Q extends QueueName>(queue: Q, payload: Payload<Q>, opts?: { again?: boolean }): Promise<void>;
  /** Cron job schedulers: BullMQ queues have them; embedded mode has none (undefined). */
  readonly schedulers?: JobSchedulers | undefined;
  /** Where a job stands, by payload: BullMQ queues can tell (the reconciliation asks); embedded mode cannot. */
  readonly inspector?: JobInspector | undefined;
}

/** A job as its queue holds it: BullMQ's state name (`waiting`, `active`, `delayed`, `failed`, …), and its error when failed. */
export interface JobStatus {
  state: string;
  error?: string | undefined;
  /** Attempts made so far. */
  attempts?: number | undefined;
}

export interface JobInspector {
  /** The job this payload's deterministic id names, or undefined when the queue holds none. */
  jobStatus<Q extends QueueName>(queue: Q, payload: Payload<Q>): Promise<JobStatus | undefined>;
}

/** A job scheduler as stored: its id, cron pattern and zone, and when it fires next (ms since the epoch). */
export interface ScheduledJob {
  id: string;
  pattern: string | undefined;
  tz: string | undefined;
  /** An interval scheduler's period (ms), instead of a pattern. */
  every?: number | undefined;
  next: number | undefined;
}

/** When a job scheduler fires: a cron pattern in a zone, or every so many milliseconds. */
export type Repeat = { pattern: string; tz: string } | { every: number };

/**
 * Job schedulers (BullMQ's): each queues a job with a fixed payload every time its cron pattern
 * matches in its zone. The id is the caller's; upserting an id again replaces its pattern, zone,
 * payload and next run.
 */
export interface JobSchedulers {
  listSchedulers(queue: QueueName): Promise<ScheduledJob[]>;
  getScheduler(queue: QueueName, id: string): Promise<ScheduledJob | undefined>;
  upsertScheduler<Q extends QueueName>(queue: Q, id: string, repeat: Repeat, payload: Payload<Q>): Promise<void>;
  /** False when there was none. */
  removeScheduler(queue: QueueName, id: string): Promise<boolean>;
}

/**
 * What a runner hands every job besides its payload: a logger (the job's own child) and a queue for
 * follow-up jobs. The caller's deps (`src/workers/deps.ts: JobDeps`) add what the handlers need.
 */
export interface JobContext {
  log: Logger;
  queue: JobQueue;
  /**
   * False while a failure of this run would be retried; true on the queue's last attempt (a failure
   * now fails the job for good). Undefined for a handler called directly, not by a runner: as true.
   */
  lastAttempt?: boolean;
}

/** A job handler: a plain async function of (payload, deps); it retries by throwing. */
export type Handler<Q extends QueueName, D extends JobContext = JobContext> = (payload: Payload<Q>, deps: D) => Promise<unknown>;

/**
 * A queue's part when one of its jobs fails for good without its handler having seen it fail: the
 * workers running it died (killed, out of memory) more times than a job may be handed on
 * (`MAX_STALLED_COUNT`, src/jobs/bullmq.ts), and BullMQ fails it without running it again. Does what
 * the handler does when its last attempt fails (`src/workers/handlers.ts: STALLED_OUT`).
 */
export type StalledOut<Q extends QueueName, D extends JobContext = JobContext> = (payload: Payload<Q>, err: Error, deps: D) => Promise<void>;

/** One handler per queue, given to a runner by its caller (`src/workers/handlers.ts: HANDLERS`). */
export type Handlers<D extends JobContext> = { [Q in QueueName]: Handler<Q, D> };

/** A job that failed for good, kept with its payload and error. */
export interface FailedJob {
  queue: QueueName;
  jobId: string;
  payload: unknown;
  error: string;
  attempts: number;
}

/** What a command holds: a queue, plus how to finish the work this process queued and let go. */
export interface JobRunner extends JobQueue {
  /**
   * Embedded mode runs every queued job now (and the jobs they queue) and returns the ones that
   * failed; with BullMQ there is nothing to do here (`kinetic worker` processes run the jobs).
   */
  settle(): Promise<FailedJob[]>;
  close(): Promise<void>;
}

/** Redis (or the Postgres job queues) did not answer: the queues cannot take jobs. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/** A permanent failure: retrying cannot help (bad input), so the job fails at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/**
 * The job cannot run before `delayMs` from now (Strava's rate budget is spent): not a failure. BullMQ
 * workers pause the queue that long and put the job back, without counting an attempt; the inline
 * runner waits.
 */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Failures no retry can fix: a `PermanentJobError` or a payload that does not match its schema. */
export function isPermanentJobError(err: unknown): boolean {
  return err instanceof PermanentJobError || err instanceof z.ZodError;
}
