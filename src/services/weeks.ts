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
 * stored first when there is none yet or when `refresh` is asked for.
 */
export async function weekDocument(
  db: Kysely<Database>,
  athlete: Athlete,
  isoWeek: string | undefined,
  now: Date,
  opts: { refresh?: boolean } = {},
): Promise<WeekDocument> {
  const week = isoWeek ?? isoWeekOf(localDateOf(now, athlete.timezone));
  const stored = opts.refresh === true ? undefined : await getWeek(db, athlete.id, week);
  return stored ?? (await analyseWeeks(db, athlete.id, [week], now))[0]!;
}
