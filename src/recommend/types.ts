/**
 * The recommender's vocabulary: flag codes and severities, the flag and next-week shapes stored in the
 * week document, the input, and the per-athlete thresholds with their documented defaults
 * (docs/flags.md explains every code, trigger and number).
 */
import { z } from 'zod';
import type { PlannedSessionRef } from '../analysis/types.ts';
import type { WeekReportData } from '../analysis/week-data.ts';
import type { SessionKind } from '../domain/plan.ts';
import type { PlanUnits } from '../domain/units.ts';
import { MAX_WEEKLY_RISE } from '../plan/rules.ts';

/** Every flag code, in the order flags of one date are listed. Stable: stored documents use them. */
export const FLAG_CODES = [
  'strength_skipped',
  'strength_missing',
  'strength_too_short',
  'strength_before_key_session',
  'strength_on_easy_day',
  'strength_before_run',
  'strength_missing_taper',
  'hard_days_back_to_back',
  'easy_run_too_hard',
  'key_session_missed',
  'mileage_below_plan',
  'mileage_above_plan',
  'ramp_too_steep',
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
  /** `plan` when next week has planned sessions, `pattern` when the days follow this week's hard days. */
  basis: 'plan' | 'pattern';
  /** Recommended strength days, in date order. */
  strengthDays: StrengthDayAdvice[];
  notes: string[];
}

export interface RecommendInput {
  /** The analysed week (stored week document). */
  week: WeekReportData;
  /** The week before, when stored: last Sunday's hard day, the 2nd week without strength, the ramp reference. */
  previousWeek: WeekReportData | null;
  /** This week's planned sessions (sessions dated outside the week are ignored). */
  plannedThisWeek: readonly PlannedSessionRef[];
  /** Next week's planned sessions (sessions dated outside next week are ignored). */
  plannedNextWeek: readonly PlannedSessionRef[];
  /** The goal race (YYYY-MM-DD), when known. */
  raceDate: string | null;
  /** First day of the taper (YYYY-MM-DD), when the plan says; else taper weeks come from `raceDate`. */
  taperStart: string | null;
  /**
   * The athlete's local date of the analysis (YYYY-MM-DD). Days from `asOf` on are not over: sessions
   * that could still be done are not judged missed, and week-level flags wait for the week's end.
   * Absent or null: the week is over.
   */
  asOf?: string | null;
  /** Units for distances in messages (default km); evidence numbers are always metres. */
  units?: PlanUnits;
}

export interface Recommendation {
  flags: Flag[];
  nextWeek: NextWeekPlan;
}

// ---------------------------------------------------------------------------------------------------
// Thresholds

export interface RecommendThresholds {
  /** Least strength per week, minutes (DESIGN.md: one 40–60 min session). */
  minWeeklyStrengthMinutes: number;
  /** Least strength in a taper or race week, minutes (lighter, but present). */
  minTaperStrengthMinutes: number;
  /** A planned easy/recovery run is too hard above this fraction of its heart-rate time in zones 3–5. */
  easyRunMaxFractionAboveZone2: number;
  /** …judged only with at least this much heart-rate time, seconds. */
  easyRunMinSecondsWithHr: number;
  /** Weekly running volume below this share of the plan is `mileage_below_plan`. */
  mileageBandLow: number;
  /** Weekly running volume above this share of the plan is `mileage_above_plan`. */
  mileageBandHigh: number;
  /** Week-on-week volume rise allowed beyond what the plan asks (0.1 = 10 %). */
  maxWeeklyRamp: number;
  /** Acute:chronic workload ratio (EWMA 7:28) above which load spiked. */
  maxAcwr: number;
  /** Taper weeks when the plan gives no taper start: race week and the weeks before it, this many in all. */
  taperWeeks: number;
}

export const DEFAULT_THRESHOLDS: Readonly<RecommendThresholds> = Object.freeze({
  minWeeklyStrengthMinutes: 40,
  minTaperStrengthMinutes: 20,
  easyRunMaxFractionAboveZone2: 0.2,
  easyRunMinSecondsWithHr: 600,
  mileageBandLow: 0.8,
  mileageBandHigh: 1.2,
  maxWeeklyRamp: MAX_WEEKLY_RISE,
  maxAcwr: 1.5,
  taperWeeks: 3,
});

/**
 * Per-athlete overrides as stored (JSON): every field optional, unknown fields rejected. Cross-field
 * rules (band low ≤ 1 ≤ high, taper minimum ≤ weekly minimum) are checked after merging with the
 * defaults, in `resolveThresholds`.
 */
export const thresholdOverridesSchema = z
  .strictObject({
    minWeeklyStrengthMinutes: z.number().positive().max(300),
    minTaperStrengthMinutes: z.number().positive().max(300),
    easyRunMaxFractionAboveZone2: z.number().min(0).max(1),
    easyRunMinSecondsWithHr: z.number().min(0).max(86_400),
    mileageBandLow: z.number().min(0).max(1),
    mileageBandHigh: z.number().min(1).max(10),
    maxWeeklyRamp: z.number().min(0).max(5),
    maxAcwr: z.number().min(1).max(10),
    taperWeeks: z.number().int().min(1).max(8),
  })
  .partial();
export type ThresholdOverrides = z.infer<typeof thresholdOverridesSchema>;

export class ThresholdsError extends RangeError {
  override name = 'ThresholdsError';
}

/** Parses stored overrides (unknown JSON); throws ThresholdsError naming every bad field. */
export function parseThresholdOverrides(json: unknown): ThresholdOverrides {
  const parsed = thresholdOverridesSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ThresholdsError(`invalid recommend thresholds: ${why}`);
  }
  return parsed.data;
}

/** The defaults with `overrides` applied; throws ThresholdsError when the result is not usable. */
export function resolveThresholds(overrides: Partial<RecommendThresholds> = {}): RecommendThresholds {
  const parsed = parseThresholdOverrides(
    Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  );
  const t: RecommendThresholds = { ...DEFAULT_THRESHOLDS };
  for (const [key, value] of Object.entries(parsed) as [keyof RecommendThresholds, number | undefined][]) {
    if (value !== undefined) t[key] = value;
  }
  if (t.minTaperStrengthMinutes > t.minWeeklyStrengthMinutes) {
    throw new ThresholdsError(
      `invalid recommend thresholds: minTaperStrengthMinutes (${t.minTaperStrengthMinutes}) exceeds minWeeklyStrengthMinutes (${t.minWeeklyStrengthMinutes})`,
    );
  }
  return t;
}
