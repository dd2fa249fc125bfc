import { deliverReport, ReportGoneError, type DeliveryOutcome } from '../services/report-delivery.ts';
import type { JobDeps } from './deps.ts';
import { PermanentJobError, type Payload } from '../jobs/queues.ts';

/**
 * Emails one stored weekly report (`src/services/report-delivery.ts`). Queued by the weekly-report job with
 * the job id `report-delivery-<reportId>`; the delivery row makes it once per athlete-week whatever
 * runs it. A refused send throws, so the job retries it; a report that is gone fails at once.
 */
export async function reportDeliveryHandler(payload: Payload<'report-delivery'>, deps: JobDeps): Promise<DeliveryOutcome> {
  return deliverReport({ db: deps.db, log: deps.log, now: deps.now, mail: deps.mail }, payload.reportId).catch((err: unknown) => {
    throw err instanceof ReportGoneError ? new PermanentJobError(err.message, { cause: err }) : err;
  });
}
