/** Plan import: parse, store as the active plan, and re-analyse the weeks it changes. */
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { TrainingPlan } from '../domain/plan.ts';
import { getActivePlan, replaceActivePlan, type StoredPlan } from '../db/repositories/plans.ts';
import type { Database } from '../db/schema.ts';
import { parsePlanCsv } from '../ingest/plan/csv.ts';
import { PlanFormatError } from '../ingest/plan/errors.ts';
import { parsePlanYaml } from '../ingest/plan/yaml.ts';
import { planEndDate } from '../plan/check.ts';
import { addWeeks, isoWeekOf } from '../domain/iso-week.ts';
import type { JobQueue } from '../jobs/queues.ts';

export type PlanFileFormat = 'yaml' | 'csv';

export function planFormatOf(filename: string, explicit?: PlanFileFormat): PlanFileFormat {
  if (explicit !== undefined) return explicit;
  const ext = path.extname(filename).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.csv') return 'csv';
  throw new PlanFormatError([{ message: `cannot tell the format from the extension "${ext}": use .yaml, .yml or .csv (or --format)` }], {
    filename: path.basename(filename),
  });
}

/** Parses a plan file; throws PlanFormatError listing every problem (nothing is stored then). */
export function parsePlanFile(
  text: string,
  filename: string,
  opts: { format?: PlanFileFormat; name?: string; startDate?: string } = {},
): TrainingPlan {
  const base = path.basename(filename);
  return planFormatOf(filename, opts.format) === 'yaml'
    ? parsePlanYaml(text, { filename: base })
    : parsePlanCsv(text, { name: opts.name ?? base.replace(/\.csv$/i, ''), startDate: opts.startDate, filename: base });
}

/** The stored plan, and the active plan it replaced (kept as history), if there was one. */
export interface ImportedPlan extends StoredPlan {
  replaced: { id: string; name: string } | null;
}

/**
 * Makes `plan` the athlete's active plan (the previous one is kept as history) and queues the
 * analysis of every week either plan covers, up to the current week.
 */
export async function importPlan(
  db: Kysely<Database>,
  queue: JobQueue,
  input: { athleteId: string; plan: TrainingPlan; source: string; now: Date; today: string },
): Promise<ImportedPlan> {
  const previous = await getActivePlan(db, input.athleteId);
  const stored = await db.transaction().execute((trx) =>
    replaceActivePlan(trx, { athleteId: input.athleteId, plan: input.plan, source: input.source, now: input.now }),
  );
  const starts = [input.plan.startDate, ...(previous === undefined ? [] : [previous.plan.start_date])];
  const ends = [planEndDate(input.plan), ...(previous?.sessions.map((s) => s.date) ?? [])];
  const first = isoWeekOf(starts.sort()[0]!);
  const lastDate = [...ends].sort().at(-1)!;
  const last = isoWeekOf(lastDate < input.today ? lastDate : input.today);
  for (let w = first; w <= last; w = addWeeks(w, 1)) {
    await queue.enqueue('analysis', { athleteId: input.athleteId, isoWeek: w });
  }
  return { ...stored, replaced: previous === undefined ? null : { id: previous.plan.id, name: previous.plan.name } };
}
