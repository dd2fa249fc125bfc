/**
 * Plan check: lints a training plan with the placement and ramp rules of `rules.ts` (the same ones the
 * recommender applies to actual training). Each finding names the ISO week (and the day when it is
 * about one) and says what to change.
 */
import { KIND_NAMES, type SessionKind, type TrainingPlan } from '../domain/plan.ts';
import { displayDistance, type PlanUnits } from '../domain/units.ts';
import { addDays, dayLabel, daysBetween, isoWeekOf, mondayOf, weekStart } from '../domain/iso-week.ts';
import {
  indexDays,
  isHardDay,
  mainHardKind,
  missingTaper,
  placementIssues,
  rankStrengthDays,
  volumeJumps,
  weeklyVolumes,
  type DayMap,
  type WeekVolume,
} from './rules.ts';

export const PLAN_FINDING_CODES = [
  'no_strength_week',
  'strength_before_hard_day',
  'strength_between_hard_days',
  'hard_days_back_to_back',
  'volume_jump',
  'no_taper',
] as const;
export type PlanFindingCode = (typeof PLAN_FINDING_CODES)[number];

export interface PlanFinding {
  code: PlanFindingCode;
  /** ISO week, e.g. `2027-W03`. */
  week: string;
  /** The day the finding is about, when it is about one day. */
  date?: string;
  /** What is wrong. */
  message: string;
  /** What to change. */
  suggestion: string;
}

/** A week needs a strength session when the plan covers at least this many of its days. */
export const MIN_DAYS_FOR_STRENGTH_WEEK = 3;


/** `the long run`, `the intervals`, `the race`. */
function the(kind: SessionKind): string {
  return `the ${KIND_NAMES[kind]}`;
}

/** The last day the plan covers: the race or the last session, whichever is later. */
export function planEndDate(plan: TrainingPlan): string {
  let end = plan.startDate;
  for (const s of plan.sessions) if (s.date > end) end = s.date;
  if (plan.race && plan.race.date > end) end = plan.race.date;
  return end;
}

/** The goal race date: the plan's race, else its last `race` session. */
export function planRaceDate(plan: TrainingPlan): string | null {
  return plan.race?.date ?? plan.sessions.filter((s) => s.kind === 'race').at(-1)?.date ?? null;
}

/** ISO weeks the plan spans, with how many of each week's days it covers. */
export function planWeeks(plan: TrainingPlan): { week: string; monday: string; daysCovered: number }[] {
  const end = planEndDate(plan);
  const out: { week: string; monday: string; daysCovered: number }[] = [];
  for (let monday = weekStart(plan.startDate); monday <= end; monday = addDays(monday, 7)) {
    const from = monday < plan.startDate ? plan.startDate : monday;
    const sunday = addDays(monday, 6);
    const to = sunday > end ? end : sunday;
    out.push({ week: isoWeekOf(monday), monday, daysCovered: daysBetween(from, to) + 1 });
  }
  return out;
}

function weekDates(monday: string, from: string, to: string): string[] {
  const dates: string[] = [];
  for (let i = 0; i < 7; i++) {
    const d = addDays(monday, i);
    if (d >= from && d <= to) dates.push(d);
  }
  return dates;
}

function strengthAdvice(days: DayMap, candidates: readonly string[], exclude?: string): string | null {
  const best = rankStrengthDays(days, candidates.filter((d) => d !== exclude))[0];
  if (!best) return null;
  const kind = days.get(best)?.kinds.find((k) => k !== 'strength' && k !== 'rest');
  return kind ? `${dayLabel(best)}, after ${the(kind)}` : dayLabel(best);
}

