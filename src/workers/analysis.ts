import { AthleteGoneError, analyseWeeks } from '../services/analysis.ts';
import type { JobDeps } from './deps.ts';
import { PermanentJobError, type Payload } from '../jobs/queues.ts';

/** Recomputes one athlete-week (jobs for the same week coalesce, see docs/jobs.md). */
export async function analysisHandler(payload: Payload<'analysis'>, deps: JobDeps): Promise<{ score: number | null }> {
  const [doc] = await analyseWeeks(deps.db, payload.athleteId, [payload.isoWeek], deps.now()).catch((err: unknown) => {
    throw err instanceof AthleteGoneError ? new PermanentJobError(err.message, { cause: err }) : err;
  });
  return { score: doc?.compliance.score ?? null };
}
