/**
 * The recommender: reads one analysed week like a strength-and-conditioning coach and returns flags
 * (docs/flags.md) and the coming week's strength days. Pure: the caller passes the stored week
 * documents and the plans; nothing here reads a database or a clock.
 *
 * One cause, one flag:
 * - a week without any strength is `strength_missing` (or `strength_missing_taper`), carrying its
 *   skipped planned sessions, not one `strength_skipped` each;
 * - strength between two hard days is `strength_on_easy_day` (critical), not also the day before a
 *   hard day; a skipped planned session is never judged for placement;
 * - two hard days in a row made by an easy run run too hard are that run's `easy_run_too_hard`;
 * - a shortfall explained by missed key sessions is their `key_session_missed`, not also
 *   `mileage_below_plan`; volume above the plan and above the ramp limit is `ramp_too_steep` alone.
 */
import { buildContext } from './context.ts';
import { backToBackFlags, easyRunFlags, keySessionFlags, longRunFlags } from './run-flags.ts';
import { strengthFlags } from './strength-flags.ts';
import { FLAG_CODES, resolveThresholds, type Flag, type Recommendation, type RecommendInput, type RecommendThresholds } from './types.ts';
import { nextWeekWithCap, volumeFlags } from './volume-flags.ts';
import { loadFlags } from './load-flags.ts';

export type {
  Flag,
  FlagCode,
  FlagEvidence,
  NextWeekPlan,
  Recommendation,
  RecommendInput,
  RecommendThresholds,
  Severity,
  StrengthDayAdvice,
} from './types.ts';

/**
 * Flags for `input.week` and the strength days for the week after it. `thresholds` override
 * `DEFAULT_THRESHOLDS` (ThresholdsError when they are out of range). Flags come sorted by
 * `compareFlags`; the result does not depend on the order of any input list.
 */
export function recommend(input: RecommendInput, thresholds: Partial<RecommendThresholds> = {}): Recommendation {
  const ctx = buildContext(input, resolveThresholds(thresholds));
  const keys = keySessionFlags(ctx);
  const missed = new Set(keys.flatMap((f) => f.evidence.plannedIds));
  const flags = [
    ...strengthFlags(ctx),
    ...backToBackFlags(ctx),
    ...easyRunFlags(ctx),
    ...longRunFlags(ctx),
    ...keys,
    ...volumeFlags(ctx, { missedKeySessions: ctx.plannedThis.filter((p) => missed.has(p.id)) }),
    ...loadFlags(ctx),
  ];
  return { flags: flags.sort(compareFlags), nextWeek: nextWeekWithCap(ctx) };
}

const codeRank = (f: Flag): number => FLAG_CODES.indexOf(f.code);

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Deterministic order: by date (flags about the whole week after the dated ones), then code in
 * `FLAG_CODES` order, then evidence ids, then message.
 */
export function compareFlags(a: Flag, b: Flag): number {
  if (a.date !== b.date) {
    if (a.date === null) return 1;
    if (b.date === null) return -1;
    return compareText(a.date, b.date);
  }
  return (
    codeRank(a) - codeRank(b) ||
    compareText(a.evidence.activityIds.join(','), b.evidence.activityIds.join(',')) ||
    compareText(a.evidence.plannedIds.join(','), b.evidence.plannedIds.join(',')) ||
    compareText(a.message, b.message)
  );
}
