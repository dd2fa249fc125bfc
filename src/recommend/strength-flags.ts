/**
 * Strength flags: skipped, missing (also in the taper), too short, and placed badly relative to the
 * hard days (the day before a key session, an easy day, before the run on a hard day).
 */
import type { WeekReportData } from '../domain/week-document.ts';
import { addDays } from '../domain/iso-week.ts';
import { indexDays, isHardDay, type DayMap } from '../plan/rules.ts';
import { canJudgeMissed, hardItemsOn, hardLabel, plannedHardOn, type Context } from './context.ts';
import { raceTooNear, strengthWindow, uniqueSorted, type ActualItem } from './days.ts';
import { strengthPhrase } from './next-week.ts';
import { judgeStrengthDay } from './placement.ts';
import { day, durationText, list, minutes, round, wd } from './text.ts';
import type { Flag } from './types.ts';

/** Minutes of a strength activity: its moving time, else the analysed moving time. */
function strengthMinutes(ctx: Context, item: ActualItem): number {
  const a = ctx.activityById.get(item.activityId);
  if (a === undefined) return 0;
  const s = a.movingS !== null && a.movingS > 0 ? a.movingS : a.metrics.movingS;
  return s / 60;
}

function sumMinutes(ctx: Context, items: readonly ActualItem[]): number {
  let total = 0;
  for (const i of [...items].sort((a, b) => (a.activityId < b.activityId ? -1 : 1))) total += strengthMinutes(ctx, i);
  return total;
}

/** A week document that would itself raise `strength_missing`: training or planned strength, no strength done. */
export function weekWithoutStrength(doc: WeekReportData): boolean {
  if (doc.activities.some((a) => a.category === 'strength')) return false;
  const skipped = doc.compliance.matches.some((m) => m.plannedKind === 'strength' && m.status === 'missed');
  return doc.activities.length > 0 || skipped;
}

/** Unavailable days that excuse a week without strength when no planned session fell on them. */
export const EXCUSED_WEEK_DAYS = 4;

