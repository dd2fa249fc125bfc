import { describe, expect, it } from 'vitest';
import type { AnalysisActivity, PlannedSessionRef } from '../analysis/types.ts';
import { addDays, addWeeks, mondayOf } from '../domain/iso-week.ts';
import { compareFlags, recommend } from './recommend.ts';
import {
  buildWeeks,
  cross,
  easyRun,
  greyZoneRun,
  intervalRun,
  longRun,
  modelWeek,
  planned,
  strength,
  tempoRun,
  type WeekPlanAndActivities,
} from '../../test/support/recommend.ts';
import type { Flag, RecommendInput, RecommendThresholds } from './types.ts';

// The analysed week: Mon 2027-02-08 … Sun 2027-02-14. Model weeks around it (see `modelWeek`).
const W = '2027-W06';
const d = (i: number): string => addDays(mondayOf(W), i);
const [MON, TUE, WED, THU, FRI, SAT, SUN] = [0, 1, 2, 3, 4, 5, 6].map(d) as [string, string, string, string, string, string, string];
const NEXT_MON = d(7);

interface Edit {
  drop?: string[];
  add?: AnalysisActivity[];
  dropPlanned?: string[];
  addPlanned?: PlannedSessionRef[];
}

function edit(week: WeekPlanAndActivities, e: Edit): WeekPlanAndActivities {
  return {
    planned: [...week.planned.filter((p) => !(e.dropPlanned ?? []).includes(p.id)), ...(e.addPlanned ?? [])],
    activities: [...week.activities.filter((a) => !(e.drop ?? []).includes(a.id)), ...(e.add ?? [])],
  };
}

interface Scenario {
  /** This week (ids without prefix: `a-int`, `p-int`, …). */
  week?: Edit;
  /** Last week (ids prefixed `prev-`). */
  previous?: Edit;
  /** Next week's plan (ids prefixed `next-`); `null` for no plan. */
  next?: Edit | null;
  raceDate?: string | null;
  taperStart?: string | null;
  asOf?: string | null;
  history?: { days: number; dailyLoad: number };
  thresholds?: Partial<RecommendThresholds>;
}

/** Three model weeks before this one (so ramp and ACWR have history), this week, next week's plan. */
function scenario(s: Scenario = {}): { input: RecommendInput; flags: Flag[]; result: ReturnType<typeof recommend> } {
  const specs = [-3, -2, -1, 0].map((i) => {
    const isoWeek = addWeeks(W, i);
    const base = modelWeek(isoWeek, i === 0 ? '' : i === -1 ? 'prev-' : `w${-i}-`);
    const e = i === 0 ? s.week : i === -1 ? s.previous : undefined;
    return { isoWeek, ...(e === undefined ? base : edit(base, e)) };
  });
  const docs = buildWeeks(specs, { history: s.history ?? { days: 35, dailyLoad: 150 } });
  const nextModel = modelWeek(addWeeks(W, 1), 'next-');
  const next = s.next === null ? [] : (s.next === undefined ? nextModel : edit(nextModel, s.next)).planned;
  const input: RecommendInput = {
    week: docs[3]!,
    previousWeek: docs[2]!,
    plannedThisWeek: specs[3]!.planned,
    plannedNextWeek: next,
    plannedPreviousWeek: specs[2]!.planned,
    raceDate: s.raceDate ?? null,
    taperStart: s.taperStart ?? null,
    asOf: s.asOf ?? null,
  };
  const result = recommend(input, s.thresholds);
  return { input, flags: result.flags, result };
}

const codes = (flags: readonly Flag[]): string[] => flags.map((f) => `${f.code}@${f.date ?? 'week'}`);

describe('the model week', () => {
  it('raises no flag: strength after the intervals (Tue) and the tempo (Thu), easy days easy, long run Sun', () => {
    const { flags } = scenario();
    expect(flags).toEqual([]);
  });

  it('recommends next week the planned strength days after the quality sessions', () => {
    const { result } = scenario();
    expect(result.nextWeek.isoWeek).toBe('2027-W07');
    expect(result.nextWeek.basis).toBe('plan');
    expect(result.nextWeek.strengthDays.map((s) => [s.date, s.afterKind, s.optional])).toEqual([
      [addDays(NEXT_MON, 1), 'intervals', false],
      [addDays(NEXT_MON, 3), 'tempo', false],
    ]);
    expect(result.nextWeek.notes).toEqual([]);
  });
});

