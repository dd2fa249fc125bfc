import { generateWeeklyReport, ReportWeekError } from '../services/reports.ts';
import { AthleteGoneError } from '../services/analysis.ts';
import type { JobDeps } from './deps.ts';
import { PermanentJobError, type Payload } from '../jobs/queues.ts';

/**
 * Builds and stores one athlete-week's report (`src/services/reports.ts`). Queued by the athlete's report
 * tick and by catch-up with the job id `weekly-report-<athleteId>-<isoWeek>`: once per athlete-week.
 */
export async function weeklyReportHandler(payload: Payload<'weekly-report'>, deps: JobDeps): Promise<{ reportId: string; created: boolean }> {
  const result = await generateWeeklyReport(deps, payload.athleteId, payload.isoWeek).catch((err: unknown) => {
    // A deleted athlete or a malformed week will not get better by retrying.
    throw err instanceof AthleteGoneError || err instanceof ReportWeekError ? new PermanentJobError(err.message, { cause: err }) : err;
  });
  // Email it where email is configured. Queued even when the report was unchanged (a retry after a
  // failed enqueue); the delivery is once per athlete-week whatever asks (src/services/report-delivery.ts).
  if (deps.mail !== undefined) await deps.queue.enqueue('report-delivery', { reportId: result.reportId });
  return result;
}
