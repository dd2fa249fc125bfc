/**
 * The weekly report schedule on BullMQ (docs/jobs.md, "Weekly schedule"): one job scheduler per
 * athlete on the `report-tick` queue, with a cron pattern for their report weekday and time and
 * their IANA zone as `tz`, so BullMQ fires at their local time across daylight-saving changes.
 * Each firing is a `report-tick` job, which queues the week's `weekly-report` job under its
 * deterministic id (`src/workers/report-tick.ts`).
 *
 * - `applyReportSchedule` (after an athlete is created or their time zone, report day or time
 *   changed; any job queue, a no-op in embedded mode) creates or updates the athlete's scheduler
 *   (`syncReportSchedule`, BullMQ only) and queues the reports the new schedule makes due.
 *   `removeReportSchedule` removes the scheduler (call it when the athlete is deleted).
 * - `startReportSchedule` (every `kinetic worker` that works on `report-tick`, at start) reconciles
 *   the schedulers with the athletes table and catches up the reports a downtime missed.
 * In embedded mode (no Redis) there are no schedulers: the pure functions in
 * `src/domain/report-schedule.ts` say which week is due.
 */
import type { Kysely } from 'kysely';
import { listAthletes } from '../db/repositories/athletes.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { reportCron } from '../domain/report-schedule.ts';
import type { Logger } from '../log.ts';
import { catchUpReports, queueDueReports } from '../services/report-schedule.ts';
import { BullQueues, jobOptions, RedisUnavailableError } from '../jobs/bullmq.ts';
import type { JobQueue } from '../jobs/queues.ts';

const TICK_QUEUE = 'report-tick';
const SCHEDULER_PREFIX = 'weekly-report-';

/** The id of an athlete's job scheduler. */
export function reportSchedulerId(athleteId: string): string {
  return `${SCHEDULER_PREFIX}${athleteId}`;
}

/** The scheduler's job template: a `report-tick` job for the athlete, with the queue's retries and retention. */
function tickTemplate(athleteId: string): { name: string; data: { athleteId: string }; opts: Record<string, unknown> } {
  const data = { athleteId };
  // The scheduler names its jobs `repeat:<scheduler id>:<time>`: a fixed job id has no place here.
  const { jobId: _jobId, ...opts } = jobOptions(TICK_QUEUE, data);
  return { name: TICK_QUEUE, data, opts };
}

/**
 * A scheduler whose next run is this long overdue is stuck: no worker took the run, or BullMQ could not
 * compute the run after it (cron-parser 5 finds none for some Sunday patterns in the week Lord Howe
 * Island's clocks go back). Reconciling upserts it again, which schedules the next run from now.
 */
const STUCK_AFTER_MS = 3_600_000;

/** A scheduler's pattern and zone match the athlete's schedule, and its next run is not stuck. */
function upToDate(current: { pattern?: string | null; tz?: string | null; next?: number | null } | undefined, athlete: Athlete, now: Date): boolean {
  const { pattern, tz } = reportCron(athlete);
  return (
    current !== undefined &&
    current.pattern === pattern &&
    current.tz === tz &&
    typeof current.next === 'number' &&
    current.next >= now.getTime() - STUCK_AFTER_MS
  );
}

async function upsert(queues: BullQueues, athlete: Athlete): Promise<void> {
  const q = await queues.ready(TICK_QUEUE);
  const { pattern, tz } = reportCron(athlete);
  await q.upsertJobScheduler(reportSchedulerId(athlete.id), { pattern, tz }, tickTemplate(athlete.id));
}

/**
 * Creates or updates the athlete's job scheduler (cron pattern for their weekday and time, in their
 * zone). A scheduler that already matches is left alone: re-upserting replaces its next run, and
 * one that is due but not yet taken by a worker would be lost.
 */
export async function syncReportSchedule(queues: BullQueues, athlete: Athlete, now = new Date()): Promise<'added' | 'updated' | 'unchanged'> {
  const q = await queues.ready(TICK_QUEUE);
  const current = await q.getJobScheduler(reportSchedulerId(athlete.id));
  if (upToDate(current, athlete, now)) return 'unchanged';
  await upsert(queues, athlete);
  return current === undefined ? 'added' : 'updated';
}

/**
 * Removes the athlete's job scheduler and its next tick (call it when the athlete is deleted); false
 * when there was none, and always in embedded mode (no schedulers).
 */
