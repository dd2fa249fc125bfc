/**
 * Volume flags: weekly running volume against the plan, and the week-on-week ramp (distance and
 * acute:chronic load). Volume is counted as the plan check counts it (`runVolumeM`): distance, or
 * duration at the typical pace when a run has no distance; the race itself counts zero.
 */
import type { PlannedSessionRef } from '../analysis/types.ts';
import type { NextWeekPlan, WeekReportData } from '../domain/week-document.ts';
import { isRunKind } from '../domain/plan.ts';
import { addDays, addWeeks } from '../domain/iso-week.ts';
import { metresPerUnit } from '../domain/units.ts';
import { CUTBACK_MAX_RATIO, VOLUME_TOLERANCE, runVolumeM, typicalPaceSPerKm, type VolumeItem } from '../plan/rules.ts';
import { firstRaceBetween, type Context } from './context.ts';
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

/** Running volume of a week as done (metres), of the days before `before` when given (the race). */
export function actualVolumeM(doc: WeekReportData, items: readonly ActualItem[], before: string | null = null): number {
  const kindOf = new Map(items.map((i) => [i.activityId, i.kind]));
  return sumVolume(
    doc.activities
      .filter((a) => a.category === 'run' && (before === null || a.localDate < before))
      .map((a) => ({
        id: a.id,
        date: a.localDate,
        kind: kindOf.get(a.id) === 'race' ? 'race' : 'easy',
        distanceM: a.distanceM !== null && a.distanceM > 0 ? a.distanceM : null,
        durationS: a.movingS !== null && a.movingS > 0 ? a.movingS : a.metrics.movingS,
      })),
  );
}

/** Running volume of planned sessions (metres), of the days before `before` when given (the race). */
export function plannedVolumeM(planned: readonly PlannedSessionRef[], before: string | null = null): number {
  return sumVolume(planned.filter((p) => before === null || p.date < before));
}

/**
 * The volumes the rules compare, each week counted up to its race (the race and the days after it
 * are recovery, not training to ramp): this week as done and as planned, last week as done and as
 * planned, and next week as planned.
 */
export interface Volumes {
  thisM: number;
  plannedM: number;
  previousM: number;
  /** The week before last as stored (`previousWeekDistanceM`), for the cut-back reference; null without last week. */
  beforePreviousM: number | null;
  previousPlannedM: number;
  nextPlannedM: number;
}

export function weekVolumes(ctx: Context): Volumes {
  const cut = (from: string, to: string): string | null => firstRaceBetween(ctx, from, to)?.date ?? null;
  const thisCut = cut(ctx.monday, ctx.sunday);
  const prevCut = cut(addDays(ctx.monday, -7), addDays(ctx.monday, -1));
  const nextCut = cut(addDays(ctx.monday, 7), addDays(ctx.monday, 13));
  const runs = (planned: readonly PlannedSessionRef[]): PlannedSessionRef[] => planned.filter((p) => isRunKind(p.kind));
  return {
    thisM: actualVolumeM(ctx.week, ctx.items, thisCut),
    // Sessions excused for days the athlete could not train are not asked of them.
    plannedM: ctx.hasPlan ? plannedVolumeM(runs(ctx.plannedThis).filter((p) => ctx.matchOf.get(p.id)?.status !== 'excused'), thisCut) : 0,
    previousM: ctx.previousWeek !== null ? actualVolumeM(ctx.previousWeek, ctx.previousItems, prevCut) : ctx.week.load.previousWeekDistanceM,
    beforePreviousM: ctx.previousWeek !== null ? ctx.previousWeek.load.previousWeekDistanceM : null,
    previousPlannedM: plannedVolumeM(runs(ctx.plannedPrevious), prevCut),
    nextPlannedM: plannedVolumeM(runs(ctx.plannedNext), nextCut),
  };
}

/** The reference of the ramp rule: last week, or the week before it when last week was a cut-back. */
function rampReference(lastM: number, beforeLastM: number | null): { referenceM: number; back: 1 | 2 } {
  if (beforeLastM !== null && lastM <= CUTBACK_MAX_RATIO * beforeLastM) return { referenceM: beforeLastM, back: 2 };
  return { referenceM: lastM, back: 1 };
}

/** Half of the recent weeks' volume: the most running the week after a race should hold. */
export const RECOVERY_WEEK_SHARE = 0.5;

