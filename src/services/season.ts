/**
 * Reads what the season view needs: the active plan, the stored week documents of the season's weeks
 * (weeks never analysed yet are analysed and stored first, as `GET /athletes/:id/weeks/:week` does),
 * the daily load states, and the athlete's ACWR limit.
 */
import type { Kysely } from 'kysely';
import { loadStatesBetween, storedWeeksFrom } from '../db/repositories/analysis.ts';
import { activePlanInfo } from '../db/repositories/reports.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { localDateOf } from '../domain/time.ts';
import { mondayOf } from '../domain/iso-week.ts';
import { parseThresholdOverrides, resolveThresholds } from '../recommend/types.ts';
import { analyseWeeks } from './analysis.ts';
import { buildSeason, seasonWeeks, type SeasonModel } from '../report/season.ts';

export async function loadSeason(db: Kysely<Database>, athlete: Athlete, now: Date): Promise<SeasonModel> {
  const asOf = localDateOf(now, athlete.timezone);
  const plan = (await activePlanInfo(db, athlete.id)) ?? null;
  const isoWeeks = seasonWeeks(plan, asOf);
  const first = isoWeeks[0];
  const stored = first === undefined ? [] : (await storedWeeksFrom(db, athlete.id, first)).filter((w) => isoWeeks.includes(w.isoWeek));
  const missing = isoWeeks.filter((w) => !stored.some((s) => s.isoWeek === w));
  const analysed = missing.length === 0 ? [] : await analyseWeeks(db, athlete.id, missing, now);
  const loadDays = first === undefined ? [] : await loadStatesBetween(db, athlete.id, { from: mondayOf(first), to: asOf });
  const thresholds = resolveThresholds(parseThresholdOverrides(athlete.recommend_thresholds ?? {}));
  return buildSeason({
    athlete: { id: athlete.id, name: athlete.name, units: athlete.units, timezone: athlete.timezone },
    plan,
    asOf,
    weeks: [...stored, ...analysed],
    loadDays,
    acwrLimit: thresholds.maxAcwr,
    minWeeklyStrengthMinutes: thresholds.minWeeklyStrengthMinutes,
  });
}
