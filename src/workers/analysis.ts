import { AthleteGoneError, analyseWeeks } from '../services/analysis.ts';
import { reanalyseHistory } from '../services/reanalysis.ts';
import type { JobDeps } from './deps.ts';
import { PermanentJobError, type Payload } from '../jobs/queues.ts';

/**
 * Recomputes one athlete-week (jobs for the same week coalesce, see docs/jobs.md); or, for a settings
 * change, every week it asked for, in order, recording the progress (src/services/reanalysis.ts).
 */
export async function analysisHandler(payload: Payload<'analysis'>, deps: JobDeps): Promise<{ score: number | null } | { weeks: number }> {
  const gone = (err: unknown): never => {
    throw err instanceof AthleteGoneError ? new PermanentJobError(err.message, { cause: err }) : err;
  };
  if (!('isoWeek' in payload)) {
    const onProgress = (p: { weeksDone: number; weeksTotal: number; lastWeek: string }): void => deps.log.debug(p, 're-analysis progress');
    return reanalyseHistory(deps.db, payload.athleteId, deps.now, { onProgress }).catch(gone);
  }
  const [doc] = await analyseWeeks(deps.db, payload.athleteId, [payload.isoWeek], deps.now()).catch(gone);
  return { score: doc?.compliance.score ?? null };
}