describe('one scenario per flag, raising exactly that flag', () => {
  it('strength_skipped: the Thursday strength session was not done', () => {
    const { flags } = scenario({ week: { drop: ['a-str2'] } });
    expect(codes(flags)).toEqual([`strength_skipped@${THU}`]);
    const f = flags[0]!;
    expect(f).toMatchObject({ severity: 'warning', week: W, evidence: { activityIds: [], plannedIds: ['p-str2'], numbers: { plannedMinutes: 45 } } });
    expect(f.message).toBe('The strength session planned for Thu 2027-02-11 (45 min) was not done.');
    expect(f.suggestion).toContain('Next week your hard days are Tue (intervals), Thu (tempo run) and Sun (long run): do strength on Tue after the intervals and Thu after the tempo run.');
  });

  it('strength_skipped, not a placement flag, for a skipped session planned the day before the long run', () => {
    const { flags } = scenario({ week: { addPlanned: [planned('p-str3', SAT, 'strength', { durationS: 2700 })] } });
    expect(codes(flags)).toEqual([`strength_skipped@${SAT}`]);
  });

  it('strength_missing: no strength at all, the skipped sessions folded in', () => {
    const { flags } = scenario({ week: { drop: ['a-str1', 'a-str2'] } });
    expect(codes(flags)).toEqual(['strength_missing@week']);
    expect(flags[0]).toMatchObject({
      severity: 'warning',
      evidence: { plannedIds: ['p-str1', 'p-str2'], numbers: { strengthSessions: 0, plannedStrengthSessions: 2, weeksInARow: 1 } },
    });
    expect(flags[0]!.evidence.activityIds).toEqual(['a-e1', 'a-e2', 'a-int', 'a-long', 'a-tempo']);
    expect(flags[0]!.message).toBe('No strength session in 2027-W06, although 2 were planned.');
  });

  it('strength_missing is critical in the second week in a row', () => {
    const { flags } = scenario({ week: { drop: ['a-str1', 'a-str2'] }, previous: { drop: ['prev-a-str1', 'prev-a-str2'] } });
    expect(codes(flags)).toEqual(['strength_missing@week']);
    expect(flags[0]).toMatchObject({ severity: 'critical', evidence: { numbers: { weeksInARow: 2 } } });
    expect(flags[0]!.message).toContain('the second week in a row');
  });

  it('strength_too_short: one 20-minute session', () => {
    const { flags } = scenario({
      week: { drop: ['a-str1', 'a-str2'], dropPlanned: ['p-str2'], add: [strength('a-str1', TUE, { min: 20 })] },
    });
    expect(codes(flags)).toEqual(['strength_too_short@week']);
    expect(flags[0]).toMatchObject({
      severity: 'warning',
      evidence: { activityIds: ['a-str1'], numbers: { strengthMinutes: 20, minStrengthMinutes: 40, strengthSessions: 1 } },
    });
  });

  it('strength_before_key_session: strength on Saturday, the day before the long run', () => {
    const { flags } = scenario({ week: { drop: ['a-str2'], dropPlanned: ['p-str2'], add: [strength('a-str2', SAT)] } });
    expect(codes(flags)).toEqual([`strength_before_key_session@${SAT}`]);
    expect(flags[0]).toMatchObject({ severity: 'warning', evidence: { activityIds: ['a-long', 'a-str2'], plannedIds: ['p-long'] } });
    expect(flags[0]!.message).toBe('Strength on Sat 2027-02-13 came the day before the long run on Sun 2027-02-14.');
  });

  it('strength_on_easy_day: strength on the Friday rest day while Thursday’s tempo was free', () => {
    const { flags } = scenario({ week: { drop: ['a-str2'], dropPlanned: ['p-str2'], add: [strength('a-str2', FRI)] } });
    expect(codes(flags)).toEqual([`strength_on_easy_day@${FRI}`]);
    expect(flags[0]).toMatchObject({ severity: 'warning', evidence: { activityIds: ['a-str2', 'a-tempo'], numbers: { freeHardDays: 1 } } });
    expect(flags[0]!.message).toBe("Strength on Fri 2027-02-12 fell on an easy day although Thu's tempo run could have carried it.");
  });

  it('strength_on_easy_day is critical between two hard days (a third hard day in a row)', () => {
    // Planned Thursday, done Wednesday (a moved session, so not skipped).
    const { flags } = scenario({ week: { drop: ['a-str2'], add: [strength('a-str2', WED)] } });
    // Tuesday's session 24 h earlier also makes it too close (#18, point 3).
    expect(codes(flags)).toEqual([`strength_on_easy_day@${WED}`, `strength_too_close@${WED}`]);
    expect(flags[0]).toMatchObject({
      severity: 'critical',
      evidence: { activityIds: ['a-int', 'a-str2', 'a-tempo'], numbers: { hardDaysInARow: 3 } },
    });
  });

  it('strength_on_easy_day is info when the plan put it there', () => {
    const { flags } = scenario({
      week: { drop: ['a-str2'], dropPlanned: ['p-str2'], add: [strength('a-str2', FRI)], addPlanned: [planned('p-str2', FRI, 'strength')] },
    });
    expect(codes(flags)).toEqual([`strength_on_easy_day@${FRI}`]);
    expect(flags[0]).toMatchObject({ severity: 'info', evidence: { plannedIds: ['p-str2'] } });
  });

  it('strength_before_run: Tuesday strength at 06:00, the intervals at 07:00', () => {
    const { flags } = scenario({ week: { drop: ['a-str1'], add: [strength('a-str1', TUE, { startHour: 6 })] } });
    expect(codes(flags)).toEqual([`strength_before_run@${TUE}`]);
    expect(flags[0]).toMatchObject({ severity: 'warning', evidence: { activityIds: ['a-int', 'a-str1'], numbers: { minutesBeforeRun: 60 } } });
  });

  it('strength_missing_taper: no strength three weeks before the race', () => {
    const { flags, result } = scenario({ week: { drop: ['a-str1', 'a-str2'] }, raceDate: '2027-02-28' });
    expect(codes(flags)).toEqual(['strength_missing_taper@week']);
    expect(flags[0]).toMatchObject({ severity: 'warning', evidence: { plannedIds: ['p-str1', 'p-str2'] } });
    // Next week is a taper week too: strength stays, lighter, and no optional second session.
    expect(result.nextWeek.notes.some((n) => n.startsWith('Taper week'))).toBe(true);
  });

  it('hard_days_back_to_back: a Saturday tempo before the Sunday long run', () => {
    const { flags } = scenario({
      week: {
        drop: ['a-tempo', 'a-str2', 'a-e2'],
        dropPlanned: ['p-tempo', 'p-str2', 'p-e2'],
        add: [easyRun('a-e2', THU), tempoRun('a-tempo', SAT)],
        addPlanned: [planned('p-e2', THU, 'easy', { durationS: 2700 }), planned('p-tempo', SAT, 'tempo', { durationS: 3000 })],
      },
    });
    expect(codes(flags)).toEqual([`hard_days_back_to_back@${SUN}`]);
    expect(flags[0]).toMatchObject({ severity: 'warning', evidence: { activityIds: ['a-long', 'a-tempo'], numbers: { hardDaysInARow: 2 } } });
    expect(flags[0]!.message).toBe('Hard days back to back: the tempo run on Sat 2027-02-13, then the long run on Sun 2027-02-14.');
  });

  it('easy_run_too_hard: 40 % of the Wednesday easy run in zone 3', () => {
    const { flags } = scenario({ week: { drop: ['a-e1'], add: [greyZoneRun('a-e1', WED, 0.4)] } });
    expect(codes(flags)).toEqual([`easy_run_too_hard@${WED}`]);
    expect(flags[0]).toMatchObject({
      severity: 'warning',
      evidence: { activityIds: ['a-e1'], plannedIds: ['p-e1'], numbers: { fractionAboveZone2: 0.4, maxFractionAboveZone2: 0.2, zone2MaxBpm: 144 } },
    });
  });

  it('key_session_missed: no tempo on Thursday', () => {
    const { flags } = scenario({ week: { drop: ['a-tempo'] } });
    expect(codes(flags)).toEqual([`key_session_missed@${THU}`]);
    expect(flags[0]).toMatchObject({ severity: 'warning', evidence: { activityIds: [], plannedIds: ['p-tempo'], numbers: { plannedDurationS: 3000 } } });
  });

  it('mileage_below_plan: short easy runs and an 18 km long run', () => {
    const { flags } = scenario({
      week: {
        drop: ['a-e1', 'a-e2', 'a-long'],
        add: [easyRun('a-e1', WED, { min: 22 }), easyRun('a-e2', SAT, { min: 22 }), longRun('a-long', SUN, { km: 18 })],
      },
    });
    expect(codes(flags)).toEqual(['mileage_below_plan@week']);
    expect(flags[0]!.severity).toBe('info');
    expect(flags[0]!.evidence.numbers.ratio).toBeLessThan(0.8);
  });

  it('mileage_above_plan: easy runs planned at 17 min run as 45 min (68.1 km for 56.4 km)', () => {
    const { flags } = scenario({
      week: {
        dropPlanned: ['p-e1', 'p-e2'],
        addPlanned: [planned('p-e1', WED, 'easy', { durationS: 1000 }), planned('p-e2', SAT, 'easy', { durationS: 1000 })],
      },
    });
    expect(codes(flags)).toEqual(['mileage_above_plan@week']);
    expect(flags[0]!.evidence.numbers.ratio).toBeGreaterThan(1.2);
  });

  it('ramp_too_steep: two extra hour-long runs (+32 % on last week), also above plan: one flag', () => {
    const { flags } = scenario({ week: { add: [easyRun('a-x1', MON, { min: 60 }), easyRun('a-x2', FRI, { min: 60 })] } });
    expect(codes(flags)).toEqual(['ramp_too_steep@week']);
    const n = flags[0]!.evidence.numbers;
    expect(n.rampFraction).toBeGreaterThan(0.3);
    expect(n.plannedDistanceM).toBeGreaterThan(0);
    expect(flags[0]!.evidence.plannedIds.length).toBeGreaterThan(0);
  });

  it('ramp_too_steep: acute:chronic load above 1.5 after a three-hour Monday ride', () => {
    const { flags } = scenario({ week: { add: [cross('a-bike', MON, { min: 180, rpe: 8 })] } });
    expect(codes(flags)).toEqual([`ramp_too_steep@${MON}`]);
    expect(flags[0]).toMatchObject({ severity: 'warning', evidence: { activityIds: ['a-bike'] } });
    expect(flags[0]!.evidence.numbers.acwr).toBeGreaterThan(1.5);
  });
});

