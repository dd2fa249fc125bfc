/**
 * A generated training history: weeks of marathon training as synthetic FIT sessions (easy runs,
 * intervals, tempo, long runs, strength). Deterministic for a seed. Feeds the benchmarks, the
 * demo and scenario tests.
 */
import { addDays, weekStart } from '../domain/iso-week.ts';
import { prng, type SynthLap, type SynthSession, type SynthSet } from './fit.ts';

export interface GeneratedSession {
  /** Local calendar date (the generator works in UTC). */
  date: string;
  kind: 'easy' | 'long' | 'intervals' | 'tempo' | 'strength';
  session: SynthSession;
}

function at(date: string, hourUtc: number): Date {
  return new Date(`${date}T${String(hourUtc).padStart(2, '0')}:00:00Z`);
}

function easyLaps(km: number, rand: () => number, hr: number): SynthLap[] {
  const laps: SynthLap[] = [];
  for (let i = 0; i < Math.floor(km); i++) laps.push({ durationS: Math.round(330 + rand() * 30), distanceM: 1000, avgHr: hr + Math.round(rand() * 6) });
  return laps;
}

function intervalLaps(reps: number, rand: () => number): SynthLap[] {
  const laps: SynthLap[] = [{ durationS: 900, distanceM: 2600, avgHr: 135, intensity: 'warmup' }];
  for (let i = 0; i < reps; i++) {
    laps.push({ durationS: Math.round(200 + rand() * 10), distanceM: 800, avgHr: 172 + Math.round(rand() * 6) });
    laps.push({ durationS: 120, distanceM: 300, avgHr: 148, intensity: 'rest' });
  }
  laps.push({ durationS: 600, distanceM: 1700, avgHr: 138, intensity: 'cooldown' });
  return laps;
}

function strengthSets(rand: () => number, minutes: number): SynthSet[] {
  const exercises = ['squat', 'deadlift', 'lunge', 'calf_raise', 'plank', 'hip_raise'];
  const sets: SynthSet[] = [];
  let total = 0;
  let i = 0;
  while (total < minutes * 60) {
    const category = exercises[i % exercises.length]!;
    const timed = category === 'plank';
    const set: SynthSet = {
      category,
      reps: timed ? null : 6 + Math.floor(rand() * 6),
      weightKg: timed || category === 'hip_raise' ? null : 20 + Math.round(rand() * 40),
      durationS: timed ? 60 : 40 + Math.round(rand() * 20),
      restS: 90,
    };
    sets.push(set);
    total += set.durationS + set.restS;
    i++;
  }
  return sets;
}

/**
 * `weeks` of training starting on the Monday of `from`: five runs (Tue intervals, Thu tempo, Sun long,
 * two easy) and two strength sessions (after Tue and Thu runs) a week, volume rising with cut-backs.
 */
export function generateTraining(opts: { from: string; weeks: number; seed?: number; serialBase?: number }): GeneratedSession[] {
  const rand = prng(opts.seed ?? 1);
  const out: GeneratedSession[] = [];
  let serial = opts.serialBase ?? 3_900_100_000;
  const monday = weekStart(opts.from);
  for (let w = 0; w < opts.weeks; w++) {
    const scale = (w % 4 === 3 ? 0.8 : 1) * (1 + Math.min(w, 16) * 0.03);
    const day = (d: number): string => addDays(monday, w * 7 + d);
    const run = (date: string, kind: GeneratedSession['kind'], laps: SynthLap[], hour = 6): void => {
      out.push({ date, kind, session: { type: 'run', startTime: at(date, hour), laps, serialNumber: serial++ } });
    };
    const strength = (date: string): void => {
      out.push({
        date,
        kind: 'strength',
        session: { type: 'strength', startTime: at(date, 17), sets: strengthSets(rand, 40 + Math.floor(rand() * 15)), avgHr: 100, serialNumber: serial++ },
      });
    };
    run(day(0), 'easy', easyLaps(8 * scale, rand, 138));
    run(day(1), 'intervals', intervalLaps(5 + (w % 3), rand));
    strength(day(1));
    run(day(3), 'tempo', [
      { durationS: 600, distanceM: 1800, avgHr: 135, intensity: 'warmup' },
      { durationS: Math.round(1200 * scale), distanceM: Math.round(4800 * scale), avgHr: 165 },
      { durationS: 600, distanceM: 1700, avgHr: 138, intensity: 'cooldown' },
    ]);
    strength(day(3));
    run(day(4), 'easy', easyLaps(6 * scale, rand, 136));
    run(day(6), 'long', easyLaps(18 * scale, rand, 145), 7);
  }
  return out;
}
