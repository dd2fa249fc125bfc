/**
 * Inputs and outputs of the analysis core. Plain data: the job that drives analysis reads these from
 * the database and writes the results back; nothing here does I/O or reads a clock.
 */
import type { ActivityCategory, Lap, SampleStreams } from '../domain/activity.ts';
import type { PlannedSession, SessionKind } from '../domain/plan.ts';

/** Where a physiological value came from. */
export type ValueSource = 'given' | 'estimated' | 'default';

export interface SourcedValue {
  value: number;
  source: ValueSource;
  /** How it was estimated, for the report (e.g. "99.5th percentile of 41,202 HR samples"). */
  note?: string;
}

/** What the athlete told us (all optional). */
export interface AthleteProfile {
  sex: 'f' | 'm' | null;
  maxHr: number | null;
  restingHr: number | null;
  lthr: number | null;
  thresholdSpeedMps: number | null;
}

export interface Physiology {
  maxHr: SourcedValue;
  restingHr: SourcedValue;
  lthr: SourcedValue;
  thresholdSpeedMps: SourcedValue | null;
}

export type ZoneModel = 'friel_lthr' | 'karvonen_hrr';

/** An activity as analysis sees it: summary fields plus optional laps and streams. */
export interface AnalysisActivity {
  id: string;
  category: ActivityCategory;
  sport: string;
  /** Local calendar date in the athlete's zone (YYYY-MM-DD). */
  localDate: string;
  startTime: Date;
  elapsedS: number;
  movingS: number | null;
  distanceM: number | null;
  avgHr: number | null;
  maxHr: number | null;
  laps: Lap[];
  streams: SampleStreams | null;
  /** Session RPE (1–10) when the athlete gave one. */
  rpe: number | null;
}

export type IntensityClass = 'easy' | 'moderate' | 'hard';

export interface ActivityMetrics {
  activityId: string;
  /** `streams` when computed from samples, `summary` from the activity's totals only. */
  basis: 'streams' | 'summary';
  movingS: number;
  distanceM: number | null;
  /** Average moving pace in seconds per kilometre (runs with distance only). */
  paceSPerKm: number | null;
  /** Seconds in HR zones 1..5 (index 0 = zone 1); null without heart rate. */
  timeInZonesS: [number, number, number, number, number] | null;
  /** Banister TRIMP; null without heart rate. */
  trimp: number | null;
  /** Training load used for the load series: TRIMP when HR exists, else session RPE × minutes. */
  load: number;
  loadBasis: 'trimp' | 'session_rpe';
  /** Runs only: intensity from time above threshold and interval structure. */
  intensity: IntensityClass | null;
  /** Repeated work/rest lap structure detected. */
  intervals: boolean;
  /** The week's longest run and long enough to count as a long run. */
  long: boolean;
}

export type MatchStatus = 'completed' | 'partial' | 'exceeded' | 'moved' | 'missed' | 'unplanned';
export type ComplianceBand = 'green' | 'yellow' | 'orange' | 'red';

export interface PlannedSessionRef extends PlannedSession {
  /** Database id of the planned session. */
  id: string;
}

export interface SessionMatch {
  plannedId: string | null;
  activityId: string | null;
  status: MatchStatus;
  /** Actual / planned on distance (or duration when no distance was planned); null when not comparable. */
  ratio: number | null;
  band: ComplianceBand | null;
  /** Days the activity was moved from the planned date (−1, 0, +1). */
  dayShift: number;
  plannedKind: SessionKind | null;
}

export interface WeekCompliance {
  athleteId: string;
  isoWeek: string;
  planned: { distanceM: number; durationS: number; sessions: number; keySessions: number; strengthSessions: number; strengthMinutes: number; hardDays: string[] };
  actual: { distanceM: number; durationS: number; sessionsCompleted: number; keySessionsCompleted: number; strengthSessions: number; strengthMinutes: number; hardDays: string[] };
  matches: SessionMatch[];
  intensity: {
    /** Fractions of run time in zones 1–2, 3 and 4–5 (sum 1 when there is HR data). */
    low: number;
    moderate: number;
    high: number;
    /** Target fraction of low-intensity time (80/20). */
    targetLow: number;
    secondsWithHr: number;
  };
  easyRunsTooHard: string[];
  hardSessionsTooEasy: string[];
  /** Overall compliance, 0..1 (documented formula). */
  score: number | null;
}
