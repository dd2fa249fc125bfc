/**
 * The demo athlete's training: a generated 16-week marathon plan whose first weeks are over, and FIT
 * files of what was done in them — runs with heart rate and laps that follow the plan with a little
 * noise, strength sessions with sets, and the mistakes a coach sees every week:
 *
 * - skipped strength (week 3, and the first strength session of the last week),
 * - misplaced strength (week 5, and the last week: the session moved to the day before the long run),
 * - easy runs done too hard (week 7, and the first easy run of the last week),
 * - a mileage jump (the last week: long run +60 %, easy runs +15 %),
 * - a run recorded without heart rate (the last week: the strap was left at home).
 *
 * Pure and deterministic: the same `today`, `seed` and units give the same plan and the same bytes.
 * The last week with training is the week before `today`'s.
 */
import type { TrainingPlan, PlannedSession } from '../domain/plan.ts';
import type { PlanUnits } from '../domain/units.ts';
import { generatePlan } from '../plan/generate.ts';
import { addDays, isoWeekOf, weekStart } from '../domain/iso-week.ts';
import { DEMO_PLAN_WEEKS, DEMO_WEEKS_DONE } from './demo-size.ts';
import { encodeRun, encodeStrength, prng, type SynthLap, type SynthSet } from './fit.ts';

export { DEMO_PLAN_WEEKS, DEMO_WEEKS_DONE };

/** The demo athlete's physiology, as given in the profile (so zones do not depend on estimates). */
export const DEMO_ATHLETE = {
  name: 'Demo Runner',
  timezone: 'Europe/London',
  sex: 'f' as const,
  maxHr: 188,
  restingHr: 48,
  lthr: 170,
};

export type DemoMistake =
  | 'strength_skipped'
  | 'strength_misplaced'
  | 'easy_run_too_hard'
  | 'mileage_jump'
  | 'no_heart_rate';

export interface DemoFile {
  filename: string;
  /** Local date of the session. */
  date: string;
  /** What the file holds: `easy run`, `intervals`, `strength`, … */
  what: string;
  bytes: Uint8Array;
}

export interface DemoTraining {
  plan: TrainingPlan;
  files: DemoFile[];
  /** ISO weeks with training, oldest first; the last one is the week before `today`'s. */
  weeks: string[];
  /** The planted mistakes, by week. */
  mistakes: { isoWeek: string; date: string; mistake: DemoMistake; note: string }[];
}

const HOUR = 3600_000;
/**
 * Seconds between records: watches' "smart recording" writes a record every few seconds. Five keeps
 * the ten weeks quick to encode and import; every lap (60 s hill repeats included) still has many.
 */
const RECORD_INTERVAL_S = 5;

/**
 * The demo's plan and files for an athlete whose local date is `today` (YYYY-MM-DD). Times are
 * written in UTC at hours that are the same local date anywhere from UTC−5 to UTC+5.
 */
