/**
 * The `reconcile` job (docs/jobs.md, "Reconciliation"): every few minutes, through a BullMQ job
 * scheduler, uploads accepted but left behind — no live job after Redis lost its data, or a job that
 * failed for good — are queued again or marked failed, and weeks not analysed since their latest
 * activities are queued for analysis (src/services/upload-recovery.ts).
 */
import { reconcileAnalyses, reconcileUploads, type UploadReconciliation } from '../services/upload-recovery.ts';
import type { JobSchedulers, Payload } from '../jobs/queues.ts';
import type { Logger } from '../log.ts';
import type { JobDeps } from './deps.ts';

/** The id of the scheduler (one per deployment, whatever the number of workers). */
export const RECONCILE_SCHEDULER = 'reconcile';

export async function reconcileHandler(_payload: Payload<'reconcile'>, deps: JobDeps): Promise<UploadReconciliation & { weeks: number }> {
  const uploads = await reconcileUploads(deps);
  if (uploads.requeued > 0 || uploads.failed > 0) deps.log.info(uploads, 'reconciled: uploads left behind queued again or marked failed');
  const weeks = await reconcileAnalyses(deps);
  if (weeks > 0) deps.log.info({ weeks }, 'reconciled: weeks not analysed since their activities queued for analysis');
  return { ...uploads, weeks };
}

export interface ReconcileSchedule {
  stop(): void;
}

/**
 * What a worker on the `reconcile` queue does: makes sure the scheduler exists with this interval, at
 * start and then every interval — a Redis that lost its data lost the scheduler too, and upserting it
 * again runs a pass at once. An existing scheduler of the same interval is left alone (upserting it
 * would move its next run). A failed check is logged; the next one tries again.
 */
export function keepReconcileScheduled(schedulers: JobSchedulers, everyMs: number, log: Logger): Promise<ReconcileSchedule> {
  const check = async (): Promise<void> => {
    const current = await schedulers.getScheduler('reconcile', RECONCILE_SCHEDULER);
    if (current?.every === everyMs) return;
    await schedulers.upsertScheduler('reconcile', RECONCILE_SCHEDULER, { every: everyMs }, {});
    log.info({ everyMs, was: current === undefined ? 'missing' : (current.every ?? current.pattern) }, 'reconcile scheduled');
  };
  const guarded = (): Promise<void> => check().catch((err: unknown) => log.error({ err }, 'reconcile schedule check failed'));
  const timer = setInterval(() => void guarded(), everyMs);
  timer.unref();
  return guarded().then(() => ({ stop: () => clearInterval(timer) }));
}
