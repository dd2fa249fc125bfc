import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AnalysisActivity, PlannedSessionRef } from '../analysis/types.ts';
import type { WeekReportData } from '../domain/week-document.ts';
import type { SessionKind } from '../domain/plan.ts';
import { addDays, addWeeks, mondayOf } from '../domain/iso-week.ts';
import { indexDays, placementIssues } from '../plan/rules.ts';
import { actualItems, raceTooNear, strengthWindow } from './days.ts';
import { judgeStrengthDay } from './placement.ts';
import { compareFlags, recommend } from './recommend.ts';
import {
  activityFor,
  buildWeeks,
  easyRun,
  greyZoneRun,
  intervalRun,
  longRun,
  planned,
  shuffled,
  strength,
  tempoRun,
} from '../../test/support/recommend.ts';
import { DEFAULT_THRESHOLDS, FLAG_CODES, SEVERITIES, type Flag, type RecommendInput } from './types.ts';

const W = '2027-W06';
const PREV = addWeeks(W, -1);
const NEXT = addWeeks(W, 1);
const dateOf = (week: string, i: number): string => addDays(mondayOf(week), i);

const PLAN_KINDS = [null, 'rest', 'easy', 'recovery', 'long', 'tempo', 'intervals', 'hills', 'threshold', 'race_pace', 'race', 'cross'] as const;
type PlanKind = (typeof PLAN_KINDS)[number];
const DONE = ['none', 'as_planned', 'as_planned', 'easy', 'grey', 'tempo', 'intervals', 'long'] as const;

interface DaySpec {
  plan: PlanKind;
  planStrength: boolean;
  done: (typeof DONE)[number];
  strength: 'none' | 'after' | 'before';
  strengthMin: number;
}

const dayArb: fc.Arbitrary<DaySpec> = fc.record({
  plan: fc.constantFrom(...PLAN_KINDS),
  planStrength: fc.constantFrom(false, false, false, true),
  done: fc.constantFrom(...DONE),
  strength: fc.constantFrom('none', 'none', 'none', 'none', 'after', 'before'),
  strengthMin: fc.integer({ min: 10, max: 70 }),
});
const weekArb = fc.array(dayArb, { minLength: 7, maxLength: 7 });

function weekOf(isoWeek: string, prefix: string, days: readonly DaySpec[], withPlan: boolean): { planned: PlannedSessionRef[]; activities: AnalysisActivity[] } {
  const plannedList: PlannedSessionRef[] = [];
  const activities: AnalysisActivity[] = [];
  days.forEach((s, i) => {
    const date = dateOf(isoWeek, i);
    if (withPlan && s.plan !== null) plannedList.push(planned(`${prefix}p${i}`, date, s.plan, s.plan === 'long' ? { distanceM: 28_000 } : {}));
    if (withPlan && s.planStrength) plannedList.push(planned(`${prefix}s${i}`, date, 'strength', { durationS: 2700 }));
    const id = `${prefix}a${i}`;
    let act: AnalysisActivity | null = null;
    switch (s.done) {
      case 'none':
        break;
      case 'as_planned':
        act = s.plan === null ? null : activityFor(id, date, s.plan);
        break;
      case 'easy':
        act = easyRun(id, date);
        break;
      case 'grey':
        act = greyZoneRun(id, date, 0.4);
        break;
      case 'tempo':
        act = tempoRun(id, date);
        break;
      case 'intervals':
        act = intervalRun(id, date);
        break;
      case 'long':
        act = longRun(id, date, { km: 24 });
        break;
    }
    if (act !== null) activities.push(act);
    if (s.strength !== 'none') activities.push(strength(`${prefix}st${i}`, date, { min: s.strengthMin, startHour: s.strength === 'before' ? 5 : 18 }));
  });
  return { planned: plannedList, activities };
}

interface ScenarioSpec {
  prev: DaySpec[];
  cur: DaySpec[];
  next: { plan: PlanKind; strength: boolean }[];
  planThisWeek: boolean;
  planNextWeek: boolean;
  race: number | null;
  asOf: number | null;
  history: number | null;
  seed: number;
}

const scenarioArb: fc.Arbitrary<ScenarioSpec> = fc.record({
  prev: weekArb,
  cur: weekArb,
  next: fc.array(fc.record({ plan: fc.constantFrom(...PLAN_KINDS), strength: fc.constantFrom(false, false, false, true) }), { minLength: 7, maxLength: 7 }),
  planThisWeek: fc.constantFrom(true, true, true, false),
  planNextWeek: fc.boolean(),
  race: fc.option(fc.integer({ min: 0, max: 20 }), { freq: 3 }),
  asOf: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 4 }),
  history: fc.option(fc.integer({ min: 20, max: 300 }), { freq: 2 }),
  seed: fc.integer(),
});

