/**
 * `kinetic demo`: a demo athlete with a generated plan and ten weeks of generated FIT files, imported
 * through the normal ingest path (stored upload, then parsed), analysed, and reported week by week.
 *
 * One demo athlete at a time: it is found by its reserved e-mail address and replaced (deleted with
 * everything stored for it, then created again) on every run, so a second run gives a fresh demo as
 * of today. Other athletes are never touched.
 */
import type { Kysely } from 'kysely';
import { createAthlete } from '../db/repositories/athletes.ts';
import { deleteAthlete, findAthleteByEmail } from '../db/repositories/demo.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { runOrdered } from '../domain/pool.ts';
import { localDateOf } from '../domain/time.ts';
import { decoderFor } from '../ingest/fit/decode-pool.ts';
import { IMPORT_CONCURRENCY, importFitFile, type ImportResult } from './fit-import.ts';
import type { PlanUnits } from '../domain/units.ts';
import type { Logger } from '../log.ts';
import { addWeeks, isoWeekOf } from '../domain/iso-week.ts';
import { generateWeeklyReport } from './reports.ts';
import { DEMO_ATHLETE, demoTraining, type DemoTraining } from '../synth/demo.ts';
import type { JobQueue } from '../jobs/queues.ts';
import { analyseWeeks } from './analysis.ts';
import { importPlan } from './plans.ts';

/** The demo athlete's e-mail address (`.invalid` never delivers): how a later run finds it. */
export const DEMO_EMAIL = 'demo@kinetic.invalid';

export interface DemoResult {
  athlete: Athlete;
  /** True when an earlier demo athlete was replaced. */
  replaced: boolean;
  training: DemoTraining;
  imports: (ImportResult & { filename: string })[];
  /** The stored reports, oldest week first; the last one is last week's. */
  reports: { isoWeek: string; reportId: string }[];
}

/** Analysis runs in this call (in week order), so nothing needs to be queued. */
const NO_QUEUE: JobQueue = { enqueue: () => Promise.resolve() };

export async function createDemo(
  deps: { db: Kysely<Database>; log: Logger; now: () => Date },
  opts: { seed: number; units: PlanUnits },
  progress: (message: string) => void = () => undefined,
): Promise<DemoResult> {
  const { db, now } = deps;
  const previous = await findAthleteByEmail(db, DEMO_EMAIL);
  for (const a of previous) await deleteAthlete(db, a.id);
  const athlete = await createAthlete(db, {
    name: DEMO_ATHLETE.name,
    email: DEMO_EMAIL,
    timezone: DEMO_ATHLETE.timezone,
    sex: DEMO_ATHLETE.sex,
    max_hr: DEMO_ATHLETE.maxHr,
    resting_hr: DEMO_ATHLETE.restingHr,
    lthr: DEMO_ATHLETE.lthr,
    threshold_speed_mps: null,
    units: opts.units,
  });
  const today = localDateOf(now(), athlete.timezone);
  const training = demoTraining({ today, seed: opts.seed, units: opts.units });
  progress(`generated a ${training.plan.sessions.length}-session plan and ${training.files.length} FIT files (seed ${opts.seed})`);

  await importPlan(db, NO_QUEUE, { athleteId: athlete.id, plan: training.plan, source: 'generated', now: now(), today });

  const imports: DemoResult['imports'] = [];
  const decoder = decoderFor(training.files.length);
  try {
    await runOrdered(
      training.files.map((f) => async () => ({ filename: f.filename, ...(await importFitFile(db, { athleteId: athlete.id, filename: f.filename, bytes: f.bytes }, now, decoder.decode)) })),
      IMPORT_CONCURRENCY,
      (r) => imports.push(r),
    );
  } finally {
    await decoder.close();
  }
  const failed = imports.filter((i) => i.status === 'failed');
  if (failed.length > 0) throw new Error(`demo files failed to import: ${failed.map((f) => f.filename).join(', ')}`);
  progress(`imported ${imports.length} FIT files`);

  // Every week from the plan's first to this one, in one pass: one continuous load series.
  const thisWeek = isoWeekOf(today);
  const weeks: string[] = [];
  for (let w = training.weeks[0]!; w <= thisWeek; w = addWeeks(w, 1)) weeks.push(w);
  await analyseWeeks(db, athlete.id, weeks, now());
  progress(`analysed ${weeks.length} weeks`);

  const reports: DemoResult['reports'] = [];
  for (const isoWeek of training.weeks) {
    const { reportId } = await generateWeeklyReport(deps, athlete.id, isoWeek);
    reports.push({ isoWeek, reportId });
  }
  progress(`stored ${reports.length} weekly reports`);
  return { athlete, replaced: previous.length > 0, training, imports, reports };
}
