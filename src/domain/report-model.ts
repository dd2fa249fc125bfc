/**
 * The weekly report model's shape: one typed, versioned document per athlete-week. Built by
 * `buildReport` (src/report/model.ts), stored in `weekly_reports`, served by the API and read by every
 * renderer (text, JSON, HTML, email). Plain data: docs/report.md documents every field.
 */
import type { ComplianceBand, IntensityClass, MatchStatus, SourcedValue } from './analysis.ts';
import type { Weekday } from './iso-week.ts';
import type { SessionKind } from './plan.ts';
import type { PlanUnits } from './units.ts';
import type { UnavailableReason } from './athlete-input.ts';
import type { FlagCode, NextWeekPlan, Severity, WeekActivity } from './week-document.ts';

/** Bump when the model's shape or meaning changes; stored reports of an older version are regenerated. */
export const REPORT_VERSION = 2;

export interface ReportModel {
  version: typeof REPORT_VERSION;
  athlete: { id: string; name: string; units: PlanUnits; timezone: string };
  week: {
    isoWeek: string;
    /** Monday and Sunday, local dates in the athlete's time zone. */
    from: string;
    to: string;
    /** False while the week is not over on the day the report was built (flags wait for the week's end). */
    complete: boolean;
  };
  /** The active plan, when there is one. */
  plan: { name: string; raceDate: string | null; weekNumber: number | null; totalWeeks: number | null } | null;
  headline: ReportHeadline;
  /** Monday to Sunday, always seven entries. */
  days: ReportDay[];
  strength: ReportStrength;
  intensity: ReportIntensity;
  load: ReportLoad;
  /** The recommender's flags, in its order (date, then code). */
  flags: ReportFlag[];
  nextWeek: ReportNextWeek;
  /** Cross-training of the week (load, never running volume); absent when there was none. */
  crossTraining?: ReportCrossTraining;
  dataQuality: ReportDataQuality;
  physiology: {
    maxHr: ReportSourcedValue;
    restingHr: ReportSourcedValue;
    lthr: ReportSourcedValue;
    /** Threshold pace in seconds per km; null when unknown. */
    thresholdPaceSPerKm: ReportSourcedValue | null;
  };
}

export interface ReportCrossTraining {
  sessions: number;
  durationS: number;
  distance: ReportDistance;
  load: number;
  sports: string[];
}

export interface ReportSourcedValue {
  value: number;
  source: SourcedValue['source'];
}

/** A distance in metres and in the athlete's units (rounded to 0.1). */
export interface ReportDistance {
  metres: number;
  value: number;
  units: PlanUnits;
}

export interface ReportHeadline {
  /**
   * The weighted session score in percent (0–100, whole; docs/analysis-matching.md) over the sessions due
   * so far; null when nothing but rest was planned. Not "% of plan": the parts say what it is made of.
   */
  compliancePct: number | null;
  /** The overall band: the worst of the parts (never green when a part is not); null without plan or training. */
  complianceBand: ComplianceBand | null;
  /** True while the week is in progress: planned figures are those due so far, the summary says "so far". */
  soFar: boolean;
  /** Planned figures are due so far (the whole week once it is over); `plannedWeek` is the whole week's. */
  distance: { planned: ReportDistance; done: ReportDistance; plannedWeek: ReportDistance };
  runTime: { plannedS: number; doneS: number };
  sessions: { planned: number; completed: number; keyPlanned: number; keyCompleted: number };
  strength: { planned: number; done: number };
  /** Compliance as parts, each with its band (src/report/parts.ts). */
  parts: ReportComplianceParts;
  flags: { critical: number; warning: number; info: number };
  /** One line for a subject or a notification: "Partly off plan — volume 31.2 of 35 mi, key sessions 2 of 2, …". */
  summary: string;
}

/** A part of the week's compliance; `band` null when there is nothing to judge (yet). */
export interface ReportVolumePart {
  band: ComplianceBand | null;
  /** Running volume compared on distance, or duration when the plan gives none. */
  basis: 'distance' | 'duration' | null;
  /** Done ÷ planned (so far), 0.001 precision. */
  ratio: number | null;
}