export async function removeReportSchedule(queue: JobQueue, athleteId: string): Promise<boolean> {
  if (!(queue instanceof BullQueues)) return false;
  const q = await queue.ready(TICK_QUEUE);
  return q.removeJobScheduler(reportSchedulerId(athleteId));
}

/** A change of the schedule was saved in the database, but Redis did not take it (exit code 1, like any Redis outage). */
export class ReportScheduleSyncError extends RedisUnavailableError {
  override name = 'ReportScheduleSyncError';
}

/**
 * After an athlete is created or their schedule changed: with BullMQ queues, updates their scheduler
 * and queues the reports the new schedule makes due (e.g. moving the day from Tuesday to Monday on a
 * Monday afternoon makes last week's report due now). Embedded mode has no schedulers: nothing to do.
 */
export async function applyReportSchedule(deps: { db: Kysely<Database>; queue: JobQueue; log?: Logger }, athlete: Athlete, now: Date): Promise<void> {
  if (!(deps.queue instanceof BullQueues)) return;
  try {
    await syncReportSchedule(deps.queue, athlete, now);
    await queueDueReports(deps, [athlete], now);
  } catch (err) {
    if (!(err instanceof RedisUnavailableError)) throw err;
    throw new ReportScheduleSyncError(
      `the athlete is saved, but their report schedule is not updated yet (${err.message}); \`kinetic worker\` updates it when it starts`,
      { cause: err },
    );
  }
}

export interface ReconcileResult {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
}

/**
 * Makes the schedulers match the athletes table: adds missing ones, updates those whose pattern or
 * zone differ (a change made while Redis was unreachable) or whose next run is stuck, removes those
 * of deleted athletes.
 * Schedulers are read before athletes, so a scheduler is never taken for an orphan while its athlete
 * is being created. Safe to run from many workers at once: every step is idempotent.
 */
export async function reconcileReportSchedules(queues: BullQueues, db: Kysely<Database>, now: Date): Promise<ReconcileResult> {
  const q = await queues.ready(TICK_QUEUE);
  const existing = new Map((await q.getJobSchedulers()).map((s) => [s.key, s]));
  const athletes = await listAthletes(db);
  const result: ReconcileResult = { added: 0, updated: 0, removed: 0, unchanged: 0 };
  const wanted = new Set<string>();
  for (const athlete of athletes) {
    const id = reportSchedulerId(athlete.id);
    wanted.add(id);
    const current = existing.get(id);
    if (upToDate(current, athlete, now)) {
      result.unchanged++;
      continue;
    }
    await upsert(queues, athlete);
    if (current === undefined) result.added++;
    else result.updated++;
  }
  for (const key of existing.keys()) {
    if (key.startsWith(SCHEDULER_PREFIX) && !wanted.has(key)) {
      await q.removeJobScheduler(key);
      result.removed++;
    }
  }
  return result;
}

/** How often a worker on `report-tick` reconciles and catches up again after its start. */
export const RESYNC_INTERVAL_MS = 3_600_000;

/**
 * What a worker on the `report-tick` queue does at start, and again every `RESYNC_INTERVAL_MS`:
 * reconcile the schedulers, then queue every report due in the catch-up window that is not done
 * (reports missed while no worker ran). The periodic pass gives an athlete whose scheduler was never
 * made (added while Redis was unreachable, or by a path that did not call `applyReportSchedule`) a
 * scheduler within the hour, long before their first report is due.
 */
export async function startReportSchedule(
  deps: { db: Kysely<Database>; queue: BullQueues; log: Logger },
  now: Date,
): Promise<ReconcileResult & { athletes: number; requested: number }> {
  const schedulers = await reconcileReportSchedules(deps.queue, deps.db, now);
  const caughtUp = await catchUpReports(deps, now);
  deps.log.info({ ...schedulers, ...caughtUp }, 'report schedule reconciled');
  return { ...schedulers, ...caughtUp };
}

/**
 * Runs `startReportSchedule` now and every `everyMs` until `stop()` (which waits for a pass in
 * flight); a failed pass is logged and the next one tries again. Resolves once the first pass is done.
 */
export async function keepReportScheduleInSync(
  deps: { db: Kysely<Database>; queue: BullQueues; log: Logger; now: () => Date },
  everyMs = RESYNC_INTERVAL_MS,
): Promise<{ stop(): Promise<void> }> {
  const pass = (): Promise<void> =>
    startReportSchedule(deps, deps.now()).then(
      () => undefined,
      (err: unknown) => deps.log.error({ err }, 'report schedule reconcile failed'),
    );
  await pass();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= pass().finally(() => (running = undefined));
  }, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