/** Lints `plan`; an empty list means it follows every rule. Findings come in week and date order. */
export function checkPlan(plan: TrainingPlan): PlanFinding[] {
  const findings: PlanFinding[] = [];
  const days = indexDays(plan.sessions);
  const end = planEndDate(plan);
  const weeks = planWeeks(plan);
  const units: PlanUnits = plan.units;
  const dist = (m: number): string => displayDistance(m, units);

  // Weeks without strength.
  for (const w of weeks) {
    if (w.daysCovered < MIN_DAYS_FOR_STRENGTH_WEEK) continue;
    const dates = weekDates(w.monday, plan.startDate, end);
    if (dates.some((d) => days.get(d)?.strength)) continue;
    const where = strengthAdvice(days, dates);
    findings.push({
      code: 'no_strength_week',
      week: w.week,
      message: `Week ${w.week} (from ${dayLabel(w.monday)}) has no strength session.`,
      suggestion: where
        ? `Add a 40–60 min strength session on ${where}.`
        : 'Add a 40–60 min strength session after the run on a hard day, not the day before a hard day.',
    });
  }

  // Placement: strength before hard days, strength between hard days, hard days back to back.
  for (const issue of placementIssues(plan.sessions)) {
    const week = isoWeekOf(issue.date);
    const weekMonday = mondayOf(week);
    const candidates = weekDates(weekMonday, plan.startDate, end);
    switch (issue.code) {
      case 'strength_before_hard_day': {
        const where = strengthAdvice(days, candidates, issue.date);
        findings.push({
          code: issue.code,
          week,
          date: issue.date,
          message: `Strength on ${dayLabel(issue.date)} is the day before ${the(issue.hardKind)} on ${dayLabel(issue.hardDate)}.`,
          suggestion: where
            ? `Move the strength session to ${where}.`
            : `Move the strength session at least two days before ${the(issue.hardKind)}, or after the run on a hard day.`,
        });
        break;
      }
      case 'strength_between_hard_days': {
        const prev = addDays(issue.date, -1);
        findings.push({
          code: issue.code,
          week,
          date: issue.date,
          message: `Strength on ${dayLabel(issue.date)} turns the easy day between ${the(issue.before)} (${dayLabel(prev)}) and ${the(issue.after)} (${dayLabel(addDays(issue.date, 1))}) into a third hard day.`,
          suggestion: isHardDay(days, prev) && mainHardKind(days, prev) !== 'long' && mainHardKind(days, prev) !== 'race'
            ? `Stack it on ${dayLabel(prev)}, after ${the(issue.before)}, and keep ${dayLabel(issue.date)} easy.`
            : `Move it to a hard day, after the run, and keep ${dayLabel(issue.date)} easy.`,
        });
        break;
      }
      case 'hard_days_back_to_back': {
        findings.push({
          code: issue.code,
          week,
          date: issue.date,
          message: `Hard days back to back: ${the(issue.previousKind)} on ${dayLabel(issue.previousDate)}, then ${the(issue.kind)} on ${dayLabel(issue.date)}.`,
          suggestion:
            issue.kind === 'race'
              ? `Make ${dayLabel(issue.previousDate)} easy or a rest day before the race.`
              : `Put an easy or rest day between them: make ${dayLabel(issue.date)} easy and move ${the(issue.kind)} to ${dayLabel(addDays(issue.date, 1))} or later.`,
        });
        break;
      }
    }
  }

  // Volume: ramp and taper.
  const volumes = weeklyVolumes(plan.sessions, weeks.map((w) => w.week));
  const series: WeekVolume[] = weeks.map((w, i) => ({
    week: w.week,
    volumeM: volumes.get(w.week) ?? 0,
    // A first week the plan only partly covers is no reference for the ramp.
    comparable: !(i === 0 && w.daysCovered < 7),
  }));
  for (const jump of volumeJumps(series)) {
    const pct = Math.round((jump.volumeM / jump.referenceM - 1) * 100);
    const from = jump.afterCutback
      ? `${jump.referenceWeek} (${dist(jump.referenceM)}, the week before the cut-back)`
      : `${jump.referenceWeek} (${dist(jump.referenceM)})`;
    findings.push({
      code: 'volume_jump',
      week: jump.week,
      message: `Volume rises ${pct}% in ${jump.week} (${dist(jump.volumeM)}) over ${from}.`,
      suggestion: `Plan at most ${dist(jump.allowedM)} in ${jump.week} (10% above ${dist(jump.referenceM)}): shorten the easy runs or the long run, or spread the rise over more weeks.`,
    });
  }
  const raceDate = planRaceDate(plan);
  if (raceDate !== null) {
    const missing = missingTaper(series, isoWeekOf(raceDate));
    if (missing) {
      const pct = Math.round((missing.volumeM / missing.peakM) * 100);
      findings.push({
        code: 'no_taper',
        week: missing.week,
        date: raceDate,
        message: `No taper before the race on ${dayLabel(raceDate)}: ${missing.week} holds ${dist(missing.volumeM)}, ${pct}% of the peak week ${missing.peakWeek} (${dist(missing.peakM)}).`,
        suggestion: `Cut volume over the last 2–3 weeks to about 80%, then 60% of the peak (${dist(0.6 * missing.peakM)} in ${missing.week}), keep one short quality session and the strength session, and keep race week light.`,
      });
    }
  }

  const codeRank = (c: PlanFindingCode): number => PLAN_FINDING_CODES.indexOf(c);
  return findings.sort(
    (a, b) =>
      a.week.localeCompare(b.week) ||
      (a.date ?? '').localeCompare(b.date ?? '') ||
      codeRank(a.code) - codeRank(b.code),
  );
}

/** Plain-text rendering for the terminal. */
export function formatFindings(findings: readonly PlanFinding[]): string {
  if (findings.length === 0) return 'Plan check: no findings — placement, ramp and taper follow the rules.\n';
  const lines = [`Plan check: ${findings.length === 1 ? '1 finding' : `${findings.length} findings`}`, ''];
  for (const f of findings) {
    lines.push(`${f.week}${f.date ? `  ${dayLabel(f.date)}` : ''}  [${f.code}]`);
    lines.push(`  ${f.message}`);
    lines.push(`  → ${f.suggestion}`);
    lines.push('');
  }
  return lines.join('\n');
}