export function strengthFlags(ctx: Context): Flag[] {
  const flags: Flag[] = [];
  const week = ctx.isoWeek;
  const strength = ctx.items.filter((i) => i.kind === 'strength');
  const advice = strengthPhrase(ctx.next);

  // Planned strength sessions with no matching strength activity. The week after a race is recovery:
  // strength is light mobility only, so no session is skipped and there is no minimum.
  const skipped = ctx.plannedThis.filter((p) => {
    if (p.kind !== 'strength' || !canJudgeMissed(ctx, p.date) || ctx.recoveryWeek) return false;
    const m = ctx.matchOf.get(p.id);
    return m !== undefined && m.status === 'missed';
  });

  // A race on Monday to Wednesday leaves no time for race-week strength before it
  // (`minHoursStrengthBeforeRace`, 72 h by default, before the start).
  const roomDays = Math.ceil(ctx.t.minHoursStrengthBeforeRace / 24);
  const noRoomBeforeRace = ctx.taper.raceWeek && ctx.raceDate !== null && ctx.raceDate < addDays(ctx.monday, roomDays);
  // Days the athlete could not train excuse a week without strength: a planned session fell on them,
  // or (without one) most of the week did.
  const excusedWeek =
    ctx.plannedThis.some((p) => p.kind === 'strength' && ctx.matchOf.get(p.id)?.status === 'excused') || (ctx.week.unavailable ?? []).length >= EXCUSED_WEEK_DAYS;
  // A strength session of this week's plan done across Monday (in the week before or after) counts
  // for this week: compliance credits it (#18 point 2).
  const creditedElsewhere = strength.length === 0 && ctx.week.compliance.actual.strengthSessions > 0;
  if (!ctx.recoveryWeek && strength.length === 0 && !creditedElsewhere && ctx.weekOver && !noRoomBeforeRace && !excusedWeek) {
    // One cause, one flag: a week without strength absorbs its skipped sessions.
    const activityIds = uniqueSorted(ctx.items.map((i) => i.activityId));
    const plannedIds = uniqueSorted(skipped.map((p) => p.id));
    if (activityIds.length + plannedIds.length > 0) {
      const again = ctx.previousWeek !== null && weekWithoutStrength(ctx.previousWeek);
      const numbers: Record<string, number> = {
        strengthSessions: 0,
        plannedStrengthSessions: ctx.plannedThis.filter((p) => p.kind === 'strength').length,
        weeksInARow: again ? 2 : 1,
      };
      if (ctx.taper.taper) {
        const what = ctx.taper.raceWeek ? 'race week' : 'a taper week';
        flags.push({
          code: 'strength_missing_taper',
          severity: again ? 'critical' : 'warning',
          date: null,
          week,
          message: `No strength session in ${week}, ${what}${again ? ', for the second week in a row' : ''}.`,
          evidence: { activityIds, plannedIds, numbers },
          suggestion: `Keep strength in the taper, lighter (about ${ctx.t.minTaperStrengthMinutes}–30 min, moderate loads) and never the day before the race. ${advice}`,
        });
      } else {
        flags.push({
          code: 'strength_missing',
          severity: again ? 'critical' : 'warning',
          date: null,
          week,
          message: `No strength session in ${week}${again ? ', the second week in a row' : ''}${plannedIds.length > 0 ? `, although ${plannedIds.length === 1 ? 'one was' : `${plannedIds.length} were`} planned` : ''}.`,
          evidence: { activityIds, plannedIds, numbers },
          suggestion: `Book at least one ${ctx.t.minWeeklyStrengthMinutes}–60 min session. ${advice}`,
        });
      }
    }
  } else {
    for (const p of skipped) {
      const numbers: Record<string, number> = {};
      if (p.durationS !== null && p.durationS > 0) numbers.plannedMinutes = minutes(p.durationS);
      // Only the skip is flagged; a badly placed planned day is worth a word in the suggestion.
      const planView = (date: string): DayMap =>
        indexDays([...ctx.previousItems, ...ctx.items, ...plannedHardOn(ctx, addDays(date, 1)), { date, kind: 'strength' }]);
      const placed = judgeStrengthDay(planView, p.date, []);
      let aside = '';
      if (placed?.code === 'before_key') aside = ` Its day was the day before the ${hardLabel(ctx, placed.keyDate).label} anyway.`;
      if (placed?.code === 'between') aside = ` Its day sat between two hard days anyway.`;
      flags.push({
        code: 'strength_skipped',
        severity: 'warning',
        date: p.date,
        week,
        message: `The strength session planned for ${day(p.date)}${p.durationS ? ` (${durationText(p.durationS / 60)})` : ''} was not done.`,
        evidence: { activityIds: [], plannedIds: [p.id], numbers },
        suggestion: `Do not double up to catch up.${aside} ${advice}`,
      });
    }
  }

  // Enough minutes?
  const total = sumMinutes(ctx, strength);
  const minimum = ctx.taper.taper ? ctx.t.minTaperStrengthMinutes : ctx.t.minWeeklyStrengthMinutes;
  if (strength.length > 0 && ctx.weekOver && total < minimum && !ctx.recoveryWeek && !excusedWeek) {
    flags.push({
      code: 'strength_too_short',
      severity: 'warning',
      date: null,
      week,
      message: `Strength came to ${durationText(total)} in ${week}, under the ${minimum} min ${ctx.taper.taper ? 'taper ' : ''}minimum.`,
      evidence: {
        activityIds: uniqueSorted(strength.map((i) => i.activityId)),
        plannedIds: [],
        numbers: { strengthMinutes: round(total, 1), minStrengthMinutes: minimum, strengthSessions: strength.length },
      },
      suggestion: `Make it one full ${minimum}–60 min session rather than a short one. ${advice}`,
    });
  }

  // Too close to another strength session, and too close to (or too long before) a race.
  const close = tooCloseFlags(ctx, strength, advice);
  const nearRace = nearRaceFlags(ctx, strength, advice);
  flags.push(...close, ...nearRace);
  const closeDays = new Set(close.map((f) => f.date));
  const nearRaceDays = new Set(nearRace.map((f) => f.date));
  const raceDays = new Set(ctx.races.map((r) => r.date));
  // A quality day too near a race could not have carried strength either.
  const freeDayCandidates = strengthWindow(ctx.dates, ctx.raceDate).filter((d) => raceTooNear(d, [...raceDays], ctx.t.minHoursStrengthBeforeRace) === null);

  // Placement, one judgement per strength day. One cause, one flag: near a race, the race rule
  // speaks for the day before the race (and for an easy day); the later of two sessions too close
  // together is not also "on an easy day".
  for (const date of uniqueSorted(strength.map((i) => i.date))) {
    const onDay = strength.filter((i) => i.date === date);
    const ids = onDay.map((i) => i.activityId);
    const mins = round(sumMinutes(ctx, onDay), 1);
    const judged = judgeStrengthDay(ctx.view, date, freeDayCandidates);
    const aboutRace =
      judged?.code === 'easy_day' || (judged?.code === 'before_key' && raceDays.has(judged.keyDate)) || (judged?.code === 'between' && raceDays.has(judged.after));
    const issue = (nearRaceDays.has(date) && aboutRace) || (judged?.code === 'easy_day' && closeDays.has(date)) ? null : judged;
    const next = addDays(date, 1);
    const nextIds = (): { activityIds: string[]; plannedIds: string[] } => ({
      activityIds: hardItemsOn(ctx, next).map((i) => i.activityId),
      plannedIds: plannedHardOn(ctx, next).flatMap((p) => (p.plannedId === null ? [] : [p.plannedId])),
    });
    if (issue?.code === 'before_key') {
      const key = hardLabel(ctx, next);
      const n = nextIds();
      const race = key.label === 'race';
      flags.push({
        code: 'strength_before_key_session',
        severity: race ? 'critical' : 'warning',
        date,
        week,
        message: `Strength on ${day(date)} came the day before the ${key.planned ? 'planned ' : ''}${key.label} on ${day(next)}.`,
        evidence: {
          activityIds: uniqueSorted([...ids, ...n.activityIds]),
          plannedIds: uniqueSorted(n.plannedIds),
          numbers: { strengthMinutes: mins },
        },
        suggestion: `Keep the day before a long run, a quality session or the race free of strength. ${advice}`,
      });
    } else if (issue?.code === 'between') {
      const before = hardLabel(ctx, issue.before);
      const after = hardLabel(ctx, issue.after);
      const n = nextIds();
      flags.push({
        code: 'strength_on_easy_day',
        severity: 'critical',
        date,
        week,
        message: `Strength on ${day(date)} turned the easy day between the ${before.label} (${wd(issue.before)}) and the ${after.planned ? 'planned ' : ''}${after.label} (${wd(issue.after)}) into a third hard day in a row.`,
        evidence: {
          activityIds: uniqueSorted([...ids, ...hardItemsOn(ctx, issue.before).map((i) => i.activityId), ...n.activityIds]),
          plannedIds: uniqueSorted(n.plannedIds),
          numbers: { strengthMinutes: mins, hardDaysInARow: 3 },
        },
        suggestion: `Keep the day between two hard days easy; stack strength on a hard day, after the run. ${advice}`,
      });
    } else if (issue?.code === 'easy_day') {
      // Done where the plan put it: advice for the plan rather than a lapse (the plan check allows it).
      const plannedIds = onDay.flatMap((i) => {
        const m = i.plannedId === null ? undefined : ctx.matchOf.get(i.plannedId);
        return m !== undefined && m.plannedDate === date && i.plannedId !== null ? [i.plannedId] : [];
      });
      const asPlanned = plannedIds.length === onDay.length;
      const free = issue.freeDays.map((d) => `${wd(d)}'s ${hardLabel(ctx, d).label}`);
      flags.push({
        code: 'strength_on_easy_day',
        severity: asPlanned ? 'info' : 'warning',
        date,
        week,
        message: `Strength on ${day(date)}${asPlanned ? ' (as planned)' : ''} fell on an easy day although ${list(free)} could have carried it.`,
        evidence: {
          activityIds: uniqueSorted([...ids, ...issue.freeDays.flatMap((d) => hardItemsOn(ctx, d).map((i) => i.activityId))]),
          plannedIds: uniqueSorted(plannedIds),
          numbers: { strengthMinutes: mins, freeHardDays: issue.freeDays.length },
        },
        suggestion: `Stack strength on a hard day, after the run, so the easy days stay easy. ${advice}`,
      });
    }

    // On a hard day the run comes first.
    if (isHardDay(ctx.actualDays, date)) {
      const run = hardItemsOn(ctx, date).sort((a, b) => a.startMs - b.startMs)[0];
      const early = run === undefined ? [] : onDay.filter((i) => i.startMs < run.startMs);
      if (run !== undefined && early.length > 0) {
        const firstStart = Math.min(...early.map((i) => i.startMs));
        const gap = (run.startMs - firstStart) / 60_000;
        flags.push({
          code: 'strength_before_run',
          severity: 'warning',
          date,
          week,
          message: `On ${day(date)} the strength session started ${durationText(gap)} before the ${run.label}.`,
          evidence: {
            activityIds: uniqueSorted([...early.map((i) => i.activityId), run.activityId]),
            plannedIds: [],
            numbers: { minutesBeforeRun: round(gap, 1), strengthMinutes: round(sumMinutes(ctx, early), 1) },
          },
          suggestion: `Run first, then lift (straight after or later the same day), so the hard run gets fresh legs. ${advice}`,
        });
      }
    }
  }
  return flags;
}

