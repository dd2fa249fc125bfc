/**
 * Volume flags: weekly running volume against the plan, and the week-on-week ramp (distance and
 * acute:chronic load). Volume is counted as the plan check counts it (`runVolumeM`): distance, or
 * duration at the typical pace when a run has no distance; the race itself counts zero.
 */
import type { PlannedSessionRef } from '../analysis/types.ts';
import type { WeekReportData } from '../domain/week-document.ts';
import { isRunKind } from '../domain/plan.ts';
import { addWeeks } from '../domain/iso-week.ts';
import { CUTBACK_MAX_RATIO, VOLUME_TOLERANCE, runVolumeM, typicalPaceSPerKm, type VolumeItem } from '../plan/rules.ts';
import type { Context } from './context.ts';
import { compareIds, uniqueSorted, type ActualItem } from './days.ts';
import { hardDaysPhrase } from './next-week.ts';
import { capitalize, day, distance, percent, round } from './text.ts';
import type { Flag } from './types.ts';

function sumVolume(items: readonly (VolumeItem & { id: string })[]): number {
  const sorted = [...items].sort((a, b) => compareIds(a.date, b.date) || compareIds(a.id, b.id));
  const pace = typicalPaceSPerKm(sorted);
  let total = 0;
  for (const i of sorted) total += runVolumeM(i, pace);
  return total;
}

/** Running volume of a week as done (metres). */
export function actualVolumeM(doc: WeekReportData, items: readonly ActualItem[]): number {
  const kindOf = new Map(items.map((i) => [i.activityId, i.kind]));
  return sumVolume(
    doc.activities
      .filter((a) => a.category === 'run')
      .map((a) => ({
        id: a.id,
        date: a.localDate,
        kind: kindOf.get(a.id) === 'race' ? 'race' : 'easy',
        distanceM: a.distanceM !== null && a.distanceM > 0 ? a.distanceM : null,
        durationS: a.movingS !== null && a.movingS > 0 ? a.movingS : a.metrics.movingS,
      })),
  );
}

/** Running volume of planned sessions (metres). */
export function plannedVolumeM(planned: readonly PlannedSessionRef[]): number {
  return sumVolume(planned);
}

export interface VolumeInput {
  /** Planned key sessions flagged missed: when their volume explains a shortfall, no mileage flag. */
  missedKeySessions: readonly PlannedSessionRef[];
}

