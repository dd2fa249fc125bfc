/**
 * Load flags: the week's acute:chronic ratio under the sweet spot in a build week (`load_too_low`,
 * issue #18 point 13). The ratio is the week's (`load.acwr`: 7-day over 28-day mean load at the end of
 * the week), not a day's; docs/flags.md gives the rule and its source.
 */
import { ACWR_BANDS } from '../analysis/load.ts';
import { isRunKind } from '../domain/plan.ts';
import type { Context } from './context.ts';
import { uniqueSorted } from './days.ts';
import { round } from './text.ts';
import type { Flag } from './types.ts';
import { plannedVolumeM } from './volume-flags.ts';

/**
 * A build week: a plan with running in it, not a taper or race week, not the recovery week after a
 * race, no day the athlete could not train, and not a planned cut-back (its running volume more than
 * `cutbackMaxPlannedRatio` of last week's plan). Only in such a week is a low load a drift, not a plan.
 */
function isBuildWeek(ctx: Context): boolean {
  if (!ctx.hasPlan || ctx.taper.taper || ctx.taper.raceWeek || ctx.recoveryWeek) return false;
  if ((ctx.week.unavailable ?? []).length > 0) return false;
  const planned = plannedVolumeM(ctx.plannedThis.filter((p) => isRunKind(p.kind)));
  const previous = plannedVolumeM(ctx.plannedPrevious.filter((p) => isRunKind(p.kind)));
  if (!(planned > 0)) return false;
  return !(previous > 0 && planned <= ctx.t.cutbackMaxPlannedRatio * previous);
}

export function loadFlags(ctx: Context): Flag[] {
  const a = ctx.week.load.acwr;
  if (!ctx.weekOver || a === undefined || a.ratio === null || a.band !== 'low' || !isBuildWeek(ctx)) return [];
  return [
    {
      code: 'load_too_low',
      severity: 'info',
      date: null,
      week: ctx.isoWeek,
      message: `Training load in ${ctx.isoWeek} was low for a build week: the last 7 days averaged ${Math.round(a.acute7d)} a day against ${Math.round(a.chronic28d)} over the last 28, an acute:chronic ratio of ${a.ratio.toFixed(2)} (under ${ACWR_BANDS.low}).`,
      evidence: {
        activityIds: uniqueSorted(ctx.items.map((i) => i.activityId)),
        plannedIds: [],
        numbers: { acwr: round(a.ratio, 3), acute7d: round(a.acute7d, 1), chronic28d: round(a.chronic28d, 1), minAcwr: ACWR_BANDS.low },
      },
      suggestion:
        'If this was not meant as an easy week, return to the plan step by step: run next week as planned and do not make up the missed load at once — a sudden return after a low week is how load spikes happen.',
    },
  ];
}