export interface ReportKeySessionsPart {
  band: ComplianceBand | null;
  planned: number;
  /** Done, not counting a quality session run too easy. */
  done: number;
}

export interface ReportIntensityPart {
  band: ComplianceBand | null;
  /** Planned easy / recovery runs done. */
  easyRuns: number;
  /** Of those, run too hard (moderate or hard). */
  tooHard: number;
}

export interface ReportStrengthPart {
  band: ComplianceBand | null;
  planned: number;
  done: number;
  minimumMet: boolean;
  minMinutes: number;
  /** Codes of the placement flags raised this week (warning or critical). */
  placementFlags: string[];
  /** Planned strength sessions missed (not upcoming, not moved and done). */
  missedPlanned: number;
}

export interface ReportComplianceParts {
  volume: ReportVolumePart;
  keySessions: ReportKeySessionsPart;
  intensity: ReportIntensityPart;
  strength: ReportStrengthPart;
  /** The worst part's band; null without a plan and without training. */
  overall: ComplianceBand | null;
}

export interface ReportPlannedSession {
  id: string;
  kind: SessionKind;
  /** `easy run`, `intervals`, `strength session`, … */
  label: string;
  distanceM: number | null;
  durationS: number | null;
  /** The session as a person reads it: "8 mi easy run, zone 2". */
  text: string;
}

export interface ReportDoneActivity {
  id: string;
  /** Local date it was done (differs from the row's day for a moved session). */
  date: string;
  category: WeekActivity['category'];
  sport: string;
  distanceM: number | null;
  movingS: number | null;
  /** Runs: the intensity class from the analysis. */
  intensity: IntensityClass | null;
  hasHr: boolean;
  /** "8.2 mi in 1 h 12 min, easy", "strength 45 min". */
  text: string;
}

export interface ReportDayRow {
  planned: ReportPlannedSession | null;
  done: ReportDoneActivity | null;
  status: MatchStatus;
  band: ComplianceBand | null;
  /** Done / planned on distance (or duration), 0.001 precision; null when not comparable. */
  ratio: number | null;
  /** Days the activity moved from the planned date (−1, 0, +1; −2 to +2 for strength). */
  dayShift: number;
  /** Done at the wrong intensity: an easy run too hard, a quality session too easy; null otherwise. */
  verdict: 'too_hard' | 'too_easy' | null;
}

export interface ReportDay {
  date: string;
  weekday: Weekday;
  /** Planned and done running distance on this day (metres; planned counts run kinds, done every run). */
  plannedDistanceM: number;
  doneDistanceM: number;
  /** A hard session (intervals, tempo, threshold, hills, race pace, race, long) was planned / done here. */
  hardPlanned: boolean;
  hardDone: boolean;
  strengthPlanned: boolean;
  strengthDone: boolean;
  /** Planned sessions on this day (missed or done, rest excluded) and unplanned activities done on it. */
  rows: ReportDayRow[];
  /** Why the athlete could not train this day (its sessions are `excused`); absent on other days. */
  unavailable?: UnavailableReason;
}

export type StrengthDayType = 'hard_day' | 'easy_day' | 'rest_day';

export interface ReportStrengthSession {
  activityId: string;
  date: string;
  minutes: number;
  /** A hard run was done that day (hard_day), another run (easy_day), or no run (rest_day). */
  dayType: StrengthDayType;
  /** On a day with a run: the strength started after the run. Null without a run that day. */
  afterRun: boolean | null;
  /** The next day held a hard session (done, or planned in this week). */
  beforeHardDay: boolean;
  /** Placement flags raised about this session (their evidence names it). */
  flagCodes: FlagCode[];
}