export function demoTraining(opts: { today: string; seed?: number; units?: PlanUnits }): DemoTraining {
  const seed = opts.seed ?? 1;
  const units = opts.units ?? 'mi';
  const rand = prng(seed * 7919 + 17);
  const thisMonday = weekStart(opts.today);
  const planStart = addDays(thisMonday, -7 * DEMO_WEEKS_DONE);
  const raceDate = addDays(planStart, 7 * DEMO_PLAN_WEEKS - 1);
  const plan = generatePlan({ raceDate, weeks: DEMO_PLAN_WEEKS, runsPerWeek: 5, strengthSessions: 2, units, name: `Demo marathon ${raceDate}` });

  const files: DemoFile[] = [];
  const mistakes: DemoTraining['mistakes'] = [];
  const weeks: string[] = [];
  let serial = 3_910_000_000 + (seed % 1000) * 1000;

  for (let w = 0; w < DEMO_WEEKS_DONE; w++) {
    const monday = addDays(planStart, 7 * w);
    const isoWeek = isoWeekOf(monday);
    weeks.push(isoWeek);
    const sessions = plan.sessions.filter((s) => s.date >= monday && s.date <= addDays(monday, 6) && s.kind !== 'rest');
    const last = w === DEMO_WEEKS_DONE - 1;
    const weekNo = w + 1;
    const strength = sessions.filter((s) => s.kind === 'strength');
    const easy = sessions.filter((s) => s.kind === 'easy' || s.kind === 'recovery');
    const long = sessions.find((s) => s.kind === 'long');
    const note = (date: string, mistake: DemoMistake, text: string): void => {
      mistakes.push({ isoWeek, date, mistake, note: text });
    };

    // Which planned session becomes which mistake this week.
    const skip = new Set<PlannedSession>();
    const moveToBeforeLong = new Set<PlannedSession>();
    const tooHard = new Set<PlannedSession>();
    let noHr: PlannedSession | undefined;
    let longFactor = 1;
    let easyFactor = 1;
    if (weekNo === 3 && strength[1] !== undefined) skip.add(strength[1]);
    if (weekNo === 5 && strength[1] !== undefined && long !== undefined) moveToBeforeLong.add(strength[1]);
    if (weekNo === 7 && easy[0] !== undefined) tooHard.add(easy[0]);
    if (last) {
      if (strength[0] !== undefined) skip.add(strength[0]);
      if (strength[1] !== undefined && long !== undefined) moveToBeforeLong.add(strength[1]);
      if (easy[0] !== undefined) tooHard.add(easy[0]);
      noHr = easy.filter((s) => !tooHard.has(s)).at(-1);
      longFactor = 1.6;
      easyFactor = 1.15;
    }

    for (const s of sessions) {
      const noise = 0.96 + rand() * 0.08;
      if (s.kind === 'strength') {
        if (skip.has(s)) {
          note(s.date, 'strength_skipped', `planned strength session on ${s.date} not done`);
          continue;
        }
        let date = s.date;
        if (moveToBeforeLong.has(s) && long !== undefined) {
          date = addDays(long.date, -1);
          note(date, 'strength_misplaced', `strength planned for ${s.date} done on ${date}, the day before the long run`);
        }
        const minutes = Math.round(((s.durationS ?? 2700) / 60) * noise);
        const start = at(date, 17, Math.floor(rand() * 30));
        files.push({
          filename: `${date}-strength.fit`,
          date,
          what: 'strength',
          bytes: encodeStrength({ startTime: start, sets: strengthSets(rand, minutes), avgHr: 104 + Math.round(rand() * 8), serialNumber: serial++, recordIntervalS: RECORD_INTERVAL_S }),
        });
        continue;
      }
      if (s.kind === 'cross') continue;
      let factor = noise;
      if (s.kind === 'long') factor *= longFactor;
      if (s.kind === 'easy' || s.kind === 'recovery') factor *= easyFactor;
      const distanceM = Math.round(((s.distanceM ?? 8000) * factor) / 10) * 10;
      const hard = tooHard.has(s);
      if (hard) note(s.date, 'easy_run_too_hard', `easy run on ${s.date} run at tempo heart rate`);
      if (s === noHr) note(s.date, 'no_heart_rate', `run on ${s.date} recorded without a heart-rate strap`);
      const laps = runLaps(s, distanceM, rand, hard);
      const start = at(s.date, s.kind === 'long' ? 8 : 6, Math.floor(rand() * 30));
      files.push({
        filename: `${s.date}-${s.kind}.fit`,
        date: s.date,
        what: s.kind === 'easy' || s.kind === 'recovery' ? `${s.kind} run` : s.kind,
        bytes: encodeRun({ startTime: start, laps, withHr: s !== noHr, serialNumber: serial++, recordIntervalS: RECORD_INTERVAL_S }),
      });
    }
    if (last && long !== undefined) {
      note(long.date, 'mileage_jump', 'long run 60 % and easy runs 15 % longer than planned');
    }
  }
  files.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  return { plan, files, weeks, mistakes };
}

function at(date: string, hourUtc: number, minute: number): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) + hourUtc * HOUR + minute * 60_000);
}

