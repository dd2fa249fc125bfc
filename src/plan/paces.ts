/**
 * Training paces from a goal or a recent race, with Daniels and Gilbert's published equations
 * (J. Daniels, J. Gilbert, "Oxygen Power", 1979; J. Daniels, "Daniels' Running Formula"):
 *
 * - oxygen cost of running at v m/min: VO2 = −4.60 + 0.182258·v + 0.000104·v²  (ml/kg/min)
 * - share of VO2max a race of t minutes can hold: %max = 0.8 + 0.1894393·e^(−0.012778·t)
 *   + 0.2989558·e^(−0.1932605·t)
 * - VDOT = VO2(race speed) / %max(race time)
 *
 * Training paces are speeds whose oxygen cost is a share of VDOT (Daniels' intensities): easy and long
 * 62–70 %, threshold 86–89 %, interval 95–100 %, repetition 105–110 %; marathon pace is the predicted
 * (or goal) marathon speed, ± 1.5 %. Docs: docs/paces.md (a worked example).
 */
import { MARATHON_M } from './rules.ts';

export type PaceName = 'easy' | 'long' | 'marathon' | 'threshold' | 'interval' | 'repetition';

/** A pace range in seconds per km: `fast` is the lower number. */
export interface PaceRange {
  fastSPerKm: number;
  slowSPerKm: number;
}

export type TrainingPaces = Readonly<Record<PaceName, PaceRange>>;

/** Shares of VDOT for each pace (slow end, fast end). */
export const PACE_INTENSITY: Readonly<Record<Exclude<PaceName, 'marathon'>, readonly [number, number]>> = {
  easy: [0.62, 0.7],
  long: [0.62, 0.7],
  threshold: [0.86, 0.89],
  interval: [0.95, 1.0],
  repetition: [1.05, 1.1],
};
/** Marathon pace: the race speed ± this share. */
export const MARATHON_PACE_SPREAD = 0.015;

/** Oxygen cost (ml/kg/min) of running at `v` metres a minute. */
export function oxygenCost(v: number): number {
  return -4.6 + 0.182258 * v + 0.000104 * v * v;
}

/** Share of VO2max a race lasting `minutes` can be run at. */
export function fractionOfMax(minutes: number): number {
  return 0.8 + 0.1894393 * Math.exp(-0.012778 * minutes) + 0.2989558 * Math.exp(-0.1932605 * minutes);
}

/** VDOT of a race: `distanceM` in `timeS`. */
export function vdotFromRace(distanceM: number, timeS: number): number {
  const minutes = timeS / 60;
  return oxygenCost(distanceM / minutes) / fractionOfMax(minutes);
}

/** Speed (m/min) whose oxygen cost is `vo2` (the positive root of the cost equation). */
export function speedForVo2(vo2: number): number {
  const a = 0.000104;
  const b = 0.182258;
  const c = -4.6 - vo2;
  return (-b + Math.sqrt(b * b - 4 * a * c)) / (2 * a);
}

/** Predicted time (s) for `distanceM` at `vdot` (bisection on the race time). */
export function predictTimeS(vdot: number, distanceM: number): number {
  let lo = 60; // seconds
  let hi = 60 * 60 * 24;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    // A longer time gives a lower VDOT.
    if (vdotFromRace(distanceM, mid) > vdot) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const secondsPerKm = (metresPerMin: number): number => 60_000 / metresPerMin;
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Training paces for `vdot` (seconds per km, to 0.1 s). */
export function trainingPaces(vdot: number): TrainingPaces {
  const range = ([slow, fast]: readonly [number, number]): PaceRange => ({
    fastSPerKm: round1(secondsPerKm(speedForVo2(fast * vdot))),
    slowSPerKm: round1(secondsPerKm(speedForVo2(slow * vdot))),
  });
  const mp = predictTimeS(vdot, MARATHON_M) / (MARATHON_M / 1000);
  return {
    easy: range(PACE_INTENSITY.easy),
    long: range(PACE_INTENSITY.long),
    marathon: { fastSPerKm: round1(mp * (1 - MARATHON_PACE_SPREAD)), slowSPerKm: round1(mp * (1 + MARATHON_PACE_SPREAD)) },
    threshold: range(PACE_INTENSITY.threshold),
    interval: range(PACE_INTENSITY.interval),
    repetition: range(PACE_INTENSITY.repetition),
  };
}

/** Long-run pace for a marathon goal (the middle of the long range), s/km; null without a goal. */
export function longRunPaceSPerKm(goalTimeS: number | null): number | null {
  if (goalTimeS === null || goalTimeS <= 0) return null;
  const r = pacesForMarathonGoal(goalTimeS).long;
  return (r.fastSPerKm + r.slowSPerKm) / 2;
}

/** Training paces from a marathon goal time. */
export function pacesForMarathonGoal(goalTimeS: number): TrainingPaces {
  return trainingPaces(vdotFromRace(MARATHON_M, goalTimeS));
}
