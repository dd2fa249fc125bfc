/**
 * Inputs and outputs of the analysis core. Plain data: the job that drives analysis reads these from
 * the database and writes the results back; nothing here does I/O or reads a clock. The shapes that
 * are stored (physiology, metrics, load states, matches, compliance) are defined in src/domain, as
 * are the activity and planned session analysis reads; they are re-exported here as the core's
 * vocabulary.
 */
import type { AnalysisActivity } from '../domain/activity.ts';

export type { AnalysisActivity } from '../domain/activity.ts';
export type { PlannedSessionRef } from '../domain/plan.ts';
export type {
  ActivityMetrics,
  ComplianceBand,
  CrossTraining,
  IntensityClass,
  LoadState,
  MatchStatus,
  Physiology,
  SessionMatch,
  SourcedValue,
  ValueSource,
  WeekCompliance,
} from '../domain/analysis.ts';

/** What the athlete told us (all optional). */
export interface AthleteProfile {
  sex: 'f' | 'm' | null;
  maxHr: number | null;
  restingHr: number | null;
  lthr: number | null;
  thresholdSpeedMps: number | null;
}

export type ZoneModel = 'friel_lthr' | 'karvonen_hrr';

/** One day's summed training load (TRIMP or session-RPE units). */
export interface DailyLoad {
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  load: number;
}

/** The activity fields plan matching and weekly compliance need (a subset of `AnalysisActivity`). */
export type MatchActivity = Pick<
  AnalysisActivity,
  'id' | 'category' | 'localDate' | 'startTime' | 'distanceM' | 'movingS' | 'elapsedS'
>;
