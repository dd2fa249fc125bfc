/**
 * The coming week's strength days. From next week's plan when there is one, else from this week's
 * pattern of hard days moved a week on. Candidates come from `rankStrengthDays` (src/plan/rules.ts),
 * and each is judged as if the week went as planned with strength on the chosen days; a day that would
 * raise a placement flag is never suggested.
 */
import type { PlannedSessionRef } from '../analysis/types.ts';
import { isRunKind, type SessionKind } from '../domain/plan.ts';
import { addDays, addWeeks, daysBetween } from '../domain/iso-week.ts';
import {
  indexDays,
  isHardDay,
  isQualityDay,
  mainHardKind,
  placementIssues,
  rankStrengthDays,
  type DayItem,
  type DayMap,
} from '../plan/rules.ts';
import { compareIds, raceTooNear, strengthWindow, taperState, uniqueSorted, weekDates, type ActualItem, type TaperState } from './days.ts';
import { judgeStrengthDay, type StrengthPlacement } from './placement.ts';
import { KIND_NAMES, capitalize, list, wd } from './text.ts';
import type { NextWeekPlan, RecommendThresholds, StrengthDayAdvice } from './types.ts';

export interface NextWeekInput {
  /** The analysed ISO week; the advice is for the week after it. */
  thisWeek: string;
  /** What was done this week (its last days decide next Monday's neighbours). */
  thisWeekItems: readonly ActualItem[];
  /** Next week's planned sessions (others are ignored). */
  plannedNextWeek: readonly PlannedSessionRef[];
  raceDate: string | null;
  taperStart: string | null;
  thresholds: RecommendThresholds;
  /** The date of this week's race when it calls for a recovery week next week (docs/flags.md). */
  recoveryAfter?: string | null;
}

export interface NextWeekOutcome {
  plan: NextWeekPlan;
  /** Next week as planned (or patterned), with strength on the recommended days, plus this week. */
  days: DayMap;
  /** Next week's hard days in date order, with what messages call them. */
  hardDays: { date: string; label: string }[];
  /** Next week's easy-run days (planned easy or recovery runs), in date order. */
  easyDays: string[];
  taper: TaperState;
}