/** Hours, rounded to 0.1. */
function hours(ms: number): number {
  return round(ms / 3_600_000, 1);
}

/**
 * `strength_too_close`: a strength session that started less than `minHoursBetweenStrength` after
 * the start of another (this week's or last week's), one flag per day of the later session.
 */
function tooCloseFlags(ctx: Context, strength: readonly ActualItem[], advice: string): Flag[] {
  const limitMs = ctx.t.minHoursBetweenStrength * 3_600_000;
  const all = [...ctx.previousItems.filter((i) => i.kind === 'strength'), ...strength];
  const flags: Flag[] = [];
  for (const date of uniqueSorted(strength.map((i) => i.date))) {
    const later = strength.filter((i) => i.date === date);
    const earlier: ActualItem[] = [];
    let gapMs = Infinity;
    for (const s of later) {
      for (const e of all) {
        const gap = s.startMs - e.startMs;
        if (e === s || gap < 0 || (gap === 0 && e.activityId > s.activityId) || gap >= limitMs) continue;
        earlier.push(e);
        gapMs = Math.min(gapMs, gap);
      }
    }
    if (earlier.length === 0) continue;
    const first = [...earlier].sort((a, b) => b.startMs - a.startMs)[0];
    const other = first === undefined || first.date === date ? 'another strength session the same day' : `the strength session on ${day(first.date)}`;
    const involved = uniqueSorted([...earlier, ...later].map((i) => i.activityId));
    flags.push({
      code: 'strength_too_close',
      severity: 'warning',
      date,
      week: ctx.isoWeek,
      message: `Strength on ${day(date)} started ${durationText(gapMs / 60_000)} after ${other} (keep at least ${ctx.t.minHoursBetweenStrength} h between them).`,
      evidence: {
        activityIds: involved,
        plannedIds: [],
        numbers: { hoursApart: hours(gapMs), minHoursBetweenStrength: ctx.t.minHoursBetweenStrength, strengthMinutes: round(sumMinutes(ctx, later), 1) },
      },
      suggestion: `Leave at least ${ctx.t.minHoursBetweenStrength} h between strength sessions: a lower-body session raises the cost of running for up to two days, so two close together leave the legs heavy for longer. ${advice}`,
    });
  }
  return flags;
}

