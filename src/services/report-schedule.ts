/**
 * The weekly report schedule (docs/jobs.md, "Weekly schedule").
 *
 * Queueing the weekly reports that are due: the athlete's report tick asks for them when it fires,
 * and catch-up (worker start, every tick) for any a downtime missed.
 *
 * A due report is left alone when it is done — a stored report of that week generated at or after
 * its due time — and otherwise queued with the job id `weekly-report-<athleteId>-<isoWeek>`, which
 * BullMQ (and the in-process runner) ignore while a job of that id is waiting, running, failed or
 * kept as completed. Asking twice, from two ticks or two workers, is one report.
 *
 * The ticks: with BullMQ queues (`JobQueue.schedulers`), one job scheduler per athlete on the
 * `report-tick` queue, with a cron pattern for their report weekday and time and their IANA zone as
 * `tz`, so BullMQ fires at their local time across daylight-saving changes. Each firing is a
 * `report-tick` job, which queues the week's `weekly-report` job (`src/workers/report-tick.ts`).
 *
 * - `applyReportSchedule` (after an athlete is created or their time zone, report day or time
 *   changed; any job queue, a no-op in embedded mode) creates or updates the athlete's scheduler
 *   (`syncReportSchedule`) and queues the reports the new schedule makes due.
 *   `removeReportSchedule` removes the scheduler (call it when the athlete is deleted).
 * - `startReportSchedule` (every `kinetic worker` that works on `report-tick`, at start, and hourly:
 *   `keepReportScheduleInSync`) reconciles the schedulers with the athletes table and catches up the
 *   reports a downtime missed.
 * In embedded mode (no schedulers) the pure functions in `src/domain/report-schedule.ts` say which
 * week is due.
 */
import type { Kysely } from 'kysely';
import { listAthletes } from '../db/repositories/athletes.ts';
import { reportGenerationTimes } from '../db/repositories/report-schedule.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { dueReportWeeks, reportCron } from '../domain/report-schedule.ts';
import type { Logger } from '../log.ts';
import { RedisUnavailableError, type JobQueue, type JobSchedulers, type ScheduledJob } from '../jobs/queues.ts';

/** How many weeks back catch-up looks: reports due earlier than that are not queued any more. */
export const CATCH_UP_WEEKS = 4;

/** Athletes read and checked at a time by the catch-up of all athletes. */
const BATCH = 500;

export interface ReportScheduleDeps {
  db: Kysely<Database>;
  queue: JobQueue;
  log?: Logger;
}

export interface RequestedReport {
  athleteId: string;
  isoWeek: string;
  dueAt: Date;
}

/**
 * Queues the reports of these athletes due at `now` — the last `CATCH_UP_WEEKS` due weeks, none due
 * before the athlete was created — that are not done yet. Returns the ones asked for (a job already
 * queued or kept under the same id makes the ask a no-op).
 */
export async function queueDueReports(deps: ReportScheduleDeps, athletes: readonly Athlete[], now: Date): Promise<RequestedReport[]> {
  const due = athletes.flatMap((a) => dueReportWeeks(a, now, CATCH_UP_WEEKS, a.created_at).map((d) => ({ athleteId: a.id, ...d })));
  if (due.length === 0) return [];
  const generated = await reportGenerationTimes(
    deps.db,
    athletes.map((a) => a.id),
    [...new Set(due.map((d) => d.isoWeek))],
  );
  const missing = due.filter((d) => {
    const at = generated.get(`${d.athleteId} ${d.isoWeek}`);
    return at === undefined || at.getTime() < d.dueAt.getTime();
  });
  for (const m of missing) {
    await deps.queue.enqueue('weekly-report', { athleteId: m.athleteId, isoWeek: m.isoWeek });
    deps.log?.debug({ athleteId: m.athleteId, isoWeek: m.isoWeek, dueAt: m.dueAt.toISOString() }, 'weekly report requested');
  }
  return missing;
}

/** Catch-up for every athlete (at worker start): queues what is due and not done. */
export async function catchUpReports(deps: ReportScheduleDeps, now: Date): Promise<{ athletes: number; requested: number }> {
  const all = await listAthletes(deps.db);
  let requested = 0;
  for (let i = 0; i < all.length; i += BATCH) requested += (await queueDueReports(deps, all.slice(i, i + BATCH), now)).length;
  return { athletes: all.length, requested };
}

const TICK_QUEUE = 'report-tick';
const SCHEDULER_PREFIX = 'weekly-report-';

/** The id of an athlete's job scheduler. */
export function reportSchedulerId(athleteId: string): string {
  return `${SCHEDULER_PREFIX}${athleteId}`;
}

/**
 * A scheduler whose next run is this long overdue is stuck: no worker took the run, or BullMQ could not
 * compute the run after it (cron-parser 5 finds none for some Sunday patterns in the week Lord Howe
 * Island's clocks go back). Reconciling upserts it again, which schedules the next run from now.
 */