/** The strength days for the week after `thisWeek`, with reasons and notes. */
export function planNextWeek(input: NextWeekInput): NextWeekOutcome {
  const isoWeek = addWeeks(input.thisWeek, 1);
  const dates = weekDates(isoWeek);
  const first = dates[0] ?? '';
  const last = dates[6] ?? '';
  const inWeek = (d: string): boolean => d >= first && d <= last;
  const planned = input.plannedNextWeek
    .filter((p) => inWeek(p.date))
    .sort((a, b) => compareIds(a.date, b.date) || a.order - b.order || compareIds(a.id, b.id));
  const taper = taperState(isoWeek, input.raceDate, input.taperStart, input.thresholds.taperWeeks);
  const recoveryAfter = input.recoveryAfter ?? null;
  if (recoveryAfter !== null) return recoveryWeek(isoWeek, recoveryAfter, input, taper);
  const basis: NextWeekPlan['basis'] = planned.some((p) => p.kind !== 'rest') ? 'plan' : 'pattern';

  // The week's sessions other than strength, and what messages call its hard days.
  const labels = new Map<string, string>();
  let weekItems: DayItem[];
  if (basis === 'plan') {
    weekItems = planned.filter((p) => p.kind !== 'strength').map((p) => ({ date: p.date, kind: p.kind }));
  } else {
    weekItems = [];
    for (const i of input.thisWeekItems) {
      if (i.kind === 'strength') continue;
      // A race is not a weekly pattern: next week that day is a long effort.
      const kind: SessionKind = i.kind === 'race' ? 'long' : i.kind;
      const date = addDays(i.date, 7);
      weekItems.push({ date, kind });
      if (i.hard && !labels.has(date)) labels.set(date, kind === 'long' ? KIND_NAMES.long : i.label);
    }
  }
  const race = input.raceDate;
  if (race !== null && race >= first && race <= addDays(last, 1) && !weekItems.some((i) => i.date === race && i.kind === 'race')) {
    weekItems.push({ date: race, kind: 'race' });
  }
  const context: DayItem[] = input.thisWeekItems.map((i) => ({ date: i.date, kind: i.kind }));
  const mapWith = (strength: readonly string[]): DayMap =>
    indexDays([...context, ...weekItems, ...strength.map((date): DayItem => ({ date, kind: 'strength' }))]);
  // Strength keeps `minHoursStrengthBeforeRace` before a race (08:00 start, lifting as late as the
  // evening: a day more than the hours say) and `minHoursBetweenStrength` from other strength (the
  // same time of day: whole days apart).
  const t = input.thresholds;
  const races = uniqueSorted([...(race === null ? [] : [race]), ...planned.filter((p) => p.kind === 'race').map((p) => p.date)]);
  const nearRace = (date: string): string | null => raceTooNear(date, races, t.minHoursStrengthBeforeRace);
  const spacing = Math.ceil(t.minHoursBetweenStrength / 24);
  const doneStrength = input.thisWeekItems.filter((i) => i.kind === 'strength').map((i) => i.date);
  const tooClose = (chosen: readonly string[], date: string): string | null =>
    [...doneStrength, ...chosen].find((c) => c !== date && Math.abs(daysBetween(c, date)) < spacing) ?? null;
  const candidates = strengthWindow(dates, race).filter((d) => nearRace(d) === null);
  const judge = (chosen: readonly string[], date: string): StrengthPlacement | null =>
    judgeStrengthDay(() => mapWith([...chosen, date]), date, candidates);
  const fits = (chosen: readonly string[], date: string): boolean => judge(chosen, date) === null && tooClose(chosen, date) === null;

  // Planned strength days that keep the rules stay; the others are moved.
  const plannedStrength = basis === 'plan' ? uniqueSorted(planned.filter((p) => p.kind === 'strength').map((p) => p.date)) : [];
  const chosen: { date: string; asPlanned: boolean; optional: boolean }[] = [];
  const moved: MovedStrength[] = [];
  const chosenDates = (): string[] => chosen.map((c) => c.date);
  for (const date of plannedStrength) {
    // Never on the long-run or race day itself (as `rankStrengthDays`), nor where it breaks a rule.
    const kinds = mapWith(chosenDates()).get(date)?.kinds ?? [];
    const keyKind: 'long' | 'race' | null = kinds.includes('race') ? 'race' : kinds.includes('long') ? 'long' : null;
    const near = nearRace(date);
    const close = tooClose(chosenDates(), date);
    const issue: MovedStrength | null =
      near !== null
        ? { code: 'near_race', date, race: near, hours: t.minHoursStrengthBeforeRace }
        : !candidates.includes(date)
          ? { code: 'after_race', date }
          : keyKind !== null
            ? { code: 'key_day', date, kind: keyKind }
            : (judge(chosenDates(), date) ?? (close !== null ? { code: 'too_close', date, other: close } : null));
    if (issue === null) chosen.push({ date, asPlanned: true, optional: false });
    else moved.push(issue);
  }
  // Race week keeps one (lighter) session; otherwise as many as planned, at least one.
  const target = taper.raceWeek ? 1 : Math.max(1, plannedStrength.length);
  const dropped = chosen.splice(target).map((c) => c.date);
  while (chosen.length < target) {
    const pick = rankStrengthDays(mapWith(chosenDates()), candidates).find((d) => fits(chosenDates(), d));
    if (pick === undefined) break;
    chosen.push({ date: pick, asPlanned: false, optional: false });
  }
  // A second session pays: offer one after another quality session, outside the taper.
  if (target === 1 && chosen.length === 1 && !taper.taper) {
    const map = mapWith(chosenDates());
    const pick = rankStrengthDays(map, candidates).find((d) => isQualityDay(map, d) && fits(chosenDates(), d));
    if (pick !== undefined) chosen.push({ date: pick, asPlanned: false, optional: true });
  }
  chosen.sort((a, b) => compareIds(a.date, b.date));

  const days = mapWith(chosenDates());
  const labelOf = (date: string): string => {
    const kind = mainHardKind(days, date);
    return labels.get(date) ?? (kind === null ? 'hard day' : KIND_NAMES[kind]);
  };
  const hardDays = dates.filter((d) => isHardDay(days, d)).map((date) => ({ date, label: labelOf(date) }));
  const easyDays = dates.filter((d) => {
    const kinds = days.get(d)?.kinds ?? [];
    return !isHardDay(days, d) && (kinds.includes('easy') || kinds.includes('recovery'));
  });

  const strengthDays: StrengthDayAdvice[] = chosen.map((c) => {
    const kinds = days.get(c.date)?.kinds ?? [];
    const quality = isQualityDay(days, c.date);
    const afterKind = quality ? mainHardKind(days, c.date) : (kinds.find((k) => isRunKind(k) && k !== 'rest') ?? null);
    let reason: string;
    if (quality) {
      reason = `After the ${labelOf(c.date)}: stacked on a hard day, strength keeps the easy days easy, and ${wd(addDays(c.date, 1))} is not a hard day.`;
    } else {
      const prevKinds = days.get(addDays(c.date, -1))?.kinds ?? [];
      const where = prevKinds.includes('long') || prevKinds.includes('race')
        ? `the day after the ${prevKinds.includes('race') ? 'race' : 'long run'}`
        : afterKind !== null ? `after the ${KIND_NAMES[afterKind]}` : 'a rest day';
      reason = `${capitalize(where)}, and ${wd(addDays(c.date, 1))} is not a hard day; no free quality day next week can take it without breaking a rule.`;
    }
    if (c.asPlanned) reason = `As planned. ${reason}`;
    if (c.optional) reason = `Optional second session (a second one pays). ${reason}`;
    if (taper.taper) reason = `${reason} Keep it lighter in the taper.`;
    return { date: c.date, afterKind, reason, optional: c.optional };
  });

  const notes: string[] = [];
  if (basis === 'pattern') {
    const pattern = hardDays.map((h) => `${wd(h.date)} ${h.label}`);
    notes.push(
      pattern.length > 0
        ? `Next week has no plan: these days follow this week's hard days (${list(pattern)}).`
        : "Next week has no plan and this week had no hard days: any day works as long as the next day is not hard.",
    );
  }
  const replacements = chosen.filter((c) => !c.asPlanned && !c.optional).map((c) => c.date);
  const instead = replacements.map((d) => (isQualityDay(days, d) ? `${wd(d)} after the ${labelOf(d)}` : wd(d)));
  for (const m of moved) notes.push(`The plan has strength on ${wd(m.date)}, which ${movedWhy(m, labelOf)}.`);
  if (moved.length > 0 && instead.length > 0) notes.push(`Do strength on ${list(instead)} instead.`);
  if (dropped.length > 0) notes.push(`Race week keeps one lighter session: skip the one planned on ${list(dropped.map(wd))}.`);
  if (chosen.filter((c) => !c.optional).length < target) {
    notes.push(
      chosen.length > 0
        ? `Only ${chosen.length} of the ${target} strength sessions fit next week without breaking a rule.`
        : taper.raceWeek && race !== null && candidates.length === 0
          ? `The race on ${wd(race)} leaves no day for strength next week at least ${t.minHoursStrengthBeforeRace} h before it: keep the last session in the week before, not the day before a hard day.`
          : 'No day next week takes strength without breaking a rule (every day is hard or the day before a hard day): the plan needs an easy day after a quality session.',
    );
  }
  if (taper.raceWeek && race !== null) {
    notes.push(
      `Race week (race ${wd(race)}): keep one lighter strength session (about ${t.minTaperStrengthMinutes}–${t.maxRaceWeekStrengthMinutes} min, moderate loads) early in the week, at least ${t.minHoursStrengthBeforeRace} h before the start.`,
    );
  } else if (taper.taper) {
    notes.push(`Taper week: keep strength, lighter (about ${t.minTaperStrengthMinutes}–30 min, moderate loads).`);
  }
  if (basis === 'plan') {
    for (const issue of placementIssues(weekItems)) {
      if (issue.code !== 'hard_days_back_to_back' || !inWeek(issue.date)) continue;
      notes.push(
        `Next week's plan has hard days back to back: ${wd(issue.previousDate)} (${KIND_NAMES[issue.previousKind]}) and ${wd(issue.date)} (${KIND_NAMES[issue.kind]}); keep an easy day between them if you can.`,
      );
    }
  }

  return { plan: { isoWeek, basis, strengthDays, notes }, days, hardDays, easyDays, taper };
}

