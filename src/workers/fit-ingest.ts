import { processFitUpload } from '../ingest/fit/import.ts';
import { isoWeekOf } from '../plan/iso-week.ts';
import type { JobDeps } from './deps.ts';
import type { Payload } from './queues.ts';

/** Parses one stored upload, then asks for the weeks it touched to be analysed again. */
export async function fitIngestHandler(payload: Payload<'fit-ingest'>, deps: JobDeps): Promise<{ status: string }> {
  const outcome = await processFitUpload(deps.db, payload.uploadId, deps.now);
  if (outcome.status === 'imported') {
    const athleteId = outcome.athleteId;
    for (const week of new Set(outcome.activities.map((a) => isoWeekOf(a.localDate)))) {
      await deps.queue.enqueue('analysis', { athleteId, isoWeek: week });
    }
  }
  return { status: outcome.status };
}
