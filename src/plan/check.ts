/**
 * Plan check: lints a training plan with the placement and ramp rules of `rules.ts` (the same ones the
 * recommender applies to actual training). Each finding names the ISO week (and the day when it is
 * about one) and says what to change.
 */
import { isRunKind, KIND_NAMES, type SessionKind, type TrainingPlan } from '../domain/plan.ts';
import { displayDistance, metresPerUnit, type PlanUnits } from '../domain/units.ts';
import { displayTarget } from '../domain/target.ts';
import { longRunPaceSPerKm, trainingPaces, vdotFromRace, type PaceRange } from './paces.ts';
import { addDays, dayLabel, daysBetween, isoWeekOf, mondayOf, weekStart } from '../domain/iso-week.ts';
import {
  CUTBACK_MAX_RATIO,
  indexDays,
  LAST_BIG_LONG_RUN_DAYS,
  LONG_RUN_BOUNDS,
  longRunBounds,
  longRunMaxShare,
  MARATHON_M,
  maxLongRunNearRace,
  RACE_WEEK_DAYS,
  RACE_WEEK_STRENGTH_MAX_MINUTES,
  STRENGTH_MAX_MINUTES,
  STRENGTH_MIN_DAYS_BEFORE_RACE,
  STRENGTH_MIN_HOURS_BEFORE_RACE,
  STRENGTH_MIN_MINUTES,
  VOLUME_TOLERANCE,
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
  'long_run_peak_short',
  'long_run_too_long',
  'long_run_share',
  'cutback_long_run',
  'long_run_near_race',
  'strength_duration',
  'race_week_strength',
  'target_inconsistent',
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
/** The marathon long-run peak is checked in plans that span at least this many weeks (a whole build). */
export const MIN_WEEKS_FOR_LONG_RUN_PEAK = 10;


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
  const raceDate = planRaceDate(plan);
  const strengthEnd = raceDate !== null && addDays(raceDate, -STRENGTH_MIN_DAYS_BEFORE_RACE) < end ? addDays(raceDate, -STRENGTH_MIN_DAYS_BEFORE_RACE) : end;
  for (const w of weeks) {
    // Days strength may go on: up to 3 days before the race.
    const dates = weekDates(w.monday, plan.startDate, strengthEnd);
    if (w.daysCovered < MIN_DAYS_FOR_STRENGTH_WEEK || dates.length === 0) continue;
    if (weekDates(w.monday, plan.startDate, end).some((d) => days.get(d)?.strength)) continue;
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

  findings.push(...longRunFindings(plan, series, volumes, raceDate), ...strengthFindings(plan, raceDate), ...targetFindings(plan));

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

/** Long-run rules (#19 points 1–3): peak, cap, share of the week, cut-backs, distance to the race. */
function longRunFindings(plan: TrainingPlan, series: readonly WeekVolume[], volumes: ReadonlyMap<string, number>, raceDate: string | null): PlanFinding[] {
  const findings: PlanFinding[] = [];
  const units = plan.units;
  const unit = metresPerUnit(units);
  const bounds = longRunBounds(units, longRunPaceSPerKm(plan.race?.goalTimeS ?? null));
  const dist = (m: number): string => displayDistance(m, units);
  const over = (m: number, limitM: number): boolean => m > limitM * (1 + VOLUME_TOLERANCE) + 1;
  const longs = plan.sessions.filter((s) => s.kind === 'long' && s.distanceM !== null);
  const fullWeeks = new Set(series.filter((w) => w.comparable !== false).map((w) => w.week));

  for (const s of longs) {
    const m = s.distanceM ?? 0;
    const week = isoWeekOf(s.date);
    if (over(m, bounds.max * unit)) {
      findings.push({
        code: 'long_run_too_long',
        week,
        date: s.date,
        message: `The long run on ${dayLabel(s.date)} is ${dist(m)}: more than the ${bounds.max} ${units} a marathon long run needs.`,
        suggestion: `Cap it at ${bounds.max} ${units} (about 3 h); put the extra volume into an easy run.`,
      });
    }
    const runs = plan.sessions.filter((x) => isoWeekOf(x.date) === week && isRunKind(x.kind) && x.kind !== 'race').length;
    const share = longRunMaxShare(runs);
    const volume = volumes.get(week) ?? 0;
    // Weeks the race week reaches into are left to the near-race rule (their runs are the taper's).
    const touchesRaceWeek = raceDate !== null && daysBetween(addDays(mondayOf(week), 6), raceDate) < RACE_WEEK_DAYS;
    if (fullWeeks.has(week) && !touchesRaceWeek && volume > 0 && over(m, share * volume)) {
      findings.push({
        code: 'long_run_share',
        week,
        date: s.date,
        message: `The long run on ${dayLabel(s.date)} is ${dist(m)}, ${Math.round((m / volume) * 100)}% of the week's ${dist(volume)}: more than ${Math.round(share * 100)}% at ${runs} runs a week.`,
        suggestion: `Shorten it to ${dist(share * volume)} or add volume to the other runs (at least ${dist(m / share)} in the week).`,
      });
    }
    if (raceDate !== null) {
      const days = daysBetween(s.date, raceDate);
      const max = maxLongRunNearRace(days, units, bounds);
      if (days > 0 && over(m, max * unit)) {
        findings.push({
          code: 'long_run_near_race',
          week,
          date: s.date,
          message: `The long run on ${dayLabel(s.date)} is ${dist(m)}, ${days} days before the race on ${dayLabel(raceDate)}: too close to recover from.`,
          suggestion:
            days < LAST_BIG_LONG_RUN_DAYS.min && max === bounds.big - 1
              ? `Run the last long run of ${bounds.big} ${units} or more ${LAST_BIG_LONG_RUN_DAYS.ideal} days before the race (${dayLabel(addDays(raceDate, -LAST_BIG_LONG_RUN_DAYS.ideal))}); keep this one under ${bounds.big} ${units}.`
              : `Keep the long run within ${days} days of the race at ${max} ${units} or less.`,
        });
      }
    }
  }

  // Cut-back weeks cut the long run too.
  const longestIn = (week: string): number => Math.max(0, ...longs.filter((s) => isoWeekOf(s.date) === week).map((s) => s.distanceM ?? 0));
  for (let i = 1; i < series.length; i++) {
    const cur = series[i];
    const prev = series[i - 1];
    if (!cur || !prev || prev.comparable === false || prev.volumeM <= 0) continue;
    // The taper's long runs follow the near-race rule instead.
    if (raceDate !== null && daysBetween(mondayOf(cur.week), raceDate) < LAST_BIG_LONG_RUN_DAYS.ideal) continue;
    if (cur.volumeM > CUTBACK_MAX_RATIO * prev.volumeM) continue;
    const long = longestIn(cur.week);
    const before = longestIn(prev.week);
    if (long > 0 && before > 0 && long >= before) {
      const s = longs.find((x) => isoWeekOf(x.date) === cur.week && x.distanceM === long);
      findings.push({
        code: 'cutback_long_run',
        week: cur.week,
        ...(s ? { date: s.date } : {}),
        message: `${cur.week} is a cut-back week (${dist(cur.volumeM)} after ${dist(prev.volumeM)}) but its long run (${dist(long)}) is not shorter than the week before's (${dist(before)}).`,
        suggestion: `Cut the long run too, to about ${dist(0.8 * before)}.`,
      });
    }
  }

  // The marathon long-run peak, in a plan long enough to hold a whole build.
  const isMarathon = raceDate !== null && (plan.race?.distanceM ?? plan.sessions.find((s) => s.kind === 'race' && s.date === raceDate)?.distanceM ?? null) === MARATHON_M;
  if (raceDate !== null && isMarathon && daysBetween(plan.startDate, raceDate) >= 7 * (MIN_WEEKS_FOR_LONG_RUN_PEAK - 1)) {
    const peak = Math.max(0, ...longs.map((s) => s.distanceM ?? 0));
    if (peak < bounds.minPeak * unit * (1 - VOLUME_TOLERANCE) - 1) {
      const date = addDays(raceDate, -LAST_BIG_LONG_RUN_DAYS.ideal);
      findings.push({
        code: 'long_run_peak_short',
        week: isoWeekOf(date),
        date: raceDate,
        message: `The longest long run is ${dist(peak)}: too short for a marathon (published plans peak at ${LONG_RUN_BOUNDS.mi.minPeak}–${LONG_RUN_BOUNDS.mi.max} mi).`,
        suggestion: `Build the long run to at least ${bounds.minPeak} ${units} by ${dayLabel(date)}, 3 weeks before the race, within ${Math.round(longRunMaxShare(4) * 100)}% of the week.`,
      });
    }
  }
  return findings;
}

/** Strength rules: 20–75 min; race week at most 30 min and at least 72 h before the race (#19 point 6). */
function strengthFindings(plan: TrainingPlan, raceDate: string | null): PlanFinding[] {
  const findings: PlanFinding[] = [];
  for (const s of plan.sessions) {
    if (s.kind !== 'strength' || s.durationS === null) continue;
    const minutes = s.durationS / 60;
    const week = isoWeekOf(s.date);
    const days = raceDate === null ? null : daysBetween(s.date, raceDate);
    const raceWeek = days !== null && days >= 0 && days < RACE_WEEK_DAYS;
    if (raceWeek && raceDate !== null && days !== null) {
      const tooClose = days < STRENGTH_MIN_DAYS_BEFORE_RACE;
      const tooLong = minutes > RACE_WEEK_STRENGTH_MAX_MINUTES;
      if (tooClose || tooLong) {
        const latest = addDays(raceDate, -STRENGTH_MIN_DAYS_BEFORE_RACE);
        const what = [
          tooLong ? `${Math.round(minutes)} min long (at most ${RACE_WEEK_STRENGTH_MAX_MINUTES} in race week)` : null,
          tooClose ? `${days} day${days === 1 ? '' : 's'} before the race (keep ${STRENGTH_MIN_HOURS_BEFORE_RACE} h)` : null,
        ].filter((x) => x !== null);
        findings.push({
          code: 'race_week_strength',
          week,
          date: s.date,
          message: `Race-week strength on ${dayLabel(s.date)} is ${what.join(' and ')}; the race is on ${dayLabel(raceDate)}.`,
          suggestion: `Keep one light session of ${RACE_WEEK_STRENGTH_MAX_MINUTES} min or less, on ${dayLabel(latest)} or earlier.`,
        });
      }
    } else if (minutes < STRENGTH_MIN_MINUTES || minutes > STRENGTH_MAX_MINUTES) {
      findings.push({
        code: 'strength_duration',
        week,
        date: s.date,
        message: `The strength session on ${dayLabel(s.date)} is ${Math.round(minutes)} min: ${minutes < STRENGTH_MIN_MINUTES ? `too short to build strength (at least ${STRENGTH_MIN_MINUTES})` : `longer than ${STRENGTH_MAX_MINUTES} min tires the legs for the runs`}.`,
        suggestion: `Plan ${STRENGTH_MIN_MINUTES}–${STRENGTH_MAX_MINUTES} min (40–60 min is the usual session).`,
      });
    }
  }
  return findings;
}

/**
 * Pace targets against the race goal (docs/paces.md): an easy, recovery or long run faster than
 * marathon pace, or intervals slower than threshold pace.
 */
function targetFindings(plan: TrainingPlan): PlanFinding[] {
  const goal = plan.race?.goalTimeS ?? null;
  if (goal === null || goal <= 0) return [];
  const paces = trainingPaces(vdotFromRace(plan.race?.distanceM ?? MARATHON_M, goal));
  const show = (r: PaceRange): string => displayTarget({ type: 'pace', minSPerKm: Math.round(r.fastSPerKm), maxSPerKm: Math.round(r.slowSPerKm) }, plan.units);
  const goalText = `${Math.floor(goal / 3600)}:${String(Math.floor((goal % 3600) / 60)).padStart(2, '0')}:${String(goal % 60).padStart(2, '0')}`;
  const findings: PlanFinding[] = [];
  const TOLERANCE_S = 1;
  for (const s of plan.sessions) {
    const t = s.target;
    if (t?.type !== 'pace') continue;
    const shown = displayTarget(t, plan.units);
    if ((s.kind === 'long' || s.kind === 'easy' || s.kind === 'recovery') && t.minSPerKm < paces.marathon.fastSPerKm - TOLERANCE_S) {
      findings.push({
        code: 'target_inconsistent',
        week: isoWeekOf(s.date),
        date: s.date,
        message: `The ${KIND_NAMES[s.kind]} on ${dayLabel(s.date)} targets ${shown}: faster than marathon pace (${show(paces.marathon)}) for the ${goalText} goal.`,
        suggestion: `Run it at easy pace, ${show(s.kind === 'long' ? paces.long : paces.easy)}; marathon-pace segments go inside the long run, not the whole run.`,
      });
    } else if (s.kind === 'intervals' && t.maxSPerKm > paces.threshold.slowSPerKm + TOLERANCE_S) {
      findings.push({
        code: 'target_inconsistent',
        week: isoWeekOf(s.date),
        date: s.date,
        message: `The intervals on ${dayLabel(s.date)} target ${shown}: slower than threshold pace (${show(paces.threshold)}) for the ${goalText} goal.`,
        suggestion: `Run the repeats at interval pace, ${show(paces.interval)}.`,
      });
    }
  }
  return findings;
}
