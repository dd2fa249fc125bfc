/** Run flags: hard days back to back, easy runs run too hard, key sessions missed. */
import { DEFAULT_METRICS_OPTIONS } from '../analysis/metrics.ts';
import { zoneBounds } from '../analysis/zones.ts';
import { isQualityKind } from '../domain/plan.ts';
import { addDays } from '../domain/iso-week.ts';
import { isBackToBackHard, isHardDay } from '../plan/rules.ts';
import { canJudgeMissed, hardItemsOn, type Context } from './context.ts';
import { uniqueSorted } from './days.ts';
import { hardDaysPhrase } from './next-week.ts';
import { day, distance, durationText, KIND_NAMES, list, percent, round, wd } from './text.ts';
import type { Flag } from './types.ts';

/** Seconds per km of a speed in m/s. */
function paceOf(speedMps: number): number {
  return 1000 / speedMps;
}

function paceText(sPerKm: number): string {
  const s = Math.round(sPerKm);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}/km`;
}

/** Easy and recovery runs of the plan matched to a run with too much time above zone 2. */
export function easyRunFlags(ctx: Context): Flag[] {
  const flags: Flag[] = [];
  const t = ctx.t;
  const zone3Bpm = zoneBounds(DEFAULT_METRICS_OPTIONS.zoneModel, ctx.week.physiology).lowerBpm[1];
  const easyDays = ctx.next.easyDays.map(wd);
  const nextEasy = easyDays.length > 0 ? `; next week's easy runs are ${list(easyDays)}` : '';
  for (const item of ctx.items) {
    const why = item.tooHardEasy;
    const a = ctx.activityById.get(item.activityId);
    const p = item.plannedId === null ? undefined : ctx.plannedThis.find((x) => x.id === item.plannedId);
    if (why === null || a === undefined || p === undefined) continue;
    // Run hard, it made a second hard day in a row (reported here, not as hard days back to back).
    const date = item.date;
    const hardAround = why.rawHard && (isHardDay(ctx.actualDays, addDays(date, -1)) || isHardDay(ctx.actualDays, addDays(date, 1)));
    const tail = hardAround ? ', which made it a second hard day in a row' : '';
    const what = KIND_NAMES[p.kind];
    const base = { code: 'easy_run_too_hard', severity: 'warning', date, week: ctx.isoWeek } as const;
    if (why.basis === 'hr') {
      flags.push({
        ...base,
        message: `The ${what} on ${day(date)} spent ${percent(why.fraction)} of its heart-rate time above zone 2 (limit ${percent(t.easyRunMaxFractionAboveZone2)})${tail}.`,
        evidence: {
          activityIds: [a.id],
          plannedIds: [p.id],
          numbers: {
            fractionAboveZone2: round(why.fraction, 3),
            secondsAboveZone2: Math.round(why.secondsAboveZone2),
            secondsWithHr: Math.round(why.secondsWithHr),
            maxFractionAboveZone2: t.easyRunMaxFractionAboveZone2,
            zone2MaxBpm: Math.round(zone3Bpm),
          },
        },
        suggestion: `Keep easy runs under ${Math.round(zone3Bpm)} bpm (the top of zone 2), slowing down on hills if need be${nextEasy}.`,
      });
    } else {
      const speed = ctx.week.physiology.thresholdSpeedMps?.value ?? null;
      const numbers: Record<string, number> = {};
      if (a.metrics.paceSPerKm !== null) numbers.paceSPerKm = round(a.metrics.paceSPerKm, 1);
      let limit = '';
      let advice = 'Keep easy runs at a pace you could hold a conversation at';
      if (speed !== null && speed > 0) {
        const threshold = paceOf(speed);
        numbers.thresholdPaceSPerKm = round(threshold, 1);
        limit = `; threshold pace ${paceText(threshold)}`;
        advice = `Keep easy runs slower than ${paceText(threshold * DEFAULT_METRICS_OPTIONS.zone3PaceFactor)} (where zone 3 pace starts)`;
      }
      flags.push({
        ...base,
        message: `The ${what} on ${day(date)} was run at ${why.intensity} intensity by pace (no heart rate${limit})${tail}.`,
        evidence: { activityIds: [a.id], plannedIds: [p.id], numbers },
        suggestion: `${advice}${nextEasy}.`,
      });
    }
  }
  return flags;
}

/**
 * Two hard days in a row, as done (a Monday pairs with last week's Sunday). An easy run run too hard
 * does not make its day hard here: that is its `easy_run_too_hard` flag, not a second one.
 */
export function backToBackFlags(ctx: Context): Flag[] {
  const flags: Flag[] = [];
  const nextPairs = ctx.next.hardDays.filter((h) => ctx.next.hardDays.some((g) => g.date === addDays(h.date, -1)));
  const head = hardDaysPhrase(ctx.next);
  const tail = ctx.next.hardDays.length === 0
    ? '.'
    : nextPairs.length > 0
      ? ` — ${list(nextPairs.map((h) => `${wd(addDays(h.date, -1))} and ${wd(h.date)}`))} back to back, so make one of each pair easy.`
      : ', none back to back: keep it that way.';
  for (const date of ctx.dates) {
    if (!isBackToBackHard(ctx.actualDays, date)) continue;
    const prev = addDays(date, -1);
    const a = hardItemsOn(ctx, prev);
    const b = hardItemsOn(ctx, date);
    let run = 2;
    while (isHardDay(ctx.actualDays, addDays(date, -run))) run++;
    flags.push({
      code: 'hard_days_back_to_back',
      severity: 'warning',
      date,
      week: ctx.isoWeek,
      message: `Hard days back to back: the ${a[0]?.label ?? 'hard run'} on ${day(prev)}, then the ${b[0]?.label ?? 'hard run'} on ${day(date)}.`,
      evidence: {
        activityIds: uniqueSorted([...a, ...b].map((i) => i.activityId)),
        plannedIds: [],
        numbers: { hardDaysInARow: run },
      },
      suggestion: `Keep an easy or rest day between hard days. ${head}${tail}`,
    });
  }
  return flags;
}

/** Planned long runs and quality sessions with no matching run. */
export function keySessionFlags(ctx: Context): Flag[] {
  const flags: Flag[] = [];
  const head = hardDaysPhrase(ctx.next);
  for (const p of ctx.plannedThis) {
    if (p.kind !== 'long' && !isQualityKind(p.kind)) continue;
    const m = ctx.matchOf.get(p.id);
    if (m === undefined || m.status !== 'missed' || !canJudgeMissed(ctx, p.date)) continue;
    const numbers: Record<string, number> = {};
    const size: string[] = [];
    if (p.distanceM !== null && p.distanceM > 0) {
      numbers.plannedDistanceM = Math.round(p.distanceM);
      size.push(distance(p.distanceM, ctx.units));
    }
    if (p.durationS !== null && p.durationS > 0) {
      numbers.plannedDurationS = Math.round(p.durationS);
      size.push(durationText(p.durationS / 60));
    }
    flags.push({
      code: 'key_session_missed',
      severity: 'warning',
      date: p.date,
      week: ctx.isoWeek,
      message: `The ${KIND_NAMES[p.kind]} planned for ${day(p.date)}${size.length > 0 ? ` (${size.join(', ')})` : ''} was not done.`,
      evidence: { activityIds: [], plannedIds: [p.id], numbers },
      suggestion: `Let it go rather than squeezing it in or doubling up. ${head}${ctx.next.hardDays.length > 0 ? ': do those as planned, with easy days between.' : '.'}`,
    });
  }
  return flags;
}
