/** Run flags: hard days back to back, easy runs run too hard, key sessions missed. */
import { DEFAULT_METRICS_OPTIONS } from '../analysis/metrics.ts';
import { zoneBounds } from '../analysis/zones.ts';
import { isQualityKind } from '../domain/plan.ts';
import { addDays } from '../domain/iso-week.ts';
import { isBackToBackHard, isHardDay } from '../plan/rules.ts';
import { canJudgeMissed, hardItemsOn, type Context } from './context.ts';
import { uniqueSorted, type TooHardEasy } from './days.ts';
import { hardDaysPhrase } from './next-week.ts';
import { day, distance, durationText, KIND_NAMES, list, percent, round, wd } from './text.ts';
import type { SessionKind } from '../domain/plan.ts';
import { formatPaceSeconds, metresPerUnit, type PlanUnits } from '../domain/units.ts';
import type { Flag } from './types.ts';

/** Seconds per km of a speed in m/s. */
function paceOf(speedMps: number): number {
  return 1000 / speedMps;
}

/** A pace in the athlete's unit: `5:41/km`, `9:09/mi`. */
function paceText(sPerKm: number, units: PlanUnits): string {
  return `${formatPaceSeconds((sPerKm * metresPerUnit(units)) / 1000)}/${units}`;
}

function median(values: readonly number[]): number | null {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? null) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

/**
 * The easy-pace ceiling a runner can use on the road: where zone 3 pace starts (threshold pace ×
 * `zone3PaceFactor`) when the athlete gave a threshold pace; else the median pace of this and last
 * week's runs that stayed in zone 2 (enough heart-rate time, no more than the allowed share above
 * zone 2) — what this runner's easy actually is; else an estimated threshold pace.
 */
export function easyPaceCeiling(ctx: Context): { sPerKm: number; basis: 'threshold' | 'easy_runs' } | null {
  const threshold = ctx.week.physiology.thresholdSpeedMps;
  const fromThreshold =
    threshold !== null && threshold.value > 0 ? { sPerKm: paceOf(threshold.value) * DEFAULT_METRICS_OPTIONS.zone3PaceFactor, basis: 'threshold' as const } : null;
  if (fromThreshold !== null && threshold?.source === 'given') return fromThreshold;
  const paces: number[] = [];
  for (const i of [...ctx.previousItems, ...ctx.items]) {
    const a = ctx.activityById.get(i.activityId);
    const z = a?.metrics.timeInZonesS ?? null;
    if (a === undefined || i.category !== 'run' || i.hard || z === null || a.metrics.paceSPerKm === null) continue;
    const withHr = z.reduce((x, y) => x + y, 0);
    if (withHr < ctx.t.easyRunMinSecondsWithHr || z[2] + z[3] + z[4] > ctx.t.easyRunMaxFractionAboveZone2 * withHr) continue;
    paces.push(a.metrics.paceSPerKm);
  }
  const m = median(paces);
  return m === null ? fromThreshold : { sPerKm: m, basis: 'easy_runs' };
}

/**
 * Easy and recovery runs of the plan run too hard: one flag for the week (one pattern, one flag),
 * every such run as evidence, dated when there is one. The advice gives a heart-rate and a pace
 * ceiling.
 */
