/**
 * Queueing what a Strava change asks for (docs/strava.md, docs/jobs.md): the BullMQ priority of an
 * activity's details (recent first), the rate-budget class that priority gets, and the analysis of
 * the weeks a change touched. Used by the Strava jobs, the webhook and connect routes, and `kinetic
 * strava sync`.
 */
import { isoWeekOf } from '../domain/iso-week.ts';
import type { Priority } from '../ingest/strava/rate-limit.ts';
import type { JobQueue } from '../jobs/queues.ts';

/** Priority of activities of the last 7 days (webhook events have none, so they go first). */
export const RECENT_PRIORITY = 2;

/** BullMQ priority of an activity's details: the last week first, then week by week back in time. */
export function detailPriority(start: Date, now: Date): number {
  const ageDays = Math.max(0, (now.getTime() - start.getTime()) / 86_400_000);
  return ageDays <= 7 ? RECENT_PRIORITY : Math.min(3 + Math.floor(ageDays / 7), 2_000_000);
}

/** Budget class of a job: webhook events and recent activities are high priority, old backfill low. */
export function budgetPriority(priority: number | undefined): Priority {
  return priority === undefined || priority <= RECENT_PRIORITY ? 'high' : 'low';
}

/** Queues the analysis of every week a change touched. */
export async function queueAnalysis(queue: JobQueue, athleteId: string, localDates: readonly string[]): Promise<void> {
  for (const isoWeek of new Set(localDates.map(isoWeekOf))) await queue.enqueue('analysis', { athleteId, isoWeek });
}
