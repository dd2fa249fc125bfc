import { findAthlete } from '../db/repositories/athletes.ts';
import { queueDueReports } from '../services/report-schedule.ts';
import type { JobDeps } from './deps.ts';
import type { Payload } from '../jobs/queues.ts';

/**
 * How early (by this machine's clock) a tick still counts as on time: the scheduler's job becomes
 * ready by the clock of the worker that promoted it, and another machine's clock may be a little
 * behind; without this, that machine would see the week as not due yet.
 */
export const TICK_CLOCK_TOLERANCE_MS = 60_000;

/**
 * Fired by the athlete's job scheduler at their report time: queues the report of the week just
 * ended, and any report due in the last weeks that a downtime missed (`queueDueReports`).
 */
export async function reportTickHandler(payload: Payload<'report-tick'>, deps: JobDeps): Promise<{ requested: string[] }> {
  const athlete = await findAthlete(deps.db, payload.athleteId);
  if (athlete === undefined) {
    // Deleted between its scheduler firing and now; `kinetic worker` removes the orphan scheduler at start.
    deps.log.warn({ athleteId: payload.athleteId }, 'report tick for an athlete that no longer exists: nothing to do');
    return { requested: [] };
  }
  const now = new Date(deps.now().getTime() + TICK_CLOCK_TOLERANCE_MS);
  const requested = await queueDueReports(deps, [athlete], now);
  return { requested: requested.map((r) => r.isoWeek) };
}
