/**
 * Queueing the weekly reports that are due: the athlete's report tick asks for them when it fires,
 * and catch-up (worker start, every tick) for any a downtime missed. docs/jobs.md, "Weekly schedule".
 *
 * A due report is left alone when it is done — a stored report of that week generated at or after
 * its due time — and otherwise queued with the job id `weekly-report-<athleteId>-<isoWeek>`, which
 * BullMQ (and the in-process runner) ignore while a job of that id is waiting, running, failed or
 * kept as completed. Asking twice, from two ticks or two workers, is one report.
 */
import type { Kysely } from 'kysely';
import { listAthletes } from '../db/repositories/athletes.ts';
import { reportGenerationTimes } from '../db/repositories/report-schedule.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { dueReportWeeks } from '../domain/report-schedule.ts';
import type { Logger } from '../log.ts';
import type { JobQueue } from '../jobs/queues.ts';

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
