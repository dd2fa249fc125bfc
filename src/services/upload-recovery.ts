/**
 * No upload left behind (issue 21, docs/jobs.md "Reconciliation"): an upload is `queued` until its
 * `fit-ingest` job parses it. Two things can leave it so for ever, and both are mended here:
 *
 * - its job ran out of attempts (the database was away through all of them, a bug): the upload
 *   becomes `failed` with the error in words (`giveUpOnUpload`), which `kinetic import --retry-failed`
 *   and sending the file again (the API, the web form) parse again;
 * - its job was lost (Redis restarted without persistence, its keys were wiped, the enqueue after the
 *   commit failed): `reconcileUploads`, run by every `kinetic worker` on `fit-ingest` when it starts
 *   and by the `reconcile` job scheduler every few minutes, queues it again (the job id is the
 *   upload's, so nothing doubles), and marks `failed` an upload whose job is in the failed set.
 *
 * The same pass queues the analysis of the weeks whose document is missing or older than an activity
 * written in the last days (`reconcileAnalyses`): their analysis job was lost with Redis.
 */
import type { Kysely } from 'kysely';
import { weeksBehindTheirActivities } from '../db/repositories/analysis.ts';
import { failUnparsedUpload, unparsedUploadIds } from '../db/repositories/uploads.ts';
import type { Database } from '../db/schema.ts';
import { RETRY, type JobQueue } from '../jobs/queues.ts';
import type { Logger } from '../log.ts';

/** What an upload whose job failed for good says, in words. */
export function gaveUpText(error: string, attempts = RETRY['fit-ingest'].attempts): string {
  return `Kinetic could not save this file's activities after ${attempts} attempt${attempts === 1 ? '' : 's'} (${error}); the file is kept: send it again, or run kinetic import --retry-failed, to try again`;
}

/** Marks an upload whose job failed for good `failed`, with the error in words; false when it was parsed meanwhile. */
export async function giveUpOnUpload(db: Kysely<Database>, uploadId: string, error: string, now: Date, attempts?: number): Promise<boolean> {
  return failUnparsedUpload(db, uploadId, gaveUpText(error, attempts), now);
}

export interface UploadReconciliation {
  /** Uploads `queued` or `processing` looked at. */
  unparsed: number;
  /** Of those, queued again: no job held them. */
  requeued: number;
  /** Marked `failed`: their job was in the failed set. */
  failed: number;
}

/**
 * Every upload not parsed yet gets a live job: one with none is queued again; one whose job failed
 * for good is marked `failed` with that job's error. Where the queue cannot tell (embedded mode, or
 * a queue without an inspector), each is simply queued again, which is idempotent.
 */
export async function reconcileUploads(deps: { db: Kysely<Database>; queue: JobQueue; log: Logger; now: () => Date }): Promise<UploadReconciliation> {
  const ids = await unparsedUploadIds(deps.db);
  const out: UploadReconciliation = { unparsed: ids.length, requeued: 0, failed: 0 };
  const inspector = deps.queue.inspector;
  for (const uploadId of ids) {
    const job = await inspector?.jobStatus('fit-ingest', { uploadId });
    if (job === undefined) {
      await deps.queue.enqueue('fit-ingest', { uploadId });
      out.requeued++;
    } else if (job.state === 'failed') {
      if (await giveUpOnUpload(deps.db, uploadId, job.error ?? 'unknown error', deps.now(), job.attempts)) out.failed++;
    }
    // waiting, delayed, prioritized, active: it will run.
  }
  return out;
}

/** How far back the reconciliation looks for activities whose week was not analysed since. */
export const ANALYSIS_LOOKBACK_MS = 7 * 24 * 3600_000;

/**
 * Queues the analysis of every athlete-week with an activity written in the last `ANALYSIS_LOOKBACK_MS`
 * whose week document is missing or older than it. Analysis jobs coalesce on the athlete-week
 * (docs/jobs.md): a week whose job still waits is not queued twice. Returns the weeks queued.
 */
export async function reconcileAnalyses(deps: { db: Kysely<Database>; queue: JobQueue; now: () => Date }): Promise<number> {
  const weeks = await weeksBehindTheirActivities(deps.db, new Date(deps.now().getTime() - ANALYSIS_LOOKBACK_MS));
  for (const week of weeks) await deps.queue.enqueue('analysis', week);
  return weeks.length;
}