/** Laps of about `lapM` metres at `secPerKm` pace with heart rate around `hr`, covering `distanceM`. */
function steady(distanceM: number, secPerKm: number, hr: number, rand: () => number, lapM = 1000): SynthLap[] {
  const laps: SynthLap[] = [];
  let left = distanceM;
  while (left > 0) {
    const d = Math.min(lapM, left);
    if (d < 200 && laps.length > 0) {
      const prev = laps[laps.length - 1]!;
      prev.distanceM += d;
      prev.durationS = Math.round(prev.durationS + (d / 1000) * secPerKm);
      break;
    }
    const pace = secPerKm * (0.98 + rand() * 0.04);
    laps.push({ distanceM: d, durationS: Math.max(1, Math.round((d / 1000) * pace)), avgHr: hr + Math.round(rand() * 4 - 2) });
    left -= d;
  }
  return laps;
}

/** The laps of a planned run: warm-up, work and cool-down for quality sessions, steady laps otherwise. */
function runLaps(s: PlannedSession, distanceM: number, rand: () => number, tooHard: boolean): SynthLap[] {
  const warm = (m: number): SynthLap => ({ distanceM: m, durationS: Math.round((m / 1000) * 370), avgHr: 134, intensity: 'warmup' });
  const cool = (m: number): SynthLap => ({ distanceM: m, durationS: Math.round((m / 1000) * 380), avgHr: 138, intensity: 'cooldown' });
  switch (s.kind) {
    case 'intervals': {
      // 800 m repeats at 5K pace with 400 m jog recoveries.
      const reps = Math.max(4, Math.min(10, Math.round((distanceM * 0.5) / 1200)));
      const laps: SynthLap[] = [warm(2000)];
      for (let i = 0; i < reps; i++) {
        laps.push({ distanceM: 800, durationS: Math.round(196 + rand() * 8), avgHr: 173 + Math.round(rand() * 5) });
        laps.push({ distanceM: 400, durationS: Math.round(150 + rand() * 10), avgHr: 150, intensity: 'rest' });
      }
      laps.push(cool(Math.max(1000, distanceM - 2000 - reps * 1200)));
      return laps;
    }
    case 'hills': {
      // 60 s uphill hard, jog back down.
      const reps = Math.max(6, Math.min(12, Math.round((distanceM * 0.35) / 430)));
      const laps: SynthLap[] = [warm(2000)];
      for (let i = 0; i < reps; i++) {
        laps.push({ distanceM: 230, durationS: 60, avgHr: 172 + Math.round(rand() * 5) });
        laps.push({ distanceM: 200, durationS: 95, avgHr: 148, intensity: 'rest' });
      }
      laps.push(cool(Math.max(1000, distanceM - 2000 - reps * 430)));
      return laps;
    }
    case 'tempo':
    case 'threshold':
    case 'race_pace': {
      const block = Math.max(3000, Math.round((distanceM * 0.55) / 100) * 100);
      const pace = s.kind === 'race_pace' ? 300 : 272;
      const hr = s.kind === 'race_pace' ? 160 : 166;
      return [warm(2000), ...steady(block, pace, hr, rand, 1600), cool(Math.max(1000, distanceM - 2000 - block))];
    }
    case 'long':
      return steady(distanceM, 355, 146, rand);
    case 'easy':
    case 'recovery':
    case 'race':
    case 'cross':
    case 'rest':
    case 'strength':
      // Easy and recovery runs (the others are not generated as runs); one run too hard sits in zone 3.
      return tooHard ? steady(distanceM, 292, 159, rand) : steady(distanceM, s.kind === 'recovery' ? 375 : 350, 140, rand);
  }
}

function strengthSets(rand: () => number, minutes: number): SynthSet[] {
  const exercises = ['squat', 'deadlift', 'lunge', 'calf_raise', 'plank', 'hip_raise'];
  const sets: SynthSet[] = [];
  let total = 0;
  for (let i = 0; total < minutes * 60; i++) {
    const category = exercises[i % exercises.length]!;
    const timed = category === 'plank';
    const set: SynthSet = {
      category,
      reps: timed ? null : 6 + Math.floor(rand() * 5),
      weightKg: timed || category === 'hip_raise' ? null : 20 + Math.round(rand() * 40),
      durationS: timed ? 60 : 40 + Math.round(rand() * 20),
      restS: 90,
    };
    sets.push(set);
    total += set.durationS + set.restS;
  }
  return sets;
}