export function volumeFlags(ctx: Context, input: VolumeInput): Flag[] {
  const flags: Flag[] = [];
  const week = ctx.isoWeek;
  const t = ctx.t;
  const dist = (m: number): string => distance(m, ctx.units);
  const runIds = uniqueSorted(ctx.items.filter((i) => i.category === 'run').map((i) => i.activityId));
  const plannedRuns = ctx.plannedThis.filter((p) => isRunKind(p.kind));
  const plannedRunIds = uniqueSorted(plannedRuns.map((p) => p.id));
  const thisM = actualVolumeM(ctx.week, ctx.items);
  // Sessions excused for days the athlete could not train are not asked of them.
  const plannedM = ctx.hasPlan ? plannedVolumeM(plannedRuns.filter((p) => ctx.matchOf.get(p.id)?.status !== 'excused')) : 0;
  const nextPlannedM = plannedVolumeM(ctx.plannedNext.filter((p) => isRunKind(p.kind)));

  // Ramp by distance: against last week, or the week before a cut-back week (as the plan check).
  let ramp: { referenceM: number; referenceWeek: string; afterCutback: boolean; allowedM: number } | null = null;
  if (ctx.weekOver) {
    const prevM = ctx.previousWeek !== null ? actualVolumeM(ctx.previousWeek, ctx.previousItems) : ctx.week.load.previousWeekDistanceM;
    const prev2M = ctx.previousWeek !== null ? ctx.previousWeek.load.previousWeekDistanceM : null;
    let referenceM = prevM;
    let referenceWeek = addWeeks(week, -1);
    let afterCutback = false;
    if (prev2M !== null && prevM <= CUTBACK_MAX_RATIO * prev2M) {
      referenceM = prev2M;
      referenceWeek = addWeeks(week, -2);
      afterCutback = true;
    }
    if (referenceM > 0) {
      // What the plan asked for is the athlete's to run; the limit applies beyond it.
      const allowedM = Math.max(referenceM * (1 + t.maxWeeklyRamp), plannedM);
      if (thisM > allowedM * (1 + VOLUME_TOLERANCE)) ramp = { referenceM, referenceWeek, afterCutback, allowedM };
    }
  }

  // Ramp by acute:chronic load: the week's highest ratio on a day with load.
  let acwr: { date: string; value: number; activityIds: string[] } | null = null;
  for (const d of ctx.week.load.days) {
    if (!ctx.isOver(d.date) || d.date < ctx.week.from || d.date > ctx.week.to) continue;
    if (!(d.load > 0) || d.acwr === null || !(d.acwr > t.maxAcwr)) continue;
    if (acwr !== null && d.acwr <= acwr.value) continue;
    const ids = ctx.items.filter((i) => i.date === d.date).map((i) => i.activityId);
    if (ids.length > 0) acwr = { date: d.date, value: d.acwr, activityIds: ids };
  }

  if (ramp !== null || acwr !== null) {
    const parts: string[] = [];
    const numbers: Record<string, number> = {};
    const activityIds: string[] = [];
    let plannedIds: string[] = [];
    if (ramp !== null) {
      const rise = thisM / ramp.referenceM - 1;
      const planText = plannedM > 0 ? `; the plan asked for ${dist(plannedM)}` : '';
      parts.push(
        `running volume rose ${percent(rise)} to ${dist(thisM)} over ${dist(ramp.referenceM)} in ${ramp.referenceWeek}${ramp.afterCutback ? ', the week before the cut-back' : ''} (limit +${percent(t.maxWeeklyRamp)}${planText})`,
      );
      Object.assign(numbers, {
        distanceM: Math.round(thisM),
        referenceDistanceM: Math.round(ramp.referenceM),
        rampFraction: round(rise, 3),
        maxWeeklyRamp: t.maxWeeklyRamp,
        allowedDistanceM: Math.round(ramp.allowedM),
      });
      if (plannedM > 0) {
        numbers.plannedDistanceM = Math.round(plannedM);
        plannedIds = plannedRunIds;
      }
      activityIds.push(...runIds);
    }
    if (acwr !== null) {
      parts.push(`the acute:chronic load ratio reached ${acwr.value.toFixed(2)} on ${day(acwr.date)} (limit ${t.maxAcwr})`);
      Object.assign(numbers, { acwr: round(acwr.value, 3), maxAcwr: t.maxAcwr });
      activityIds.push(...acwr.activityIds);
    }
    const message = parts.join(', and ');
    const capM = ramp?.allowedM ?? null;
    const nextText = nextPlannedM > 0 ? ` (the plan has ${dist(nextPlannedM)})` : '';
    flags.push({
      code: 'ramp_too_steep',
      severity: ramp !== null && acwr !== null ? 'critical' : 'warning',
      date: ramp === null && acwr !== null ? acwr.date : null,
      week,
      message: `${capitalize(message)}.`,
      evidence: { activityIds: uniqueSorted(activityIds), plannedIds, numbers },
      suggestion:
        capM !== null
          ? `Let the body catch up: next week stay at or below ${dist(capM)}${nextText}, with no extra sessions and the easy runs easy.`
          : `Let the body catch up: no extra sessions or added volume next week, easy runs easy. ${hardDaysPhrase(ctx.next)}.`,
    });
  }

  // Volume against the plan.
  if (ctx.weekOver && plannedM > 0) {
    const ratio = thisM / plannedM;
    const numbers = {
      distanceM: Math.round(thisM),
      plannedDistanceM: Math.round(plannedM),
      ratio: round(ratio, 3),
      bandLow: t.mileageBandLow,
      bandHigh: t.mileageBandHigh,
    };
    const band = `band ${Math.round(t.mileageBandLow * 100)}–${percent(t.mileageBandHigh)}`;
    const evidence = { activityIds: runIds, plannedIds: plannedRunIds, numbers };
    if (ratio < t.mileageBandLow) {
      // Missed key sessions already say why: no second flag for the same cause.
      const missedM = plannedVolumeM(input.missedKeySessions);
      if (thisM + missedM < t.mileageBandLow * plannedM) {
        flags.push({
          code: 'mileage_below_plan',
          severity: 'info',
          date: null,
          week,
          message: `You ran ${dist(thisM)} in ${week}, ${percent(ratio)} of the ${dist(plannedM)} planned (${band}).`,
          evidence,
          suggestion:
            nextPlannedM > 0
              ? `Next week follow the plan (${dist(nextPlannedM)}) without adding this week's missing ${dist(plannedM - thisM)} on top.`
              : `Do not add this week's missing ${dist(plannedM - thisM)} on top next week; build back by at most ${percent(t.maxWeeklyRamp)} a week.`,
        });
      }
    } else if (ratio > t.mileageBandHigh && ramp === null) {
      // Above plan and above the ramp limit is one cause: `ramp_too_steep` says it.
      flags.push({
        code: 'mileage_above_plan',
        severity: 'warning',
        date: null,
        week,
        message: `You ran ${dist(thisM)} in ${week}, ${percent(ratio)} of the ${dist(plannedM)} planned (${band}).`,
        evidence,
        suggestion:
          nextPlannedM > 0
            ? `Next week stick to the plan's ${dist(nextPlannedM)} (at most ${dist(nextPlannedM * t.mileageBandHigh)}): extra volume is where overuse injuries start.`
            : `Next week stay near this week's plan (${dist(plannedM)}): extra volume is where overuse injuries start.`,
      });
    }
  }
  return flags;
}