export function easyRunFlags(ctx: Context): Flag[] {
  const t = ctx.t;
  const zone3Bpm = Math.round(zoneBounds(DEFAULT_METRICS_OPTIONS.zoneModel, ctx.week.physiology).lowerBpm[1]);
  const easyDays = ctx.next.easyDays.map(wd);
  const nextEasy = easyDays.length > 0 ? `; next week's easy runs are ${list(easyDays)}` : '';
  const runs: { date: string; why: TooHardEasy; activityId: string; plannedId: string; kind: SessionKind; secondHard: boolean }[] = [];
  for (const item of ctx.items) {
    const why = item.tooHardEasy;
    const p = item.plannedId === null ? undefined : ctx.plannedThis.find((x) => x.id === item.plannedId);
    if (why === null || !ctx.activityById.has(item.activityId) || p === undefined) continue;
    // Run hard, it made a second hard day in a row (reported here, not as hard days back to back).
    const secondHard = why.rawHard && (isHardDay(ctx.actualDays, addDays(item.date, -1)) || isHardDay(ctx.actualDays, addDays(item.date, 1)));
    runs.push({ date: item.date, why, activityId: item.activityId, plannedId: p.id, kind: p.kind, secondHard });
  }
  const first = runs[0];
  if (first === undefined) return [];

  const numbers: Record<string, number> = { runs: runs.length, maxFractionAboveZone2: t.easyRunMaxFractionAboveZone2, zone2MaxBpm: zone3Bpm };
  const byHr = runs.flatMap((r) => (r.why.basis === 'hr' ? [r.why] : []));
  const worst = byHr.sort((a, b) => b.fraction - a.fraction)[0];
  if (worst !== undefined) {
    numbers.fractionAboveZone2 = round(worst.fraction, 3);
    if (runs.length === 1) Object.assign(numbers, { secondsAboveZone2: Math.round(worst.secondsAboveZone2), secondsWithHr: Math.round(worst.secondsWithHr) });
  }
  const speed = ctx.week.physiology.thresholdSpeedMps?.value ?? null;
  if (speed !== null && speed > 0) numbers.thresholdPaceSPerKm = round(paceOf(speed), 1);
  if (runs.length === 1 && first.why.basis === 'pace') {
    const pace = ctx.activityById.get(first.activityId)?.metrics.paceSPerKm ?? null;
    if (pace !== null) numbers.paceSPerKm = round(pace, 1);
  }
  const ceiling = easyPaceCeiling(ctx);
  if (ceiling !== null) numbers.easyPaceCeilingSPerKm = round(ceiling.sPerKm, 1);

  const how = (r: (typeof runs)[number]): string =>
    r.why.basis === 'hr' ? `${percent(r.why.fraction)} above zone 2` : `${r.why.intensity} by pace, no heart rate`;
  let message: string;
  if (runs.length === 1) {
    const tail = first.secondHard ? ', which made it a second hard day in a row' : '';
    message =
      first.why.basis === 'hr'
        ? `The ${KIND_NAMES[first.kind]} on ${day(first.date)} spent ${percent(first.why.fraction)} of its heart-rate time above zone 2 (limit ${percent(t.easyRunMaxFractionAboveZone2)})${tail}.`
        : `The ${KIND_NAMES[first.kind]} on ${day(first.date)} was run at ${first.why.intensity} intensity by pace (no heart rate${numbers.thresholdPaceSPerKm !== undefined ? `; threshold pace ${paceText(numbers.thresholdPaceSPerKm, ctx.units)}` : ''})${tail}.`;
  } else {
    const second = runs.filter((r) => r.secondHard).map((r) => wd(r.date));
    const tail = second.length > 0 ? `; ${list(second)} made a second hard day in a row` : '';
    message = `Easy runs were run too hard ${runs.length} times in ${ctx.isoWeek} (limit ${percent(t.easyRunMaxFractionAboveZone2)} of heart-rate time above zone 2): ${list(runs.map((r) => `${day(r.date)} (${how(r)})`))}${tail}.`;
  }
  const pace =
    ceiling === null
      ? ', at a pace you could hold a conversation at'
      : ceiling.basis === 'threshold'
        ? ` and slower than ${paceText(ceiling.sPerKm, ctx.units)} (where zone 3 pace starts)`
        : ` and at about ${paceText(ceiling.sPerKm, ctx.units)} or slower (your pace on recent runs that stayed in zone 2)`;
  return [
    {
      code: 'easy_run_too_hard',
      severity: 'warning',
      date: runs.length === 1 ? first.date : null,
      week: ctx.isoWeek,
      message,
      evidence: { activityIds: uniqueSorted(runs.map((r) => r.activityId)), plannedIds: uniqueSorted(runs.map((r) => r.plannedId)), numbers },
      suggestion: `Keep easy runs under ${zone3Bpm} bpm (the top of zone 2)${pace}, slowing down on hills if need be${nextEasy}.`,
    },
  ];
}

/**
 * `long_run_overshoot`: a planned long run longer than planned by more than `longRunMaxOvershoot`
 * or `longRunMaxExtraMinutes`, or any other run (not a race) longer than `maxLongRunMinutes` when
 * its planned session, if any, did not ask for one that long.
 */