/**
 * The most running volume next week can hold without raising a volume flag of its own when it is
 * analysed (ramp, plan band, cut-back), and, the week after a race, `RECOVERY_WEEK_SHARE` of the
 * recent weeks. Rounded down to 0.1 of the athlete's unit, so the number a message shows is safe.
 * Null when nothing limits it.
 */
export function nextWeekCapM(ctx: Context, v: Volumes): number | null {
  const t = ctx.t;
  let cap = Infinity;
  // Next week's ramp: against this week, or the week before it when this week was a cut-back.
  const { referenceM } = rampReference(v.thisM, ctx.week.load.previousWeekDistanceM);
  if (referenceM > 0) cap = Math.max(referenceM * (1 + t.maxWeeklyRamp), v.nextPlannedM);
  if (v.nextPlannedM > 0) cap = Math.min(cap, v.nextPlannedM * t.mileageBandHigh);
  // A planned cut-back next week: under `cutbackSkippedRatio` of this week, or no more than planned.
  const nextHasPlan = ctx.plannedNext.some((p) => p.kind !== 'rest');
  if (nextHasPlan && v.plannedM > 0 && v.thisM > 0 && v.nextPlannedM <= t.cutbackMaxPlannedRatio * v.plannedM) {
    cap = Math.min(cap, Math.max(v.nextPlannedM, t.cutbackSkippedRatio * v.thisM - 1));
  }
  if (ctx.next.plan.basis === 'recovery') {
    const recent = Math.max(v.thisM, v.previousM, v.beforePreviousM ?? 0);
    if (recent > 0) cap = Math.min(cap, RECOVERY_WEEK_SHARE * recent);
  }
  if (!Number.isFinite(cap)) return null;
  const unit = metresPerUnit(ctx.units) / 10;
  // (The tiny slack keeps 20 000 m from flooring to 19 900 m on floating-point noise.)
  return Math.max(0, Math.floor(cap / unit + 1e-9) * unit);
}

