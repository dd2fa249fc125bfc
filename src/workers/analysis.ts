import { AthleteGoneError, analyseWeeks } from '../services/analysis.ts';
import { failReanalysis, reanalyseHistory } from '../services/reanalysis.ts';
import type { JobDeps } from './deps.ts';
import { isPermanentJobError, PermanentJobError, type Payload } from '../jobs/queues.ts';

/**
 * Recomputes one athlete-week (jobs for the same week coalesce, see docs/jobs.md); or, for a settings
 * change, every week it asked for, in order, recording the progress (src/services/reanalysis.ts);
 * when that fails for good (a permanent error, or its last attempt), the re-analysis is recorded as
 * failed, with the error, for the settings page and `GET /athletes/:id/analysis-status`.
 */
export async function analysisHandler(payload: Payload<'analysis'>, deps: JobDeps): Promise<{ score: number | null } | { weeks: number }> {
  const gone = (err: unknown): never => {
    throw err instanceof AthleteGoneError ? new PermanentJobError(err.message, { cause: err }) : err;
  };
  if (!('isoWeek' in payload)) {
    const onProgress = (p: { weeksDone: number; weeksTotal: number; lastWeek: string }): void => deps.log.debug(p, 're-analysis progress');
    return reanalyseHistory(deps.db, payload.athleteId, deps.now, { onProgress }).catch(async (err: unknown) => {
      if (deps.lastAttempt !== false || isPermanentJobError(err) || err instanceof AthleteGoneError) {
        await failReanalysis(deps.db, payload.athleteId, err, deps.now()).catch((e: unknown) => deps.log.error({ err: e }, 'could not record the failed re-analysis'));
      }
      return gone(err);
    });
  }
  const [doc] = await analyseWeeks(deps.db, payload.athleteId, [payload.isoWeek], deps.now()).catch(gone);
  return { score: doc?.compliance.score ?? null };
}

/**
 * A re-analysis whose job failed for good without running again (its workers died running it, more
 * than MAX_STALLED_COUNT times): recorded as failed, as when its last attempt fails, rather than left
 * `reanalysing`. A week's job has nothing to record.
 */
export async function analysisStalledOut(payload: Payload<'analysis'>, err: Error, deps: JobDeps): Promise<void> {
  if ('isoWeek' in payload) return;
  await failReanalysis(deps.db, payload.athleteId, err, deps.now());
}
