import { analyseWeeks } from '../services/analysis.ts';
import type { JobDeps } from './deps.ts';
import type { Payload } from './queues.ts';

/** Recomputes one athlete-week (jobs for the same week coalesce on their id). */
export async function analysisHandler(payload: Payload<'analysis'>, deps: JobDeps): Promise<{ score: number | null }> {
  const [doc] = await analyseWeeks(deps.db, payload.athleteId, [payload.isoWeek], deps.now());
  return { score: doc?.compliance.score ?? null };
}