/** `nextWeek` with its volume cap, and the volume note of a recovery week. */
export function nextWeekWithCap(ctx: Context): NextWeekPlan {
  const plan = ctx.next.plan;
  const cap = nextWeekCapM(ctx, weekVolumes(ctx));
  if (cap === null) return plan;
  const notes =
    plan.basis === 'recovery'
      ? [...plan.notes, `Keep the running to at most ${distance(cap, ctx.units)} (about half of the recent weeks), in short easy runs; rest days are welcome.`]
      : plan.notes;
  return { ...plan, notes, maxDistanceM: Math.floor(cap) };
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
  // A race and the days after it are left out of the volume, on both sides (see `weekVolumes`).
  const race = firstRaceBetween(ctx, ctx.monday, ctx.sunday);
  const counted = (date: string): boolean => race === null || date < race.date;
  const runIds = uniqueSorted(ctx.items.filter((i) => i.category === 'run' && counted(i.date)).map((i) => i.activityId));
  const plannedRuns = ctx.plannedThis.filter((p) => isRunKind(p.kind) && counted(p.date));
  const plannedRunIds = uniqueSorted(plannedRuns.map((p) => p.id));
  const v = weekVolumes(ctx);
  const { thisM, plannedM } = v;
  const capM = nextWeekCapM(ctx, v);
  // What next week may hold: the plan and no more when the limit is the plan, else the limit.
  const atMost =
    capM === null
      ? null
      : v.nextPlannedM > 0 && capM < v.nextPlannedM + 100
        ? `stick to the plan's ${dist(v.nextPlannedM)} and no more`
        : `stay at or below ${dist(capM)}${v.nextPlannedM > 0 ? ` (the plan has ${dist(v.nextPlannedM)})` : ''}`;

  // Ramp by distance: against last week, or the week before a cut-back week (as the plan check).
  let ramp: { referenceM: number; referenceWeek: string; afterCutback: boolean; allowedM: number } | null = null;
  if (ctx.weekOver) {
    const { referenceM, back } = rampReference(v.previousM, v.beforePreviousM);
    if (referenceM > 0) {
      // What the plan asked for is the athlete's to run; the limit applies beyond it.
      const allowedM = Math.max(referenceM * (1 + t.maxWeeklyRamp), plannedM);
      if (thisM > allowedM * (1 + VOLUME_TOLERANCE)) ramp = { referenceM, referenceWeek: addWeeks(week, -back), afterCutback: back === 2, allowedM };
    }
  }

  // Ramp by acute:chronic load: the week's highest ratio on a day with load.
  let acwr: { date: string; value: number; activityIds: string[] } | null = null;
  // A race day and the week after it are left out: the race is the goal, not a spike to warn of.
  const afterRace = (date: string): boolean => ctx.races.some((r) => date >= r.date && date <= addDays(r.date, 6));
  for (const d of ctx.week.load.days) {
    if (!ctx.isOver(d.date) || d.date < ctx.week.from || d.date > ctx.week.to || afterRace(d.date)) continue;
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
    flags.push({
      code: 'ramp_too_steep',
      severity: ramp !== null && acwr !== null ? 'critical' : 'warning',
      date: ramp === null && acwr !== null ? acwr.date : null,
      week,
      message: `${capitalize(message)}.`,
      evidence: { activityIds: uniqueSorted(activityIds), plannedIds, numbers },
      suggestion:
        atMost !== null
          ? `Let the body catch up: next week ${atMost}, with no extra sessions and the easy runs easy.`
          : `Let the body catch up: no extra sessions or added volume next week, easy runs easy. ${hardDaysPhrase(ctx.next)}.`,
    });
  }

  // A planned cut-back run as a normal week: its plan well under last week's plan, the week as done
  // at or above `cutbackSkippedRatio` of last week and above its own plan.
  let cutback: Flag | null = null;
  if (ctx.weekOver && ctx.hasPlan && ramp === null && v.previousPlannedM > 0 && v.previousM > 0) {
    const plannedRatio = plannedM / v.previousPlannedM;
    const doneRatio = thisM / v.previousM;
    if (plannedRatio <= t.cutbackMaxPlannedRatio && doneRatio >= t.cutbackSkippedRatio && thisM > plannedM * (1 + VOLUME_TOLERANCE)) {
      cutback = {
        code: 'cutback_skipped',
        severity: 'warning',
        date: null,
        week,
        message: `The plan made ${week} a cut-back week (${dist(plannedM)}, ${percent(1 - plannedRatio)} under last week's ${dist(v.previousPlannedM)}), but you ran ${dist(thisM)}, ${percent(doneRatio)} of last week's ${dist(v.previousM)}.`,
        evidence: {
          activityIds: runIds,
          plannedIds: plannedRunIds,
          numbers: {
            distanceM: Math.round(thisM),
            plannedDistanceM: Math.round(plannedM),
            previousDistanceM: Math.round(v.previousM),
            previousPlannedDistanceM: Math.round(v.previousPlannedM),
            plannedRatio: round(plannedRatio, 3),
            ratioToPreviousWeek: round(doneRatio, 3),
            cutbackMaxPlannedRatio: t.cutbackMaxPlannedRatio,
            cutbackSkippedRatio: t.cutbackSkippedRatio,
          },
        },
        suggestion: `Cut-back weeks are when the body absorbs the training before the next block: take them as planned. ${
          atMost !== null ? `Next week ${atMost}` : 'Next week do not add volume'
        }, and do not add the skipped rest later.`,
      };
      flags.push(cutback);
    }
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
    if (ratio < t.mileageBandLow && !ctx.recoveryWeek) {
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
            v.nextPlannedM > 0
              ? `Next week follow the plan (${dist(v.nextPlannedM)}) without adding this week's missing ${dist(plannedM - thisM)} on top.`
              : `Do not add this week's missing ${dist(plannedM - thisM)} on top next week; build back by at most ${percent(t.maxWeeklyRamp)} a week.`,
        });
      }
    } else if (ratio > t.mileageBandHigh && ramp === null && cutback === null) {
      // Above plan and above the ramp limit is one cause: `ramp_too_steep` says it (a skipped
      // cut-back: `cutback_skipped`).
      const most = capM === null ? '' : v.nextPlannedM > 0 && capM < v.nextPlannedM + 100 ? ' and no more' : ` (at most ${dist(capM)})`;
      flags.push({
        code: 'mileage_above_plan',
        severity: 'warning',
        date: null,
        week,
        message: `You ran ${dist(thisM)} in ${week}, ${percent(ratio)} of the ${dist(plannedM)} planned (${band}).`,
        evidence,
        suggestion:
          v.nextPlannedM > 0
            ? `Next week stick to the plan's ${dist(v.nextPlannedM)}${most}: extra volume is where overuse injuries start.`
            : `Next week stay near this week's plan (${dist(plannedM)})${most}: extra volume is where overuse injuries start.`,
      });
    }
  }
  return flags;
}