/** A planned strength day the advice moves, and why. */
type MovedStrength =
  | StrengthPlacement
  | { code: 'key_day'; date: string; kind: 'long' | 'race' }
  | { code: 'after_race'; date: string }
  | { code: 'near_race'; date: string; race: string; hours: number }
  | { code: 'too_close'; date: string; other: string };

function movedWhy(issue: MovedStrength, labelOf: (date: string) => string): string {
  switch (issue.code) {
    case 'between':
      return `turns the easy day between the ${labelOf(issue.before)} (${wd(issue.before)}) and the ${labelOf(issue.after)} (${wd(issue.after)}) into a third hard day`;
    case 'before_key':
      return `is the day before the ${labelOf(issue.keyDate)} (${wd(issue.keyDate)})`;
    case 'easy_day':
      return `is an easy day while ${list(issue.freeDays.map((d) => `${wd(d)}'s ${labelOf(d)}`))} can carry it`;
    case 'key_day':
      return issue.kind === 'race' ? 'is race day' : 'is the long-run day (strength goes after a quality session)';
    case 'after_race':
      return 'comes after the race (recovery first)';
    case 'near_race':
      return `is less than ${issue.hours} h before the race (${wd(issue.race)}), counting an evening session`;
    case 'too_close':
      return `comes a day from the strength on ${wd(issue.other)} (keep two days between sessions)`;
  }
}