export interface ReportStrength {
  planned: { sessions: number; minutes: number; days: string[] };
  done: { sessions: number; minutes: number; days: string[] };
  /** DESIGN.md: at least one strength session of `minMinutes` a week (the athlete's threshold). */
  minimum: { sessions: 1; minMinutes: number; met: boolean };
  sessions: ReportStrengthSession[];
  /** Hard days of the week, planned and done, for placing the sessions against them. */
  hardDays: { planned: string[]; done: string[] };
}

export interface ReportIntensity {
  /** Seconds of run time with heart rate; the fractions are 0 when this is 0. */
  secondsWithHr: number;
  /** Fractions of run time with HR in zones 1–2, 3 and 4–5 (0.001 precision). */
  low: number;
  moderate: number;
  high: number;
  target: { low: number; high: number };
  /** Low-intensity share minus the target, in percentage points (negative: too little easy running); null without HR. */
  lowVsTargetPts: number | null;
  easyRunsTooHard: number;
  qualitySessionsTooEasy: number;
}

export interface ReportTrendDay {
  date: string;
  /** Null on days before the athlete's load series starts. */
  load: number | null;
  acute: number | null;
  chronic: number | null;
  form: number | null;
  acwr: number | null;
}

export interface ReportTrendWeek {
  isoWeek: string;
  from: string;
  /** Sum of the week's daily loads. */
  load: number | null;
  /** State at the end of the week's Sunday. */
  acute: number | null;
  chronic: number | null;
  form: number | null;
  acwr: number | null;
  /** Run distance done and planned (active plan). */
  distanceM: number;
  plannedDistanceM: number;
}

/** The week's acute:chronic ratio: 7-day over 28-day mean load at the end of the week, with its band. */
export interface ReportWeekAcwr {
  date: string;
  /** 0.001 precision; null while the baseline is being built (fewer than 42 days of history). */
  ratio: number | null;
  band: 'low' | 'sweet_spot' | 'caution' | 'spike' | 'building_baseline';
  acute7d: number;
  chronic28d: number;
  historyDays: number;
}

export interface ReportLoad {
  /**
   * This week: total load, Foster monotony and strain, run distance change against last week, and the
   * week's ACWR (null in reports of weeks analysed before it existed).
   */
  week: {
    load: number;
    monotony: number | null;
    strain: number | null;
    distanceRamp: number | null;
    previousWeekDistanceM: number;
    acwr: ReportWeekAcwr | null;
  };
  /** Load at the end of this week's Sunday (or the latest day of an unfinished week). */
  end: ReportTrendDay;
  /** The last `TREND_WEEKS` weeks (src/report/model.ts), oldest first, this week last. */
  weeks: ReportTrendWeek[];
  /** The days of those weeks, oldest first (`TREND_WEEKS` × 7 entries). */
  days: ReportTrendDay[];
  /** ACWR above this is a load spike (the athlete's threshold). */
  acwrLimit: number;
}

export interface ReportFlag {
  code: FlagCode;
  severity: Severity;
  date: string | null;
  message: string;
  suggestion: string;
  evidence: { activityIds: string[]; plannedIds: string[]; numbers: Record<string, number> };
}

export interface ReportNextWeek {
  isoWeek: string;
  basis: NextWeekPlan['basis'];
  strengthDays: { date: string; weekday: Weekday; afterKind: SessionKind | null; reason: string; optional: boolean }[];
  notes: string[];
}

/** Filled by the Strava integration: the athlete's Strava connection stopped working. */
export interface StravaConnectionNote {
  status: 'needs_reauthorisation';
  /** When the connection was found broken (ISO instant); null when unknown. */
  since: string | null;
}

export interface ReportDataQuality {
  /** Activities of the week without heart rate (their load comes from session RPE). */
  activitiesWithoutHr: { activityId: string; date: string; category: WeekActivity['category']; sport: string }[];
  /** Uploads received this week (athlete's local dates) that failed to parse and are not fixed. */
  failedUploads: { uploadId: string; filename: string; error: string; date: string }[];
  /** Null when the athlete has no Strava connection or it works. */
  strava: StravaConnectionNote | null;
  /** Each of the above as a sentence, in that order. */
  notes: string[];
}
