/**
 * Re-analysis after a settings change (docs/jobs.md, "Re-analysis after a settings change"): a change
 * analysis depends on (heart rates, threshold pace, time zone, …) makes every week of the athlete's
 * history stale. The save records the request (`analysis_runs`) and queues one `analysis` job for the
 * athlete's history; the job analyses the weeks in order, a slice at a time, each slice its own
 * transaction, recording how far it got — which is what the settings page and
 * `GET /athletes/:id/analysis-status` show. Repeated saves coalesce (one job id per athlete): a save
 * while the job runs starts a new generation, and the running job starts over from the first week.
 * A job that fails for good records it (`failReanalysis`): the status is then `failed`, with the error.
 */
import type { Kysely, Transaction } from 'kysely';
import { analysisRunOf, failAnalysisRun, finishAnalysisRun, markWeeksAnalysed, requestAnalysisRun, type AnalysisRun } from '../db/repositories/analysis-runs.ts';
import type { Database } from '../db/schema.ts';
import { addWeeks, daysBetween, mondayOf } from '../domain/iso-week.ts';
import { nextTurn } from '../util/event-loop.ts';
import { analyseWeeks } from './analysis.ts';

/**
 * Weeks analysed per transaction. Each slice commits its weeks, so progress moves and a request that
 * needs the database waits for one slice at most (the embedded database has one connection); larger
 * slices rewrite the rest of the load series fewer times.
 */
export const SLICE_WEEKS = 26;

/** Weeks from `first` to `last`, both included. */
export function weeksIn(first: string, last: string): number {
  return first > last ? 0 : daysBetween(mondayOf(first), mondayOf(last)) / 7 + 1;
}

/**
 * Asks for weeks [first, last] to be re-analysed, in the settings change's transaction (after the
 * athlete's row was updated, which serialises two saves of one athlete). A request still under way
 * is replaced by one covering its weeks too; the caller queues the job once the transaction commits.
 */
export async function requestReanalysis(trx: Transaction<Database>, athleteId: string, range: { first: string; last: string }, now: Date): Promise<AnalysisRun> {
  const current = await analysisRunOf(trx, athleteId, { forUpdate: true });
  const unfinished = current !== undefined && current.finished_at === null;
  const first = unfinished && current.first_week < range.first ? current.first_week : range.first;
  const last = unfinished && current.last_week > range.last ? current.last_week : range.last;
  return requestAnalysisRun(trx, { athleteId, generation: (current?.generation ?? 0) + 1, requestedAt: now, firstWeek: first, lastWeek: last, weeksTotal: weeksIn(first, last) });
}

/**
 * The `analysis` job of an athlete's history: analyses the weeks the latest request asked for, in
 * order from the first not analysed yet (a retried job goes on where the last attempt stopped), one
 * slice per transaction, handing the event loop back between slices. A newer request seen between two
 * slices starts the run over with it. Returns the weeks analysed (0 when everything was done already:
 * the job a repeated save queued, after the one that did the work).
 */
export async function reanalyseHistory(
  db: Kysely<Database>,
  athleteId: string,
  now: () => Date,
  opts: { sliceWeeks?: number; onProgress?: (progress: { weeksDone: number; weeksTotal: number; lastWeek: string }) => Promise<void> | void } = {},
): Promise<{ weeks: number }> {
  const slice = opts.sliceWeeks ?? SLICE_WEEKS;
  let weeks = 0;
  for (;;) {
    const run = await analysisRunOf(db, athleteId);
    if (run === undefined || run.finished_at !== null) return { weeks };
    let current = true;
    let from = run.done_through === null ? run.first_week : addWeeks(run.done_through, 1);
    while (current && from <= run.last_week) {
      const part: string[] = [];
      for (let w = from; w <= run.last_week && part.length < slice; w = addWeeks(w, 1)) part.push(w);
      // Later weeks of the run are analysed next: refreshing them now would be thrown away.
      await analyseWeeks(db, athleteId, part, now(), { skipLaterThrough: run.last_week });
      weeks += part.length;
      current = await markWeeksAnalysed(db, athleteId, run.generation, part.at(-1)!, part.length);
      from = addWeeks(part.at(-1)!, 1);
      if (current) await opts.onProgress?.({ weeksDone: weeksIn(run.first_week, part.at(-1)!), weeksTotal: run.weeks_total, lastWeek: part.at(-1)! });
      await nextTurn();
    }
    if (current && (await finishAnalysisRun(db, athleteId, run.generation, now()))) return { weeks };
    // A newer request came in meanwhile: go on with it (the job it queued will find it done).
  }
}

/** Whether the athlete's latest re-analysis failed for good (and nothing asked for one since). */
export async function reanalysisFailed(db: Kysely<Database> | Transaction<Database>, athleteId: string): Promise<boolean> {
  const run = await analysisRunOf(db, athleteId);
  return run !== undefined && run.finished_at === null && run.failed_at !== null;
}

/**
 * Records that the athlete's re-analysis failed for good (its job's last attempt, or a permanent
 * error) with `err`, in words: which weeks were not re-analysed, and why.
 */
export async function failReanalysis(db: Kysely<Database>, athleteId: string, err: unknown, now: Date): Promise<void> {
  const run = await analysisRunOf(db, athleteId);
  if (run === undefined || run.finished_at !== null) return;
  const from = run.done_through === null ? run.first_week : addWeeks(run.done_through, 1);
  const why = err instanceof Error ? err.message : String(err);
  const error = `the weeks from ${from} to ${run.last_week} could not be analysed with the new settings (${run.weeks_done} of ${run.weeks_total} weeks were): ${why}`;
  await failAnalysisRun(db, athleteId, error, now);
}

export interface AnalysisStatus {
  /**
   * `reanalysing` from a settings change until every week it asked for is analysed again; `failed` if
   * its job failed for good first (`error` says why; a new settings change starts again).
   */
  status: 'up_to_date' | 'reanalysing' | 'failed';
  weeksDone: number;
  weeksTotal: number;
  /** When the latest re-analysis was asked for (null: never). */
  requestedAt: Date | null;
  finishedAt: Date | null;
  /** When it failed, and why in words; null unless `failed`. */
  failedAt: Date | null;
  error: string | null;
}

/** How far the athlete's latest re-analysis got. */
export async function analysisStatus(db: Kysely<Database>, athleteId: string): Promise<AnalysisStatus> {
  const run = await analysisRunOf(db, athleteId);
  if (run === undefined) return { status: 'up_to_date', weeksDone: 0, weeksTotal: 0, requestedAt: null, finishedAt: null, failedAt: null, error: null };
  const failed = run.finished_at === null && run.failed_at !== null;
  return {
    status: run.finished_at !== null ? 'up_to_date' : failed ? 'failed' : 'reanalysing',
    weeksDone: run.weeks_done,
    weeksTotal: run.weeks_total,
    requestedAt: run.requested_at,
    finishedAt: run.finished_at,
    failedAt: failed ? run.failed_at : null,
    error: failed ? run.error : null,
  };
}