export function longRunFlags(ctx: Context): Flag[] {
  const t = ctx.t;
  const flags: Flag[] = [];
  const nextLong = ctx.plannedNext.find((p) => p.kind === 'long');
  const nextText =
    nextLong === undefined
      ? ''
      : ` Next week's long run is ${wd(nextLong.date)}${nextLong.distanceM !== null && nextLong.distanceM > 0 ? ` (${distance(nextLong.distanceM, ctx.units)})` : nextLong.durationS !== null && nextLong.durationS > 0 ? ` (${durationText(nextLong.durationS / 60)})` : ''}: stop there.`;
  for (const item of ctx.items) {
    const a = ctx.activityById.get(item.activityId);
    if (a === undefined || item.category !== 'run' || item.kind === 'race') continue;
    const p = item.plannedId === null ? undefined : ctx.plannedThis.find((x) => x.id === item.plannedId);
    const movingS = a.movingS !== null && a.movingS > 0 ? a.movingS : a.metrics.movingS;
    const distM = a.distanceM !== null && a.distanceM > 0 ? a.distanceM : a.metrics.distanceM;
    const sPerKm = distM !== null && distM > 0 && movingS > 0 ? movingS / (distM / 1000) : null;
    if (p?.kind === 'long') {
      let over: number | null = null;
      let extraMin: number | null = null;
      const numbers: Record<string, number> = {};
      let what = '';
      if (p.distanceM !== null && p.distanceM > 0 && distM !== null && distM > 0) {
        over = distM / p.distanceM - 1;
        extraMin = sPerKm === null ? 0 : ((distM - p.distanceM) / 1000) * (sPerKm / 60);
        Object.assign(numbers, { distanceM: Math.round(distM), plannedDistanceM: Math.round(p.distanceM) });
        what = `${distance(distM, ctx.units)}, ${percent(distM / p.distanceM)} of the ${distance(p.distanceM, ctx.units)} planned`;
      } else if (p.durationS !== null && p.durationS > 0 && movingS > 0) {
        over = movingS / p.durationS - 1;
        extraMin = (movingS - p.durationS) / 60;
        Object.assign(numbers, { movingS: Math.round(movingS), plannedDurationS: Math.round(p.durationS) });
        what = `${durationText(movingS / 60)}, ${percent(movingS / p.durationS)} of the ${durationText(p.durationS / 60)} planned`;
      }
      if (over === null || extraMin === null || !(over > t.longRunMaxOvershoot || extraMin > t.longRunMaxExtraMinutes)) continue;
      Object.assign(numbers, {
        overshootFraction: round(over, 3),
        extraMinutes: round(extraMin, 1),
        longRunMaxOvershoot: t.longRunMaxOvershoot,
        longRunMaxExtraMinutes: t.longRunMaxExtraMinutes,
      });
      flags.push({
        code: 'long_run_overshoot',
        severity: 'warning',
        date: item.date,
        week: ctx.isoWeek,
        message: `The long run on ${day(item.date)} came to ${what} (limit +${percent(t.longRunMaxOvershoot)} or ${t.longRunMaxExtraMinutes} min).`,
        evidence: { activityIds: [a.id], plannedIds: [p.id], numbers },
        suggestion: `Stop the long run at the planned length: the extra distance adds fatigue and injury risk for little extra fitness.${nextText}`,
      });
      continue;
    }
    // Any other run of more than `maxLongRunMinutes` that the plan did not ask for.
    if (movingS <= t.maxLongRunMinutes * 60) continue;
    const askedS = p === undefined ? 0 : Math.max(p.durationS ?? 0, p.distanceM !== null && sPerKm !== null ? (p.distanceM / 1000) * sPerKm : 0);
    if (askedS >= movingS || askedS > t.maxLongRunMinutes * 60) continue;
    flags.push({
      code: 'long_run_overshoot',
      severity: 'warning',
      date: item.date,
      week: ctx.isoWeek,
      message: `The run on ${day(item.date)} lasted ${durationText(movingS / 60)}, longer than ${durationText(t.maxLongRunMinutes)}, and the plan did not ask for it.`,
      evidence: {
        activityIds: [a.id],
        plannedIds: p === undefined ? [] : [p.id],
        numbers: { movingS: Math.round(movingS), maxLongRunMinutes: t.maxLongRunMinutes, ...(distM !== null ? { distanceM: Math.round(distM) } : {}) },
      },
      suggestion: `Beyond ${durationText(t.maxLongRunMinutes)} a training run mostly adds fatigue and injury risk: keep long runs to what the plan asks.${nextText}`,
    });
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
    // The week after a race is recovery: a quality session or long run left out followed the advice.
    if (m === undefined || m.status !== 'missed' || !canJudgeMissed(ctx, p.date) || ctx.recoveryWeek) continue;
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