/**
 * The week after a race: easy running only, no quality session and no long run, no strength days
 * (light mobility only). The volume limit is added by the volume rules (`nextWeekCapM`).
 */
function recoveryWeek(isoWeek: string, race: string, input: NextWeekInput, taper: TaperState): NextWeekOutcome {
  const context: DayItem[] = input.thisWeekItems.map((i) => ({ date: i.date, kind: i.kind }));
  const plan: NextWeekPlan = {
    isoWeek,
    basis: 'recovery',
    strengthDays: [],
    notes: [
      `Recovery week after the race on ${wd(race)}: easy running only — no quality session and no long run — and let how the legs feel decide, not the plan.`,
      'Strength: only light mobility and core work (15–20 min, no heavy loads); full strength sessions come back the week after.',
    ],
  };
  return { plan, days: indexDays(context), hardDays: [], easyDays: [], taper };
}

/** `Next week your hard days are Tue (intervals) and Sun (long run)`, or what stands in for it. */
export function hardDaysPhrase(next: NextWeekOutcome): string {
  if (next.plan.basis === 'recovery') return 'Next week is a recovery week after the race, with easy running only';
  const hard = next.hardDays.map((h) => `${wd(h.date)} (${h.label})`);
  if (next.plan.basis === 'pattern') {
    return hard.length > 0
      ? `Next week has no plan yet; going by this week's hard days, they would be ${list(hard)}`
      : 'Next week has no plan yet and this week had no hard days';
  }
  return hard.length > 0 ? `Next week your hard days are ${list(hard)}` : 'Next week has no hard days planned';
}

/**
 * The strength part of a suggestion, from the recommended days: "Next week your hard days are Tue
 * (intervals) and Thu (tempo run): do strength on Tue after the intervals."
 */
export function strengthPhrase(next: NextWeekOutcome): string {
  const name = (a: StrengthDayAdvice): string => {
    if (a.afterKind === null) return wd(a.date);
    const label = next.hardDays.find((h) => h.date === a.date)?.label ?? KIND_NAMES[a.afterKind];
    return `${wd(a.date)} after the ${label}`;
  };
  const required = next.plan.strengthDays.filter((a) => !a.optional).map(name);
  const optional = next.plan.strengthDays.filter((a) => a.optional).map(name);
  const head = hardDaysPhrase(next);
  if (next.plan.basis === 'recovery') return `${head}: no strength beyond light mobility.`;
  if (required.length === 0) {
    return `${head}, and no day takes strength without breaking a rule: ask for an easy day after a quality session.`;
  }
  const second = optional.length > 0 ? ` (a second session on ${list(optional)} pays)` : '';
  return `${head}: do strength on ${list(required)}${second}.`;
}