describe('#18: new and corrected flags', () => {
  it('strength_too_close: Thursday 18:00 and Friday 08:00 (14 h apart), not also "on an easy day"', () => {
    const { flags } = scenario({ week: { add: [strength('a-str3', FRI, { startHour: 8 })] } });
    expect(codes(flags)).toEqual([`strength_too_close@${FRI}`]);
    expect(flags[0]).toMatchObject({
      severity: 'warning',
      evidence: { activityIds: ['a-str2', 'a-str3'], numbers: { hoursApart: 14, minHoursBetweenStrength: 48 } },
    });
    expect(flags[0]!.message).toBe('Strength on Fri 2027-02-12 started 14 h 00 min after the strength session on Thu 2027-02-11 (keep at least 48 h between them).');
  });

  it('strength_too_close pairs Monday with last Sunday', () => {
    const { flags } = scenario({
      previous: { add: [strength('prev-a-str3', addDays(MON, -1), { startHour: 19 })] },
      week: { add: [strength('a-str3', MON, { startHour: 12 })] },
    });
    expect(codes(flags)).toContain(`strength_too_close@${MON}`);
    expect(flags.find((f) => f.code === 'strength_too_close')!.evidence.activityIds).toEqual(['a-str3', 'prev-a-str3']);
  });

  it('strength_near_race: a 41-min session 61 h before the race, not "on an easy day"', () => {
    const race = addDays(NEXT_MON, 0);
    const { flags } = scenario({
      week: { drop: ['a-str2'], dropPlanned: ['p-str2'], add: [strength('a-str2', FRI, { min: 41, startHour: 19 })] },
      next: { addPlanned: [planned('next-p-race', race, 'race', { distanceM: 21_100 })] },
    });
    const f = flags.find((x) => x.code === 'strength_near_race');
    expect(f).toMatchObject({ date: FRI, severity: 'warning', evidence: { plannedIds: ['next-p-race'], numbers: { hoursBeforeRace: 61 } } });
    expect(codes(flags)).not.toContain(`strength_on_easy_day@${FRI}`);
  });

  it('a race on Wednesday leaves no time for race-week strength 72 h before it: no strength_missing_taper', () => {
    const week: Edit = { drop: ['a-str1', 'a-str2'] };
    expect(codes(scenario({ week, raceDate: WED }).flags)).not.toContain('strength_missing_taper@week');
    expect(codes(scenario({ week, raceDate: THU }).flags)).toContain('strength_missing_taper@week');
  });

  it('the race raises no load flag: a marathon on Sunday after a taper week', () => {
    const { flags } = scenario({
      week: {
        drop: ['a-long', 'a-str2'],
        dropPlanned: ['p-long', 'p-str2'],
        add: [longRun('a-race', SUN, { km: 42 })],
        addPlanned: [planned('p-race', SUN, 'race', { distanceM: 42_195 })],
      },
      raceDate: SUN,
      history: { days: 35, dailyLoad: 60 },
    });
    expect(codes(flags).filter((c) => c.startsWith('ramp_too_steep') || c.startsWith('mileage_above_plan'))).toEqual([]);
  });

  it('long_run_overshoot: 36 km for 30 planned (+20 % and +33 min)', () => {
    const { flags } = scenario({ week: { drop: ['a-long'], add: [longRun('a-long', SUN, { km: 36 })] } });
    expect(codes(flags)).toEqual([`long_run_overshoot@${SUN}`]);
    expect(flags[0]).toMatchObject({
      evidence: { activityIds: ['a-long'], plannedIds: ['p-long'], numbers: { distanceM: 36_000, plannedDistanceM: 30_000, overshootFraction: 0.2, extraMinutes: 33 } },
    });
    expect(flags[0]!.message).toBe('The long run on Sun 2027-02-14 came to 36 km, 120 % of the 30 km planned (limit +15 % or 20 min).');
    // 33 km is +10 % and +16.5 min: within both limits.
    expect(scenario({ week: { drop: ['a-long'], add: [longRun('a-long', SUN, { km: 33 })] } }).flags).toEqual([]);
  });

  it('long_run_overshoot: a 3 h 40 min run the plan did not ask for', () => {
    const { flags } = scenario({ week: { drop: ['a-e2'], add: [easyRun('a-e2', SAT, { min: 220 })] }, thresholds: { maxWeeklyRamp: 5, mileageBandHigh: 10 } });
    expect(codes(flags)).toContain(`long_run_overshoot@${SAT}`);
    expect(flags.find((f) => f.code === 'long_run_overshoot')!.message).toBe('The run on Sat 2027-02-13 lasted 3 h 40 min, longer than 3 h 30 min, and the plan did not ask for it.');
  });

  it('cutback_skipped: a cut-back week (long run 18 km, −18 %) run as a full week', () => {
    const { flags } = scenario({ week: { dropPlanned: ['p-long'], addPlanned: [planned('p-long', SUN, 'long', { distanceM: 18_000 })] } });
    expect(codes(flags)).toEqual([`long_run_overshoot@${SUN}`, 'cutback_skipped@week']);
    const f = flags[1]!;
    expect(f.evidence.numbers).toMatchObject({ plannedRatio: 0.818, ratioToPreviousWeek: 1, cutbackMaxPlannedRatio: 0.85, cutbackSkippedRatio: 0.95 });
    expect(f.message).toBe("The plan made 2027-W06 a cut-back week (53.8 km, 18 % under last week's 65.8 km), but you ran 68.1 km, 100 % of last week's 68.1 km.");
  });

  it('easy_run_too_hard: three easy runs too hard are one flag with a heart-rate and a pace ceiling', () => {
    const { flags } = scenario({
      week: { drop: ['a-e1', 'a-e2'], add: [greyZoneRun('a-e1', WED, 0.4), greyZoneRun('a-e2', SAT, 0.3), greyZoneRun('a-e3', MON, 0.5, { min: 20 })], addPlanned: [planned('p-e3', MON, 'easy')] },
    });
    expect(codes(flags)).toEqual(['easy_run_too_hard@week']);
    const f = flags[0]!;
    expect(f.evidence).toMatchObject({ activityIds: ['a-e1', 'a-e2', 'a-e3'], plannedIds: ['p-e1', 'p-e2', 'p-e3'], numbers: { runs: 3, fractionAboveZone2: 0.5, zone2MaxBpm: 144 } });
    // No threshold pace: the pace of last week's easy runs in zone 2 (5:30/km).
    expect(f.evidence.numbers.easyPaceCeilingSPerKm).toBe(330);
    expect(f.suggestion).toBe("Keep easy runs under 144 bpm (the top of zone 2) and at about 5:30/km or slower (your pace on recent runs that stayed in zone 2), slowing down on hills if need be; next week's easy runs are Wed and Sat.");
    expect(f.message).toBe('Easy runs were run too hard 3 times in 2027-W06 (limit 20 % of heart-rate time above zone 2): Mon 2027-02-08 (50 % above zone 2), Wed 2027-02-10 (40 % above zone 2) and Sat 2027-02-13 (30 % above zone 2).');
  });

  it('after the race, next week is recovery: no strength days, a volume cap, and advice that says so', () => {
    const { result } = scenario({
      week: { drop: ['a-long'], dropPlanned: ['p-long'], add: [longRun('a-race', SUN, { km: 42 })], addPlanned: [planned('p-race', SUN, 'race', { distanceM: 42_195 })] },
      raceDate: SUN,
    });
    expect(result.nextWeek.basis).toBe('recovery');
    expect(result.nextWeek.strengthDays).toEqual([]);
    expect(result.nextWeek.maxDistanceM).toBeLessThanOrEqual(0.5 * 68_100);
    expect(result.nextWeek.notes.join(' ')).toMatch(/no quality session and no long run/);
    expect(result.nextWeek.notes.join(' ')).toMatch(/only light mobility/);
  });

  it('the week after the race: no strength minimum, missed sessions or shortfall for following the recovery advice', () => {
    const { flags } = scenario({
      previous: { drop: ['prev-a-long'], dropPlanned: ['prev-p-long'], add: [longRun('prev-a-race', addDays(MON, -1), { km: 42 })], addPlanned: [planned('prev-p-race', addDays(MON, -1), 'race', { distanceM: 42_195 })] },
      week: { drop: ['a-int', 'a-str1', 'a-tempo', 'a-str2', 'a-long'] },
      raceDate: addDays(MON, -1),
    });
    expect(flags).toEqual([]);
  });

  it('the volume advice never exceeds what next week’s own rules allow: the plan’s rise, not the band above it', () => {
    const { flags, result } = scenario({
      week: {
        dropPlanned: ['p-e1', 'p-e2'],
        addPlanned: [planned('p-e1', WED, 'easy', { durationS: 1000 }), planned('p-e2', SAT, 'easy', { durationS: 1000 })],
      },
      next: { dropPlanned: ['next-p-long'], addPlanned: [planned('next-p-long', addDays(NEXT_MON, 6), 'long', { distanceM: 45_000 })] },
    });
    // The band would allow 80.8 × 1.2 = 97 km, but the ramp allows 68.1 km + 10 % or the plan's rise, no more.
    expect(result.nextWeek.maxDistanceM).toBe(80_800);
    expect(flags[0]!.suggestion).toBe("Next week stick to the plan's 80.8 km and no more: extra volume is where overuse injuries start.");
    // Without the plan's rise, the ramp is the limit: 68.1 km + 10 %.
    const flat = scenario({
      week: { dropPlanned: ['p-e1', 'p-e2'], addPlanned: [planned('p-e1', WED, 'easy', { durationS: 1000 }), planned('p-e2', SAT, 'easy', { durationS: 1000 })] },
      next: { dropPlanned: ['next-p-long'], addPlanned: [planned('next-p-long', addDays(NEXT_MON, 6), 'long', { distanceM: 36_000 })] },
    });
    expect(flat.result.nextWeek.maxDistanceM).toBe(74_900);
    expect(flat.flags[0]!.suggestion).toBe("Next week stick to the plan's 71.8 km (at most 74.9 km): extra volume is where overuse injuries start.");
  });
});

