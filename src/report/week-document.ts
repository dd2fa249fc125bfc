import type { WeekReportData } from '../analysis/week-data.ts';
import type { Flag, NextWeekPlan } from '../recommend/types.ts';

/**
 * The stored document of one athlete-week: the analysis plus the recommender's flags and next-week
 * strength placement. `kinetic week --json` prints it; the weekly report is built from it.
 */
export interface WeekDocument extends WeekReportData {
  flags: Flag[];
  nextWeek: NextWeekPlan;
}
