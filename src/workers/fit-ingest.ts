import { processFitUpload, UploadNotFoundError } from '../services/fit-import.ts';
import { giveUpOnUpload } from '../services/upload-recovery.ts';
import { isoWeekOf } from '../domain/iso-week.ts';
import type { JobDeps } from './deps.ts';
import { PermanentJobError, type Payload } from '../jobs/queues.ts';

/**
 * Parses one stored upload, decoding on the process's decode pool (a worker thread: the event loop
 * stays free, and a file that hangs or crashes the decoder fails alone), then asks for the weeks it
 * touched to be analysed again.
 */
export async function fitIngestHandler(payload: Payload<'fit-ingest'>, deps: JobDeps): Promise<{ status: string }> {
  const outcome = await processFitUpload(deps.db, payload.uploadId, deps.now, deps.decodePool.decode).catch(async (err: unknown) => {
    // Uploads are stored (committed) before their job is queued: a missing one will not appear by retrying.
    if (err instanceof UploadNotFoundError) throw new PermanentJobError(err.message, { cause: err });
    // The last attempt failed (the database away through all of them, a bug): the upload says so in
    // words rather than staying `processing` (if even this write fails, the reconciliation does it).
    if (deps.lastAttempt !== false) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      await giveUpOnUpload(deps.db, payload.uploadId, error, deps.now()).catch((e: unknown) => deps.log.error({ err: e }, 'could not mark the upload failed'));
    }
    throw err;
  });
  if (outcome.status === 'imported') {
    const athleteId = outcome.athleteId;
    for (const week of new Set(outcome.activities.map((a) => isoWeekOf(a.localDate)))) {
      await deps.queue.enqueue('analysis', { athleteId, isoWeek: week });
    }
  }
  return { status: outcome.status };
}