describe('rules at the edges', () => {
  it('strength on Sunday before a quality session planned next Monday is flagged from next week’s plan', () => {
    const { flags } = scenario({
      week: { drop: ['a-str2'], dropPlanned: ['p-str2'], add: [strength('a-str2', SUN, { startHour: 19 })] },
      next: { dropPlanned: ['next-p-mon'], addPlanned: [planned('next-p-mon', NEXT_MON, 'hills')] },
    });
    // Sunday: after the long run (a hard day), the day before Monday's planned hills.
    expect(codes(flags)).toEqual([`strength_before_key_session@${SUN}`]);
    expect(flags[0]).toMatchObject({ evidence: { activityIds: ['a-str2'], plannedIds: ['next-p-mon'] } });
    expect(flags[0]!.message).toContain('the planned hill repeats on Mon 2027-02-15');
  });

  it('strength the day before the race is critical, and the race rule’s (strength_near_race)', () => {
    const { flags } = scenario({
      week: { drop: ['a-str2'], dropPlanned: ['p-str2', 'p-long'], add: [strength('a-str2', SAT)], addPlanned: [planned('p-long', SUN, 'race')] },
      raceDate: SUN,
    });
    expect(flags.find((x) => x.code === 'strength_before_key_session')).toBeUndefined();
    const near = flags.filter((x) => x.code === 'strength_near_race');
    // Tuesday's 45 min is over the race-week 30; Saturday's (18:00) came 13 h before the race run (07:00).
    expect(near.map((f) => [f.date, f.severity])).toEqual([
      [TUE, 'warning'],
      [SAT, 'critical'],
    ]);
    expect(near[1]!.evidence.numbers).toMatchObject({ hoursBeforeRace: 13, minHoursStrengthBeforeRace: 72, longestSessionMinutes: 45 });
    expect(near[1]!.message).toBe('Strength on Sat 2027-02-13 started 13 h 00 min before the race on Sun 2027-02-14 (keep at least 72 h) and lasted 45 min (at most 30 min in race week).');
  });

  it('pairs Monday with last week’s Sunday for hard days back to back', () => {
    const { flags } = scenario({
      week: { drop: ['a-int', 'a-str1'], add: [intervalRun('a-int', MON), strength('a-str1', MON)], dropPlanned: ['p-int', 'p-str1', 'p-mon'], addPlanned: [planned('p-int', MON, 'intervals', { durationS: 4500 }), planned('p-str1', MON, 'strength', { durationS: 2700 })] },
    });
    expect(codes(flags)).toEqual([`hard_days_back_to_back@${MON}`]);
    expect(flags[0]!.evidence.activityIds).toEqual(['a-int', 'prev-a-long']);
  });

  it('an easy run done hard that makes two hard days in a row is one flag, easy_run_too_hard', () => {
    const { flags } = scenario({ week: { drop: ['a-e1'], add: [tempoRun('a-e1', WED)] } });
    expect(codes(flags)).toEqual([`easy_run_too_hard@${WED}`]);
    expect(flags[0]!.message).toContain('a second hard day in a row');
  });

  it('a week without a plan: only the rules that need none fire, and next week follows this week’s pattern', () => {
    const specs = [addWeeks(W, -1), W].map((isoWeek, i) => ({ isoWeek, activities: modelWeek(isoWeek, i === 0 ? 'prev-' : '').activities.filter((a) => a.category !== 'strength') }));
    const docs = buildWeeks(specs);
    const r = recommend({ week: docs[1]!, previousWeek: docs[0]!, plannedThisWeek: [], plannedNextWeek: [], raceDate: null, taperStart: null });
    expect(codes(r.flags)).toEqual(['strength_missing@week']);
    expect(r.flags[0]!.severity).toBe('critical');
    expect(r.nextWeek.basis).toBe('pattern');
    expect(r.nextWeek.strengthDays.map((s) => [s.date, s.afterKind, s.optional])).toEqual([
      [addDays(NEXT_MON, 1), 'intervals', false],
      [addDays(NEXT_MON, 3), 'threshold', true],
    ]);
    expect(r.nextWeek.notes[0]).toBe("Next week has no plan: these days follow this week's hard days (Tue intervals, Thu hard run and Sun long run).");
    expect(r.flags[0]!.suggestion).toContain("Next week has no plan yet; going by this week's hard days, they would be Tue (intervals), Thu (hard run) and Sun (long run): do strength on Tue after the intervals (a second session on Thu after the hard run pays).");
  });

  it('mid-week (asOf): upcoming sessions are not missed and week-level flags wait', () => {
    const { flags } = scenario({ week: { drop: ['a-tempo', 'a-str2', 'a-e2', 'a-long'] }, asOf: THU });
    expect(flags).toEqual([]);
    const later = scenario({ week: { drop: ['a-tempo', 'a-str2', 'a-e2', 'a-long'] }, asOf: SAT });
    expect(codes(later.flags)).toEqual([`strength_skipped@${THU}`, `key_session_missed@${THU}`]);
  });

  it('a taper week takes 20 minutes of strength as enough', () => {
    const week: Edit = { drop: ['a-str1', 'a-str2'], dropPlanned: ['p-str2'], add: [strength('a-str1', TUE, { min: 25 })] };
    expect(codes(scenario({ week }).flags)).toEqual(['strength_too_short@week']);
    expect(scenario({ week, raceDate: '2027-02-28' }).flags).toEqual([]);
  });

  it('thresholds are per athlete', () => {
    const week: Edit = { drop: ['a-str1', 'a-str2'], dropPlanned: ['p-str2'], add: [strength('a-str1', TUE, { min: 35 })] };
    expect(codes(scenario({ week }).flags)).toEqual(['strength_too_short@week']);
    expect(scenario({ week, thresholds: { minWeeklyStrengthMinutes: 30, minTaperStrengthMinutes: 20 } }).flags).toEqual([]);
    const grey: Edit = { drop: ['a-e1'], add: [greyZoneRun('a-e1', WED, 0.3)] };
    expect(codes(scenario({ week: grey }).flags)).toEqual([`easy_run_too_hard@${WED}`]);
    expect(scenario({ week: grey, thresholds: { easyRunMaxFractionAboveZone2: 0.35 } }).flags).toEqual([]);
  });
});

