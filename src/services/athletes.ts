/**
 * Changing an athlete's settings, with what follows from them: a new time zone re-dates every
 * activity (local dates and ISO weeks are the athlete's), and any change that analysis depends on
 * (zone, heart rates, sex, threshold pace, recommender thresholds) re-analyses every week that has
 * activities or planned sessions, up to this week — in the background: the save records the request
 * and queues one job (src/services/reanalysis.ts), whose progress the settings page shows. A new
 * zone, report day or report time moves the athlete's weekly report schedule.
 */
import type { Kysely } from 'kysely';
import { redateActivities, weekSpan } from '../db/repositories/analysis.ts';
import { updateAthlete } from '../db/repositories/athletes.ts';
import type { Athlete, AthleteUpdate, Database } from '../db/schema.ts';
import { localDateOf } from '../domain/time.ts';
import { isoWeekOf } from '../domain/iso-week.ts';
import type { JobQueue } from '../jobs/queues.ts';
import { reanalysisFailed, requestReanalysis } from './reanalysis.ts';
import { applyReportSchedule } from './report-schedule.ts';

const ANALYSIS_INPUTS = ['timezone', 'max_hr', 'resting_hr', 'lthr', 'sex', 'threshold_speed_mps', 'recommend_thresholds'] as const;
/** What the weekly report schedule depends on (docs/jobs.md, "Weekly schedule"). */
const SCHEDULE_INPUTS = ['timezone', 'report_weekday', 'report_time'] as const;

export async function changeAthleteSettings(
  db: Kysely<Database>,
  queue: JobQueue,
  athlete: Athlete,
  changes: AthleteUpdate,
  now: Date,
): Promise<{ athlete: Athlete; weeksQueued: number }> {
  const before = await weekSpan(db, athlete.id);
  const { updated, weeks } = await db.transaction().execute(async (trx) => {
    const a = await updateAthlete(trx, athlete.id, changes);
    if (a.timezone !== athlete.timezone) await redateActivities(trx, a.id, a.timezone);
    // A save after a re-analysis failed for good asks for it again, changed or not.
    if (!ANALYSIS_INPUTS.some((k) => JSON.stringify(a[k]) !== JSON.stringify(athlete[k])) && !(await reanalysisFailed(trx, a.id))) return { updated: a, weeks: 0 };
    // Weeks activities moved out of (old zone) and into (new zone).
    const spans = [before, await weekSpan(trx, a.id)].filter((s) => s !== undefined);
    if (spans.length === 0) return { updated: a, weeks: 0 };
    const first = spans.map((s) => s.first).sort()[0]!;
    const thisWeek = isoWeekOf(localDateOf(now, a.timezone));
    const lastActive = spans.map((s) => s.last).sort().at(-1)!;
    const last = lastActive < thisWeek ? lastActive : thisWeek;
    if (first > last) return { updated: a, weeks: 0 };
    // The athlete's row is locked by the update above: two saves record their requests one after the other.
    return { updated: a, weeks: (await requestReanalysis(trx, a.id, { first, last }, now)).weeks_total };
  });
  // With BullMQ: re-point the athlete's job scheduler (no-op in embedded mode).
  if (SCHEDULE_INPUTS.some((k) => updated[k] !== athlete[k])) await applyReportSchedule({ db, queue }, updated, now);
  // One job for the whole history, queued once the request is committed (repeated saves coalesce on its id).
  if (weeks > 0) await queue.enqueue('analysis', { athleteId: updated.id, history: true });
  return { athlete: updated, weeksQueued: weeks };
}