const STUCK_AFTER_MS = 3_600_000;

/** A scheduler's pattern and zone match the athlete's schedule, and its next run is not stuck. */
function upToDate(current: ScheduledJob | undefined, athlete: Athlete, now: Date): boolean {
  const { pattern, tz } = reportCron(athlete);
  return (
    current !== undefined &&
    current.pattern === pattern &&
    current.tz === tz &&
    current.next !== undefined &&
    current.next >= now.getTime() - STUCK_AFTER_MS
  );
}

/** The athlete's scheduler: a `report-tick` job for them at their report weekday and time, in their zone. */
function upsert(schedulers: JobSchedulers, athlete: Athlete): Promise<void> {
  return schedulers.upsertScheduler(TICK_QUEUE, reportSchedulerId(athlete.id), reportCron(athlete), { athleteId: athlete.id });
}

/**
 * Creates or updates the athlete's job scheduler (cron pattern for their weekday and time, in their
 * zone). A scheduler that already matches is left alone: re-upserting replaces its next run, and
 * one that is due but not yet taken by a worker would be lost.
 */
export async function syncReportSchedule(schedulers: JobSchedulers, athlete: Athlete, now = new Date()): Promise<'added' | 'updated' | 'unchanged'> {
  const current = await schedulers.getScheduler(TICK_QUEUE, reportSchedulerId(athlete.id));
  if (upToDate(current, athlete, now)) return 'unchanged';
  await upsert(schedulers, athlete);
  return current === undefined ? 'added' : 'updated';
}

/**
 * Removes the athlete's job scheduler and its next tick (call it when the athlete is deleted); false
 * when there was none, and always in embedded mode (no schedulers).
 */
export async function removeReportSchedule(queue: JobQueue, athleteId: string): Promise<boolean> {
  return (await queue.schedulers?.removeScheduler(TICK_QUEUE, reportSchedulerId(athleteId))) ?? false;
}

/** A change of the schedule was saved in the database, but Redis did not take it (exit code 1, like any Redis outage). */
export class ReportScheduleSyncError extends RedisUnavailableError {
  override name = 'ReportScheduleSyncError';
}

/**
 * After an athlete is created or their schedule changed: with job schedulers (BullMQ), updates their
 * scheduler and queues the reports the new schedule makes due (e.g. moving the day from Tuesday to
 * Monday on a Monday afternoon makes last week's report due now). Embedded mode has no schedulers:
 * nothing to do.
 */
export async function applyReportSchedule(deps: ReportScheduleDeps, athlete: Athlete, now: Date): Promise<void> {
  const schedulers = deps.queue.schedulers;
  if (schedulers === undefined) return;
  try {
    await syncReportSchedule(schedulers, athlete, now);
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
export async function reconcileReportSchedules(schedulers: JobSchedulers, db: Kysely<Database>, now: Date): Promise<ReconcileResult> {
  const existing = new Map((await schedulers.listSchedulers(TICK_QUEUE)).map((s) => [s.id, s]));
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
    await upsert(schedulers, athlete);
    if (current === undefined) result.added++;
    else result.updated++;
  }
  for (const id of existing.keys()) {
    if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
      await schedulers.removeScheduler(TICK_QUEUE, id);
      result.removed++;
    }
  }
  return result;
}

/** How often a worker on `report-tick` reconciles and catches up again after its start. */
export const RESYNC_INTERVAL_MS = 3_600_000;

/** A queue with job schedulers (BullMQ's), and what reconciling and catching up need. */
export interface ScheduledReportDeps {
  db: Kysely<Database>;
  queue: JobQueue & JobSchedulers;
  log: Logger;
}

/**
 * What a worker on the `report-tick` queue does at start, and again every `RESYNC_INTERVAL_MS`:
 * reconcile the schedulers, then queue every report due in the catch-up window that is not done
 * (reports missed while no worker ran). The periodic pass gives an athlete whose scheduler was never
 * made (added while Redis was unreachable, or by a path that did not call `applyReportSchedule`) a
 * scheduler within the hour, long before their first report is due.
 */
export async function startReportSchedule(deps: ScheduledReportDeps, now: Date): Promise<ReconcileResult & { athletes: number; requested: number }> {
  const schedulers = await reconcileReportSchedules(deps.queue, deps.db, now);
  const caughtUp = await catchUpReports(deps, now);
  deps.log.info({ ...schedulers, ...caughtUp }, 'report schedule reconciled');
  return { ...schedulers, ...caughtUp };
}

/**
 * Runs `startReportSchedule` now and every `everyMs` until `stop()` (which waits for a pass in
 * flight); a failed pass is logged and the next one tries again. Resolves once the first pass is done.
 */
export async function keepReportScheduleInSync(deps: ScheduledReportDeps & { now: () => Date }, everyMs = RESYNC_INTERVAL_MS): Promise<{ stop(): Promise<void> }> {
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
