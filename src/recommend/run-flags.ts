/** Run flags: hard days back to back, easy runs run too hard, key sessions missed. */
import { knownIntensity } from '../analysis/matching.ts';
import { DEFAULT_METRICS_OPTIONS } from '../analysis/metrics.ts';
import { zoneBounds } from '../analysis/zones.ts';
import { isQualityKind } from '../domain/plan.ts';
import { addDays } from '../plan/iso-week.ts';
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
  for (const p of ctx.plannedThis) {
    if (p.kind !== 'easy' && p.kind !== 'recovery') continue;
    const m = ctx.matchOf.get(p.id);
    const activityId = m?.activityId ?? null;
    const a = activityId === null ? undefined : ctx.activityById.get(activityId);
    if (a === undefined || a.category !== 'run' || a.localDate < ctx.monday || a.localDate > ctx.sunday) continue;
    const hardAround = isHardDay(ctx.actualDays, a.localDate) &&
      (isHardDay(ctx.actualDays, addDays(a.localDate, -1)) || isHardDay(ctx.actualDays, addDays(a.localDate, 1)));
    const tail = hardAround ? ', which made it a second hard day in a row' : '';
    const tiz = a.metrics.timeInZonesS;
    const what = KIND_NAMES[p.kind];
    const suggestion = `Keep easy runs under ${Math.round(zone3Bpm)} bpm (the top of zone 2), slowing down on hills if need be${nextEasy}.`;
    if (tiz !== null) {
      const [z1, z2, z3, z4, z5] = tiz;
      const withHr = z1 + z2 + z3 + z4 + z5;
      const above = z3 + z4 + z5;
      if (withHr < t.easyRunMinSecondsWithHr || !(above > t.easyRunMaxFractionAboveZone2 * withHr)) continue;
      flags.push({
        code: 'easy_run_too_hard',
        severity: 'warning',
        date: a.localDate,
        week: ctx.isoWeek,
        message: `The ${what} on ${day(a.localDate)} spent ${percent(above / withHr)} of its heart-rate time above zone 2 (limit ${percent(t.easyRunMaxFractionAboveZone2)})${tail}.`,
        evidence: {
          activityIds: [a.id],
          plannedIds: [p.id],
          numbers: {
            fractionAboveZone2: round(above / withHr, 3),
            secondsAboveZone2: Math.round(above),
            secondsWithHr: Math.round(withHr),
            maxFractionAboveZone2: t.easyRunMaxFractionAboveZone2,
            zone2MaxBpm: Math.round(zone3Bpm),
          },
        },
        suggestion,
      });
    } else if (a.metrics.intensityBasis === 'pace' && ctx.week.physiology.thresholdSpeedMps !== null) {
      // No heart rate: the class from pace zones (compliance's `easyRunsTooHard`) stands in.
      const cls = knownIntensity(a.metrics);
      if (cls !== 'moderate' && cls !== 'hard') continue;
      const threshold = paceOf(ctx.week.physiology.thresholdSpeedMps.value);
      const numbers: Record<string, number> = { thresholdPaceSPerKm: round(threshold, 1) };
      if (a.metrics.paceSPerKm !== null) numbers.paceSPerKm = round(a.metrics.paceSPerKm, 1);
      flags.push({
        code: 'easy_run_too_hard',
        severity: 'warning',
        date: a.localDate,
        week: ctx.isoWeek,
        message: `The ${what} on ${day(a.localDate)} was run at ${cls} intensity by pace (no heart rate; threshold pace ${paceText(threshold)})${tail}.`,
        evidence: { activityIds: [a.id], plannedIds: [p.id], numbers },
        suggestion: `Keep easy runs well slower than ${paceText(threshold * DEFAULT_METRICS_OPTIONS.zone3PaceFactor)} (zone 3 pace starts there)${nextEasy}.`,
      });
    }
  }
  return flags;
}

/**
 * Two hard days in a row, as done (a Monday pairs with last week's Sunday). A pair made by an easy run
 * run too hard is that run's `easy_run_too_hard` flag, not a second flag.
 */
export function backToBackFlags(ctx: Context, tooHardActivityIds: ReadonlySet<string>): Flag[] {
  const flags: Flag[] = [];
  const onlyByTooHard = (date: string): boolean => {
    const hard = hardItemsOn(ctx, date);
    return hard.length > 0 && hard.every((i) => tooHardActivityIds.has(i.activityId));
  };
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
    if (onlyByTooHard(date) || onlyByTooHard(prev)) continue;
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
    if (m === undefined || m.activityId !== null || !canJudgeMissed(ctx, p.date)) continue;
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
