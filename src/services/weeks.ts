/** The compliance document of one athlete-week, as `kinetic week --json` prints it and the API returns it. */
import type { Kysely } from 'kysely';
import { getWeek } from '../db/repositories/analysis.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { localDateOf } from '../domain/time.ts';
import { isoWeekOf } from '../domain/iso-week.ts';
import type { WeekDocument } from '../domain/week-document.ts';
import { analyseWeeks } from './analysis.ts';

/**
 * The stored document of the week (default: this week in the athlete's time zone), computed and
 * stored first when there is none yet, when `refresh` is asked for, or when it was stored on an
 * earlier day of a week then in progress.
 */
export async function weekDocument(
  db: Kysely<Database>,
  athlete: Athlete,
  isoWeek: string | undefined,
  now: Date,
  opts: { refresh?: boolean } = {},
): Promise<WeekDocument> {
  const today = localDateOf(now, athlete.timezone);
  const week = isoWeek ?? isoWeekOf(today);
  const stored = opts.refresh === true ? undefined : await getWeek(db, athlete.id, week);
  // A week stored while in progress is analysed again once another of its days is over: which
  // sessions are upcoming, missed or due so far depends on the day (issue #18, point 1).
  const stale = stored !== undefined && stored.compliance.complete === false && stored.compliance.asOf !== today;
  return stored !== undefined && !stale ? stored : (await analyseWeeks(db, athlete.id, [week], now))[0]!;
}