describe('next week', () => {
  it('moves a planned strength session off the day before the long run, to a quality day', () => {
    const { result } = scenario({
      next: { dropPlanned: ['next-p-str2'], addPlanned: [planned('next-p-str2', addDays(NEXT_MON, 5), 'strength')] },
    });
    expect(result.nextWeek.strengthDays.map((s) => s.date)).toEqual([addDays(NEXT_MON, 1), addDays(NEXT_MON, 3)]);
    expect(result.nextWeek.notes).toEqual([
      'The plan has strength on Sat, which is the day before the long run (Sun).',
      'Do strength on Thu after the tempo run instead.',
    ]);
  });

  it('offers an optional second session when the plan has one', () => {
    const { result } = scenario({ next: { dropPlanned: ['next-p-str2'] } });
    expect(result.nextWeek.strengthDays.map((s) => [s.date, s.optional])).toEqual([
      [addDays(NEXT_MON, 1), false],
      [addDays(NEXT_MON, 3), true],
    ]);
    expect(result.nextWeek.strengthDays[1]!.reason).toMatch(/^Optional second session/);
  });

  it('in race week keeps one session, never the day before the race, and says so', () => {
    const race = addDays(NEXT_MON, 6);
    const { result } = scenario({
      next: { dropPlanned: ['next-p-long'], addPlanned: [planned('next-p-race', race, 'race', { distanceM: 42_195 })] },
      raceDate: race,
    });
    expect(result.nextWeek.strengthDays.map((s) => s.date)).not.toContain(addDays(race, -1));
    expect(result.nextWeek.notes.some((n) => n.startsWith('Race week (race Sun)'))).toBe(true);
  });

  it('in race week keeps one session before the race: not on race day, not after it', () => {
    const race = addDays(NEXT_MON, 5);
    const { result } = scenario({
      next: { addPlanned: [planned('next-p-str3', race, 'strength'), planned('next-p-str4', addDays(NEXT_MON, 6), 'strength')] },
      raceDate: race,
    });
    expect(result.nextWeek.strengthDays.map((s) => s.date)).toEqual([addDays(NEXT_MON, 1)]);
    // Thursday is less than 72 h before a Saturday race (#18, point 4): moved, not merely dropped.
    expect(result.nextWeek.notes.slice(0, 3)).toEqual([
      'The plan has strength on Thu, which is less than 72 h before the race (Sat), counting an evening session.',
      'The plan has strength on Sat, which is race day.',
      'The plan has strength on Sun, which comes after the race (recovery first).',
    ]);
  });

  it('finds no day when every day is hard or before one, and says so', () => {
    const days = [0, 1, 2, 3, 4, 5, 6].map((i) => addDays(NEXT_MON, i));
    const { result } = scenario({
      next: { dropPlanned: modelWeek(addWeeks(W, 1), 'next-').planned.map((p) => p.id), addPlanned: days.map((date, i) => planned(`next-${i}`, date, 'tempo')) },
      raceDate: addDays(NEXT_MON, 7),
    });
    expect(result.nextWeek.strengthDays).toEqual([]);
    expect(result.nextWeek.notes.some((n) => n.startsWith('No day next week takes strength'))).toBe(true);
  });
});