interface Built {
  input: RecommendInput;
  docs: WeekReportData[];
}

function build(s: ScenarioSpec): Built {
  const prev = weekOf(PREV, 'prev-', s.prev, true);
  const cur = weekOf(W, '', s.cur, s.planThisWeek);
  const docs = buildWeeks(
    [
      { isoWeek: PREV, ...prev },
      { isoWeek: W, ...cur },
    ],
    s.history === null ? {} : { history: { days: 35, dailyLoad: s.history } },
  );
  const next: PlannedSessionRef[] = [];
  if (s.planNextWeek) {
    s.next.forEach((n, i) => {
      const date = dateOf(NEXT, i);
      if (n.plan !== null) next.push(planned(`next-p${i}`, date, n.plan));
      if (n.strength) next.push(planned(`next-s${i}`, date, 'strength', { durationS: 2700 }));
    });
  }
  return {
    docs,
    input: {
      week: docs[1]!,
      previousWeek: docs[0]!,
      plannedThisWeek: cur.planned,
      plannedNextWeek: next,
      raceDate: s.race === null ? null : dateOf(W, s.race),
      taperStart: null,
      asOf: s.asOf === null ? null : dateOf(W, s.asOf),
    },
  };
}

function shuffleDoc(doc: WeekReportData, seed: number): WeekReportData {
  return {
    ...doc,
    activities: shuffled(doc.activities, seed),
    compliance: { ...doc.compliance, matches: shuffled(doc.compliance.matches, seed + 1) },
  };
}

const RUNS = { numRuns: 120 };

