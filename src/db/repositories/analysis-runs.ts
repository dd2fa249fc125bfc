/**
 * The re-analysis a settings change asks for (`analysis_runs`, one row per athlete) and its progress
 * (docs/jobs.md, "Re-analysis after a settings change").
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AnalysisRunsTable, Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type AnalysisRun = Selectable<AnalysisRunsTable>;

/** The athlete's re-analysis, if one was ever asked for; `forUpdate` locks the row until the transaction ends. */
export async function analysisRunOf(db: Db, athleteId: string, opts: { forUpdate?: boolean } = {}): Promise<AnalysisRun | undefined> {
  const q = db.selectFrom('analysis_runs').selectAll().where('athlete_id', '=', athleteId);
  return (opts.forUpdate === true ? q.forUpdate() : q).executeTakeFirst();
}

/** Asks for weeks [first, last] to be re-analysed from the first: the next generation, nothing done yet. */
export async function requestAnalysisRun(
  trx: Transaction<Database>,
  run: { athleteId: string; generation: number; requestedAt: Date; firstWeek: string; lastWeek: string; weeksTotal: number },
): Promise<AnalysisRun> {
  const row = {
    athlete_id: run.athleteId,
    generation: run.generation,
    requested_at: run.requestedAt,
    first_week: run.firstWeek,
    last_week: run.lastWeek,
    weeks_total: run.weeksTotal,
    weeks_done: 0,
    done_through: null,
    finished_at: null,
    failed_at: null,
    error: null,
  };
  const { athlete_id: _key, ...update } = row;
  return trx
    .insertInto('analysis_runs')
    .values(row)
    .onConflict((oc) => oc.column('athlete_id').doUpdateSet(update))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Records that the weeks up to `throughWeek` (`weeks` more of them) are analysed for `generation`.
 * False when a newer request replaced it (or the athlete is gone): the caller starts over.
 */
export async function markWeeksAnalysed(db: Db, athleteId: string, generation: number, throughWeek: string, weeks: number): Promise<boolean> {
  const r = await db
    .updateTable('analysis_runs')
    .set((eb) => ({ done_through: throughWeek, weeks_done: eb('weeks_done', '+', weeks), failed_at: null, error: null }))
    .where('athlete_id', '=', athleteId)
    .where('generation', '=', generation)
    .where('finished_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Marks `generation` complete; false when a newer request replaced it meanwhile. */
export async function finishAnalysisRun(db: Db, athleteId: string, generation: number, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('analysis_runs')
    .set({ finished_at: now, failed_at: null, error: null })
    .where('athlete_id', '=', athleteId)
    .where('generation', '=', generation)
    .where('finished_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/**
 * Records that the athlete's unfinished re-analysis failed for good, with `error` (what the status
 * shows). A job run on it again (`kinetic queues retry-failed`) clears it with its first slice; a new
 * request replaces it.
 */
export async function failAnalysisRun(db: Db, athleteId: string, error: string, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('analysis_runs')
    .set({ failed_at: now, error })
    .where('athlete_id', '=', athleteId)
    .where('finished_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
