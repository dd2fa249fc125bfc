/**
 * The recommender's vocabulary: flag codes and severities and the flag and next-week shapes (defined
 * with the week document that stores them, src/domain/week-document.ts), the input, and the
 * per-athlete thresholds with their documented defaults (docs/flags.md explains every code, trigger
 * and number).
 */
import { z } from 'zod';
import type { PlannedSessionRef } from '../analysis/types.ts';
import type { Flag, NextWeekPlan, WeekReportData } from '../domain/week-document.ts';
import type { PlanUnits } from '../domain/units.ts';
import { MAX_WEEKLY_RISE, RACE_WEEK_STRENGTH_MAX_MINUTES, STRENGTH_MIN_HOURS_BEFORE_RACE } from '../plan/rules.ts';

export {
  FLAG_CODES,
  SEVERITIES,
  type Flag,
  type FlagCode,
  type FlagEvidence,
  type NextWeekPlan,
  type Severity,
  type StrengthDayAdvice,
} from '../domain/week-document.ts';

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
  /**
   * The week before's planned sessions (sessions outside that week are ignored): a planned cut-back
   * is this week's plan against it. Absent: `cutback_skipped` cannot fire.
   */
  plannedPreviousWeek?: readonly PlannedSessionRef[];
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
  /** Least hours between the starts of two strength sessions (Doma 2019: up to 48 h of higher running cost). */
  minHoursBetweenStrength: number;
  /** Least hours between the start of a strength session and the start of a race. */
  minHoursStrengthBeforeRace: number;
  /** Longest strength session in race week, minutes. */
  maxRaceWeekStrengthMinutes: number;
  /** A long run longer than planned by more than this fraction overshoots (0.15 = 15 %)… */
  longRunMaxOvershoot: number;
  /** …or by more than this many minutes. */
  longRunMaxExtraMinutes: number;
  /** A run longer than this (minutes) overshoots when the plan did not ask for one that long. */
  maxLongRunMinutes: number;
  /** A week planned at or below this share of the week before's planned volume is a planned cut-back. */
  cutbackMaxPlannedRatio: number;
  /** A planned cut-back run at or above this share of last week's volume was skipped. */
  cutbackSkippedRatio: number;
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
  minHoursBetweenStrength: 48,
  // One rule with the plan generator and check (#19 point 6).
  minHoursStrengthBeforeRace: STRENGTH_MIN_HOURS_BEFORE_RACE,
  maxRaceWeekStrengthMinutes: RACE_WEEK_STRENGTH_MAX_MINUTES,
  longRunMaxOvershoot: 0.15,
  longRunMaxExtraMinutes: 20,
  maxLongRunMinutes: 210,
  cutbackMaxPlannedRatio: 0.85,
  cutbackSkippedRatio: 0.95,
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
    minHoursBetweenStrength: z.number().min(0).max(168),
    minHoursStrengthBeforeRace: z.number().min(0).max(336),
    maxRaceWeekStrengthMinutes: z.number().positive().max(300),
    longRunMaxOvershoot: z.number().min(0).max(5),
    longRunMaxExtraMinutes: z.number().min(0).max(600),
    maxLongRunMinutes: z.number().positive().max(1440),
    cutbackMaxPlannedRatio: z.number().min(0).max(1),
    cutbackSkippedRatio: z.number().min(0).max(2),
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
