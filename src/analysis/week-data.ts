/**
 * The stored analysis of one athlete-week: what `kinetic week --json` prints and the API serves,
 * and what the weekly report is built from. Versioned so stored documents can be migrated.
 */
import type { ActivityMetrics, LoadState, Physiology, WeekCompliance } from './types.ts';

export interface WeekActivity {
  id: string;
  localDate: string;
  startTime: string;
  category: 'run' | 'strength' | 'other';
  sport: string;
  subSport: string | null;
  distanceM: number | null;
  movingS: number | null;
  metrics: ActivityMetrics;
}

export interface WeekLoad {
  /** The load state at the end of each day of the week, Monday first. */
  days: LoadState[];
  weeklyLoad: number;
  /** Foster: mean / SD of the 7 daily loads; null when SD is 0. */
  monotony: number | null;
  strain: number | null;
  /** Run distance change against the previous week (0.1 = +10 %); null when the previous week had none. */
  distanceRamp: number | null;
  previousWeekDistanceM: number;
}

export interface WeekReportData {
  version: 1;
  athleteId: string;
  isoWeek: string;
  /** Monday and Sunday of the week, local dates in `timezone`. */
  from: string;
  to: string;
  timezone: string;
  physiology: Physiology;
  compliance: WeekCompliance;
  activities: WeekActivity[];
  load: WeekLoad;
}