describe('recommend properties', () => {
  it('is stable under reordering of every input list', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input } = build(s);
        const a = recommend(input);
        const b = recommend({
          ...input,
          week: shuffleDoc(input.week, s.seed),
          previousWeek: input.previousWeek === null ? null : shuffleDoc(input.previousWeek, s.seed + 2),
          plannedThisWeek: shuffled(input.plannedThisWeek, s.seed + 3),
          plannedNextWeek: shuffled(input.plannedNextWeek, s.seed + 4),
        });
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  it('cites only ids that exist in the input, and every flag cites some', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input } = build(s);
        const activityIds = new Set([...input.week.activities, ...(input.previousWeek?.activities ?? [])].map((a) => a.id));
        const plannedIds = new Set([...input.plannedThisWeek, ...input.plannedNextWeek].map((p) => p.id));
        for (const f of recommend(input).flags) {
          for (const id of f.evidence.activityIds) expect(activityIds, `${f.code} cites activity ${id}`).toContain(id);
          for (const id of f.evidence.plannedIds) expect(plannedIds, `${f.code} cites planned ${id}`).toContain(id);
          expect(f.evidence.activityIds.length + f.evidence.plannedIds.length, `${f.code} has no evidence ids`).toBeGreaterThan(0);
          expect([...f.evidence.activityIds].sort()).toEqual(f.evidence.activityIds);
          expect(new Set(f.evidence.activityIds).size).toBe(f.evidence.activityIds.length);
          for (const v of Object.values(f.evidence.numbers)) expect(Number.isFinite(v)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('returns well-formed, sorted flags, at most one per code and day', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input } = build(s);
        const { flags, nextWeek } = recommend(input);
        const seen = new Set<string>();
        flags.forEach((f: Flag, i) => {
          expect(FLAG_CODES).toContain(f.code);
          expect(SEVERITIES).toContain(f.severity);
          expect(f.week).toBe(W);
          if (f.date !== null) expect(f.date >= input.week.from && f.date <= input.week.to).toBe(true);
          expect(f.message).toMatch(/^[A-Z].*\.$/);
          expect(f.message.slice(0, -1)).not.toMatch(/\.\s/);
          expect(f.suggestion.length).toBeGreaterThan(0);
          const key = `${f.code}@${f.date ?? 'week'}`;
          expect(seen.has(key), key).toBe(false);
          seen.add(key);
          const prev = flags[i - 1];
          if (prev !== undefined) expect(compareFlags(prev, f)).toBeLessThanOrEqual(0);
        });
        expect(nextWeek.isoWeek).toBe(NEXT);
        for (const a of nextWeek.strengthDays) expect(a.date >= dateOf(NEXT, 0) && a.date <= dateOf(NEXT, 6)).toBe(true);
      }),
      RUNS,
    );
  });

  it('never suggests a strength day that raises a placement flag when next week goes as planned', () => {
    const placement = new Set(['strength_before_key_session', 'strength_on_easy_day', 'strength_before_run']);
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input } = build({ ...s, planNextWeek: true, asOf: null });
        const { nextWeek } = recommend(input);
        const suggested = nextWeek.strengthDays.map((a) => a.date);
        if (nextWeek.basis !== 'plan') return;
        // Next week as planned: every session done as its kind, strength after the run on the suggested days.
        const activities: AnalysisActivity[] = [];
        for (const p of input.plannedNextWeek) {
          if (p.kind === 'strength') continue;
          const a = activityFor(`sim-${p.id}`, p.date, p.kind);
          if (a !== null) activities.push(a);
        }
        const race = input.raceDate;
        if (race !== null && race >= dateOf(NEXT, 0) && race <= dateOf(NEXT, 6) && !input.plannedNextWeek.some((p) => p.date === race && p.kind === 'race')) {
          activities.push(tempoRun('sim-race', race));
        }
        for (const date of suggested) activities.push(strength(`sim-st-${date}`, date, { startHour: 19 }));
        const [sim] = buildWeeks([{ isoWeek: NEXT, planned: input.plannedNextWeek, activities }]);
        const r = recommend({
          week: sim!,
          previousWeek: input.week,
          plannedThisWeek: input.plannedNextWeek,
          plannedNextWeek: [],
          raceDate: input.raceDate,
          taperStart: null,
        });
        const bad = r.flags.filter((f) => placement.has(f.code) && f.date !== null && suggested.includes(f.date));
        expect(bad).toEqual([]);
      }),
      RUNS,
    );
  });

  it('advice never breaks the engine’s own rules: next week done as advised raises no flag the advice caused (#18, point 10)', () => {
    const strengthCodes = new Set(['strength_before_key_session', 'strength_on_easy_day', 'strength_before_run', 'strength_too_close', 'strength_near_race']);
    fc.assert(
      fc.property(scenarioArb, (s) => {
        // Next week's plan with the distances its sessions will be run at, so "as planned" is exact.
        const base = build({ ...s, planNextWeek: true, asOf: null });
        const runs = new Map<string, AnalysisActivity>();
        const plannedNextWeek = base.input.plannedNextWeek.map((p) => {
          const a = p.kind === 'strength' ? null : activityFor(`sim-${p.id}`, p.date, p.kind);
          if (a === null) return p;
          runs.set(p.id, a);
          return a.category === 'run' ? { ...p, distanceM: a.distanceM, durationS: null } : p;
        });
        const input: RecommendInput = { ...base.input, plannedNextWeek, plannedPreviousWeek: weekOf(PREV, 'prev-', s.prev, true).planned };
        const { nextWeek } = recommend(input);
        const recovery = nextWeek.basis === 'recovery';

        // As advised: the planned sessions as planned (a recovery week: none of them), strength after the
        // run on the suggested days (lighter in race week), and running filled up to the volume limit in
        // easy runs of at most 8 km on days without a hard session, before any race.
        const race = input.raceDate !== null && input.raceDate >= dateOf(NEXT, 0) && input.raceDate <= dateOf(NEXT, 6) ? input.raceDate : null;
        const activities: AnalysisActivity[] = recovery ? [] : [...runs.values()];
        if (!recovery && race !== null && !plannedNextWeek.some((p) => p.date === race && p.kind === 'race')) activities.push(tempoRun('sim-race', race));
        const raceWeek = race !== null;
        for (const a of nextWeek.strengthDays) activities.push(strength(`sim-st-${a.date}`, a.date, { startHour: 19, min: raceWeek ? 25 : 45 }));
        const [asPlanned] = buildWeeks([{ isoWeek: NEXT, planned: plannedNextWeek, activities }]);
        const cut = [race, ...plannedNextWeek.filter((p) => p.kind === 'race').map((p) => p.date)].filter((d): d is string => d !== null).sort()[0] ?? null;
        const volume = asPlanned!.activities.filter((a) => a.category === 'run' && (cut === null || a.localDate < cut)).reduce((n, a) => n + (a.distanceM ?? 0), 0);
        const hardDays = new Set(asPlanned!.compliance.actual.hardDays);
        // (Not next to a planned race either: matching would take an easy run there for the race.)
        const races = plannedNextWeek.filter((p) => p.kind === 'race').map((p) => p.date);
        const nearRace = (d: string): boolean => races.some((r) => d === addDays(r, -1) || d === r || d === addDays(r, 1));
        const fillDays = [0, 1, 2, 3, 4, 5, 6].map((i) => dateOf(NEXT, i)).filter((d) => !hardDays.has(d) && !nearRace(d) && (cut === null || d < cut));
        let deficit = nextWeek.maxDistanceM === undefined ? 0 : nextWeek.maxDistanceM - volume;
        for (let i = 0; deficit > 100 && fillDays.length > 0; i++) {
          // Whole 10-s samples at 5:30/km, rounded down: the runs never add more than the limit.
          const seconds = Math.floor((Math.min(8, deficit / 1000) * 330) / 10) * 10;
          activities.push(easyRun(`sim-fill-${i}`, fillDays[i % fillDays.length]!, { min: seconds / 60 }));
          deficit -= (seconds / 330) * 1000;
        }
        const [sim] = buildWeeks([{ isoWeek: NEXT, planned: plannedNextWeek, activities }]);
        const r = recommend({
          week: sim!,
          previousWeek: input.week,
          plannedThisWeek: plannedNextWeek,
          plannedNextWeek: [],
          plannedPreviousWeek: input.plannedThisWeek,
          raceDate: input.raceDate,
          taperStart: null,
        });
        const suggested = new Set(nextWeek.strengthDays.map((a) => a.date));
        const caused = r.flags.filter(
          (f) =>
            (strengthCodes.has(f.code) && f.date !== null && suggested.has(f.date)) ||
            (f.code === 'ramp_too_steep' && f.evidence.numbers.rampFraction !== undefined) ||
            f.code === 'mileage_above_plan' ||
            f.code === 'cutback_skipped',
        );
        expect(caused).toEqual([]);
      }),
      RUNS,
    );
  });

  it('without a plan next week, suggests days that keep the rules on this week’s pattern', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input } = build({ ...s, planNextWeek: false });
        const { nextWeek } = recommend(input);
        // After the goal race (or a planned race run as a half marathon or longer), next week is
        // recovery: no strength days to check.
        const goalRace = s.race !== null && s.race <= 6;
        const plannedRace = input.plannedThisWeek.some((p) => p.kind === 'race');
        if (goalRace || (plannedRace && nextWeek.basis === 'recovery')) {
          expect(nextWeek.basis).toBe('recovery');
          expect(nextWeek.strengthDays).toEqual([]);
          return;
        }
        expect(nextWeek.basis).toBe('pattern');
        const items = actualItems(input.week, input.raceDate, DEFAULT_THRESHOLDS);
        const moved = items
          .filter((i) => i.kind !== 'strength')
          .map((i): { date: string; kind: SessionKind } => ({ date: addDays(i.date, 7), kind: i.kind === 'race' ? 'long' : i.kind }));
        const race = input.raceDate !== null && input.raceDate >= dateOf(NEXT, 0) ? [{ date: input.raceDate, kind: 'race' as const }] : [];
        const suggested = nextWeek.strengthDays.map((a) => a.date);
        const map = indexDays([...items, ...moved, ...race, ...suggested.map((date) => ({ date, kind: 'strength' as const }))]);
        const dates = [0, 1, 2, 3, 4, 5, 6].map((i) => dateOf(NEXT, i));
        const races = input.raceDate === null ? [] : [input.raceDate];
        const window = strengthWindow(dates, input.raceDate).filter((d) => raceTooNear(d, races, DEFAULT_THRESHOLDS.minHoursStrengthBeforeRace) === null);
        for (const date of suggested) expect(judgeStrengthDay(() => map, date, window)).toBeNull();
      }),
      RUNS,
    );
  });

  it('agrees with the plan check on a week done exactly as planned', () => {
    fc.assert(
      fc.property(weekArb, (days) => {
        const asPlanned = days.map((d): DaySpec => ({ ...d, done: 'as_planned', strength: d.planStrength ? 'after' : 'none' }));
        const week = weekOf(W, '', asPlanned, true);
        const [doc] = buildWeeks([{ isoWeek: W, ...week }]);
        const { flags } = recommend({ week: doc!, previousWeek: null, plannedThisWeek: week.planned, plannedNextWeek: [], raceDate: null, taperStart: null });
        // Strength the day before a race is the race rule's (`strength_near_race`, critical).
        const races = new Set(week.planned.filter((p) => p.kind === 'race').map((p) => p.date));
        const fromRecommend = flags
          .filter(
            (f) =>
              f.code === 'hard_days_back_to_back' ||
              f.code === 'strength_before_key_session' ||
              (f.code === 'strength_on_easy_day' && f.severity === 'critical') ||
              (f.code === 'strength_near_race' && f.date !== null && races.has(addDays(f.date, 1))),
          )
          .map((f) => `${f.code}@${f.date ?? ''}`);
        const name = { strength_before_hard_day: 'strength_before_key_session', strength_between_hard_days: 'strength_on_easy_day', hard_days_back_to_back: 'hard_days_back_to_back' } as const;
        const fromCheck = placementIssues(week.planned).map((i) =>
          i.code !== 'hard_days_back_to_back' && races.has(addDays(i.date, 1)) ? `strength_near_race@${i.date}` : `${name[i.code]}@${i.date}`,
        );
        expect(fromRecommend.sort()).toEqual(fromCheck.sort());
      }),
      RUNS,
    );
  });
});
