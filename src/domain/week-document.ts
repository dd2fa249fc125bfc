/**
 * The stored document of one athlete-week: the analysis (physiology, compliance, the week's
 * activities with their metrics, the load) plus the recommender's flags and next-week strength
 * placement. `kinetic week --json` prints it, the API serves it, `week_compliance` stores it and the
 * weekly report is built from it. Versioned so stored documents can be migrated.
 */
import type { ActivityMetrics, LoadState, Physiology, WeekCompliance } from './analysis.ts';
import type { SessionKind } from './plan.ts';
import type { ActivitySource } from './activity.ts';
import type { UnavailableDay } from './athlete-input.ts';

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
  /** `manual`: logged by hand. Absent in documents stored before it was recorded. */
  source?: ActivitySource;
  /** Session RPE the athlete gave (1–10), null when none. Absent in documents stored before it was recorded. */
  rpe?: number | null;
  /** The athlete's note. Absent in documents stored before it was recorded. */
  note?: string | null;
}

export interface WeekLoad {
  /** The load state at the end of each day of the week, Monday first. */
  days: LoadState[];
  weeklyLoad: number;
  /** Foster: mean / SD of the 7 daily loads; null when SD is 0. */
  monotony: number | null;
  strain: number | null;
  /**
   * Run distance change against the previous week (0.1 = +10 %) over the same days (`comparedDays`);
   * null when those days of the previous week had none.
   */
  distanceRamp: number | null;
  /** Last week's run distance over the days compared: the whole week, or Monday to today's weekday while this week is in progress. */
  previousWeekDistanceM: number;
  /** Days of each week compared (7 once the week is over; 1 on its Monday); absent in older documents (7). */
  comparedDays?: number;
  /**
   * The week's acute:chronic workload ratio: mean daily load of the 7 days over the 28 days ending at
   * the end of the week (Sunday, or today while the week is in progress), with its band; `ratio` null
   * and band `building_baseline` until 42 days of history exist. Absent in older documents.
   */
  acwr?: {
    date: string;
    acute7d: number;
    chronic28d: number;
    ratio: number | null;
    band: 'low' | 'sweet_spot' | 'caution' | 'spike' | 'building_baseline';
    historyDays: number;
  };
}

/** The analysis part of the week document: what the recommender reads. */
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
  /** Days of the week the athlete could not train (illness, injury, travel), in date order; absent in documents stored before. */
  unavailable?: UnavailableDay[];
}

// ---------------------------------------------------------------------------------------------------
// The recommender's part (docs/flags.md explains every code, trigger and number)

/** Every flag code, in the order flags of one date are listed. Stable: stored documents use them. */
export const FLAG_CODES = [
  'strength_skipped',
  'strength_missing',
  'strength_too_short',
  'strength_before_key_session',
  'strength_on_easy_day',
  'strength_before_run',
  'strength_too_close',
  'strength_near_race',
  'strength_missing_taper',
  'hard_days_back_to_back',
  'easy_run_too_hard',
  'long_run_overshoot',
  'key_session_missed',
  'mileage_below_plan',
  'mileage_above_plan',
  'cutback_skipped',
  'ramp_too_steep',
  'load_too_low',
] as const;
export type FlagCode = (typeof FLAG_CODES)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a flag rests on: ids that exist in the input, and the numbers compared. */
export interface FlagEvidence {
  /** Activity ids (this week's, or last week's for a pair across Monday), sorted. */
  activityIds: string[];
  /** Planned-session ids (this week's or next week's plan), sorted. */
  plannedIds: string[];
  /** Named numbers in SI units (metres, seconds, minutes where the name says so, ratios as fractions). */
  numbers: Record<string, number>;
}

export interface Flag {
  code: FlagCode;
  severity: Severity;
  /** The day the flag is about (YYYY-MM-DD); null for a flag about the whole week. */
  date: string | null;
  /** ISO week of the analysed week, e.g. `2027-W06`. */
  week: string;
  /** What happened, in one sentence. */
  message: string;
  evidence: FlagEvidence;
  /** What to do, naming next week's days where it can. */
  suggestion: string;
}

export interface StrengthDayAdvice {
  /** YYYY-MM-DD in the coming week. */
  date: string;
  /** The run the session goes after (do it after that run); null on a day without a run. */
  afterKind: SessionKind | null;
  /** Why this day, in one or two sentences. */
  reason: string;
  /** True for the optional second session ("a second one pays"); false for the sessions that count. */
  optional: boolean;
}

export interface NextWeekPlan {
  isoWeek: string;
  /**
   * `plan` when next week has planned sessions, `pattern` when the days follow this week's hard days,
   * `recovery` for the week after a race (easy running only, no strength days; see `notes`),
   * `return` after illness or injury (its first days easy, then the plan resumes; see `notes`).
   */
  basis: 'plan' | 'pattern' | 'recovery' | 'return';
  /** Recommended strength days, in date order. */
  strengthDays: StrengthDayAdvice[];
  notes: string[];
  /**
   * The most running volume (metres) next week can hold without raising a volume flag of its own
   * (ramp, plan band, cut-back); every volume suggestion quotes it. Absent when nothing limits it.
   */
  maxDistanceM?: number;
}

/** The week document as stored: the analysis with the recommender's flags and next-week advice. */
export interface WeekDocument extends WeekReportData {
  flags: Flag[];
  nextWeek: NextWeekPlan;
}