describe('compareFlags', () => {
  const flag = (over: Partial<Flag>): Flag => ({
    code: 'strength_skipped',
    severity: 'warning',
    date: null,
    week: W,
    message: 'm',
    evidence: { activityIds: [], plannedIds: [], numbers: {} },
    suggestion: 's',
    ...over,
  });
  it('orders by date (week-level last), then code order, then evidence ids', () => {
    const flags = [
      flag({ code: 'ramp_too_steep' }),
      flag({ date: WED, code: 'easy_run_too_hard' }),
      flag({ date: TUE, code: 'strength_before_run', evidence: { activityIds: ['b'], plannedIds: [], numbers: {} } }),
      flag({ date: TUE, code: 'strength_before_run', evidence: { activityIds: ['a'], plannedIds: [], numbers: {} } }),
      flag({ date: TUE, code: 'strength_skipped' }),
      flag({ code: 'strength_missing' }),
    ].sort(compareFlags);
    expect(flags.map((f) => `${f.date ?? 'week'} ${f.code} ${f.evidence.activityIds.join()}`)).toEqual([
      `${TUE} strength_skipped `,
      `${TUE} strength_before_run a`,
      `${TUE} strength_before_run b`,
      `${WED} easy_run_too_hard `,
      'week strength_missing ',
      'week ramp_too_steep ',
    ]);
  });
});