/**
 * `strength_near_race`: strength less than `minHoursStrengthBeforeRace` before the start of a race
 * (the goal race or a planned race), or longer than `maxRaceWeekStrengthMinutes` in race week
 * before the race. One flag per strength day; critical the day before the race or on race day.
 */
function nearRaceFlags(ctx: Context, strength: readonly ActualItem[], advice: string): Flag[] {
  const t = ctx.t;
  const flags: Flag[] = [];
  const goal = ctx.raceDate === null ? null : (ctx.races.find((r) => r.date === ctx.raceDate) ?? null);
  for (const date of uniqueSorted(strength.map((i) => i.date))) {
    const onDay = strength.filter((i) => i.date === date);
    // The nearest race ahead of the day's first session.
    const first = Math.min(...onDay.map((i) => i.wallMs));
    const race = ctx.races.find((r) => r.startWallMs > first) ?? null;
    const beforeMs = race === null ? Infinity : race.startWallMs - first;
    const near = race !== null && beforeMs < t.minHoursStrengthBeforeRace * 3_600_000;
    const inRaceWeek = ctx.taper.raceWeek && goal !== null;
    const long = inRaceWeek ? onDay.filter((i) => i.wallMs < (goal?.startWallMs ?? 0) && strengthMinutes(ctx, i) > t.maxRaceWeekStrengthMinutes) : [];
    if (!near && long.length === 0) continue;
    const mins = round(sumMinutes(ctx, onDay), 1);
    const longest = Math.max(...onDay.map((i) => strengthMinutes(ctx, i)));
    const numbers: Record<string, number> = { strengthMinutes: mins };
    const parts: string[] = [];
    const subject = near && race !== null ? race : goal;
    if (near && race !== null) {
      parts.push(`started ${durationText(beforeMs / 60_000)} before the race on ${day(race.date)} (keep at least ${t.minHoursStrengthBeforeRace} h)`);
      Object.assign(numbers, { hoursBeforeRace: hours(beforeMs), minHoursStrengthBeforeRace: t.minHoursStrengthBeforeRace });
    }
    if (long.length > 0) {
      parts.push(`lasted ${durationText(longest)} (at most ${t.maxRaceWeekStrengthMinutes} min in race week)`);
      Object.assign(numbers, { longestSessionMinutes: round(longest, 1), maxRaceWeekStrengthMinutes: t.maxRaceWeekStrengthMinutes });
    }
    const critical = near && race !== null && date >= addDays(race.date, -1);
    flags.push({
      code: 'strength_near_race',
      severity: critical ? 'critical' : 'warning',
      date,
      week: ctx.isoWeek,
      message: `Strength on ${day(date)} ${parts.join(' and ')}.`,
      evidence: {
        activityIds: uniqueSorted([...onDay.map((i) => i.activityId), ...(subject?.activityIds ?? [])]),
        plannedIds: subject?.plannedIds ?? [],
        numbers,
      },
      suggestion: `Before a race keep strength short and light (at most ${t.maxRaceWeekStrengthMinutes} min, moderate loads) and at least ${t.minHoursStrengthBeforeRace} h before the start, so the legs arrive fresh. ${advice}`,
    });
  }
  return flags;
}
