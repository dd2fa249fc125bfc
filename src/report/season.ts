/**
 * The season view: compliance, strength and load week by week across the active plan so far, and
 * the load and form curve from the plan's start to race day. Built by a pure function from the
 * stored week documents and daily load states (`season-store.ts` reads them).
 */
import type { LoadState } from '../analysis/types.ts';
import type { PlanUnits } from '../domain/units.ts';
import { addDays, addWeeks, daysBetween, isoWeekOf, mondayOf } from '../domain/iso-week.ts';
import type { ReportTrendDay } from './model.ts';
import type { WeekDocument } from '../domain/week-document.ts';
import type { ComplianceBand } from '../domain/analysis.ts';
import { complianceParts } from './parts.ts';

export const SEASON_VERSION = 1;

/** Weeks shown when the athlete has no active plan: this week and the ones before it. */
export const SEASON_WEEKS_WITHOUT_PLAN = 12;

export interface SeasonWeek {
  isoWeek: string;
  /** Monday of the week. */
  from: string;
  /** Week of the plan (1 = the plan's first week); null without a plan. */
  planWeek: number | null;
  /** Compliance in percent (whole); null when nothing but rest was planned or the week has no analysis. */
  compliancePct: number | null;
  band: ComplianceBand | null;
  plannedDistanceM: number;
  doneDistanceM: number;
  strengthPlanned: number;
  strengthDone: number;
  strengthMinutes: number;
  /** Load at the end of the week (its Sunday, or the latest day of the current week); null without data. */
  chronic: number | null;
  acute: number | null;
  form: number | null;
  acwr: number | null;
  /** False for the current week, still under way. */
  complete: boolean;
}

export interface SeasonModel {
  version: typeof SEASON_VERSION;
  athlete: { id: string; name: string; units: PlanUnits; timezone: string };
  /** The athlete's local date the view was built on. */
  asOf: string;
  plan: { name: string; startDate: string; raceDate: string | null; endDate: string } | null;
  /** Plan weeks from the first to this one (at most to the plan's last week), oldest first. */
  weeks: SeasonWeek[];
  totals: {
    /** Mean compliance of the weeks with a score; null when none has one. */
    meanCompliancePct: number | null;
    strengthSessions: number;
    strengthMinutes: number;
    /** Weeks with at least one strength session. */
    weeksWithStrength: number;
    /** Days from `asOf` to race day; null without a race date or after it. */
    daysToRace: number | null;
  };
  load: {
    /** Every day from the first week's Monday to race day (or the plan's end, or today); days after `asOf` are null. */
    days: ReportTrendDay[];
    acwrLimit: number;
    /** Labelled days on the curve: today and race day, when inside it. */
    markers: { date: string; label: string }[];
  };
}

export interface SeasonInput {
  athlete: SeasonModel['athlete'];
  plan: SeasonModel['plan'];
  asOf: string;
  /** Stored week documents (any subset of the season's weeks). */
  weeks: readonly WeekDocument[];
  /** Stored load states from the first week's Monday to `asOf` (any subset). */
  loadDays: readonly LoadState[];
  acwrLimit: number;
  /** The athlete's minimum weekly strength minutes, for the strength part of each week's band (default 40). */
  minWeeklyStrengthMinutes?: number;
}

/** The ISO weeks of the season: the plan's weeks up to this week, or the last `SEASON_WEEKS_WITHOUT_PLAN` weeks. */
export function seasonWeeks(plan: SeasonModel['plan'], asOf: string): string[] {
  const current = isoWeekOf(asOf);
  const first = plan === null ? addWeeks(current, -(SEASON_WEEKS_WITHOUT_PLAN - 1)) : isoWeekOf(plan.startDate);
  const planLast = plan === null ? current : isoWeekOf(plan.endDate);
  const last = planLast < current ? planLast : current;
  const out: string[] = [];
  for (let w = first; w <= last; w = addWeeks(w, 1)) out.push(w);
  return out;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export function buildSeason(input: SeasonInput): SeasonModel {
  const isoWeeks = seasonWeeks(input.plan, input.asOf);
  const docs = new Map(input.weeks.map((w) => [w.isoWeek, w]));
  const loads = new Map(input.loadDays.map((s) => [s.date, s]));
  const current = isoWeekOf(input.asOf);

  const weeks = isoWeeks.map((isoWeek, i): SeasonWeek => {
    const from = mondayOf(isoWeek);
    const doc = docs.get(isoWeek);
    const c = doc?.compliance;
    const endDate = isoWeek === current ? input.asOf : addDays(from, 6);
    const end = loads.get(endDate);
    const score = c?.score ?? null;
    return {
      isoWeek,
      from,
      planWeek: input.plan === null ? null : i + 1,
      compliancePct: score === null ? null : Math.round(score * 100),
      // The overall band of the week's compliance parts (#18 point 14): never green when a part is not.
      band: doc === undefined || score === null ? null : complianceParts(doc, input.minWeeklyStrengthMinutes ?? 40).overall,
      plannedDistanceM: Math.round(c?.planned.distanceM ?? 0),
      doneDistanceM: Math.round(c?.actual.distanceM ?? 0),
      strengthPlanned: c?.planned.strengthSessions ?? 0,
      strengthDone: c?.actual.strengthSessions ?? 0,
      strengthMinutes: r1(c?.actual.strengthMinutes ?? 0),
      chronic: end === undefined ? null : r1(end.chronic),
      acute: end === undefined ? null : r1(end.acute),
      form: end === undefined ? null : r1(end.form),
      acwr: end?.acwr === undefined || end.acwr === null ? null : r3(end.acwr),
      complete: isoWeek < current,
    };
  });

  const scored = weeks.filter((w) => w.compliancePct !== null);
  const race = input.plan?.raceDate ?? null;
  const firstDay = weeks[0]?.from ?? input.asOf;
  const lastDay = [input.asOf, race ?? input.plan?.endDate ?? input.asOf].sort().at(-1)!;
  const days: ReportTrendDay[] = [];
  for (let d = firstDay; d <= lastDay; d = addDays(d, 1)) {
    const s = d <= input.asOf ? loads.get(d) : undefined;
    days.push(
      s === undefined
        ? { date: d, load: null, acute: null, chronic: null, form: null, acwr: null }
        : { date: d, load: r1(s.load), acute: r1(s.acute), chronic: r1(s.chronic), form: r1(s.form), acwr: s.acwr === null ? null : r3(s.acwr) },
    );
  }
  const markers: { date: string; label: string }[] = [];
  if (input.asOf >= firstDay && input.asOf <= lastDay && input.asOf !== race) markers.push({ date: input.asOf, label: 'Today' });
  if (race !== null && race >= firstDay && race <= lastDay) markers.push({ date: race, label: 'Race day' });

  return {
    version: SEASON_VERSION,
    athlete: { ...input.athlete },
    asOf: input.asOf,
    plan: input.plan === null ? null : { ...input.plan },
    weeks,
    totals: {
      meanCompliancePct: scored.length === 0 ? null : Math.round(scored.reduce((n, w) => n + w.compliancePct!, 0) / scored.length),
      strengthSessions: weeks.reduce((n, w) => n + w.strengthDone, 0),
      strengthMinutes: r1(weeks.reduce((n, w) => n + w.strengthMinutes, 0)),
      weeksWithStrength: weeks.filter((w) => w.strengthDone >= 1).length,
      daysToRace: race === null || race < input.asOf ? null : daysBetween(input.asOf, race),
    },
    load: { days, acwrLimit: input.acwrLimit, markers },
  };
}
