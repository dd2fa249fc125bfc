/**
 * What analysis computes and the database stores: physiology, per-activity metrics, the daily
 * training-load state, and the week's session matches and compliance. Plain data shared by the
 * analysis core that makes it, the repositories that store it, and the reports and API that show it.
 */
import type { SessionKind } from './plan.ts';

/** Where a physiological value came from. */
export type ValueSource = 'given' | 'estimated' | 'default';

export interface SourcedValue {
  value: number;
  source: ValueSource;
  /** How it was estimated, for the report (e.g. "99.5th percentile of 41,202 HR samples"). */
  note?: string;
}

export interface Physiology {
  /** From the profile; chooses the TRIMP constants (null: see docs/analysis.md). */
  sex: 'f' | 'm' | null;
  maxHr: SourcedValue;
  restingHr: SourcedValue;
  lthr: SourcedValue;
  thresholdSpeedMps: SourcedValue | null;
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
  /**
   * Training load, in TRIMP units for every activity: TRIMP when a run or cross session has heart rate,
   * else (and always for strength) session RPE converted to TRIMP units (docs/analysis.md, "Load: one scale").
   */
  load: number;
  loadBasis: 'trimp' | 'session_rpe';
  /** Runs only: intensity from time above threshold and interval structure. */
  intensity: IntensityClass | null;
  /** Repeated work/rest lap structure detected. */
  intervals: boolean;
  /** The week's longest run and long enough to count as a long run. */
  long: boolean;
  /** What the intensity class rests on: heart rate, pace against threshold pace, or neither. */
  intensityBasis?: 'hr' | 'pace' | 'none';
  /** The RPE behind a session-RPE load, and whether the athlete gave it or a default was used. */
  sessionRpe?: SourcedValue;
}

/**
 * The training-load state at the end of one day. Storing the state of day D−1 is all the load series
 * needs to continue from day D (see `loadSeries` in src/analysis/load.ts).
 */
export interface LoadState {
  date: string;
  /** That day's load. */
  load: number;
  /** Fatigue (ATL): exponentially weighted load, time constant 7 days. */
  acute: number;
  /** Fitness (CTL): exponentially weighted load, time constant 42 days. */
  chronic: number;
  /** Form (TSB) = chronic − acute, both after this day's load. */
  form: number;
  /** Williams et al. 2017 EWMA of load, N = 7 (λ = 2/(N+1)). */
  acwrAcute: number;
  /** Williams et al. 2017 EWMA of load, N = 28. */
  acwrChronic: number;
  /** acwrAcute / acwrChronic; null until the series is long enough or while acwrChronic is 0. */
  acwr: number | null;
  /** Days in the series up to and including this one (1 on its first day). */
  day: number;
}

/**
 * `upcoming`: a planned session not done yet whose day is not over (on or after the athlete's today);
 * never missed, left out of the week's score.
 * `excused`: a planned session nothing carried out, on a day the athlete could not train (illness,
 * injury, travel); never missed, left out of the week's score.
 */
export type MatchStatus = 'completed' | 'partial' | 'exceeded' | 'moved' | 'missed' | 'unplanned' | 'upcoming' | 'excused';
export type ComplianceBand = 'green' | 'yellow' | 'orange' | 'red';

export interface SessionMatch {
  plannedId: string | null;
  activityId: string | null;
  status: MatchStatus;
  /** Actual / planned on distance (or duration when no distance was planned); null when not comparable. */
  ratio: number | null;
  band: ComplianceBand | null;
  /** Days the activity was moved from the planned date (−1, 0, +1; −2 to +2 for strength). */
  dayShift: number;
  plannedKind: SessionKind | null;
  /** Date of the planned session (YYYY-MM-DD); null for an unplanned activity. */
  plannedDate: string | null;
  /** Local date of the activity (YYYY-MM-DD); null for a missed session. */
  activityDate: string | null;
}

/** A week's cross-training (cycling, swimming, elliptical, rowing, …): counted in the load, not in running volume. */
export interface CrossTraining {
  sessions: number;
  /** Moving (else elapsed) time, seconds. */
  durationS: number;
  distanceM: number;
  /** Sum of the sessions' loads (already part of the daily load). */
  load: number;
  /** Sports as the sources name them (`cycling`, `swimming`, …), in order of first appearance. */
  sports: string[];
}

export interface WeekCompliance {
  athleteId: string;
  isoWeek: string;
  /** The athlete's local date the week was analysed on (null: treated as over). */
  asOf?: string | null;
  /** False while the week is in progress: days from `asOf` on are not over, their sessions `upcoming`. */
  complete?: boolean;
  /**
   * What was planned up to `asOf`: the sessions not `upcoming` (every session once the week is over).
   * "So far" compares this with `actual`.
   */
  plannedToDate?: {
    /**
     * Running volume due so far as the plan check counts it: each run session's distance, else its
     * duration at the plan's typical pace; a race counts zero.
     */
    volumeM: number;
    distanceM: number;
    durationS: number;
    sessions: number;
    keySessions: number;
    strengthSessions: number;
    strengthMinutes: number;
  };
  /** Running volume (run kinds), sessions (rest excluded), strength and hard days as planned. */
  planned: {
    distanceM: number;
    durationS: number;
    sessions: number;
    keySessions: number;
    strengthSessions: number;
    strengthMinutes: number;
    /** Dates holding a hard-kind session (isHardKind), sorted. */
    hardDays: string[];
    /** Dates holding a strength session, sorted (not counted in `hardDays`). */
    strengthDays: string[];
  };
  /**
   * What was done: running volume of every run, hard days, and strength — every strength session of the
   * week, except one that carried out a session planned in the week before or after (moved across
   * Monday), which counts for the week it was planned in.
   */
  actual: {
    distanceM: number;
    durationS: number;
    /** Running volume as `plannedToDate.volumeM` counts it (duration at this week's typical pace without distance; a planned race's run counts zero). */
    volumeM?: number;
    sessionsCompleted: number;
    keySessionsCompleted: number;
    strengthSessions: number;
    strengthMinutes: number;
    /** Dates holding a run classed `hard` or flagged `long`, sorted. */
    hardDays: string[];
    /** Dates holding a strength session, sorted (not counted in `hardDays`). */
    strengthDays: string[];
    /** Days with nothing but rest planned (in a week that has a plan) on which any activity was recorded. */
    restDaysWithActivity: string[];
    /** Cross-training (every activity neither run nor strength): load, never running volume. Absent in documents stored before. */
    crossTraining?: CrossTraining;
  };
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
  /** Planned easy/recovery session ids matched to a run classed `moderate` or `hard`. */
  easyRunsTooHard: string[];
  /** Planned quality session ids (isQualityKind) matched to a run classed `easy`. */
  hardSessionsTooEasy: string[];
  /** Overall compliance, 0..1 (documented formula), over the sessions due so far (not `upcoming`). */
  score: number | null;
}
